//! `iapt validate`: runs the validator over every input and prints the findings.

use std::collections::BTreeMap;
use std::io::Write;

use iapt_schema::{Date, Schema};
use iapt_validate::{Finding, Options, Severity, Validation};
use serde::Serialize;

use crate::{Fatal, Format, ValidateArgs, output, render};

pub fn run(args: &ValidateArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.common.io.schema.as_ref())?;
    let today = match &args.today {
        Some(t) => Date::parse_iso(t).ok_or_else(|| Fatal::new(format!("--today `{t}` is not a YYYY-MM-DD date")))?,
        None => crate::inputs::today(),
    };
    let expanded = crate::inputs::expand(&args.inputs.paths, args.common.io.chatter.quiet)?;
    let inputs = &expanded.paths;
    output::refuse_inputs(&[("--output", args.common.io.output.as_deref())], inputs)?;
    let limits = args.common.io.limits.limits();
    let show_progress = args.common.io.chatter.progress();
    let results = if inputs.len() > 1 {
        // As many submissions at once as there are cores, with a bar of files done.
        // Only findings and tallies are shown: the records are not kept.
        crate::inputs::validate_all(inputs, &schema, today, limits, false, show_progress)?
    } else {
        // One submission, with a count of rows read: a large workbook takes a while.
        let progress = render::Progress::new(show_progress);
        let mut results = Vec::new();
        for path in inputs {
            progress.start(path);
            let tick = |rows: u64| progress.rows(rows);
            let opts = Options { today, progress: Some(&tick), limits, records: false };
            results.push(
                iapt_validate::validate(path, &schema, &opts)
                    .map_err(|e| Fatal::new(format!("the schema does not fit the validator: {e}")))?,
            );
        }
        progress.finish();
        results
    };

    let mut out = output::open(args.common.io.output.as_deref())?;
    let written = match args.common.format {
        Format::Human => render::validation_report(&mut out, &schema, &results, args.show_values, args.max_per_rule),
        Format::Json => write_json(&mut out, &schema, &results, &expanded.skipped, args.show_values),
        Format::Csv => write_csv(&mut out, &schema, &results, args.show_values),
    };
    written.map_err(|e| output::write_err(&e))?;
    out.finish()?;
    copies(args, &schema, &results, limits)?;
    Ok(exit_code(&results))
}

/// `--annotate` and `--split`: a copy of each readable input, with its problems marked or its
/// rows sorted; a file whose reading stopped gets none, and says so.
fn copies(
    args: &ValidateArgs,
    schema: &Schema,
    results: &[Validation],
    limits: iapt_ingest::Limits,
) -> Result<(), Fatal> {
    if args.annotate.is_none() && args.split.is_none() {
        return Ok(());
    }
    let paths: Vec<std::path::PathBuf> = results.iter().map(|v| v.path.clone()).collect();
    let annotate = match &args.annotate {
        Some(t) => crate::copy::targets(&paths, t, "xlsx")?,
        None => Vec::new(),
    };
    let split = match &args.split {
        Some(t) => crate::copy::targets(&paths, t, "")?,
        None => Vec::new(),
    };
    let outputs: Vec<(&str, Option<&std::path::Path>)> = annotate
        .iter()
        .map(|p| ("--annotate", Some(p.as_path())))
        .chain(split.iter().map(|p| ("--split", Some(p.as_path()))))
        .collect();
    // Never inside a folder the user named either: the copies would be read as submissions.
    let named: Vec<std::path::PathBuf> = paths.iter().chain(&args.inputs.paths).cloned().collect();
    output::refuse_inputs(&outputs, &named)?;
    let quiet = args.common.io.chatter.quiet;
    #[allow(clippy::print_stderr)]
    let say = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    for (i, v) in results.iter().enumerate() {
        let shown = crate::inputs::printable(&v.path.display().to_string());
        if let Some(f) = crate::copy::unreadable(v) {
            say(format!("no copy of {shown}: {} {} stopped the reading", f.rule.id, f.rule.name));
            continue;
        }
        for name in crate::copy::duplicate_sheets(v, schema) {
            say(format!("{shown}: the rows of sheet {name}, held twice (IAPT-F012), are in no copy"));
        }
        if let Some(target) = annotate.get(i) {
            match crate::annotate::workbook(schema, v, &shown, limits) {
                Ok(bytes) => {
                    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                        output::refuse_symlink(folder)?;
                        std::fs::create_dir_all(folder)
                            .map_err(|e| Fatal::new(format!("cannot make the folder `{}`: {e}", folder.display())))?;
                    }
                    output::write_file(target, &bytes)?;
                    say(format!("annotated {shown} -> {}", crate::inputs::printable(&target.display().to_string())));
                }
                Err(e) => say(format!("no annotated copy of {shown}: {}", e.message)),
            }
        }
        if let Some(dir) = split.get(i) {
            crate::split::write(dir, crate::split::files(schema, v, limits)?, schema)?;
            say(format!("split {shown} -> {}", crate::inputs::printable(&dir.display().to_string())));
        }
    }
    Ok(())
}

/// 2 when an input could not be read at all (or only in part, stopped by a limit), 1 when a
/// file- or record-level problem was found.
fn exit_code(results: &[Validation]) -> u8 {
    use iapt_validate::rules::{ENCRYPTED_WORKBOOK, LIMIT_EXCEEDED, UNREADABLE_FILE};
    let unreadable = results.iter().any(|v| {
        v.findings.iter().any(|f| f.rule == UNREADABLE_FILE || f.rule == ENCRYPTED_WORKBOOK || f.rule == LIMIT_EXCEEDED)
    });
    if unreadable { 2 } else { u8::from(results.iter().any(Validation::has_problems)) }
}

/// One diagnostic as the JSON and CSV contracts name its fields.
#[derive(Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: &'static str,
    pub file: String,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    pub hint: &'static str,
}

impl Diagnostic {
    pub fn new(schema: &Schema, file: &str, f: &Finding, show_values: bool) -> Diagnostic {
        Diagnostic {
            rule: f.rule.id,
            severity: f.severity().as_str(),
            file: file.to_owned(),
            sheet: f.sheet_name(schema).map(str::to_owned),
            row: (f.row > 0).then_some(f.row),
            column: f.column_name(schema).map(str::to_owned),
            cell: f.cell(),
            message: f.message(schema, show_values),
            hint: f.rule.hint,
        }
    }
}

#[derive(Serialize)]
struct FileJson {
    path: String,
    accepted: bool,
    provider: Option<String>,
    sheets: Vec<SheetJson>,
}

#[derive(Serialize)]
struct SheetJson {
    sheet: String,
    found_as: Option<String>,
    rows_read: u64,
    rows_rejected: u64,
}

#[derive(Serialize, Default)]
struct RowCounts {
    read: u64,
    rejected: u64,
}

#[derive(Serialize)]
struct SummaryJson {
    files: usize,
    by_severity: BTreeMap<&'static str, u64>,
    by_rule: BTreeMap<&'static str, u64>,
    rows: BTreeMap<String, RowCounts>,
    /// Findings counted but not listed, past `--max-findings` per rule and file.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    not_listed: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
struct SkippedJson {
    path: String,
    reason: &'static str,
}

/// The JSON report. Diagnostics are written one at a time as they are rendered, so a file
/// with millions of findings never holds them all as text.
fn write_json(
    out: &mut dyn Write,
    schema: &Schema,
    results: &[Validation],
    skipped: &[iapt_ingest::Skipped],
    show_values: bool,
) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut by_severity: BTreeMap<&'static str, u64> =
        [Severity::File, Severity::Record, Severity::Warning].iter().map(|s| (s.as_str(), 0)).collect();
    let mut by_rule = BTreeMap::new();
    let mut not_listed = BTreeMap::new();
    let mut rows: BTreeMap<String, RowCounts> = BTreeMap::new();
    for v in results {
        let path = crate::inputs::printable(&v.path.display().to_string());
        for f in &v.findings {
            *by_severity.entry(f.severity().as_str()).or_default() += 1;
            *by_rule.entry(f.rule.id).or_default() += 1;
        }
        for (rule, n) in &v.not_kept {
            *by_severity.entry(rule.severity.as_str()).or_default() += n;
            *by_rule.entry(rule.id).or_default() += n;
            *not_listed.entry(rule.id).or_default() += n;
        }
        let mut sheets = Vec::new();
        for s in &v.sheets {
            let name = schema.sheets[s.sheet].name.clone();
            let counts = rows.entry(name.clone()).or_default();
            counts.read += s.rows_read;
            counts.rejected += s.rows_rejected;
            sheets.push(SheetJson {
                sheet: name,
                found_as: s.found_as.as_deref().map(crate::inputs::printable),
                rows_read: s.rows_read,
                rows_rejected: s.rows_rejected,
            });
        }
        let provider = v.submission.as_ref().map(|s| s.provider.clone()).filter(|p| !p.is_empty());
        files.push(FileJson { path, accepted: v.submission.is_some(), provider, sheets });
    }
    let summary = SummaryJson { files: results.len(), by_severity, by_rule, rows, not_listed };
    let skipped: Vec<SkippedJson> = skipped
        .iter()
        .map(|s| SkippedJson {
            path: crate::inputs::printable(&s.path.display().to_string()),
            reason: s.why.describe(),
        })
        .collect();
    #[derive(Serialize)]
    struct Head {
        files: Vec<FileJson>,
        summary: SummaryJson,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<SkippedJson>,
    }
    // The head as serde_json writes it pretty, less its closing brace; then the diagnostics,
    // indented as they would be inside it.
    let head = serde_json::to_string_pretty(&Head { files, summary, skipped })?;
    out.write_all(head.trim_end_matches('}').trim_end().as_bytes())?;
    out.write_all(b",\n  \"diagnostics\": [")?;
    let mut first = true;
    for v in results {
        let path = crate::inputs::printable(&v.path.display().to_string());
        for f in &v.findings {
            let d = serde_json::to_string_pretty(&Diagnostic::new(schema, &path, f, show_values))?;
            out.write_all(if first { b"\n    " } else { b",\n    " })?;
            out.write_all(d.replace('\n', "\n    ").as_bytes())?;
            first = false;
        }
    }
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
}

fn write_csv(out: &mut dyn Write, schema: &Schema, results: &[Validation], show_values: bool) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    // serialize() writes the header from the field names on the first record only; write it
    // explicitly so that a clean run still has one.
    w.write_record(["rule", "severity", "file", "sheet", "row", "column", "cell", "message", "hint"])?;
    for v in results {
        let path = crate::inputs::printable(&v.path.display().to_string());
        for f in &v.findings {
            let d = Diagnostic::new(schema, &path, f, show_values);
            let row = d.row.map(|r| r.to_string()).unwrap_or_default();
            w.write_record([
                d.rule,
                d.severity,
                &crate::output::csv_safe(&d.file),
                d.sheet.as_deref().unwrap_or(""),
                &row,
                d.column.as_deref().unwrap_or(""),
                d.cell.as_deref().unwrap_or(""),
                &crate::output::csv_safe(&d.message),
                d.hint,
            ])?;
        }
    }
    w.flush()
}
