//! Maintainer tasks in plain Rust: `cargo xtask <task>`.
//!
//! - `demo`: the whole pipeline on a small synthetic year, into `target/demo/`
//! - `report INPUT`: the same pipeline on submissions you have, into `target/report/`
//! - `synth`: generate synthetic submissions (`--help` for options)
//! - `docs [--check]`: write `docs/rules.md`, `dataset.md` and `measures.md`, or fail if stale
//! - `spec-check DIR`: the schema against a copy of the specification
//! - `bench validate`: time validation against a bare read and the Python peer

#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bench_national;
mod dataset_doc;
mod demo;
mod docs;
mod measures_doc;
mod spec_check;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         demo                the whole pipeline on a small synthetic year, into target/demo\n  \
         report INPUT [--out DIR] [--reference DIR]   the same on your submissions (default out: target/report)\n  \
         synth --year 2012-13 --scale F --seed N --out DIR [--format csv|xlsx] [--monthly] [--defects RATE] [--providers N] [--single-provider]\n  \
         calibrate [--scale F] [--write]   derived national figures beside the published ones\n  \
         docs [--check]      write docs/rules.md, dataset.md, measures.md (or check they are fresh)\n  \
         spec-check DIR      the schema against a copy of the specification (DIR/dataset-v1.0.md, DIR/codes/)\n  \
         bench validate      time validation against a bare read and frictionless-py\n  \
         bench outcomes      the national year through iapt outcomes; the engine alone\n  \
         bench report        the national year through report, validate and outcomes, against a bare parse\n  \
         bench years         five national years through iapt outcomes: bytes per referral"
    );
    ExitCode::from(2)
}

pub use xtask::root;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("synth") => synth(&args[1..]),
        Some("docs") => docs::run(args.get(1).map(String::as_str) == Some("--check")),
        Some("spec-check") => spec_check::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("demo") => demo::run(),
        Some("report") => demo::report(&args[1..]),
        Some("calibrate") => xtask::calibrate::run(&args[1..]),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `synth` options into a generator config and output folder.
pub fn synth_config(args: &[String]) -> Result<(iapt_synth::Config, PathBuf), String> {
    let mut config = iapt_synth::Config::default();
    let mut out = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--year" => {
                let y = value()?;
                if y != "2012-13" {
                    return Err(format!("only --year 2012-13 is modelled, not {y}"));
                }
            }
            "--scale" => config.scale = value()?.parse().map_err(|_| "--scale takes a number such as 0.01")?,
            "--seed" => config.seed = value()?.parse().map_err(|_| "--seed takes a whole number")?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--format" => {
                config.format = match value()?.as_str() {
                    "csv" => iapt_synth::OutputFormat::Csv,
                    "xlsx" => iapt_synth::OutputFormat::Xlsx,
                    f => return Err(format!("--format is csv or xlsx, not {f}")),
                }
            }
            "--monthly" => config.monthly = true,
            "--defects" => config.defects = value()?.parse().map_err(|_| "--defects takes a rate such as 0.01")?,
            "--single-provider" => config.single_provider = true,
            "--providers" => config.providers = Some(value()?.parse().map_err(|_| "--providers takes a whole number")?),
            f => return Err(format!("unknown option {f}")),
        }
    }
    if !(config.scale > 0.0 && config.scale <= 2.0) {
        return Err("--scale is between 0 and 2".into());
    }
    Ok((config, out.ok_or("--out DIR is required")?))
}

fn synth(args: &[String]) -> Result<(), String> {
    let (config, out) = synth_config(args)?;
    let started = std::time::Instant::now();
    let summary = iapt_synth::generate(&config, &out).map_err(|e| e.to_string())?;
    println!(
        "wrote {} submissions to {}: {} people, {} referrals, {} appointment rows, {} defects ({:.1} s)",
        summary.submissions.len(),
        out.display(),
        summary.people,
        summary.referrals,
        summary.appointments,
        summary.defects.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
