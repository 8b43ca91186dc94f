//! A submission as a folder of CSV files, one per sheet (`Header.csv`, `Person.csv`, ...).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::{IngestError, IngestErrorKind};
use crate::{Row, RowCells, SheetInfo};

pub(crate) struct CsvFolder {
    files: Vec<(String, PathBuf)>,
}

fn csv_files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_csv = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv
            && path.is_file()
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
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
    pub(crate) fn open(dir: &Path) -> Result<CsvFolder, IngestError> {
        let fail = |kind| IngestError { path: dir.to_owned(), sheet: None, kind };
        let files = csv_files(dir).map_err(|e| fail(IngestErrorKind::Io(e)))?;
        if files.is_empty() {
            return Err(fail(IngestErrorKind::NoCsvFiles));
        }
        Ok(CsvFolder { files })
    }

    pub(crate) fn sheets(&self) -> Vec<SheetInfo> {
        self.files.iter().map(|(name, _)| SheetInfo { name: name.clone(), hidden: false }).collect()
    }

    pub(crate) fn read_sheet(&self, name: &str, visit: &mut dyn FnMut(&Row<'_>)) -> Result<(), IngestErrorKind> {
        let (_, path) = self.files.iter().find(|(n, _)| n == name).ok_or(IngestErrorKind::SheetNotFound)?;
        let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(IngestErrorKind::Io)?);
        // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header.
        if input.fill_buf().map_err(IngestErrorKind::Io)?.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
        // Leading blank lines are consumed here: the csv crate would number the first record
        // line 1 whatever precedes it, and the header's true line decides a file-level rule.
        let mut skipped = 0u64;
        loop {
            let buf = input.fill_buf().map_err(IngestErrorKind::Io)?;
            let blank = buf.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            if blank == 0 {
                break;
            }
            skipped += buf[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
            input.consume(blank);
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line() + skipped);
                    return Err(match e.into_kind() {
                        csv::ErrorKind::Io(io) => IngestErrorKind::Io(io),
                        other => IngestErrorKind::Csv { line, reason: format!("{other:?}") },
                    });
                }
            }
            let line = record.position().map_or(0, csv::Position::line) + skipped;
            let text = match std::str::from_utf8(record.as_slice()) {
                Ok(t) => t,
                Err(e) => {
                    let byte = record.as_slice()[e.valid_up_to()];
                    return Err(IngestErrorKind::NotUtf8 { line, byte });
                }
            };
            let number = u32::try_from(line).unwrap_or(u32::MAX);
            visit(&Row { number, cells: RowCells::Csv(&record, text) });
        }
    }
}
