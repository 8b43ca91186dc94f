//! A submission as a folder of CSV files, one per sheet (`Header.csv`, `Person.csv`, ...).
//!
//! A record's row is the physical line on which it starts, whatever the line endings (LF,
//! CRLF, CR or a mix): [`Lines`] notes every line break as the parser reads, and a record's
//! line is counted from its byte offset. The csv crate's own line count follows `\n` only
//! and places a record after the blank lines it skipped, so it is not used.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

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

/// How many reads the parser may run ahead of the record it is on.
const PARSER_BUFFER: usize = 1 << 16;

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
        // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header.
        let base = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let record_start = Rc::new(Cell::new(base));
        let lines = Lines::new(file, head, base, Rc::clone(&record_start), self.limits.record_bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(PARSER_BUFFER)
            .from_reader(lines);
        let mut record = csv::ByteRecord::new();
        loop {
            let read = reader.read_byte_record(&mut record);
            let at = base + record.position().map_or(0, csv::Position::byte);
            let line = reader.get_mut().line_of(at.max(record_start.get()));
            match read {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    return Err(match e.into_kind() {
                        csv::ErrorKind::Io(io) if Lines::<File>::is_overlong(&io) => IngestErrorKind::LimitExceeded {
                            limit: Limit::RecordBytes,
                            found: reader.get_ref().offset - record_start.get(),
                            max: self.limits.record_bytes,
                            line: Some(line),
                        },
                        csv::ErrorKind::Io(io) => IngestErrorKind::Io(io),
                        other => IngestErrorKind::Csv { line: Some(line), reason: format!("{other:?}") },
                    });
                }
            }
            record_start.set(base + reader.position().byte());
            let text = match std::str::from_utf8(record.as_slice()) {
                Ok(t) => t,
                Err(e) => {
                    let byte = record.as_slice()[e.valid_up_to()];
                    return Err(IngestErrorKind::NotUtf8 { line, byte });
                }
            };
            self.check_record(&record, text, line)?;
            let number = u32::try_from(line).unwrap_or(u32::MAX);
            let spans = u32::try_from(line_breaks(record.as_slice())).unwrap_or(u32::MAX);
            visit(&Row { number, last: number.saturating_add(spans), cells: RowCells::Csv(&record, text) });
        }
    }

    /// The limits on rows, columns and value length, checked once a record is read.
    fn check_record(&self, record: &csv::ByteRecord, text: &str, line: u64) -> Result<(), IngestErrorKind> {
        let over = |limit: Limit, found: u64| IngestErrorKind::LimitExceeded {
            limit,
            found,
            max: limit.of(&self.limits),
            line: Some(line),
        };
        if line > u64::from(self.limits.rows) {
            return Err(over(Limit::Rows, line));
        }
        if record.len() > self.limits.columns as usize {
            return Err(over(Limit::Columns, record.len() as u64));
        }
        // Only a record longer than the limit can hold a value longer than it.
        if text.len() > self.limits.value_chars as usize {
            for i in 0..record.len() {
                let chars = record.range(i).and_then(|r| text.get(r)).map_or(0, |v| v.chars().count());
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

/// UTF-16 text, with or without its byte-order mark (every other byte of ASCII is zero).
fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || (head.len() == 4 && ((head[1] == 0 && head[3] == 0) || (head[0] == 0 && head[2] == 0)))
}

/// Line breaks inside a record's fields (a quoted value may hold some); `\r\n` is one.
fn line_breaks(bytes: &[u8]) -> u64 {
    memchr::memchr2_iter(b'\r', b'\n', bytes).filter(|&i| bytes[i] == b'\r' || i == 0 || bytes[i - 1] != b'\r').count()
        as u64
}

/// The file as the parser reads it, noting where lines break and refusing to feed a record
/// past the limit (the parser would otherwise hold all of it in memory).
struct Lines<R> {
    inner: R,
    /// The file's first bytes, already read to sniff the encoding, still to be handed on.
    pending: Vec<u8>,
    /// Bytes of the file handed to the parser so far (the BOM included).
    offset: u64,
    /// Line breaks not yet passed: (offset, length); `\r\n` is one break of length 2.
    breaks: VecDeque<(u64, u8)>,
    /// Line breaks already passed.
    lines_passed: u64,
    last_was_cr: bool,
    /// Where the record being parsed began, set by the caller after each record.
    record_start: Rc<Cell<u64>>,
    max_record: u64,
}

/// The marker of the error [`Lines`] returns when a record is too long.
const OVERLONG: &str = "iapt: CSV record over the limit";

impl<R: Read> Lines<R> {
    fn new(inner: R, head: &[u8], skip: u64, record_start: Rc<Cell<u64>>, max_record: u64) -> Lines<R> {
        let skip = usize::try_from(skip).unwrap_or(0).min(head.len());
        Lines {
            inner,
            pending: head[skip..].to_vec(),
            offset: skip as u64,
            breaks: VecDeque::new(),
            lines_passed: 0,
            last_was_cr: false,
            record_start,
            max_record,
        }
    }

    fn is_overlong(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|inner| inner.to_string() == OVERLONG)
    }

    /// The physical line (1-based) of the first byte at or after `offset` that is not a line
    /// break: the parser skips blank lines before a record, and reports where it began to.
    fn line_of(&mut self, offset: u64) -> u64 {
        // The parser may report an offset inside a `\r\n`: start after the break it is in.
        let mut at = offset;
        while let Some(&(b, len)) = self.breaks.front().filter(|&&(b, _)| b < offset) {
            self.breaks.pop_front();
            self.lines_passed += 1;
            at = at.max(b + u64::from(len));
        }
        while let Some(&(b, len)) = self.breaks.front() {
            if b != at {
                break;
            }
            self.breaks.pop_front();
            self.lines_passed += 1;
            at += u64::from(len);
        }
        self.lines_passed + 1
    }

    fn note_breaks(&mut self, chunk: &[u8]) {
        for i in memchr::memchr2_iter(b'\r', b'\n', chunk) {
            let at = self.offset + i as u64;
            if chunk[i] == b'\r' {
                self.breaks.push_back((at, 1));
                continue;
            }
            let after_cr = if i == 0 { self.last_was_cr } else { chunk[i - 1] == b'\r' };
            match self.breaks.back_mut() {
                Some((_, len)) if after_cr => *len = 2,
                _ => self.breaks.push_back((at, 1)),
            }
        }
        if let Some(&last) = chunk.last() {
            self.last_was_cr = last == b'\r';
        }
        self.offset += chunk.len() as u64;
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.offset.saturating_sub(self.record_start.get()) > self.max_record + PARSER_BUFFER as u64 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, OVERLONG));
        }
        let n = if self.pending.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            n
        };
        self.note_breaks(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, last line) of every record of `data`.
    fn lines(data: &[u8]) -> Vec<(u64, u64)> {
        let start = Rc::new(Cell::new(0));
        let base = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        start.set(base);
        let h = data.len().min(4);
        let lines = Lines::new(&data[h..], &data[..h], base, Rc::clone(&start), 1 << 20);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(lines);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let at = base + record.position().unwrap().byte();
            let line = reader.get_mut().line_of(at.max(start.get()));
            start.set(base + reader.position().byte());
            out.push((line, line + line_breaks(record.as_slice())));
        }
        out
    }

    #[test]
    fn lines_whatever_the_endings() {
        let expect = vec![(1, 1), (2, 2), (3, 3)];
        assert_eq!(lines(b"a,b\nc,d\ne,f\n"), expect);
        assert_eq!(lines(b"a,b\r\nc,d\r\ne,f\r\n"), expect);
        assert_eq!(lines(b"a,b\rc,d\re,f\r"), expect);
        assert_eq!(lines(b"a,b\r\nc,d\ne,f"), expect);
        assert_eq!(lines(b"\xEF\xBB\xBFa,b\r\nc,d\r\ne,f\r\n"), expect);
    }

    #[test]
    fn blank_lines_and_quoted_breaks() {
        assert_eq!(lines(b"\n\na,b\n\nc,d\n"), vec![(3, 3), (5, 5)]);
        assert_eq!(lines(b"a,b\r\n\r\n\r\nc,d\r\n"), vec![(1, 1), (4, 4)]);
        assert_eq!(lines(b"a,\"x\r\ny\"\r\nc,d\r\n"), vec![(1, 2), (3, 3)]);
        assert_eq!(lines(b"a,\"x\ny\nz\"\nc,d\n"), vec![(1, 3), (4, 4)]);
    }

    #[test]
    fn utf16_is_recognised() {
        assert!(is_utf16(b"\xFF\xFEH\0"));
        assert!(is_utf16(b"H\0e\0"));
        assert!(!is_utf16(b"Head"));
    }
}
