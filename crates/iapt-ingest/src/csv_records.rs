//! Splitting a CSV file into records, each with the physical line it starts on.
//!
//! Most lines of a submission hold no quote: such a line is one record, and its fields are
//! the text between commas, read in place (one pass, eight bytes at a time, finds the line's
//! end and its commas). A line with a quote before its end is handed to `csv_core`, whose reading of
//! quotes is the csv crate's; the two meet only at record starts, where `csv_core` is always
//! between records. Line breaks are `\n`, `\r` or `\r\n`, and blank lines hold no record,
//! as in `csv_core`.

use std::io::{self, Read};

use csv_core::ReadRecordResult;

/// Bytes read from the file at a time. The buffer starts at twice this, room for a read and
/// the record it interrupts, and under glibc's 128 KiB mmap threshold: a file's buffer is then
/// the last file's memory again, not fresh pages (a national year has 750 files).
const CHUNK: usize = 1 << 15;

/// A UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One record: its text and each field's byte range in it.
pub(crate) struct Record<'a> {
    /// The record's line, and the last line it spans (a quoted line break adds lines).
    pub line: u64,
    pub last: u64,
    /// The record's bytes: the line itself, or the unquoted fields end to end.
    pub bytes: &'a [u8],
    pub fields: &'a [(u32, u32)],
    /// The bytes as text, when the buffer's text holds them (see `CsvRecords::text`); else the
    /// reader of the record checks them.
    pub text: Option<&'a str>,
}

/// Why a record could not be read.
#[derive(Debug)]
pub(crate) enum RecordError {
    Io(io::Error),
    /// A record ran past `max` bytes: `found` were read of it.
    Overlong {
        line: u64,
        found: u64,
        max: u64,
    },
}

pub(crate) struct CsvRecords<R> {
    inner: R,
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
    /// The line of the byte at `pos`, and whether the byte before it was a `\r` (so that a
    /// `\n` at `pos` ends no further line).
    line: u64,
    after_cr: bool,
    max_record: usize,
    /// The fields of the record last read.
    fields: Vec<(u32, u32)>,
    /// For quoted records: `csv_core`'s reader (made at the first, as it builds a table), its
    /// output and its field ends.
    quoted: Option<csv_core::Reader>,
    unquoted: Vec<u8>,
    ends: Vec<usize>,
    /// Bytes scanned for line ends and commas (a test holds it to the file's length).
    scanned_bytes: u64,
    /// The buffer's valid UTF-8 from its start, as text, made again at each read: checked
    /// once a read rather than once a record (a record of a national year is 70 bytes, too
    /// short for the check to run at speed).
    text: String,
}

impl<R: Read> CsvRecords<R> {
    /// Records of `inner`, whose first bytes `head` were already read from it; a byte-order
    /// mark at the start is skipped (a second one is text, as it was to the csv crate's reader).
    pub(crate) fn new(inner: R, head: &[u8], max_record: u64) -> CsvRecords<R> {
        let mut buf = Vec::with_capacity(2 * CHUNK);
        buf.extend_from_slice(head);
        CsvRecords {
            inner,
            end: buf.len(),
            buf,
            pos: 0,
            eof: false,
            line: 1,
            after_cr: false,
            // Offsets within a record are u32s: a larger limit is this one (and says so).
            max_record: usize::try_from(max_record.min(u64::from(u32::MAX) / 2)).unwrap_or(usize::MAX),
            fields: Vec::new(),
            quoted: None,
            unquoted: Vec::new(),
            ends: Vec::new(),
            scanned_bytes: 0,
            text: String::new(),
        }
        .with_text()
        .skipping_bom()
    }

    fn skipping_bom(mut self) -> Self {
        if self.fill_to(BOM.len()).is_ok() && self.buf[self.pos..self.end].starts_with(BOM) {
            self.pos += BOM.len();
        }
        self
    }

    fn overlong(&self, line: u64, found: usize) -> RecordError {
        RecordError::Overlong { line, found: found as u64, max: self.max_record as u64 }
    }

    /// Reads until `n` bytes are unread or the file ends.
    fn fill_to(&mut self, n: usize) -> io::Result<()> {
        while self.end - self.pos < n && !self.eof {
            self.fill()?;
        }
        Ok(())
    }

    /// The buffer's text made again (whenever its bytes change).
    fn with_text(mut self) -> Self {
        self.refresh_text();
        self
    }

    fn refresh_text(&mut self) {
        let bytes = &self.buf[..self.end];
        // Up to the first byte that is not UTF-8, or a character the read cut short.
        let valid = match std::str::from_utf8(bytes) {
            Ok(all) => all,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        self.text.clear();
        self.text.push_str(valid);
    }

    /// Reads more of the file, keeping the unread bytes (moved to the front).
    fn fill(&mut self) -> io::Result<()> {
        let read = self.fill_bytes();
        self.refresh_text();
        read
    }

    fn fill_bytes(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < self.end + CHUNK {
            self.buf.resize(self.end + CHUNK, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }

    /// The next record, or `None` at the end of the file.
    pub(crate) fn next(&mut self) -> Result<Option<Record<'_>>, RecordError> {
        // Line breaks between records: blank lines hold no record.
        loop {
            if self.pos == self.end {
                if self.eof {
                    return Ok(None);
                }
                self.fill().map_err(RecordError::Io)?;
                continue;
            }
            match self.buf[self.pos] {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.line += 1,
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                _ => break,
            }
            self.pos += 1;
        }
        self.after_cr = false;
        let line = self.line;
        // The record's extent and fields when it holds no quote: up to the line's end.
        // A long line is read in several parts: each is scanned once (field offsets are from the
        // record's start, so they hold when the buffer moves).
        self.fields.clear();
        let mut scanned = 0;
        let stop = loop {
            let found = split_line(&self.buf[self.pos..self.end], scanned, &mut self.fields);
            self.scanned_bytes += (found.unwrap_or(self.end - self.pos) - scanned) as u64;
            match found {
                Some(i) => break self.pos + i,
                None if self.eof => break self.end,
                None if self.end - self.pos > self.max_record => {
                    return Err(self.overlong(line, self.end - self.pos));
                }
                None => {
                    scanned = self.end - self.pos;
                    self.fill().map_err(RecordError::Io)?;
                }
            }
        };
        if stop < self.end && self.buf[stop] == b'"' {
            return self.quoted_record(line);
        }
        if stop - self.pos > self.max_record {
            return Err(self.overlong(line, stop - self.pos));
        }
        let bytes = &self.buf[self.pos..stop];
        let text = self.text.get(self.pos..stop);
        self.pos = stop;
        let from = self.fields.last().map_or(0, |&(_, comma)| comma + 1);
        self.fields.push((from, bytes.len() as u32));
        Ok(Some(Record { line, last: line, bytes, fields: &self.fields, text }))
    }

    /// A record with a quote, read by `csv_core` from `pos`, which starts it.
    fn quoted_record(&mut self, line: u64) -> Result<Option<Record<'_>>, RecordError> {
        let (mut read, mut written, mut fields) = (0, 0, 0);
        if self.unquoted.is_empty() {
            self.unquoted.resize(1024, 0);
            self.ends.resize(64, 0);
        }
        // Whether the record ended at a line break (which csv_core consumed) or at the file's end.
        let at_break = loop {
            let input = &self.buf[self.pos + read..self.end];
            let quoted = self.quoted.get_or_insert_with(primed_reader);
            let (result, nin, nout, nend) =
                quoted.read_record(input, &mut self.unquoted[written..], &mut self.ends[fields..]);
            read += nin;
            written += nout;
            fields += nend;
            match result {
                ReadRecordResult::Record | ReadRecordResult::End => break !input.is_empty(),
                ReadRecordResult::OutputFull => self.unquoted.resize(self.unquoted.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                // An empty input at the end of the file tells csv_core the record is done.
                ReadRecordResult::InputEmpty if self.eof => {}
                ReadRecordResult::InputEmpty => {
                    if read > self.max_record {
                        return Err(self.overlong(line, read));
                    }
                    self.fill().map_err(RecordError::Io)?;
                }
            }
        };
        // As an unquoted line, the record's length is without the line break that ends it.
        if read - usize::from(at_break) > self.max_record {
            return Err(self.overlong(line, read - usize::from(at_break)));
        }
        let raw = &self.buf[self.pos..self.pos + read];
        self.pos += read;
        // Every line break read counts, quoted or ending the record; one inside a value makes
        // the record span lines.
        let breaks = line_breaks(raw);
        self.line += breaks;
        self.after_cr = raw.last() == Some(&b'\r');
        // A quote left open to the file's end holds the last line's own break, which starts no line.
        let open_to_end = !at_break && matches!(raw.last(), Some(b'\n' | b'\r'));
        let bytes = &self.unquoted[..written];
        self.fields.clear();
        let mut from = 0;
        for &end in &self.ends[..fields] {
            self.fields.push((u32::try_from(from).unwrap_or(u32::MAX), u32::try_from(end).unwrap_or(u32::MAX)));
            from = end;
        }
        let last = line + line_breaks(bytes) - u64::from(open_to_end);
        Ok(Some(Record { line, last, bytes, fields: &self.fields, text: None }))
    }
}

/// A `csv_core` reader that has read a record: it strips a byte-order mark from the start of
/// its first input only, and its first input here may be any line of the file.
fn primed_reader() -> csv_core::Reader {
    let mut reader = csv_core::Reader::new();
    let (mut out, mut ends) = ([0u8; 4], [0usize; 2]);
    let _ = reader.read_record(b"x\n", &mut out, &mut ends);
    reader
}

/// Finds where an unquoted line ends (its first `\n`, `\r` or quote), pushing the range of
/// each field before its last comma; `None` when `bytes` hold no end. Scanning starts at
/// `start` (what was scanned before is in `fields`). Eight bytes at a time: most fields are a
/// few bytes long, too short for a search call per comma to pay.
fn split_line(bytes: &[u8], start: usize, fields: &mut Vec<(u32, u32)>) -> Option<usize> {
    let mut from = fields.last().map_or(0, |&(_, comma)| comma + 1);
    let mut words = bytes[start..].chunks_exact(8);
    let mut base = start;
    for word in &mut words {
        let w = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        // A line end or quote is a byte below `#`; most words hold none, and are not searched.
        let stops =
            if below(w, b'#') { equal_bytes(w, b'\n') | equal_bytes(w, b'\r') | equal_bytes(w, b'"') } else { 0 };
        let mut commas = equal_bytes(w, b',');
        if stops != 0 {
            // Only the commas before the first stop belong to this line.
            commas &= stops ^ (stops - 1);
        }
        while commas != 0 {
            let at = (base + commas.trailing_zeros() as usize / 8) as u32;
            fields.push((from, at));
            from = at + 1;
            commas &= commas - 1;
        }
        if stops != 0 {
            return Some(base + stops.trailing_zeros() as usize / 8);
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        match b {
            b'\n' | b'\r' | b'"' => return Some(base + i),
            b',' => {
                fields.push((from, (base + i) as u32));
                from = (base + i) as u32 + 1;
            }
            _ => {}
        }
    }
    None
}

/// Whether a byte of `w` is below `n` (at most 128): a byte below it borrows into its high
/// bit when `n` is taken from it, and had that bit clear.
#[inline]
fn below(w: u64, n: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    w.wrapping_sub(ONES * u64::from(n)) & !w & (ONES << 7) != 0
}

/// The high bit of each byte of `w` that equals `b`, exactly (no borrow runs between bytes).
#[inline]
fn equal_bytes(w: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ (u64::from(b) * 0x0101_0101_0101_0101);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Line breaks in `bytes`; `\r\n` is one.
fn line_breaks(bytes: &[u8]) -> u64 {
    memchr::memchr2_iter(b'\r', b'\n', bytes).filter(|&i| bytes[i] == b'\r' || i == 0 || bytes[i - 1] != b'\r').count()
        as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `.1` bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// (line, last line, fields) of every record of `data`, read through a reader that hands
    /// out `step` bytes at a time (so that records cross the buffer's refills).
    fn records(data: &[u8], step: usize) -> Vec<(u64, u64, Vec<String>)> {
        let h = data.len().min(4);
        let mut reader = CsvRecords::new(Trickle(&data[h..], step), &data[..h], 1 << 20);
        let mut out = Vec::new();
        while let Some(r) = reader.next().unwrap() {
            // The buffer's text, when it has the record, is the record's bytes as text.
            if let Some(text) = r.text {
                assert_eq!(Ok(text), std::str::from_utf8(r.bytes), "line {}", r.line);
            }
            let fields =
                r.fields.iter().map(|&(s, e)| String::from_utf8_lossy(&r.bytes[s as usize..e as usize]).into_owned());
            out.push((r.line, r.last, fields.collect()));
        }
        out
    }

    fn lines(data: &[u8]) -> Vec<(u64, u64)> {
        let all = records(data, usize::MAX);
        assert_eq!(records(data, 1), all, "read a byte at a time");
        all.into_iter().map(|(l, last, _)| (l, last)).collect()
    }

    /// Records hold their text as the buffer's text, whichever read cut a character, and
    /// none where their bytes are not UTF-8 (the caller then reports them).
    #[test]
    fn text_is_the_bytes_as_text_wherever_reads_cut() {
        let data = "é,ü€\n𝄞x,\u{feff}y\nplain,row\n".repeat(40).into_bytes();
        let mut broken = data.clone();
        broken[200] = 0xFF;
        for bytes in [&data[..], &broken[..]] {
            for step in [1, 2, 3, 5, 7, 64, usize::MAX] {
                let h = bytes.len().min(4);
                let mut reader = CsvRecords::new(Trickle(&bytes[h..], step), &bytes[..h], 1 << 20);
                let (mut with_text, mut records) = (0, 0);
                while let Some(r) = reader.next().unwrap() {
                    records += 1;
                    match (r.text, std::str::from_utf8(r.bytes)) {
                        (Some(text), Ok(valid)) => {
                            assert_eq!(text, valid);
                            with_text += 1;
                        }
                        (Some(text), Err(_)) => panic!("{text:?} is not the record's bytes"),
                        (None, _) => {}
                    }
                }
                assert_eq!(records, 120, "step {step}");
                // Every record before the broken byte has its text at a buffer-sized read.
                if step == usize::MAX && bytes == &data[..] {
                    assert_eq!(with_text, 120);
                }
            }
        }
    }

    #[test]
    fn below_is_any_byte_below() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let w = u64::from_le_bytes(word);
                for n in [b'#', 1, 128] {
                    assert_eq!(below(w, n), b < n || b'a' < n, "{b:#x} at {at} below {n}");
                }
            }
        }
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
        assert_eq!(lines(b"\"a\"\r\n\r\n\"b\"\r\nc\n"), vec![(1, 1), (3, 3), (4, 4)]);
        // A quote left open runs to the file's last line, not one past it.
        assert_eq!(lines(b"a,b\n\"c,d\ne,f\n"), vec![(1, 1), (2, 3)]);
        assert_eq!(lines(b"a,b\r\n\"c,d\r\ne,f\r\n"), vec![(1, 1), (2, 3)]);
        assert_eq!(lines(b"a,b\n\"c,d\ne,f\n\n\n"), vec![(1, 1), (2, 5)]);
        assert_eq!(lines(b"a,b\n\"c,d\ne,f"), vec![(1, 1), (2, 3)]);
        assert_eq!(lines(b"a,\"x\n\""), vec![(1, 2)], "closed at the end, on line 2");
    }

    /// Every field as the csv crate reads it, on inputs built from the bytes that matter.
    #[test]
    fn fields_are_the_csv_crates() {
        let alphabet: &[&[u8]] = &[b"a", b",", b"\"", b"\r", b"\n", b" ", "é".as_bytes(), b"\"\"", b"\r\n"];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            let mut data = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for k in 0..len {
                data.extend_from_slice(alphabet[((seed >> (k * 2 % 60)) as usize + k) % alphabet.len()]);
            }
            let mut expect = Vec::new();
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&data[..]);
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                expect.push(rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>());
            }
            for step in [1, 3, usize::MAX] {
                let got: Vec<Vec<String>> = records(&data, step).into_iter().map(|(_, _, f)| f).collect();
                assert_eq!(got, expect, "{:?} read {step} bytes at a time", String::from_utf8_lossy(&data));
            }
        }
    }

    #[test]
    fn a_second_byte_order_mark_is_text_as_it_was_to_the_csv_crate() {
        let data = b"\xEF\xBB\xBF\xEF\xBB\xBFa,b\n";
        assert_eq!(records(data, usize::MAX), vec![(1, 1, vec!["\u{FEFF}a".to_owned(), "b".to_owned()])]);
    }

    #[test]
    fn a_byte_order_mark_inside_the_file_is_a_value() {
        let data = "a\n\u{FEFF}\"x\"\n".as_bytes();
        assert_eq!(records(data, usize::MAX)[1].2, vec!["\u{FEFF}\"x\"".to_owned()]);
    }

    /// A record of exactly the limit is read, quoted or not, however it ends; one byte more is not.
    #[test]
    fn the_limit_counts_a_record_without_its_line_break() {
        for end in ["", "\n", "\r\n", "\r"] {
            for record in ["a,bcdefghijklmno", "a,\"bcdefghijklm\""] {
                assert_eq!(record.len(), 16);
                let data = format!("x\n{record}{end}");
                let mut reader = CsvRecords::new(&data.as_bytes()[4..], &data.as_bytes()[..4], 16);
                assert!(reader.next().unwrap().is_some());
                assert!(reader.next().is_ok_and(|r| r.is_some()), "{data:?}");
                let data = format!("x\n{record}z{end}");
                let mut reader = CsvRecords::new(&data.as_bytes()[4..], &data.as_bytes()[..4], 16);
                assert!(reader.next().unwrap().is_some());
                match reader.next() {
                    Err(RecordError::Overlong { line: 2, found: 17, max: 16 }) => {}
                    other => panic!("{data:?}: {:?}", other.map(|r| r.map(|r| r.line))),
                }
            }
        }
    }

    /// A line many reads long is scanned once, not again from its start after each read.
    #[test]
    fn a_long_line_is_scanned_once() {
        let line = "abc,".repeat(1 << 18);
        let data = format!("{line}\nx\n");
        let mut reader = CsvRecords::new(&data.as_bytes()[4..], &data.as_bytes()[..4], 64 << 20);
        assert_eq!(reader.next().unwrap().map(|r| r.fields.len()), Some((1 << 18) + 1));
        // 1 MiB read in 16 parts: rescanning from the start would look at about 8 MiB.
        assert!(reader.scanned_bytes <= data.len() as u64, "{} of {}", reader.scanned_bytes, data.len());
    }

    #[test]
    fn a_record_past_the_limit_is_refused_with_its_line() {
        for data in [&b"a\nbbbbbbbbbbbbbbbbbbbbbbbb\n"[..], b"a\n\"bbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"] {
            let mut reader = CsvRecords::new(&data[4..], &data[..4], 16);
            assert!(reader.next().unwrap().is_some());
            match reader.next() {
                Err(RecordError::Overlong { line: 2, found, max: 16 }) => assert!(found > 16),
                other => panic!("{:?}", other.map(|r| r.map(|r| r.line))),
            }
        }
    }
}
