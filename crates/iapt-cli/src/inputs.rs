//! Reading many submissions for the statistics: every input validated, the accepted records
//! kept, and what was rejected counted so that nothing is dropped silently.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use iapt_ingest::{Limits, Skipped};
use iapt_schema::{Date, Schema};
use iapt_validate::{Severity, Submission};

use crate::Fatal;

/// The accepted records of every input, and what validation set aside.
pub struct Accepted {
    pub submissions: Vec<Submission>,
    pub files: usize,
    pub files_rejected: Vec<PathBuf>,
    /// (sheet name, rows read, rows rejected) summed over the inputs.
    pub rows: Vec<(String, u64, u64)>,
    pub warnings: usize,
    /// Completeness and validity of every item, scored before the records are kept.
    pub quality: iapt_quality::Quality,
    /// Each submission as read, in input order.
    pub per_input: Vec<InputSummary>,
    /// Two accepted submissions of one provider for one period, as (superseded, used): input
    /// order alone chose between them.
    pub same_period: Vec<(PathBuf, PathBuf)>,
}

/// One submission as read: for the manifest and the Notes.
pub struct InputSummary {
    pub path: PathBuf,
    pub provider: String,
    pub accepted: bool,
    pub rows_read: u64,
    pub rows_rejected: u64,
}

/// The submissions the command-line inputs hold, and what was passed over.
pub struct Expanded {
    pub paths: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

/// Finds the submissions in each input. An input that does not exist, is not a regular file
/// or folder, or holds no submission at all is a usage error; what a folder holds besides
/// submissions is listed on standard error (unless `quiet`), never passed over silently.
pub fn expand(inputs: &[PathBuf], quiet: bool) -> Result<Expanded, Fatal> {
    let mut expanded = Expanded { paths: Vec::new(), skipped: Vec::new() };
    for input in inputs {
        let shown = printable(&input.display().to_string());
        let meta = std::fs::metadata(input).map_err(|_| Fatal {
            message: format!("`{shown}` does not exist"),
            hint: Some("give a workbook file or a folder of CSV files".into()),
        })?;
        if !meta.is_file() && !meta.is_dir() {
            return Err(Fatal {
                message: format!("`{shown}` is not a regular file (a pipe, device or socket), so it was not opened"),
                hint: Some("give the path of a saved workbook or a folder of CSV files".into()),
            });
        }
        let found = iapt_ingest::discover(input);
        if found.submissions.is_empty() {
            // What was passed over, and why, so that the user can tell which it should have been.
            let first = found.skipped.first().map_or_else(String::new, |s| {
                format!(": `{}`, {}", printable(&s.path.display().to_string()), s.why.describe())
            });
            let more =
                if found.skipped.len() > 1 { format!("; and {} more", found.skipped.len() - 1) } else { String::new() };
            return Err(Fatal {
                message: format!(
                    "`{shown}` holds no submission ({} other path{} passed over{first}{more})",
                    found.skipped.len(),
                    if found.skipped.len() == 1 { "" } else { "s" }
                ),
                hint: Some(
                    "a submission is a workbook (.xlsx .xlsm .xls .xlsb .ods) or a folder holding Header.csv, Person.csv, \
                     Referral.csv, Appointment.csv"
                        .into(),
                ),
            });
        }
        expanded.paths.extend(found.submissions);
        expanded.skipped.extend(found.skipped);
    }
    if !quiet && !expanded.skipped.is_empty() {
        eprintln!("passed over {} path(s) that are not submissions:", expanded.skipped.len());
        for s in expanded.skipped.iter().take(20) {
            eprintln!("  {}: {}", printable(&s.path.display().to_string()), s.why.describe());
        }
        if expanded.skipped.len() > 20 {
            eprintln!("  +{} more", expanded.skipped.len() - 20);
        }
    }
    Ok(expanded)
}

/// A path or name from the file system or a file, safe to print on a terminal (never cut).
pub fn printable(s: &str) -> String {
    iapt_ingest::printable(s, usize::MAX).into_owned()
}

/// Validates and keeps the accepted records of the submissions at `paths`.
pub fn read(
    paths: &[PathBuf],
    schema: &Schema,
    today: Date,
    limits: Limits,
    progress: bool,
) -> Result<Accepted, Fatal> {
    let results = validate_all(paths, schema, today, limits, true, progress)?;
    let quality = iapt_quality::Quality::from_validations(&results, schema);
    let mut accepted = Accepted {
        submissions: Vec::new(),
        files: paths.len(),
        files_rejected: Vec::new(),
        rows: Vec::new(),
        warnings: 0,
        quality,
        per_input: Vec::new(),
        same_period: Vec::new(),
    };
    for v in results {
        accepted.per_input.push(InputSummary {
            path: v.path.clone(),
            provider: v.provider.clone(),
            accepted: v.submission.is_some(),
            rows_read: v.sheets.iter().map(|s| s.rows_read).sum(),
            rows_rejected: v.sheets.iter().map(|s| s.rows_rejected).sum(),
        });
        accepted.warnings += v.count(Severity::Warning);
        for s in &v.sheets {
            let name = &schema.sheets[s.sheet].name;
            match accepted.rows.iter_mut().find(|(n, ..)| n == name) {
                Some(r) => {
                    r.1 += s.rows_read;
                    r.2 += s.rows_rejected;
                }
                None => accepted.rows.push((name.clone(), s.rows_read, s.rows_rejected)),
            }
        }
        match v.submission {
            Some(sub) => accepted.submissions.push(sub),
            None => accepted.files_rejected.push(v.path),
        }
    }
    let kept: Vec<&PathBuf> = accepted.per_input.iter().filter(|s| s.accepted).map(|s| &s.path).collect();
    accepted.same_period = iapt_outcomes::Dataset::same_period(&accepted.submissions)
        .into_iter()
        .map(|(superseded, used)| (kept[superseded].clone(), kept[used].clone()))
        .collect();
    Ok(accepted)
}

/// What was read and set aside, on standard error.
pub fn report(a: &Accepted) {
    eprintln!("read {} submissions ({} rejected whole by a file-level problem)", a.files, a.files_rejected.len());
    for p in &a.files_rejected {
        eprintln!("  rejected: {}", printable(&p.display().to_string()));
    }
    for (sheet, read, rejected) in &a.rows {
        eprintln!("  {sheet:<18} {read:>10} rows read, {rejected:>8} rejected by validation");
    }
    // `a/x.xlsx` and `./a/x.xlsx` are one file: said once as given twice, and paired once.
    let canonical = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let shown = |p: &PathBuf| printable(&p.display().to_string());
    let files: Vec<(PathBuf, PathBuf)> = a.same_period.iter().map(|(s, u)| (canonical(s), canonical(u))).collect();
    let (mut twice, mut pairs) = (Vec::new(), Vec::new());
    for ((superseded, used), (s, u)) in a.same_period.iter().zip(&files) {
        let repeated = s == u || files.iter().filter(|(other, _)| other == s).count() > 1;
        if repeated && !twice.contains(&s) {
            twice.push(s);
            eprintln!("warning: {} is given more than once; its records are counted once", shown(superseded));
        }
        if s != u && !pairs.contains(&(s, u)) {
            pairs.push((s, u));
            let (superseded, used) = (shown(superseded), shown(used));
            eprintln!("warning: {superseded} and {used} are one provider's submissions for one reporting period;");
            eprintln!("  where they share records, those of {used} are used, as it is read later");
            eprintln!("  (inputs are read in the order given, a folder's submissions by name)");
        }
    }
    if !a.same_period.is_empty() {
        eprintln!("hint: pass only the current submission for each provider and period");
    }
    let rejected: u64 = a.rows.iter().map(|r| r.2).sum();
    if rejected > 0 || !a.files_rejected.is_empty() {
        eprintln!("hint: rejected rows are left out of the statistics; `iapt validate` lists each with its reason");
    }
}

/// Today, for the "not in the future" checks: the clock is read here, at the edge, never by a
/// library crate.
pub fn today() -> Date {
    use std::time::{SystemTime, UNIX_EPOCH};
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Date::from_days(i32::try_from(secs / 86_400).unwrap_or(0))
}

/// Validates many submissions at once, with a bar of submissions read on a terminal; `records`
/// says whether the accepted records are kept (see `iapt_validate::Options::records`).
pub fn validate_all(
    paths: &[PathBuf],
    schema: &Schema,
    today: Date,
    limits: Limits,
    records: bool,
    progress: bool,
) -> Result<Vec<iapt_validate::Validation>, Fatal> {
    let bar = crate::render::files_bar(paths.len(), progress);
    let done = |_: &std::path::Path| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let results = iapt_validate::validate_all_with(paths, schema, today, limits, records, &done)
        .map_err(|e| Fatal::new(format!("the schema does not fit the validator: {e}")));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    results
}
