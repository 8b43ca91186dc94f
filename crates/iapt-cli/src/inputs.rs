//! Reading many submissions for the statistics: every input validated, the accepted records
//! kept, and what was rejected counted so that nothing is dropped silently.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;

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
}

/// The submissions `inputs` name: workbook files and CSV folders, each folder of several expanded.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Fatal> {
    let mut paths = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(Fatal {
                message: format!("`{}` does not exist", input.display()),
                hint: Some("give a workbook file or a folder of CSV files".into()),
            });
        }
        paths.extend(iapt_ingest::discover(input));
    }
    Ok(paths)
}

/// Validates and keeps the accepted records of the submissions at `paths`.
pub fn read(paths: &[PathBuf], schema: &Schema, today: Date) -> Result<Accepted, Fatal> {
    let results = iapt_validate::validate_all(paths, schema, today)
        .map_err(|e| Fatal::new(format!("the schema does not fit the validator: {e}")))?;
    let quality = iapt_quality::Quality::from_validations(&results, schema);
    let mut accepted = Accepted {
        submissions: Vec::new(),
        files: paths.len(),
        files_rejected: Vec::new(),
        rows: Vec::new(),
        warnings: 0,
        quality,
    };
    for v in results {
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
    Ok(accepted)
}

/// What was read and set aside, on standard error.
pub fn report(a: &Accepted) {
    eprintln!("read {} submissions ({} rejected whole by a file-level problem)", a.files, a.files_rejected.len());
    for p in &a.files_rejected {
        eprintln!("  rejected: {}", p.display());
    }
    for (sheet, read, rejected) in &a.rows {
        eprintln!("  {sheet:<18} {read:>10} rows read, {rejected:>8} rejected by validation");
    }
    let rejected: u64 = a.rows.iter().map(|r| r.2).sum();
    if rejected > 0 || !a.files_rejected.is_empty() {
        eprintln!("hint: rejected rows are left out of the statistics; `iapt validate` lists each with its reason");
    }
}
