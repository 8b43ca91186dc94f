//! `cargo xtask bench report` and `cargo xtask bench years`: the national synthetic year (and
//! five of them at once) through the `iapt` binary, against a bare parse of the same files
//! timed in the same run on the same threads.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::bench::timed;

/// Rounds of each measurement; the medians are reported (five: this machine's times move by a
/// quarter from run to run, and a median of three still followed one slow spell).
const ROUNDS: usize = 5;

/// `iapt outcomes` for the year, written nowhere; the inputs follow.
pub fn outcomes_args() -> [&'static OsStr; 6] {
    ["outcomes", "--quiet", "--period", "2012-04-01..2013-03-31", "--output", "/dev/null"].map(OsStr::new)
}

/// The national year (scale 1.0, seed 2013) as CSV submissions under `out`.
pub fn national(out: &Path, seed: u64) -> Result<iapt_synth::Summary, String> {
    let config = iapt_synth::Config { scale: 1.0, seed, ..iapt_synth::Config::default() };
    let _ = std::fs::remove_dir_all(out);
    iapt_synth::generate(&config, out).map_err(|e| e.to_string())
}

/// Every CSV file of the submissions, parsed with the csv crate on as many threads as `iapt`
/// uses, counting fields: the least any validator must do. Returns (seconds, fields).
fn bare_parse(submissions: &[PathBuf]) -> (f64, u64) {
    let files: Vec<PathBuf> = submissions
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten().map(|e| e.path()))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    let fields: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut fields = 0u64;
                    let mut rec = csv::ByteRecord::new();
                    while let Some(f) = files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        let Ok(mut rdr) = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(f)
                        else {
                            continue;
                        };
                        while rdr.read_byte_record(&mut rec).unwrap_or(false) {
                            fields += rec.len() as u64;
                        }
                    }
                    fields
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    (t.elapsed().as_secs_f64(), fields)
}

fn median(mut v: Vec<(f64, f64)>) -> (f64, f64) {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v[v.len() / 2]
}

/// `cargo xtask bench report`: `iapt report`, `iapt validate` and `iapt outcomes` on the
/// national year, each against the bare parse (rounds interleaved, medians), with peak memory
/// and the targets of issue 15.
pub fn report() -> Result<(), String> {
    let out = crate::root().join("target/bench/national");
    let summary = national(&out, 2013)?;
    println!(
        "national year as CSV: {} submissions, {} referrals, {} appointments",
        summary.submissions.len(),
        summary.referrals,
        summary.appointments
    );
    let iapt = crate::demo::build_iapt()?;
    let os = OsStr::new;
    let subs = out.join("submissions");
    let report_dir = out.join("report");
    let commands: [(&str, Vec<&OsStr>); 3] = [
        ("iapt report", vec![os("report"), subs.as_os_str(), os("--quiet"), os("--out"), report_dir.as_os_str()]),
        (
            "iapt validate",
            vec![
                os("validate"),
                os("--quiet"),
                os("--format"),
                os("json"),
                os("--output"),
                os("/dev/null"),
                subs.as_os_str(),
            ],
        ),
        ("iapt outcomes", [&outcomes_args()[..], &[subs.as_os_str()]].concat()),
    ];
    let (mut bare, mut runs) = (Vec::new(), vec![Vec::new(); commands.len()]);
    let mut fields = 0;
    for _ in 0..ROUNDS {
        let (t, n) = bare_parse(&summary.submissions);
        bare.push((t, 0.0));
        fields = n;
        for (i, (_, args)) in commands.iter().enumerate() {
            runs[i].push(timed(&iapt, args)?);
        }
    }
    let (t_bare, _) = median(bare);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("\n| median of {ROUNDS} | seconds | peak MB | ratio to the bare parse |");
    println!("|---|---:|---:|---:|");
    println!("| bare csv parse, {threads} threads, {fields} fields | {t_bare:.2} | - | 1.00x |");
    let mut figures = Vec::new();
    for ((name, _), r) in commands.iter().zip(runs) {
        let (secs, mb) = median(r);
        println!("| `{name}` | {secs:.2} | {mb:.0} | {:.2}x |", secs / t_bare);
        figures.push((secs / t_bare, mb));
    }
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    println!(
        "\ntargets: report <= 5x the bare parse ({:.2}x: {}) and <= 600 MB ({:.0} MB: {}); validate <= 3x ({:.2}x: {})",
        figures[0].0,
        verdict(figures[0].0 <= 5.0),
        figures[0].1,
        verdict(figures[0].1 <= 600.0),
        figures[1].0,
        verdict(figures[1].0 <= 3.0)
    );
    Ok(())
}

/// `cargo xtask bench years`: five national years (seeds 2013 to 2017, each year's providers
/// renamed `Y1001`..`Y5150` so that none is another's) through `iapt outcomes` at once, with
/// one year alone as the baseline: resident bytes per referral, appointments included.
pub fn years() -> Result<(), String> {
    let base = crate::root().join("target/bench/years");
    let mut folders = Vec::new();
    let mut referrals = Vec::new();
    for k in 1..=5u64 {
        let out = base.join(format!("year-{k}"));
        let summary = national(&out, 2012 + k)?;
        for sub in &summary.submissions {
            rename_provider(sub, k)?;
        }
        println!(
            "year {k}: {} submissions, {} referrals, {} appointments",
            summary.submissions.len(),
            summary.referrals,
            summary.appointments
        );
        folders.push(out.join("submissions"));
        referrals.push(summary.referrals as f64);
    }
    let iapt = crate::demo::build_iapt()?;
    let outcomes = |folders: &[PathBuf]| -> Result<(f64, f64), String> {
        let mut args = outcomes_args().to_vec();
        args.extend(folders.iter().map(|f| f.as_os_str()));
        timed(&iapt, &args)
    };
    println!("\n| years | referrals | seconds | peak MB | bytes per referral |");
    println!("|---:|---:|---:|---:|---:|");
    let mut per = Vec::new();
    for n in [1usize, 5] {
        let (secs, mb) = outcomes(&folders[..n])?;
        let count: f64 = referrals[..n].iter().sum();
        let bytes = mb * 1024.0 * 1024.0 / count;
        println!("| {n} | {count:.0} | {secs:.1} | {mb:.0} | {bytes:.0} |");
        per.push(bytes);
    }
    println!(
        "\ntarget: five years at <= 450 bytes per referral resident: {:.0} ({})",
        per[1],
        if per[1] <= 450.0 { "met" } else { "NOT MET" }
    );
    Ok(())
}

/// Gives a synthetic submission's provider (`YS001`) the code of year `k` (`Y1001`).
fn rename_provider(submission: &Path, k: u64) -> Result<(), String> {
    let header = submission.join("Header.csv");
    let text = std::fs::read_to_string(&header).map_err(|e| format!("{}: {e}", header.display()))?;
    let renamed = text.replacen("\nYS", &format!("\nY{k}"), 1);
    std::fs::write(&header, renamed).map_err(|e| format!("{}: {e}", header.display()))
}
