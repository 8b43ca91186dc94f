//! What `--annotate` and `--split` share: the submission read again as it was submitted, sheet
//! by sheet in the data set's order, with the validator's findings placed on its rows and cells.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use iapt_ingest::{CellValue, Row, Source};
use iapt_schema::Schema;
use iapt_validate::rules::{CSV_NOT_UTF8, ENCRYPTED_WORKBOOK, LIMIT_EXCEEDED, UNREADABLE_FILE};
use iapt_validate::{Finding, Severity, Validation};

use crate::Fatal;

/// Whether a file-level finding stopped the reading, so that there is nothing to copy.
pub fn unreadable(v: &Validation) -> Option<&Finding> {
    v.findings.iter().find(|f| [UNREADABLE_FILE, ENCRYPTED_WORKBOOK, LIMIT_EXCEEDED, CSV_NOT_UTF8].contains(&f.rule))
}

/// The findings of one sheet, by row and by cell (indexes into `Validation::findings`).
#[derive(Default)]
pub struct Marks {
    pub by_cell: HashMap<(u32, u32), Vec<usize>>,
    /// Findings on a row with no column of their own.
    pub by_row: HashMap<u32, Vec<usize>>,
    /// Rows rejected by a record-level finding, with those findings.
    pub rejected: HashMap<u32, Vec<usize>>,
    /// Every row with a finding, in order (a blank row the reader passes over among them).
    pub rows: BTreeSet<u32>,
}

/// The findings of sheet `sheet` placed on its rows and cells.
pub fn marks(v: &Validation, sheet: usize) -> Marks {
    let mut m = Marks::default();
    for (i, f) in v.findings.iter().enumerate() {
        if f.sheet.map(usize::from) != Some(sheet) || f.row == 0 {
            continue;
        }
        m.rows.insert(f.row);
        match f.col {
            Some(c) => m.by_cell.entry((f.row, c)).or_default().push(i),
            None => m.by_row.entry(f.row).or_default().push(i),
        }
        if f.severity() == Severity::Record {
            m.rejected.entry(f.row).or_default().push(i);
        }
    }
    m
}

/// The file-level findings that reject the whole submission (every row is then rejected).
pub fn file_level(v: &Validation) -> Vec<usize> {
    v.findings.iter().enumerate().filter(|(_, f)| f.severity() == Severity::File).map(|(i, _)| i).collect()
}

/// Reads each data-set sheet the validation read, in the schema's order, under the name the
/// file gives it: `visit(sheet, row)` for every row, the header row included. A sheet the file
/// holds twice (IAPT-F012) was not read, and is not copied either.
pub fn read_sheets(
    v: &Validation,
    limits: iapt_ingest::Limits,
    visit: &mut dyn FnMut(usize, &Row<'_>),
) -> Result<(), Fatal> {
    let mut source = Source::open(&v.path, limits).map_err(|e| Fatal::new(e.to_string()))?;
    for report in &v.sheets {
        let Some(name) = &report.found_as else { continue };
        source.read_sheet(name, &mut |row| visit(report.sheet, row)).map_err(|e| Fatal::new(e.to_string()))?;
    }
    Ok(())
}

/// Where the added columns go on a sheet: after the widest row the validator read, after the
/// first row given here, and after any cell with a finding.
pub fn width(v: &Validation, sheet: usize, marks: &Marks, first_row: usize) -> usize {
    let widest = marks.by_cell.keys().map(|&(_, c)| c as usize + 1).max().unwrap_or(0);
    let read = v.sheets.iter().find(|r| r.sheet == sheet).map_or(0, |r| r.width as usize);
    first_row.max(widest).max(read)
}

/// The data-set sheets the file holds twice (IAPT-F012): neither is copied.
pub fn duplicate_sheets<'v>(v: &'v Validation, schema: &Schema) -> Vec<&'v str> {
    // The finding names the data-set sheet in its detail (it belongs to no one sheet of the file).
    v.findings
        .iter()
        .filter(|f| f.rule == iapt_validate::rules::DUPLICATE_SHEET)
        .filter_map(|f| f.detail.as_deref().filter(|d| schema.sheet_index(d).is_some()))
        .collect()
}

/// A cell's value as text, as it was submitted.
pub fn text(v: CellValue<'_>) -> String {
    let mut out = String::new();
    iapt_validate::cell_as_written(v, &mut out);
    out
}

/// Where the copies of `inputs` go: `target` itself for one input (a folder when `extension` is
/// empty, else a file with that extension), else one per input inside the folder `target`, named
/// after the input and made unique.
pub fn targets(inputs: &[PathBuf], target: &Path, extension: &str) -> Result<Vec<PathBuf>, Fatal> {
    let has = |p: &Path, e: &str| p.extension().is_some_and(|x| x.eq_ignore_ascii_case(e));
    if !extension.is_empty() && target.extension().is_some() && !has(target, extension) && !target.is_dir() {
        return Err(Fatal {
            message: format!("`{}` is not an .{extension} file", target.display()),
            hint: Some(format!("give OUT.{extension}, or a folder for one copy per input")),
        });
    }
    let as_file = extension.is_empty() || has(target, extension);
    if inputs.len() == 1 && as_file {
        return Ok(vec![target.to_owned()]);
    }
    if target.is_file() {
        let message = if inputs.len() == 1 {
            format!("`{}` is a file, not a folder or an .{extension} workbook", target.display())
        } else {
            format!("`{}` is a file, and {} inputs need a folder", target.display(), inputs.len())
        };
        let hint = "give a folder: one copy per input is written into it, named after the input";
        return Err(Fatal { message, hint: Some(hint.into()) });
    }
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    Ok(inputs
        .iter()
        .map(|p| {
            let stem = p.file_stem().map_or_else(|| "submission".to_owned(), |s| s.to_string_lossy().into_owned());
            // Unique whatever the case, against the names made for other inputs too.
            let mut name = stem.clone();
            let mut n = 1;
            while !used.insert(name.to_lowercase()) {
                n += 1;
                name = format!("{stem}-{n}");
            }
            if extension.is_empty() { target.join(name) } else { target.join(format!("{name}.{extension}")) }
        })
        .collect())
}
