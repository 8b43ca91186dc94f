//! `cargo xtask bench validate`: the cost of validation against a bare read of the same
//! file, timed in the same run (this machine is noisy, so ratios are what to compare), and
//! against the Python peer (frictionless-py) on the same CSV and schema.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use calamine::Reader as _;
use iapt_schema::{Date, Schema};
use iapt_validate::Options;

const RUNS: usize = 7;

pub fn run(args: &[String]) -> Result<(), String> {
    // Timings mean something only in release: an xtask built for the tests hands over to one
    // built in release.
    if cfg!(debug_assertions) {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench"])
            .args(args)
            .current_dir(crate::root())
            .status()
            .map_err(|e| format!("cannot run the release xtask: {e}"))?;
        return if status.success() { Ok(()) } else { Err("the release benchmark failed".into()) };
    }
    match args.first().map(String::as_str) {
        Some("validate") => validate(),
        Some("outcomes") => outcomes(),
        Some("report") => crate::bench_national::report(),
        Some("years") => crate::bench_national::years(),
        _ => Err("usage: cargo xtask bench validate|outcomes|report|years".into()),
    }
}

/// Median wall times of `RUNS` rounds of `a` then `b`, interleaved so that the machine's
/// drift falls on both alike.
fn medians(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ta.push(time(&mut a));
        tb.push(time(&mut b));
    }
    ta.sort_by(f64::total_cmp);
    tb.sort_by(f64::total_cmp);
    (ta[RUNS / 2], tb[RUNS / 2])
}

fn generate(out: &Path, format: iapt_synth::OutputFormat) -> Result<PathBuf, String> {
    // One provider's year: 0.045 of England gives about 40,000 referrals and 113,000 appointments.
    let config =
        iapt_synth::Config { scale: 0.045, seed: 2013, format, single_provider: true, ..iapt_synth::Config::default() };
    let _ = std::fs::remove_dir_all(out);
    let summary = iapt_synth::generate(&config, out).map_err(|e| e.to_string())?;
    summary.submissions.into_iter().next().ok_or_else(|| "nothing generated".into())
}

fn bare_xlsx_read(path: &Path) -> u64 {
    let mut wb = calamine::open_workbook_auto(path).expect("benchmark workbook opens");
    let mut cells = 0u64;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet reads");
        cells += range.used_cells().count() as u64;
    }
    cells
}

fn bare_csv_read(dir: &Path) -> u64 {
    let mut fields = 0u64;
    for e in std::fs::read_dir(dir).expect("csv folder") {
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(false).from_path(e.expect("entry").path()).expect("csv opens");
        let mut rec = csv::ByteRecord::new();
        while rdr.read_byte_record(&mut rec).expect("csv reads") {
            fields += rec.len() as u64;
        }
    }
    fields
}

fn validate() -> Result<(), String> {
    let work = crate::root().join("target/bench/validate");
    println!("generating the benchmark provider-year (xlsx and csv, same seed) under {}", work.display());
    let xlsx = generate(&work.join("xlsx"), iapt_synth::OutputFormat::Xlsx)?;
    let csv_dir = generate(&work.join("csv"), iapt_synth::OutputFormat::Csv)?;
    let schema = Schema::builtin();
    let opts = Options::new(Date::parse_iso("2026-11-26").unwrap_or(Date::from_days(0)));
    let check = iapt_validate::validate(&csv_dir, &schema, &opts).map_err(|e| e.to_string())?;
    let (mut rows, mut cells) = (0u64, 0u64);
    for s in &check.sheets {
        rows += s.rows_read;
        cells += s.rows_read * schema.sheets[s.sheet].columns.len() as u64;
    }
    let count =
        |name: &str| check.sheets.iter().find(|s| schema.sheets[s.sheet].name == name).map_or(0, |s| s.rows_read);
    println!(
        "data: {} referrals, {} appointments, {rows} rows, {cells} cells; {} findings",
        count("Referral"),
        count("Appointment"),
        check.findings.len()
    );

    let (t_bare, t_xlsx) = medians(
        || {
            std::hint::black_box(bare_xlsx_read(&xlsx));
        },
        || {
            std::hint::black_box(iapt_validate::validate(&xlsx, &schema, &opts).map(|v| v.findings.len()).unwrap_or(0));
        },
    );
    let (t_csv_bare, t_csv) = medians(
        || {
            std::hint::black_box(bare_csv_read(&csv_dir));
        },
        || {
            std::hint::black_box(
                iapt_validate::validate(&csv_dir, &schema, &opts).map(|v| v.findings.len()).unwrap_or(0),
            );
        },
    );
    let peer = python_peer(&csv_dir);

    println!("\n| measurement (median of {RUNS}) | seconds | rows/s | cells/s | ratio |");
    println!("|---|---:|---:|---:|---:|");
    let line = |what: &str, t: f64, base: f64, base_name: &str| {
        println!(
            "| {what} | {t:.3} | {:.0} | {:.0} | {:.2}x {base_name} |",
            rows as f64 / t,
            cells as f64 / t,
            t / base
        );
    };
    line("bare calamine read (worksheet_range), xlsx", t_bare, t_bare, "bare read");
    line("iapt validate, xlsx", t_xlsx, t_bare, "bare read");
    line("bare csv crate read, csv", t_csv_bare, t_csv_bare, "bare csv read");
    line("iapt validate, csv", t_csv, t_csv_bare, "bare csv read");
    if let Some((t_py, py_cells)) = peer {
        println!(
            "| frictionless-py {}, csv (cells it checked: {py_cells}) | {t_py:.3} | {:.0} | {:.0} | {:.1}x iapt csv |",
            frictionless_version(),
            rows as f64 / t_py,
            py_cells as f64 / t_py,
            t_py / t_csv
        );
    } else {
        println!("| frictionless-py | not installed (pip install frictionless) | | | |");
    }
    println!(
        "\ntargets: xlsx validation <= 1.5x bare read: {:.2}x; csv >= 6,000,000 cells/s: {:.0}; >= 10x frictionless-py: {}",
        t_xlsx / t_bare,
        cells as f64 / t_csv,
        peer.map_or("n/a".to_owned(), |(t, _)| format!("{:.1}x", t / t_csv))
    );
    peak_memory(&xlsx);
    annotate_against_validate(&xlsx, &work)?;
    quality_against_validate(&xlsx)?;
    Ok(())
}

/// `iapt quality` against `iapt validate`, end to end on the same workbook, interleaved.
fn quality_against_validate(xlsx: &Path) -> Result<(), String> {
    let iapt = crate::demo::build_iapt()?;
    let run = |cmd: &str, format: &str| {
        let status =
            Command::new(&iapt).args([cmd, "--format", format, "--output", "/dev/null", "--quiet"]).arg(xlsx).status();
        std::hint::black_box(status.map(|s| s.code()).ok());
    };
    let (t_validate, t_quality) = medians(|| run("validate", "json"), || run("quality", "csv"));
    println!(
        "end to end, median of {RUNS}: `iapt validate` {t_validate:.3} s, `iapt quality` {t_quality:.3} s: quality costs {:.2}x validate",
        t_quality / t_validate
    );
    Ok(())
}

fn python_peer(csv_dir: &Path) -> Option<(f64, u64)> {
    let script = crate::root().join("xtask/peer/frictionless_validate.py");
    let schema = crate::root().join("schemas/iapt-v1.0");
    let out = Command::new("python3").arg(script).arg(schema).arg(csv_dir).output().ok()?;
    if !out.status.success() {
        eprintln!("frictionless-py failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let seconds = parts.next()?.parse().ok()?;
    let cells = parts.next()?.parse().ok()?;
    Some((seconds, cells))
}

fn frictionless_version() -> String {
    Command::new("python3")
        .args(["-c", "import frictionless; print(frictionless.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// End to end through the release binary, with GNU time's peak resident memory.
fn peak_memory(xlsx: &Path) {
    let built = Command::new("cargo")
        .args(["build", "--quiet", "--release", "-p", "iapt-cli"])
        .current_dir(crate::root())
        .status();
    let iapt = crate::root().join("target/release/iapt");
    if !built.is_ok_and(|s| s.success()) || !Path::new("/usr/bin/time").exists() {
        return;
    }
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(&iapt)
        .args(["validate", "--format", "json", "--output", "/dev/null"])
        .arg(xlsx)
        .output();
    if let Ok(o) = out {
        let stderr = String::from_utf8_lossy(&o.stderr);
        if let Some((secs, kb)) = stderr.lines().last().and_then(|l| l.split_once(' ')) {
            let mb = kb.trim().parse::<f64>().unwrap_or(0.0) / 1024.0;
            println!("end to end: `iapt validate --format json` on the xlsx: {secs} s, peak memory {mb:.0} MB");
        }
    }
}

/// `iapt validate --annotate` against `iapt validate` on the provider-year workbook, end to end
/// (medians of three runs each); the target is at most 3x.
fn annotate_against_validate(xlsx: &Path, work: &Path) -> Result<(), String> {
    let iapt = crate::demo::build_iapt()?;
    let copy = work.join("annotated.xlsx");
    let run = |annotate: bool| -> Result<f64, String> {
        let mut times = Vec::new();
        for _ in 0..3 {
            let mut args: Vec<&std::ffi::OsStr> = vec![
                "validate".as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                "--output".as_ref(),
                "/dev/null".as_ref(),
                xlsx.as_os_str(),
            ];
            if annotate {
                args.extend(["--annotate".as_ref(), copy.as_os_str()]);
            }
            times.push(timed(&iapt, &args)?.0);
        }
        times.sort_by(f64::total_cmp);
        Ok(times[1])
    };
    let (plain, annotated) = (run(false)?, run(true)?);
    println!(
        "end to end: `iapt validate --annotate` on the xlsx: {annotated:.2} s against {plain:.2} s without: {:.2}x (target <= 3x)",
        annotated / plain
    );
    Ok(())
}

/// `cargo xtask bench outcomes`: the national year (scale 1.0) through `iapt outcomes`, end
/// to end with peak memory, and the engine alone (merge and derive) in referrals per second.
fn outcomes() -> Result<(), String> {
    let out = crate::root().join("target/bench/national");
    let t = Instant::now();
    let summary = crate::bench_national::national(&out, 2013)?;
    let t_synth = t.elapsed().as_secs_f64();
    println!(
        "generated the national year as CSV in {t_synth:.1} s: {} submissions, {} referrals, {} appointments",
        summary.submissions.len(),
        summary.referrals,
        summary.appointments
    );
    let iapt = crate::demo::build_iapt()?;
    let submissions = out.join("submissions");
    let args = [&crate::bench_national::outcomes_args()[..], &[submissions.as_os_str()]].concat();
    let (secs, mb) = timed(&iapt, &args)?;
    println!(
        "end to end: `iapt outcomes` on {} submissions: {secs:.1} s wall, peak memory {mb:.0} MB",
        summary.submissions.len()
    );

    let schema = Schema::builtin();
    let today = Date::parse_iso("2026-11-26").unwrap_or(Date::from_days(0));
    let t = Instant::now();
    let validations =
        iapt_validate::validate_all(&summary.submissions, &schema, today, iapt_validate::Limits::default())
            .map_err(|e| e.to_string())?;
    let t_validate = t.elapsed().as_secs_f64();
    let subs: Vec<_> = validations.into_iter().filter_map(|v| v.submission).collect();
    let rules = iapt_outcomes::OutcomeRules::from_schema(&schema).map_err(|e| e.to_string())?;
    let period = iapt_outcomes::Period {
        start: Date::from_ymd(2012, 4, 1).unwrap_or(today),
        end: Date::from_ymd(2013, 3, 31).unwrap_or(today),
    };
    // Merging consumes its submissions: each round merges its own copy, made untimed.
    let mut copies: Vec<Vec<_>> = (0..RUNS).map(|_| subs.clone()).collect();
    let mut merges = Vec::new();
    for copy in &mut copies {
        let copy = std::mem::take(copy);
        let t = Instant::now();
        std::hint::black_box(iapt_outcomes::Dataset::merge(copy).referral_count());
        merges.push(t.elapsed().as_secs_f64());
    }
    merges.sort_by(f64::total_cmp);
    let t_merge = merges[RUNS / 2];
    let data = iapt_outcomes::Dataset::merge(subs);
    let (t_derive2, _) = medians(
        || {
            std::hint::black_box(iapt_outcomes::derive(&data, period, &rules).len());
        },
        || {},
    );
    let n = data.referral_count() as f64;
    println!(
        "validation of all submissions ({} threads): {t_validate:.2} s",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    println!(
        "engine alone (median of {RUNS}): merge {t_merge:.3} s ({:.0} referrals/s); derive {t_derive2:.3} s ({:.0} referrals/s); both {:.0} referrals/s",
        n / t_merge,
        n / t_derive2,
        n / (t_merge + t_derive2)
    );
    Ok(())
}

/// Runs `iapt` under `/usr/bin/time`: (wall seconds, peak resident MB).
pub fn timed(iapt: &Path, args: &[&std::ffi::OsStr]) -> Result<(f64, f64), String> {
    let run = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(iapt)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    // `validate` exits 1 for findings: only 2 and signals are failures.
    if !matches!(run.status.code(), Some(0 | 1)) {
        return Err(format!("iapt failed: {}", String::from_utf8_lossy(&run.stderr)));
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    let (secs, kb) = stderr.lines().last().and_then(|l| l.split_once(' ')).ok_or("no timing from /usr/bin/time")?;
    Ok((secs.trim().parse().unwrap_or(f64::NAN), kb.trim().parse::<f64>().unwrap_or(0.0) / 1024.0))
}
