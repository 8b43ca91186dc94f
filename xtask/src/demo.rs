//! `cargo xtask demo`: the pipeline on a small synthetic year with a fixed seed, into
//! `target/demo/`: generate, validate, score quality, derive outcomes, write the annual report.
//! `cargo xtask report DIR`: the same steps on submissions the user already has.
//! Both run the `iapt` binary, as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;

pub use iapt_synth::DEMO;

pub fn run() -> Result<(), String> {
    let out = crate::root().join("target/demo");
    let _ = std::fs::remove_dir_all(&out);
    let summary = iapt_synth::generate(&DEMO, &out.join("data")).map_err(|e| e.to_string())?;
    println!(
        "1. generated a synthetic 2012-13 (scale {}, seed {}): {} submissions, {} people, {} referrals, {} appointments",
        DEMO.scale,
        DEMO.seed,
        summary.submissions.len(),
        summary.people,
        summary.referrals,
        summary.appointments
    );
    pipeline(&out.join("data/submissions"), Some(&out.join("data/reference")), &out)
}

/// `cargo xtask report INPUT [--out DIR] [--reference DIR] [-- iapt report flags]`.
pub fn report(args: &[String]) -> Result<(), String> {
    let mut input = None;
    let mut out = crate::root().join("target/report");
    let mut reference = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = PathBuf::from(it.next().ok_or("--out needs a folder")?),
            "--reference" => reference = Some(PathBuf::from(it.next().ok_or("--reference needs a folder")?)),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path => input = Some(PathBuf::from(path)),
        }
    }
    let input = input.ok_or("usage: cargo xtask report INPUT [--out DIR] [--reference DIR]")?;
    // A folder written by `cargo xtask synth` holds its submissions and reference data apart.
    let (submissions, found) = if input.join("submissions").is_dir() {
        (input.join("submissions"), Some(input.join("reference")).filter(|r| r.is_dir()))
    } else {
        (input.clone(), None)
    };
    println!("1. reading {}", submissions.display());
    pipeline(&submissions, reference.as_deref().or(found.as_deref()), &out)
}

fn iapt_step(iapt: &Path, what: &str, args: &[&std::ffi::OsStr]) -> Result<i32, String> {
    let status = Command::new(iapt).args(args).status().map_err(|e| format!("cannot run iapt: {e}"))?;
    let code = status.code().unwrap_or(-1);
    // validate and quality exit 1 for findings; only 2 (a fatal error) stops the run.
    if !(0..2).contains(&code) {
        return Err(format!("iapt {what} failed (exit code {code})"));
    }
    Ok(code)
}

/// Validate, score, derive outcomes and write the report of `submissions` into `out`.
fn pipeline(submissions: &Path, reference: Option<&Path>, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot make {}: {e}", out.display()))?;
    let iapt = build_iapt()?;
    let os = |s: &str| std::ffi::OsString::from(s);
    let validation = out.join("validation.json");
    let code = iapt_step(
        &iapt,
        "validate",
        &[
            &os("validate"),
            &os("--format"),
            &os("json"),
            &os("--quiet"),
            &os("--output"),
            validation.as_os_str(),
            submissions.as_os_str(),
        ],
    )?;
    println!("2. validated every submission: exit code {code} -> {}", validation.display());
    let (quality, heat_map) = (out.join("quality-by-provider.csv"), out.join("quality.html"));
    let code = iapt_step(
        &iapt,
        "quality",
        &[
            &os("quality"),
            &os("--format"),
            &os("csv"),
            &os("--quiet"),
            &os("--output"),
            quality.as_os_str(),
            &os("--html"),
            heat_map.as_os_str(),
            submissions.as_os_str(),
        ],
    )?;
    println!("3. scored completeness and validity: exit code {code} -> {}, {}", quality.display(), heat_map.display());
    let outcomes = out.join("outcomes.csv");
    iapt_step(
        &iapt,
        "outcomes",
        &[
            &os("outcomes"),
            &os("--period"),
            &os("2012-04-01..2013-03-31"),
            &os("--quiet"),
            &os("--output"),
            outcomes.as_os_str(),
            submissions.as_os_str(),
        ],
    )?;
    println!("4. derived every referral's outcomes -> {}", outcomes.display());
    let report = out.join("report");
    let mut args = vec![os("report"), submissions.as_os_str().to_owned(), os("--out"), report.as_os_str().to_owned()];
    if let Some(r) = reference {
        args.extend([os("--reference"), r.as_os_str().to_owned()]);
    }
    println!("5. the annual report:\n");
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsString::as_os_str).collect();
    iapt_step(&iapt, "report", &refs)?;
    Ok(())
}

/// Builds the `iapt` binary in the profile xtask itself was built in, and returns its path.
/// `cargo xtask` runs in the test suite's profile (whose dependencies are optimised) and builds
/// the binary as `cargo test --workspace` does, with the same features (Cargo unifies them only
/// over what it builds), so after the tests the demo compiles nothing; `bench` runs in release.
pub fn build_iapt() -> Result<std::path::PathBuf, String> {
    let (args, folder): (&[&str], &str) = if cfg!(debug_assertions) {
        (&["test", "--quiet", "--workspace", "--no-run"], "target/debug/iapt")
    } else {
        (&["build", "--quiet", "--release", "-p", "iapt-cli"], "target/release/iapt")
    };
    let ok = Command::new(env!("CARGO")).args(args).current_dir(crate::root()).status().is_ok_and(|s| s.success());
    let path = crate::root().join(folder);
    if ok && Path::new(&path).exists() { Ok(path) } else { Err("cannot build the iapt binary".into()) }
}
