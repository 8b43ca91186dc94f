//! `tables/<id>.csv`: one header row, a row per table row, suppressed cells as `[c]`.

use crate::model::{Cell, NOT_FOR_PUBLICATION, Table};
use crate::write::neutralise;

/// A table as tidy CSV. An unrounded run's file starts with the stamp on a line of its own, so
/// that it cannot be loaded as a publishable table by accident.
///
/// # Errors
/// Never in practice: the CSV is written to memory.
pub fn table_csv(table: &Table, not_for_publication: bool) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    if not_for_publication {
        w.write_record([NOT_FOR_PUBLICATION])?;
    }
    w.write_record(table.columns.iter().map(|c| neutralise(&c.header).into_owned()))?;
    for row in &table.rows {
        w.write_record(row.iter().map(|cell| match cell {
            Cell::Text(s) => neutralise(s).into_owned(),
            other => other.plain(),
        }))?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
