//! A submission as a folder of CSV files, one per sheet (`Header.csv`, `Person.csv`, ...).
//!
//! A record's row is the physical line on which it starts, whatever the line endings (LF,
//! CRLF, CR or a mix); [`CsvRecords`] splits the file and counts the lines.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::csv_records::{CsvRecords, RecordError};

use crate::error::{IngestError, IngestErrorKind};
use crate::limits::{Limit, Limits};
use crate::{Row, RowCells, SheetInfo};

pub(crate) struct CsvFolder {
    files: Vec<(String, PathBuf)>,
    limits: Limits,
}

fn csv_files(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_csv = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv && let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            files.push((stem.to_owned(), path.clone()));
        }
    }
    files.sort();
    Ok(files)
}

/// A folder is one submission when it holds a `Header.csv` (any case).
pub(crate) fn is_submission(dir: &Path) -> bool {
    csv_files(dir).is_ok_and(|f| f.iter().any(|(n, _)| n.trim().eq_ignore_ascii_case("header")))
}

impl CsvFolder {
    pub(crate) fn open(dir: &Path, limits: Limits) -> Result<CsvFolder, IngestError> {
        let fail = |kind| IngestError { path: dir.to_owned(), sheet: None, kind };
        let files = csv_files(dir).map_err(|e| fail(IngestErrorKind::Io(e)))?;
        if files.is_empty() {
            return Err(fail(IngestErrorKind::NoCsvFiles));
        }
        Ok(CsvFolder { files, limits })
    }

    pub(crate) fn sheets(&self) -> Vec<SheetInfo> {
        self.files.iter().map(|(name, _)| SheetInfo { name: name.clone(), hidden: false }).collect()
    }

    pub(crate) fn read_sheet(&self, name: &str, visit: &mut dyn FnMut(&Row<'_>)) -> Result<(), IngestErrorKind> {
        let (_, path) = self.files.iter().find(|(n, _)| n == name).ok_or(IngestErrorKind::SheetNotFound)?;
        if !std::fs::metadata(path).map_err(IngestErrorKind::Io)?.is_file() {
            return Err(IngestErrorKind::NotARegularFile);
        }
        let mut file = File::open(path).map_err(IngestErrorKind::Io)?;
        let mut head = [0u8; 4];
        let got = read_head(&mut file, &mut head).map_err(IngestErrorKind::Io)?;
        let head = &head[..got];
        if is_utf16(head) {
            return Err(IngestErrorKind::Utf16);
        }
        let mut records = CsvRecords::new(file, head, self.limits.record_bytes);
        loop {
            let record = match records.next() {
                Ok(Some(record)) => record,
                Ok(None) => return Ok(()),
                Err(RecordError::Io(e)) => return Err(IngestErrorKind::Io(e)),
                Err(RecordError::Overlong { line, found, max }) => {
                    return Err(IngestErrorKind::LimitExceeded {
                        limit: Limit::RecordBytes,
                        found,
                        max,
                        line: Some(line),
                    });
                }
            };
            let line = record.line;
            let text = match record.text.map_or_else(|| std::str::from_utf8(record.bytes), Ok) {
                Ok(t) => t,
                Err(e) => return Err(IngestErrorKind::NotUtf8 { line, byte: record.bytes[e.valid_up_to()] }),
            };
            self.check_record(record.fields, text, line)?;
            let number = u32::try_from(line).unwrap_or(u32::MAX);
            let last = u32::try_from(record.last).unwrap_or(u32::MAX);
            visit(&Row { number, last, cells: RowCells::Csv { text, fields: record.fields } });
        }
    }

    /// The limits on rows, columns and value length, checked once a record is read.
    fn check_record(&self, fields: &[(u32, u32)], text: &str, line: u64) -> Result<(), IngestErrorKind> {
        let over = |limit: Limit, found: u64| IngestErrorKind::LimitExceeded {
            limit,
            found,
            max: limit.of(&self.limits),
            line: Some(line),
        };
        if line > u64::from(self.limits.rows) {
            return Err(over(Limit::Rows, line));
        }
        if fields.len() > self.limits.columns as usize {
            return Err(over(Limit::Columns, fields.len() as u64));
        }
        // Only a record longer than the limit can hold a value longer than it.
        if text.len() > self.limits.value_chars as usize {
            for &(start, end) in fields {
                let chars = text.get(start as usize..end as usize).map_or(0, |v| v.chars().count());
                if chars > self.limits.value_chars as usize {
                    return Err(over(Limit::ValueChars, chars as u64));
                }
            }
        }
        Ok(())
    }
}

fn read_head(file: &mut File, head: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// UTF-16 text, with or without its byte-order mark (every other byte of ASCII is zero), or
/// UTF-32 (its little-endian mark starts as UTF-16's does).
fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\0\0\xFE\xFF")
        || head.starts_with(b"\xFE\xFF")
        || (head.len() == 4 && ((head[1] == 0 && head[3] == 0) || (head[0] == 0 && head[2] == 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_recognised() {
        assert!(is_utf16(b"\xFF\xFEH\0"));
        assert!(is_utf16(b"H\0e\0"));
        assert!(is_utf16(b"\xFF\xFE\0\0") && is_utf16(b"\0\0\xFE\xFF"), "UTF-32 either way");
        assert!(!is_utf16(b"Head"));
    }
}
