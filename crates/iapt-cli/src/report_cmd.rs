//! `iapt report`: submissions in, the annual report's files out.

#![allow(clippy::print_stdout)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use iapt_outcomes::{Dataset, OutcomeRules, ReferralOutcome};
use iapt_report::{DisclosureRule, Intake, Reference, Settings};

use crate::{Fatal, ReportArgs, SummaryFormat, inputs, manifest, output};

/// The quality scores written beside the report.
const QUALITY_CSV: &str = "quality.csv";

pub fn run(args: &ReportArgs) -> Result<u8, Fatal> {
    let paths = inputs::expand(&args.inputs.paths, args.chatter.quiet)?.paths;
    let targets: Vec<PathBuf> =
        iapt_report::write::ENTRIES.iter().chain([&QUALITY_CSV]).map(|name| args.out.join(name)).collect();
    let outputs: Vec<(&str, Option<&Path>)> = targets.iter().map(|t| ("--out", Some(t.as_path()))).collect();
    output::refuse_inputs(&outputs, &paths)?;
    // Refused now to spare the work; every file the report replaces is checked before writing.
    output::refuse_symlink(&args.out)?;
    let schema = crate::load_schema(args.schema.as_ref())?;
    let period = args.when.period(Some("2012-13"))?;
    let rule = DisclosureRule::named(&args.disclosure).ok_or_else(|| Fatal {
        message: format!("there is no disclosure rule `{}`", args.disclosure),
        hint: Some(format!(
            "the presets are {}",
            iapt_report::disclosure::PRESETS.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
        )),
    })?;
    let reference = match &args.reference {
        None => Reference::builtin(),
        Some(dir) => Reference::from_dir(dir).map_err(|e| Fatal {
            message: format!("the reference data has {}:\n{e}", crate::problems(e.0.len())),
            hint: Some("see schemas/reference/README.md for the files and their columns".into()),
        })?,
    };
    let rules = OutcomeRules::from_schema(&schema)
        .map_err(|e| Fatal::new(format!("the schema does not fit the outcome engine: {e}")))?;
    let mut accepted =
        inputs::read(&paths, &schema, crate::inputs::today(), args.limits.limits(), args.chatter.progress())?;
    if !args.chatter.quiet {
        inputs::report(&accepted);
    }
    let mut quality_csv = Vec::new();
    if args.unrounded {
        writeln!(quality_csv, "{}", iapt_report::NOT_FOR_PUBLICATION).map_err(|e| Fatal::new(e.to_string()))?;
    }
    crate::quality_cmd::write_csv(&mut quality_csv, &accepted.quality, &schema)
        .map_err(|e| Fatal::new(format!("cannot write `{QUALITY_CSV}`: {e}")))?;

    let intake =
        Intake { files: accepted.files, files_rejected: accepted.files_rejected.len(), rows: accepted.rows.clone() };
    // The manifest's hashes read every input again: on the other core while merging runs, and
    // on both once it is done.
    let submissions = std::mem::take(&mut accepted.submissions);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // When the referrals are known before merging, the outcomes' slots are made beside it rather
    // than alone after it.
    let referrals = Dataset::referrals_before_merging(&submissions);
    let (data, input_files, mut outcomes) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| manifest::some_inputs(&accepted.per_input, &next));
        let slots = referrals.map(|n| scope.spawn(move || vec![ReferralOutcome::default(); n]));
        let data = Dataset::merge(submissions);
        let mut hashed = manifest::some_inputs(&accepted.per_input, &next);
        hashed.extend(hashing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        hashed.sort_unstable_by_key(|&(i, _)| i);
        let slots = match slots {
            Some(making) => making.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Vec::new(),
        };
        (data, hashed.into_iter().map(|(_, input)| input).collect(), slots)
    });
    let providers: std::collections::BTreeSet<&str> =
        accepted.per_input.iter().filter(|i| i.accepted).map(|i| i.provider.as_str()).collect();
    let source = format!(
        "IAPT data set v{}: {} submissions ({} rejected whole) from {} providers; every file read, with its \
         SHA-256, is listed in manifest.json",
        schema.version,
        accepted.files,
        accepted.files_rejected.len(),
        providers.len()
    );
    drop(accepted);
    iapt_outcomes::derive_into(&data, period, &rules, &mut outcomes);
    let aggregates = iapt_report::aggregate(&data, &outcomes, &rules, &schema, &reference)
        .map_err(|e| Fatal::new(format!("the schema does not fit the report: {e}")))?;
    // The records are no longer needed: unmapped on another thread while the files are
    // written, rather than at exit after them.
    let freeing = std::thread::spawn(move || drop((data, outcomes)));
    if !args.chatter.quiet {
        unknown_commissioners(&aggregates);
    }
    let settings = Settings { period, rule, unrounded: args.unrounded, source, intake };
    let report = iapt_report::build(&aggregates, &schema, &reference, &settings)
        .map_err(|e| Fatal::new(format!("the schema does not fit the report: {e}")))?;
    let mut files =
        iapt_report::write::files(&report).map_err(|e| Fatal::new(format!("{e}; no files were written")))?;
    files.push((QUALITY_CSV.into(), quality_csv));
    let made = made_manifest(args, &schema, &reference, input_files, period, &files);
    let mut json = serde_json::to_vec_pretty(&made).map_err(|e| Fatal::new(e.to_string()))?;
    json.push(b'\n');
    files.push(("manifest.json".into(), json));
    output::replace_all(&args.out, &files)?;
    // Dropping cannot fail; joined so that the thread does not outlive the command.
    freeing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let written: Vec<PathBuf> = files.iter().map(|(p, _)| args.out.join(p)).collect();

    if args.format == SummaryFormat::Json {
        // The manifest is the run's record: what was read, with which options, and what was written.
        let manifest = files.last().map_or(&[][..], |(_, bytes)| bytes.as_slice());
        std::io::stdout().write_all(manifest).map_err(|e| output::write_err(&e))?;
    } else if !args.chatter.quiet {
        print_summary(&report, &args.out, &written);
    }
    Ok(0)
}

/// The key facts and the files written, on standard output.
fn print_summary(report: &iapt_report::Report, out: &Path, written: &[PathBuf]) {
    if report.not_for_publication {
        println!("{}\n", iapt_report::NOT_FOR_PUBLICATION);
    }
    println!("{}\n{}\n", report.title, report.period);
    print!("{}", iapt_report::write::key_facts_text(report));
    println!("\nwrote {} files to {}:", written.len(), out.display());
    for p in written.iter().filter(|p| !p.starts_with(out.join("tables")) && !p.starts_with(out.join("charts"))) {
        println!("  {}", p.display());
    }
    println!("  {} (one CSV per table)", out.join("tables").display());
    println!("  {} (the charts as SVG)", out.join("charts").display());
}

/// The run's record: tool, schema, reference files, inputs, options and outputs, hashed.
fn made_manifest(
    args: &ReportArgs,
    schema: &iapt_schema::Schema,
    reference: &Reference,
    inputs: Vec<manifest::Input>,
    period: iapt_outcomes::Period,
    files: &[(PathBuf, Vec<u8>)],
) -> manifest::Manifest {
    manifest::Manifest {
        tool: manifest::Tool { name: "iapt", version: env!("CARGO_PKG_VERSION") },
        schema: manifest::Hashed {
            name: format!("IAPT data set v{}", schema.version),
            source: Some(args.schema.as_ref().map_or("built in".into(), |d| d.display().to_string())),
            sha256: manifest::sha256_of_files(&schema.files),
        },
        reference: reference
            .files
            .iter()
            .zip(&reference.sources)
            .map(|((name, text), (_, source))| manifest::Hashed {
                name: name.clone(),
                source: Some(source.to_string()),
                sha256: manifest::sha256(text.as_bytes()),
            })
            .collect(),
        inputs,
        options: manifest::Options {
            period_start: period.start.to_string(),
            period_end: period.end.to_string(),
            disclosure: args.disclosure.clone(),
            unrounded: args.unrounded,
        },
        outputs: files
            .iter()
            .map(|(p, bytes)| manifest::Hashed {
                name: p.display().to_string(),
                source: None,
                sha256: manifest::sha256(bytes),
            })
            .collect(),
    }
}

/// How many referrals have a commissioner outside the reference data, on standard error; a
/// warning past 1%, when the reference data is probably not the submissions' geography.
#[allow(clippy::print_stderr)]
fn unknown_commissioners(a: &iapt_report::Aggregates) {
    let unknown = a.ccgs.last().map_or(0, |c| c.counts.received);
    if unknown == 0 {
        return;
    }
    let received = a.england.counts.received.max(1);
    let share = 100.0 * unknown as f64 / received as f64;
    eprintln!(
        "{} referrals ({share:.1}%) have a commissioner code not in the reference data: counted in the Unknown rows{}",
        iapt_report::facts::thousands(unknown),
        iapt_report::facts::unknown_codes(&a.unknown_commissioners)
    );
    if share > 1.0 {
        eprintln!(
            "warning: over 1% of referrals have an unknown commissioner; check the codes, or give --reference DIR"
        );
    }
}
