//! Finding the rows of a submission that hold a value, for `iapt explain` to list the rows of
//! one referral that validation left out (the accepted records keep no rejected row).

use std::path::Path;

use iapt_ingest::{CellValue, IngestError, Limits, Source};

/// The row numbers (as findings give them) of the file's sheet `sheet` (its name as the file
/// gives it, `SheetReport::found_as`) whose `column` holds `value`, compared after trimming; the
/// column's name matches without regard to case.
///
/// # Errors
/// When the file cannot be read.
pub fn rows_where(
    path: &Path,
    limits: Limits,
    sheet: &str,
    column: &str,
    value: &str,
) -> Result<Vec<u32>, IngestError> {
    let mut source = Source::open(path, limits)?;
    let mut at: Option<Option<usize>> = None;
    let mut rows = Vec::new();
    source.read_sheet(sheet, &mut |row| {
        let Some(col) = at else {
            let header = (0..row.len())
                .find(|&i| matches!(row.get(i), CellValue::Text(t) if t.trim().eq_ignore_ascii_case(column)));
            at = Some(header);
            return;
        };
        let Some(col) = col else { return };
        let matches = match row.get(col) {
            CellValue::Text(t) => t.trim() == value,
            CellValue::Int(n) => n.to_string() == value,
            _ => false,
        };
        if matches {
            rows.push(row.number);
        }
    })?;
    Ok(rows)
}
