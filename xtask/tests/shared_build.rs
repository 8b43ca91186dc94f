//! `cargo xtask demo` reuses the build of `cargo test --workspace` only while Cargo resolves every
//! dependency of xtask with the features the test build gives it (Cargo unifies features over the
//! packages it builds). A dependency added to a test, or to the CLI, can break that silently:
//! this test names the dependency whose features differ.

use std::collections::BTreeMap;
use std::process::Command;

/// (package, version) -> its features, as `cargo tree` resolves them for `args`.
fn features(args: &[&str]) -> BTreeMap<(String, String), String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-f", "{p} {f}", "--prefix", "none"])
        .args(args)
        .current_dir(xtask::root())
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("iapt") && !l.starts_with("xtask"))
        .filter_map(|l| {
            let l = l.replace(" (*)", "").replace(" (proc-macro)", "");
            let mut parts = l.split_whitespace();
            let (name, version) = (parts.next()?.to_owned(), parts.next()?.to_owned());
            let features = parts.filter(|p| !p.starts_with('(')).collect::<Vec<_>>().join(" ");
            Some(((name, version), features))
        })
        .collect()
}

#[test]
fn cargo_xtask_resolves_the_features_the_tests_build() {
    let xtask = features(&["-p", "xtask", "-e", "normal,build"]);
    let tests = features(&["--workspace", "-e", "normal,build,dev"]);
    assert!(xtask.len() > 50, "cargo tree listed {} packages", xtask.len());
    let differ: Vec<String> = xtask
        .iter()
        .filter_map(|(k, f)| tests.get(k).filter(|t| *t != f).map(|t| format!("{} {}: `{f}` against `{t}`", k.0, k.1)))
        .collect();
    assert!(
        differ.is_empty(),
        "list these in xtask/Cargo.toml so that the demo reuses the test build:\n{}",
        differ.join("\n")
    );
}
