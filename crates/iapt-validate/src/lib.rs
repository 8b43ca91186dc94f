//! Checking a submission against the data set.
//!
//! [`validate`] reads one submission (through `iapt-ingest`) and returns a [`Validation`]:
//! every [`Finding`] (rule, place, value, detail), a [`SheetReport`] per sheet with rows read
//! and rejected and a [`ColumnTally`] per column (valid, default, invalid, missing), and the
//! accepted records as a typed [`Submission`]. Validation never stops at the first problem and
//! never fails: an unreadable file is itself a finding.
//!
//! Rules are defined once in [`rules`]; a finding points at a rule and renders its message
//! only when asked ([`Finding::message`]). Field rules come from the schema's column types;
//! record rules (keys, references, date order) are in `assemble`. Nothing here prints or
//! knows an output format.

#![forbid(unsafe_code)]

mod applies;
mod appointment_keys;
mod assemble;
mod columns;
mod csv_cells;
mod field;
mod finding;
mod lookup;
mod mask;
pub mod records;
mod row_shapes;
pub mod rules;
pub use applies::rules_for_column;
mod sheet;

use std::path::{Path, PathBuf};

use iapt_ingest::{IngestErrorKind, Source, SourceKind};
use iapt_schema::{Date, Schema};

pub use field::{cell_as_written, date_from_text, nhs_number_is_valid};
pub use finding::Finding;
pub use iapt_ingest::Limits;
pub use lookup::rows_where;
pub use mask::{mask, mask_shapes, printable};
pub use records::Submission;
pub use rules::{Rule, Severity};

/// What a validation needs besides the file.
pub struct Options<'a> {
    /// The date "not in the future" is judged against.
    pub today: Date,
    /// Called with the number of rows read so far, every few thousand rows.
    pub progress: Option<&'a dyn Fn(u64)>,
    /// How much one submission may hold, and how many findings of a rule are kept.
    pub limits: Limits,
    /// Whether to keep the accepted records. A caller that wants only the findings and tallies
    /// says no: the submission then holds its header alone, and validating allocates far less.
    pub records: bool,
}

impl Options<'_> {
    /// Default limits, no progress.
    #[must_use]
    pub fn new(today: Date) -> Options<'static> {
        Options { today, progress: None, limits: Limits::default(), records: true }
    }
}

/// Counts of one column's values, over the rows the column applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColumnTally {
    /// The column's index in its schema sheet.
    pub column: usize,
    pub rows: u64,
    pub valid: u64,
    /// Valid, but a "not known" value (`99`, `X`, `V81999`).
    pub default: u64,
    pub invalid: u64,
    pub missing: u64,
}

/// One sheet of the data set as found in the submission.
#[derive(Clone, Debug, PartialEq)]
pub struct SheetReport {
    /// The sheet's index in the schema.
    pub sheet: usize,
    /// The name the file gives it, when present.
    pub found_as: Option<String>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// One per schema column; empty when the sheet could not be read.
    pub columns: Vec<ColumnTally>,
    /// Cells in the widest row read, the header and rows above it included.
    pub width: u32,
}

/// The outcome of validating one submission.
#[derive(Debug)]
pub struct Validation {
    pub path: PathBuf,
    /// The provider code the Header gives (empty when there is none), even for a rejected file.
    pub provider: String,
    /// Findings in a stable order: file-level first, then by sheet, row, column and rule.
    pub findings: Vec<Finding>,
    pub sheets: Vec<SheetReport>,
    /// The accepted records; `None` when a file-level problem rejects the submission.
    pub submission: Option<Submission>,
    /// Findings counted but not kept, past `Limits::findings_per_rule`, by rule.
    pub not_kept: Vec<(&'static Rule, u64)>,
}

impl Validation {
    /// Number of findings of a severity, kept or not.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        let dropped: u64 = self.not_kept.iter().filter(|(r, _)| r.severity == severity).map(|(_, n)| n).sum();
        self.findings.iter().filter(|f| f.severity() == severity).count()
            + usize::try_from(dropped).unwrap_or(usize::MAX)
    }

    /// Number of findings of a rule, kept or not.
    #[must_use]
    pub fn count_rule(&self, rule: &Rule) -> u64 {
        let dropped = self.not_kept.iter().filter(|(r, _)| *r == rule).map(|(_, n)| n).sum::<u64>();
        self.findings.iter().filter(|f| f.rule == rule).count() as u64 + dropped
    }

    /// Whether any file- or record-level problem was found.
    #[must_use]
    pub fn has_problems(&self) -> bool {
        self.findings.iter().any(|f| f.severity() != Severity::Warning)
            || self.not_kept.iter().any(|(r, n)| r.severity != Severity::Warning && *n > 0)
    }
}

/// A schema without a sheet, column or code list the record rules need.
pub use iapt_schema::SchemaMismatch;

/// Validates one submission (a workbook or a folder of CSV files).
///
/// # Errors
/// Only when the schema lacks a sheet or column that the record rules need; problems with
/// the submission itself are findings.
pub fn validate(path: &Path, schema: &Schema, opts: &Options<'_>) -> Result<Validation, SchemaMismatch> {
    let mut asm = assemble::Assembler::new(schema, opts.today, opts.records)?;
    let mut findings = Kept::new(opts.limits.findings_per_rule);
    let mut reports = Vec::new();
    let mut source = match Source::open(path, opts.limits) {
        Ok(s) => s,
        Err(e) => {
            findings.push(ingest_finding(&e.kind, None));
            return Ok(Validation {
                path: path.to_owned(),
                provider: String::new(),
                findings: findings.list,
                sheets: reports,
                submission: None,
                not_kept: Vec::new(),
            });
        }
    };
    let workbook = source.kind() == SourceKind::Workbook;
    let matched = match_sheets(schema, &source.sheets(), &mut findings);
    let mut total_rows = 0;
    let mut run = Run { schema, opts, asm: &mut asm, findings: &mut findings, seen: 0, stopped: Vec::new() };
    for (index, sheet) in schema.sheets.iter().enumerate() {
        let Ok(Some(info)) = &matched[index] else {
            if matched[index].is_err() {
                run.stopped.push(sheet.name.as_str());
            }
            reports.push(SheetReport {
                sheet: index,
                found_as: None,
                rows_read: 0,
                rows_rejected: 0,
                columns: Vec::new(),
                width: 0,
            });
            continue;
        };
        let report = run.sheet(&mut source, index, info, workbook);
        if !sheet.exactly_one_row {
            total_rows += report.rows_read;
        }
        reports.push(report);
    }
    let (seen, stopped) = (run.seen, run.stopped);
    let before = findings.list.len();
    asm.finish_header(schema.sheet_index("Header").and_then(|i| u8::try_from(i).ok()), total_rows, &mut findings.list);
    for (name, n) in asm.finish(schema, &mut findings.list) {
        if let Some(r) = reports.iter_mut().find(|r| schema.sheets[r.sheet].name == name) {
            r.rows_rejected += n;
        }
    }
    // After a sheet stopped part-way, references into its unread rows are cascades of the
    // stop, not findings of their own: the file-level finding says what happened.
    drop_cascades(&mut findings.list, &stopped);
    findings.settle(before);
    if let Some(p) = opts.progress {
        p(seen);
    }
    let Kept { mut list, not_kept, .. } = findings;
    // Stable order: file-level first, then by sheet, row, column, rule.
    list.sort_by(|a, b| {
        let key =
            |f: &Finding| (f.severity() != Severity::File, f.sheet.map_or(-1, i16::from), f.row, f.col, f.rule.id);
        key(a).cmp(&key(b))
    });
    let file_problem = list.iter().any(|f| f.severity() == Severity::File);
    let provider = asm.sub.provider.clone();
    let sub = asm.into_submission();
    let submission = (!file_problem).then_some(sub);
    let not_kept = rules::ALL.iter().zip(not_kept).filter(|(_, n)| *n > 0).map(|(r, n)| (*r, n)).collect();
    Ok(Validation { path: path.to_owned(), provider, findings: list, sheets: reports, submission, not_kept })
}

/// One validation under way: what reading each sheet adds to.
struct Run<'s, 'r, 'p> {
    schema: &'s Schema,
    opts: &'r Options<'p>,
    asm: &'r mut assemble::Assembler,
    findings: &'r mut Kept,
    /// Data rows read so far, for the progress callback.
    seen: u64,
    /// Sheets not read to their end: a duplicate name, or a read that stopped.
    stopped: Vec<&'s str>,
}

impl Run<'_, '_, '_> {
    /// Reads and checks one sheet of the file; its report.
    fn sheet(
        &mut self,
        source: &mut Source,
        index: usize,
        info: &iapt_ingest::SheetInfo,
        workbook: bool,
    ) -> SheetReport {
        let (schema, opts) = (self.schema, self.opts);
        let sheet = &schema.sheets[index];
        let idx = u8::try_from(index).unwrap_or(u8::MAX);
        if info.hidden {
            let mut f = Finding::new(rules::HIDDEN_SHEET);
            f.sheet = Some(idx);
            self.findings.push(f);
        }
        let mut reader: Option<sheet::SheetReader<'_>> = None;
        let mut header_seen = false;
        let mut unread = 0u64;
        let mut width = 0u32;
        let (asm, findings, seen) = (&mut *self.asm, &mut *self.findings, &mut self.seen);
        let result = source.read_sheet(&info.name, &mut |row| {
            width = width.max(u32::try_from(row.len()).unwrap_or(u32::MAX));
            let before = findings.list.len();
            if !header_seen {
                header_seen = true;
                reader = sheet::SheetReader::new(schema, idx, row, workbook, &mut findings.list);
                findings.settle(before);
                return;
            }
            let Some(r) = reader.as_mut() else {
                // The header rejected the sheet: its rows are counted, not checked.
                unread += 1;
                return;
            };
            if let Some(field_rejected) = r.read_row(row, |r| asm.scope(r), &mut findings.list) {
                if asm.row(r, row.number, field_rejected, &mut findings.list) {
                    r.rows_rejected += 1;
                }
                *seen += 1;
                if seen.is_multiple_of(65_536)
                    && let Some(p) = opts.progress
                {
                    p(*seen);
                }
            }
            findings.settle(before);
        });
        if let Err(e) = result {
            self.stopped.push(sheet.name.as_str());
            let mut f = ingest_finding(&e.kind, Some(idx));
            if let IngestErrorKind::NotUtf8 { line, .. } | IngestErrorKind::LimitExceeded { line: Some(line), .. } =
                e.kind
            {
                f.row = u32::try_from(line).unwrap_or(u32::MAX);
            }
            self.findings.push(f);
        }
        if !header_seen && self.stopped.last() != Some(&sheet.name.as_str()) {
            let mut f = Finding::new(rules::BAD_HEADER_ROW);
            f.sheet = Some(idx);
            f.detail = Some(": the sheet is empty".into());
            self.findings.push(f);
        }
        let found_as = Some(info.name.clone());
        match reader {
            Some(r) => SheetReport {
                sheet: index,
                found_as,
                rows_read: r.rows_read,
                rows_rejected: r.rows_rejected,
                columns: r.into_tallies(),
                width,
            },
            None => SheetReport {
                sheet: index,
                found_as,
                rows_read: unread,
                rows_rejected: unread,
                columns: Vec::new(),
                width,
            },
        }
    }
}

/// The file's sheet for each of the data set's sheets, matched by name whatever the case and
/// surrounding spaces. Two file sheets with one data-set name are a file-level finding, and
/// neither is read: reading one would drop the other unseen.
fn match_sheets(
    schema: &Schema,
    file_sheets: &[iapt_ingest::SheetInfo],
    findings: &mut Kept,
) -> Vec<Result<Option<iapt_ingest::SheetInfo>, ()>> {
    let same = |file: &str, name: &str| file.trim().eq_ignore_ascii_case(name);
    for f in file_sheets {
        let known = schema.sheets.iter().any(|s| same(&f.name, &s.name))
            || schema.reference_sheets.iter().any(|r| same(&f.name, r));
        if !known {
            let mut finding = Finding::new(rules::UNKNOWN_SHEET);
            finding.value = Some(f.name.as_str().into());
            findings.push(finding);
        }
    }
    schema
        .sheets
        .iter()
        .map(|s| {
            let found: Vec<&iapt_ingest::SheetInfo> = file_sheets.iter().filter(|f| same(&f.name, &s.name)).collect();
            match found.as_slice() {
                [] => {
                    if !s.optional {
                        let mut f = Finding::new(rules::MISSING_SHEET);
                        f.value = Some(s.name.as_str().into());
                        findings.push(f);
                    }
                    Ok(None)
                }
                [one] => Ok(Some((*one).clone())),
                [first, second, ..] => {
                    let mut f = Finding::new(rules::DUPLICATE_SHEET);
                    f.value = Some(format!("{}` and `{}", first.name, second.name).into());
                    f.detail = Some(s.name.as_str().into());
                    findings.push(f);
                    Err(())
                }
            }
        })
        .collect()
}

/// Findings kept in memory, at most `cap` of each rule; the rest are counted. At least one of
/// each file-level rule found is kept, whatever the cap.
struct Kept {
    list: Vec<Finding>,
    cap: u64,
    /// Per rule, in the order of `rules::ALL`: all found so far, and those not kept.
    found: Vec<u64>,
    not_kept: Vec<u64>,
}

impl Kept {
    fn new(cap: u32) -> Kept {
        Kept {
            list: Vec::new(),
            cap: u64::from(cap),
            found: vec![0; rules::ALL.len()],
            not_kept: vec![0; rules::ALL.len()],
        }
    }

    fn push(&mut self, f: Finding) {
        let before = self.list.len();
        self.list.push(f);
        self.settle(before);
    }

    /// Counts the findings added since `from`, and lets go of those past the cap.
    #[inline]
    fn settle(&mut self, from: usize) {
        // Most rows add none: no call for them.
        if self.list.len() != from {
            self.settle_new(from);
        }
    }

    #[inline(never)]
    fn settle_new(&mut self, from: usize) {
        let mut keep = from;
        for i in from..self.list.len() {
            // Compared by id: a `const` rule need not have one address.
            let rule = rules::ALL.iter().position(|r| r.id == self.list[i].rule.id).unwrap_or(0);
            self.found[rule] += 1;
            // A file-level finding decides whether the submission is accepted: a cap of 0 keeps one.
            let cap = if rules::ALL[rule].severity == Severity::File { self.cap.max(1) } else { self.cap };
            if self.found[rule] > cap {
                self.not_kept[rule] += 1;
            } else {
                self.list.swap(keep, i);
                keep += 1;
            }
        }
        self.list.truncate(keep);
    }
}

/// Drops the findings that follow from rows never read because the sheet they point into
/// stopped part-way: a referral whose person may be in Person's unread part, a person or
/// appointment whose referral may be in Referral's.
fn drop_cascades(list: &mut Vec<Finding>, stopped: &[&str]) {
    let cascades: Vec<&Rule> = stopped
        .iter()
        .flat_map(|sheet| match *sheet {
            // A referral rejected as an orphan orphans its appointments in turn.
            "Person" => &[rules::UNKNOWN_PERSON, rules::UNKNOWN_REFERRAL][..],
            "Referral" => &[rules::UNKNOWN_REFERRAL, rules::PERSON_WITHOUT_REFERRAL][..],
            _ => &[][..],
        })
        .copied()
        .collect();
    if !cascades.is_empty() {
        list.retain(|f| !cascades.contains(&f.rule));
    }
}

/// Validates many submissions, as many at once as there are cores, in input order.
///
/// # Errors
/// As [`validate`].
pub fn validate_all(
    paths: &[PathBuf],
    schema: &Schema,
    today: Date,
    limits: Limits,
) -> Result<Vec<Validation>, SchemaMismatch> {
    validate_all_with(paths, schema, today, limits, true, &|_| ())
}

/// As [`validate_all`], keeping the records or not (see [`Options::records`]), and calling
/// `done` with each path as its validation ends (for a progress bar).
///
/// # Errors
/// As [`validate`].
pub fn validate_all_with(
    paths: &[PathBuf],
    schema: &Schema,
    today: Date,
    limits: Limits,
    records: bool,
    done: &(dyn Fn(&Path) + Sync),
) -> Result<Vec<Validation>, SchemaMismatch> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    // Largest first, so that the last to finish is small and no worker waits long for it.
    let mut order: Vec<usize> = (0..paths.len()).collect();
    if paths.len() > 1 {
        let sizes: Vec<u64> = paths.iter().map(|p| input_bytes(p)).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    }
    let results: Mutex<Vec<(usize, Result<Validation, SchemaMismatch>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let opts = Options { today, progress: None, limits, records };
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let path = &paths[i];
                    let v = validate(path, schema, &opts);
                    done(path);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, v));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, v)| v).collect()
}

/// The bytes of a submission as it lies on disk: a file's size, or a folder's files' (0 for
/// what cannot be read, which validation will report).
fn input_bytes(path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| if m.is_file() { m.len() } else { 0 });
    match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().map(|e| size(&e.path())).sum(),
        Err(_) => size(path),
    }
}

fn ingest_finding(kind: &IngestErrorKind, sheet: Option<u8>) -> Finding {
    let rule = match kind {
        IngestErrorKind::Encrypted => rules::ENCRYPTED_WORKBOOK,
        IngestErrorKind::NotUtf8 { .. } | IngestErrorKind::Utf16 => rules::CSV_NOT_UTF8,
        IngestErrorKind::LimitExceeded { .. } => rules::LIMIT_EXCEEDED,
        _ => rules::UNREADABLE_FILE,
    };
    let mut f = Finding::new(rule);
    f.sheet = sheet;
    f.detail = Some(kind.to_string().into());
    f
}
