//! `cargo xtask demo`: the pipeline on a small synthetic year with a fixed seed, into
//! `target/demo/`: generate, validate, score quality, derive outcomes (the annual report is
//! still to come). It runs the `iapt` binary, as a user would.

use std::path::Path;
use std::process::Command;

/// The demo's synthetic year: 1% of England, fixed seed.
pub const DEMO: iapt_synth::Config = iapt_synth::Config {
    scale: 0.01,
    seed: 2013,
    format: iapt_synth::OutputFormat::Csv,
    monthly: false,
    defects: 0.0,
    providers: None,
    single_provider: false,
};

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
    let iapt = build_iapt()?;
    let submissions = out.join("data/submissions");
    let validation = out.join("validation.json");
    let status = Command::new(&iapt)
        .args(["validate", "--format", "json", "--quiet", "--output"])
        .arg(&validation)
        .arg(&submissions)
        .status()
        .map_err(|e| format!("cannot run iapt: {e}"))?;
    println!("2. validated every submission: exit code {} -> {}", status.code().unwrap_or(-1), validation.display());
    let (quality, heat_map) = (out.join("quality.csv"), out.join("quality.html"));
    let status = Command::new(&iapt)
        .args(["quality", "--format", "csv", "--quiet", "--output"])
        .arg(&quality)
        .arg("--html")
        .arg(&heat_map)
        .arg(&submissions)
        .status()
        .map_err(|e| format!("cannot run iapt: {e}"))?;
    println!(
        "3. scored completeness and validity: exit code {} -> {}, {}",
        status.code().unwrap_or(-1),
        quality.display(),
        heat_map.display()
    );
    let outcomes = out.join("outcomes.csv");
    let status = Command::new(&iapt)
        .args(["outcomes", "--period", "2012-04-01..2013-03-31", "--quiet", "--output"])
        .arg(&outcomes)
        .arg(&submissions)
        .status()
        .map_err(|e| format!("cannot run iapt: {e}"))?;
    println!(
        "4. derived every referral's outcomes: exit code {} -> {}",
        status.code().unwrap_or(-1),
        outcomes.display()
    );
    if !status.success() {
        return Err("iapt outcomes failed".into());
    }
    Ok(())
}

/// Builds the release `iapt` binary and returns its path.
pub fn build_iapt() -> Result<std::path::PathBuf, String> {
    let ok = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release", "-p", "iapt-cli"])
        .current_dir(crate::root())
        .status()
        .is_ok_and(|s| s.success());
    let path = crate::root().join("target/release/iapt");
    if ok && Path::new(&path).exists() { Ok(path) } else { Err("cannot build the iapt binary".into()) }
}
