//! Reading submissions: workbooks (`.xlsx .xlsm .xls .xlsb .ods`) and folders of CSV files.
//!
//! [`Source::open`] opens one submission and lists its [`SheetInfo`]s; [`Source::read_sheet`]
//! streams a sheet's non-empty rows to a callback as [`Row`]s. A row knows its number as the
//! user sees it (the spreadsheet row, or the CSV line where the record starts) and hands out
//! [`CellValue`]s that borrow from the reader: there is no `String` per cell, and shared
//! strings of a workbook are never copied. Cell values keep the spreadsheet's own type
//! (text, number, date-formatted number) so the validator can apply Excel's semantics.
//!
//! Every failure is an [`IngestError`] naming the file and, where known, the sheet and line.
//! This crate knows nothing of the data set: which sheets and columns matter is the
//! validator's business.

#![forbid(unsafe_code)]

mod csv_folder;
mod csv_records;
mod discover;
mod error;
mod limits;
mod preflight;
mod workbook;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

pub use discover::{Discovery, SkipReason, Skipped, discover};
pub use error::{IngestError, IngestErrorKind};
pub use limits::{Limit, Limits, thousands};

/// One cell's value, borrowed from the reader.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellValue<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    /// A number in a date- or time-formatted cell, converted from the workbook's epoch
    /// (1900 or 1904); `serial` is the number as stored.
    DateTime {
        year: u16,
        month: u8,
        day: u8,
        seconds: u32,
        serial: f64,
    },
    /// A date or time the file stores as ISO 8601 text in a typed cell (ODS).
    IsoDateTime(&'a str),
    Bool(bool),
    /// A formula error such as `#N/A`.
    Error(&'static str),
}

impl CellValue<'_> {
    /// Empty, or text that is only white space.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One row of a sheet.
pub struct Row<'a> {
    /// The row number the user sees: 1-based spreadsheet row, or the CSV line where the record starts.
    pub number: u32,
    /// The last line the row spans: a CSV record with a quoted line break spans several.
    pub last: u32,
    cells: RowCells<'a>,
}

enum RowCells<'a> {
    /// The record's text, checked once to be UTF-8, and each field's byte range in it.
    Csv {
        text: &'a str,
        fields: &'a [(u32, u32)],
    },
    Xlsx(&'a [calamine::DataRef<'a>]),
    Range(&'a [calamine::Data]),
}

impl<'a> Row<'a> {
    /// Number of cells up to the last one present (a CSV record's field count).
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.cells {
            RowCells::Csv { fields, .. } => fields.len(),
            RowCells::Xlsx(c) => c.len(),
            RowCells::Range(c) => c.len(),
        }
    }

    /// Whether the row has no cells at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell in column `col` (0-based, column A = 0); `Empty` past the end.
    #[must_use]
    #[inline]
    pub fn get(&self, col: usize) -> CellValue<'_> {
        match &self.cells {
            RowCells::Csv { text, fields } => match (CsvFields { text, fields }).field(col) {
                "" => CellValue::Empty,
                s => CellValue::Text(s),
            },
            RowCells::Xlsx(c) => c.get(col).map_or(CellValue::Empty, workbook::from_data_ref),
            RowCells::Range(c) => c.get(col).map_or(CellValue::Empty, workbook::from_data),
        }
    }

    /// The row as CSV text, when it was read from a CSV file: every cell is text, so a
    /// reader can take each field as it is without matching on its type.
    #[must_use]
    #[inline]
    pub fn csv(&self) -> Option<CsvFields<'a>> {
        match self.cells {
            RowCells::Csv { text, fields } => Some(CsvFields { text, fields }),
            _ => None,
        }
    }

    /// Whether every cell is blank.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        match &self.cells {
            RowCells::Csv { text, fields } => fields.iter().all(|&(start, end)| {
                text.get(start as usize..end as usize).is_none_or(|f| f.bytes().all(|b| b.is_ascii_whitespace()))
            }),
            _ => (0..self.len()).all(|i| self.get(i).is_blank()),
        }
    }
}

/// The fields of a CSV record (see [`Row::csv`]).
#[derive(Clone, Copy)]
pub struct CsvFields<'a> {
    text: &'a str,
    fields: &'a [(u32, u32)],
}

impl<'a> CsvFields<'a> {
    /// The text of field `col` (0-based), empty past the end: the same as [`Row::get`]'s
    /// `Text` or `Empty`.
    #[must_use]
    #[inline]
    pub fn field(&self, col: usize) -> &'a str {
        match self.fields.get(col) {
            // Empty fields (most of a national year's) need no slicing and its checks. Field
            // boundaries are commas or quotes, so they fall on character boundaries.
            Some(&(start, end)) if start < end => self.text.get(start as usize..end as usize).unwrap_or(""),
            _ => "",
        }
    }
}

/// A sheet of a submission as the file names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetInfo {
    pub name: String,
    pub hidden: bool,
}

/// What kind of file a submission came in; it decides how typed cells are interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Workbook,
    CsvFolder,
}

/// One opened submission.
pub struct Source {
    path: PathBuf,
    inner: Inner,
}

enum Inner {
    // Boxed: calamine's readers are large, and a source is made once per file.
    Workbook(Box<workbook::Workbook>),
    Csv(csv_folder::CsvFolder),
}

impl Source {
    /// Opens a workbook file or a folder of CSV files, within `limits`.
    ///
    /// Only regular files are opened: a pipe or device named like a workbook could block.
    pub fn open(path: &Path, limits: Limits) -> Result<Source, IngestError> {
        let fail = |kind| IngestError { path: path.to_owned(), sheet: None, kind };
        let meta = std::fs::metadata(path).map_err(|e| fail(IngestErrorKind::Io(e)))?;
        let inner = if meta.is_dir() {
            Inner::Csv(csv_folder::CsvFolder::open(path, limits)?)
        } else if !meta.is_file() {
            return Err(fail(IngestErrorKind::NotARegularFile));
        } else {
            let opened = catch_unwind(|| workbook::Workbook::open(path, limits));
            Inner::Workbook(Box::new(opened.map_err(|p| fail(panicked(p.as_ref())))??))
        };
        Ok(Source { path: path.to_owned(), inner })
    }

    /// The path the submission was opened from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Workbook or CSV folder.
    #[must_use]
    pub fn kind(&self) -> SourceKind {
        match self.inner {
            Inner::Workbook(_) => SourceKind::Workbook,
            Inner::Csv(_) => SourceKind::CsvFolder,
        }
    }

    /// The sheets (or CSV files) of the submission, in file order.
    #[must_use]
    pub fn sheets(&self) -> Vec<SheetInfo> {
        match &self.inner {
            Inner::Workbook(w) => w.sheets(),
            Inner::Csv(c) => c.sheets(),
        }
    }

    /// Streams every non-empty row of `sheet` (the header row included) to `visit`, in order.
    ///
    /// Rows with no cells are not visited: a gap in [`Row::number`] shows where they were.
    ///
    /// A reader that panics on a crafted file is stopped here, at the submission's boundary,
    /// so that one bad file never takes a batch down.
    pub fn read_sheet(&mut self, sheet: &str, visit: &mut dyn FnMut(&Row<'_>)) -> Result<(), IngestError> {
        let inner = &mut self.inner;
        let read = catch_unwind(AssertUnwindSafe(|| match inner {
            Inner::Workbook(w) => w.read_sheet(sheet, visit),
            Inner::Csv(c) => c.read_sheet(sheet, visit),
        }));
        read.unwrap_or_else(|p| Err(panicked(p.as_ref()))).map_err(|kind| IngestError {
            path: self.path.clone(),
            sheet: Some(sheet.to_owned()),
            kind,
        })
    }
}

/// A caught panic as a finding. Its message is not kept: it may quote a cell's value.
fn panicked(_payload: &(dyn std::any::Any + Send)) -> IngestErrorKind {
    IngestErrorKind::ReaderFailed("a crafted or damaged file; the problem is in iapt, please report it".into())
}

/// Text from a file made safe to print: control characters (terminal escapes among them)
/// replaced, and cut after `max` characters with the full length said.
#[must_use]
pub fn printable(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let long = text.len() > max && text.chars().nth(max).is_some();
    if !long && !text.chars().any(unsafe_to_print) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out: String = text.chars().take(max).map(|c| if unsafe_to_print(c) { '\u{FFFD}' } else { c }).collect();
    if long {
        out.push_str(&format!("… ({} characters in all)", thousands(text.chars().count() as u64)));
    }
    std::borrow::Cow::Owned(out)
}

/// Control characters (terminal escapes among them) and characters that show as nothing, the
/// bidirectional controls among them (they can make a terminal show text in another order):
/// a zero-width space or a byte-order mark in a column name would read as the right name.
fn unsafe_to_print(c: char) -> bool {
    c.is_control() || shows_as_nothing(c)
}

/// A character that shows as nothing: a soft hyphen, combining grapheme joiner, zero-width space
/// or joiner, a direction mark, embedding or isolate, a line or paragraph separator, a word
/// joiner or invisible operator, a variation selector, a tag character, a byte-order mark.
#[must_use]
pub fn shows_as_nothing(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Column letters as a spreadsheet shows them: 0 is `A`, 26 is `AA`.
#[must_use]
pub fn column_letters(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::column_letters;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
