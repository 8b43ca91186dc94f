//! Work on speed must not change a byte: every output of the demo year (validation findings as
//! JSON and CSV, quality scores, outcomes, every file of the report) is locked by its SHA-256.
//! The readable snapshots (tests/report.rs, tests/explain.rs) say what changed when a digest
//! here does; this test says that nothing else did.

mod support;

use sha2::Digest as _;
use support::{iapt, root, scratch};

/// Runs `iapt` and returns its exit code, failing on a fatal error.
fn run(args: &[&str]) -> i32 {
    let out = iapt(args);
    let code = out.status.code().unwrap_or(-1);
    assert!((0..2).contains(&code), "iapt {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    code
}

#[test]
fn every_output_of_the_demo_year_keeps_its_bytes() {
    insta::with_settings!({ snapshot_path => "../snapshots/identical", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("demo-year", digests("identical-demo", &iapt_synth::DEMO));
    });
}

/// The demo year sent monthly (later versions supersede earlier ones) with 2% of rows defective.
#[test]
fn every_output_of_monthly_submissions_with_defects_keeps_its_bytes() {
    let config = iapt_synth::Config { monthly: true, defects: 0.02, ..iapt_synth::DEMO };
    let digests = digests("identical-monthly", &config);
    insta::with_settings!({ snapshot_path => "../snapshots/identical", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("monthly-with-defects", digests);
    });
}

/// Every output of every command on the synthetic data `config`, as `sha256  file` lines.
fn digests(name: &str, config: &iapt_synth::Config) -> String {
    let dir = scratch(name);
    iapt_synth::generate(config, &dir).unwrap();
    // Relative to the workspace root, where `iapt` runs, and replaced by `DATA` before hashing.
    let rel = dir.strip_prefix(root()).unwrap().to_str().unwrap().to_owned();
    let (data, out) = (format!("{rel}/submissions"), format!("{rel}/out"));
    let at = |name: &str| format!("{out}/{name}");
    let today = ["--today", "2026-11-26"];
    std::fs::create_dir_all(root().join(&out)).unwrap();
    for format in ["json", "csv"] {
        let file = at(&format!("validation.{format}"));
        let args = ["validate", "--quiet", "--format", format, "--output", &file, &data];
        run(&[&args[..], &today[..]].concat());
    }
    let period = ["--period", "2012-04-01..2013-03-31"];
    run(&["quality", "--quiet", "--format", "csv", "--output", &at("quality.csv"), &data]);
    run(&[&["outcomes", "--quiet", "--output", &at("outcomes.csv"), &data][..], &period[..]].concat());
    run(&["report", &data, "--quiet", "--out", &at("report"), "--reference", &format!("{rel}/reference")]);

    let files = support::files_below(&root().join(&out));
    let sha = |bytes: &[u8]| -> String { sha2::Sha256::digest(bytes).iter().map(|x| format!("{x:02x}")).collect() };
    let mut digests = String::new();
    for (name, bytes) in files {
        let bytes = if name.ends_with("manifest.json") {
            // The digests of the outputs as written, paths and all: tests/report.rs checks them.
            let mut manifest: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            for o in manifest["outputs"].as_array_mut().unwrap() {
                o["sha256"] = "checked elsewhere".into();
            }
            serde_json::to_vec_pretty(&manifest).unwrap()
        } else if name.ends_with(".xlsx") {
            // The workbook's parts, each as `name` then content: the Notes name the inputs too.
            let parts = support::crafted::unzip(&bytes);
            parts.into_iter().flat_map(|(part, content)| [part.into_bytes(), content]).flatten().collect()
        } else {
            bytes
        };
        let bytes = match String::from_utf8(bytes) {
            Ok(t) => t.replace(&rel, "DATA").into_bytes(),
            Err(e) => e.into_bytes(),
        };
        digests.push_str(&format!("{}  {name}\n", sha(&bytes)));
    }
    assert!(digests.lines().count() >= 19, "every output was written: {digests}");
    digests
}
