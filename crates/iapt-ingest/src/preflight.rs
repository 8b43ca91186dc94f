//! Checks of what a workbook declares, made before calamine reads it: calamine reserves memory
//! for a declared count or dimension, and a crafted file of a few kilobytes can declare
//! terabytes. Each check reads only what it must, without holding it:
//! - a zip archive's directory: duplicate or overlapping parts, and each part's inflated size
//!   (the zip reader refuses to inflate past the size a part declares, so this bounds it);
//! - `.xlsx`: the shared-strings table, counted and measured as it streams past;
//! - `.ods`: the cells that repeated rows and columns would expand to;
//! - `.xls`: every stream's length, and the DIMENSIONS record of every sheet.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::IngestErrorKind;
use crate::limits::{Limit, Limits};
use crate::workbook::within;

/// Checks a zipped workbook (`.xlsx .xlsm .xlsb .ods`).
pub(crate) fn zipped(path: &Path, ext: &str, limits: &Limits) -> Result<(), IngestErrorKind> {
    let broken = |e: zip::result::ZipError| IngestErrorKind::Corrupt(format!("the zip archive is broken ({e})"));
    let file = File::open(path).map_err(IngestErrorKind::Io)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(broken)?;
    if zip.has_duplicate_names() {
        return Err(IngestErrorKind::AmbiguousArchive("two parts of its zip archive have the same name".into()));
    }
    let mut names = HashSet::new();
    let mut total = 0u64;
    let mut shared_strings = None;
    let mut content = None;
    let mut workbook_part = false;
    let mut suspicious = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(broken)?;
        let name = entry.name().map_err(broken)?.into_owned();
        let lower = name.to_ascii_lowercase();
        if !names.insert(lower.clone()) {
            return Err(IngestErrorKind::AmbiguousArchive(format!(
                "two parts of its zip archive are named `{}` (letter case aside)",
                crate::printable(&name, 120)
            )));
        }
        within(Limit::EntryBytes, entry.size(), limits)?;
        total = total.saturating_add(entry.size());
        within(Limit::WorkbookBytes, total, limits)?;
        workbook_part |= matches!(lower.as_str(), "content.xml")
            || lower.ends_with("workbook.xml")
            || lower.ends_with("workbook.bin");
        // A part that inflates far more than XML does, or is simply large, is read through
        // first: calamine would hold a long text or tag of it whole.
        let ratio = entry.size() / entry.compressed_size().max(1);
        if entry.size() > 256 << 20 || (entry.size() > 8 << 20 && ratio > 50) {
            suspicious.push(i);
        }
        if lower.ends_with("sharedstrings.xml") {
            shared_strings = Some(i);
        } else if lower == "content.xml" {
            content = Some(i);
        }
    }
    if zip.has_overlapping_entries().map_err(broken)? {
        return Err(IngestErrorKind::AmbiguousArchive("parts of its zip archive overlap, as in a zip bomb".into()));
    }
    if !workbook_part {
        return Err(IngestErrorKind::Corrupt("it has no workbook part (such as xl/workbook.xml)".into()));
    }
    for i in suspicious {
        // A text's length is checked when it ends, so that the finding gives all of it.
        let mut text = 0u64;
        scan_tags(zip.by_index(i).map_err(broken)?, |event| match event {
            Xml::Tag(_, len) => {
                long_markup(std::mem::take(&mut text), limits)?;
                long_markup(len, limits)
            }
            Xml::Text(len) => {
                text += len;
                Ok(())
            }
        })?;
        long_markup(text, limits)?;
    }
    match (ext, shared_strings, content) {
        ("xlsx" | "xlsm", Some(i), _) => shared_strings_table(zip.by_index(i).map_err(broken)?, limits),
        ("ods", _, Some(i)) => ods_cells(zip.by_index(i).map_err(broken)?, limits),
        _ => Ok(()),
    }
}

/// What [`scan_tags`] sees.
enum Xml<'a> {
    /// The bytes of a tag, between `<` and `>`, cut to 4 KiB, and its whole length.
    Tag(&'a [u8], u64),
    /// The length of some text between tags (a long text comes in several parts).
    Text(u64),
}

/// Streams `r` through `on`, holding at most one chunk and one tag.
fn scan_tags(
    mut r: impl Read,
    mut on: impl FnMut(Xml<'_>) -> Result<(), IngestErrorKind>,
) -> Result<(), IngestErrorKind> {
    const MAX_TAG: usize = 4096;
    let mut chunk = vec![0u8; 1 << 16];
    let mut current: Vec<u8> = Vec::with_capacity(256);
    let mut tag_len = 0u64;
    let mut in_tag = false;
    loop {
        let n = r.read(&mut chunk).map_err(|e| IngestErrorKind::Corrupt(format!("a part cannot be inflated ({e})")))?;
        if n == 0 {
            return Ok(());
        }
        let mut rest = &chunk[..n];
        while !rest.is_empty() {
            if in_tag {
                let end = memchr::memchr(b'>', rest);
                let part = &rest[..end.unwrap_or(rest.len())];
                let room = MAX_TAG.saturating_sub(current.len());
                current.extend_from_slice(&part[..part.len().min(room)]);
                tag_len += part.len() as u64;
                let Some(end) = end else { break };
                on(Xml::Tag(&current, tag_len))?;
                current.clear();
                tag_len = 0;
                in_tag = false;
                rest = &rest[end + 1..];
            } else {
                let start = memchr::memchr(b'<', rest);
                let len = start.unwrap_or(rest.len());
                if len > 0 {
                    on(Xml::Text(len as u64))?;
                }
                let Some(start) = start else { break };
                in_tag = true;
                rest = &rest[start + 1..];
            }
        }
    }
}

/// A tag's name without its namespace prefix, and whether it closes (`</x>`) or is empty (`<x/>`).
fn tag_name(tag: &[u8]) -> (&[u8], bool, bool) {
    let closing = tag.first() == Some(&b'/');
    let body = if closing { &tag[1..] } else { tag };
    let end = body.iter().position(|b| b.is_ascii_whitespace() || *b == b'/').unwrap_or(body.len());
    (&body[..end], closing, tag.last() == Some(&b'/'))
}

fn local(name: &[u8]) -> &[u8] {
    name.iter().rposition(|&b| b == b':').map_or(name, |i| &name[i + 1..])
}

/// The whole-number value of attribute `name` in a tag; saturates rather than wraps.
fn attr_number(tag: &[u8], name: &[u8]) -> Option<u64> {
    let at = tag.windows(name.len() + 1).position(|w| &w[..name.len()] == name && w[name.len()] == b'=')?;
    let value = &tag[at + name.len() + 1..];
    let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'"))?;
    let digits = value.iter().take_while(|b| b.is_ascii_digit());
    Some(digits.fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// A text or tag longer than any value may be (four bytes a character, and room for markup).
fn long_markup(len: u64, limits: &Limits) -> Result<(), IngestErrorKind> {
    if len > u64::from(limits.value_chars) * 4 + 4096 {
        return Err(IngestErrorKind::LimitExceeded {
            limit: Limit::ValueChars,
            found: len,
            max: u64::from(limits.value_chars),
            line: None,
        });
    }
    Ok(())
}

/// The shared-strings table: the count it declares (calamine reserves that many), the count
/// it holds, and the length of each string.
fn shared_strings_table(entry: impl Read, limits: &Limits) -> Result<(), IngestErrorKind> {
    let mut count = 0u64;
    let mut in_item = false;
    // Bytes of the current item's text: four bytes a character at most, so only a grossly
    // long one is stopped here; the exact length is checked cell by cell as it is read.
    let mut item_bytes = 0u64;
    scan_tags(entry, |event| match event {
        Xml::Tag(tag, _) => {
            let (name, closing, empty) = tag_name(tag);
            match local(name) {
                b"sst" if !closing => {
                    if let Some(n) = attr_number(tag, b"uniqueCount") {
                        within(Limit::SharedStrings, n, limits)?;
                    }
                }
                b"si" if !closing => {
                    count += 1;
                    within(Limit::SharedStrings, count, limits)?;
                    in_item = !empty;
                    item_bytes = 0;
                }
                b"si" => {
                    in_item = false;
                    long_markup(item_bytes, limits)?;
                }
                _ => {}
            }
            Ok(())
        }
        Xml::Text(len) => {
            if in_item {
                item_bytes += len;
            }
            Ok(())
        }
    })
}

/// One sheet of an `.ods` file as calamine would expand it (it caps rows and columns at
/// Excel's maximum, as here).
#[derive(Default)]
struct OdsSheet {
    rows: u64,
    first_row: Option<u64>,
    last_row: u64,
    widest: u64,
}

impl OdsSheet {
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLUMNS: u64 = 16_384;

    fn end_row(&mut self, width: u64, repeat: u64, limits: &Limits) -> Result<(), IngestErrorKind> {
        let repeat = repeat.min(Self::MAX_ROWS.saturating_sub(self.rows));
        if width > 0 {
            self.first_row.get_or_insert(self.rows);
            self.last_row = self.rows + repeat;
            self.widest = self.widest.max(width);
        }
        self.rows += repeat;
        let span = self.last_row - self.first_row.unwrap_or(self.last_row);
        within(Limit::Cells, span.saturating_mul(self.widest), limits)
    }
}

/// The cells calamine would hold for each sheet of an `.ods` file once repeated rows and
/// columns are expanded: from the first row with a value to the last, times the widest row.
fn ods_cells(entry: impl Read, limits: &Limits) -> Result<(), IngestErrorKind> {
    let mut sheet = OdsSheet::default();
    let (mut row_repeat, mut column, mut width, mut text) = (1u64, 0u64, 0u64, 0u64);
    scan_tags(entry, |event| {
        let tag = match event {
            Xml::Tag(tag, len) => {
                long_markup(std::mem::take(&mut text), limits)?;
                long_markup(len, limits)?;
                tag
            }
            Xml::Text(len) => {
                text += len;
                return Ok(());
            }
        };
        let (name, closing, empty) = tag_name(tag);
        match (name, closing) {
            (b"table:table", false) => sheet = OdsSheet::default(),
            (b"table:table-row", false) => {
                row_repeat = attr_number(tag, b"table:number-rows-repeated").unwrap_or(1);
                (column, width) = (0, 0);
                if empty {
                    sheet.end_row(0, row_repeat, limits)?;
                }
            }
            (b"table:table-row", true) => sheet.end_row(width, row_repeat, limits)?,
            (b"table:table-cell" | b"table:covered-table-cell", false) => {
                let repeat = attr_number(tag, b"table:number-columns-repeated").unwrap_or(1);
                column = column.saturating_add(repeat).min(OdsSheet::MAX_COLUMNS);
                // A cell with a value or any content counts: calamine keeps it.
                if !empty || tag.windows(17).any(|w| w == b"office:value-type") {
                    width = column;
                }
            }
            _ => {}
        }
        Ok(())
    })
}

/// Checks a legacy `.xls` compound file: no stream longer than the file (calamine follows a
/// stream's sector chain until it has the declared length, even round a loop), and no sheet
/// whose DIMENSIONS record declares more cells than the limit (calamine reserves them all).
pub(crate) fn xls(path: &Path, limits: &Limits) -> Result<(), IngestErrorKind> {
    let broken = |e: std::io::Error| IngestErrorKind::Corrupt(format!("the compound file is broken ({e})"));
    let file_len = std::fs::metadata(path).map_err(IngestErrorKind::Io)?.len();
    let mut cfb = cfb::open(path).map_err(broken)?;
    let mut workbook = None;
    for entry in cfb.walk() {
        if entry.is_stream() && entry.len() > file_len {
            return Err(IngestErrorKind::Corrupt(format!(
                "the stream `{}` declares {} bytes, more than the whole file",
                crate::printable(entry.name(), 120),
                entry.len()
            )));
        }
        if entry.is_stream() && ["workbook", "book"].contains(&entry.name().to_ascii_lowercase().as_str()) {
            workbook.get_or_insert_with(|| entry.path().to_owned());
        }
    }
    let Some(name) = workbook else {
        // calamine says the workbook stream is missing.
        return Ok(());
    };
    let mut stream = BufReader::new(cfb.open_stream(&name).map_err(broken)?);
    let mut header = [0u8; 4];
    let mut record = [0u8; 16];
    while stream.read_exact(&mut header).is_ok() {
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        if kind == 0x0200 && matches!(len, 10 | 14 | 16) {
            stream.read_exact(&mut record[..len]).map_err(broken)?;
            let u16_at = |i: usize| u64::from(u16::from_le_bytes([record[i], record[i + 1]]));
            let u32_at =
                |i: usize| u64::from(u32::from_le_bytes([record[i], record[i + 1], record[i + 2], record[i + 3]]));
            let (first_row, end_row, first_col, end_col) = if len == 10 {
                (u16_at(0), u16_at(2), u16_at(4), u16_at(6))
            } else {
                (u32_at(0), u32_at(4), u16_at(8), u16_at(10))
            };
            if end_row < first_row && end_row > 0 {
                return Err(IngestErrorKind::Corrupt("a sheet's DIMENSIONS record ends before it starts".into()));
            }
            within(Limit::Rows, end_row, limits)?;
            within(Limit::Columns, end_col, limits)?;
            let cells = (end_row.saturating_sub(first_row) + 1).saturating_mul(end_col.saturating_sub(first_col) + 1);
            within(Limit::Cells, cells, limits)?;
        } else {
            std::io::copy(&mut (&mut stream).take(len as u64), &mut std::io::sink()).map_err(broken)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_without_trusting_them() {
        assert_eq!(attr_number(b"sst count=\"3\" uniqueCount=\"2\"", b"uniqueCount"), Some(2));
        assert_eq!(attr_number(b"sst uniqueCount='99999999999999999999999'", b"uniqueCount"), Some(u64::MAX));
        assert_eq!(attr_number(b"sst count=\"3\"", b"uniqueCount"), None);
    }

    #[test]
    fn tag_names() {
        assert_eq!(tag_name(b"x:si"), (&b"x:si"[..], false, false));
        assert_eq!(tag_name(b"/si"), (&b"si"[..], true, false));
        assert_eq!(tag_name(b"si/"), (&b"si"[..], false, true));
        assert_eq!(local(b"x:si"), b"si");
    }

    #[test]
    fn shared_strings_counted_as_they_stream() {
        let small = Limits { shared_strings: 2, ..Limits::default() };
        let xml = b"<sst uniqueCount=\"2\"><si><t>a</t></si><si><t>b</t></si></sst>";
        assert!(shared_strings_table(&xml[..], &small).is_ok());
        let three = b"<sst uniqueCount=\"2\"><si><t>a</t></si><si/><si><t>c</t></si></sst>";
        assert!(matches!(
            shared_strings_table(&three[..], &small),
            Err(IngestErrorKind::LimitExceeded { limit: Limit::SharedStrings, found: 3, .. })
        ));
        let claims = b"<sst uniqueCount=\"1000000000000\"></sst>";
        assert!(matches!(
            shared_strings_table(&claims[..], &Limits::default()),
            Err(IngestErrorKind::LimitExceeded { limit: Limit::SharedStrings, .. })
        ));
    }

    #[test]
    fn ods_repeats_are_expanded_in_the_count() {
        let small = Limits { cells: 1000, ..Limits::default() };
        let row = |repeat: u64| {
            format!(
                "<table:table-row table:number-rows-repeated=\"{repeat}\"><table:table-cell \
                 table:number-columns-repeated=\"100\" office:value-type=\"string\"><text:p>x</text:p>\
                 </table:table-cell></table:table-row>"
            )
        };
        let ok = format!("<table:table>{}</table:table>", row(5));
        assert!(ods_cells(ok.as_bytes(), &small).is_ok());
        let bomb = format!("<table:table>{}</table:table>", row(1_000_000));
        assert!(matches!(
            ods_cells(bomb.as_bytes(), &small),
            Err(IngestErrorKind::LimitExceeded { limit: Limit::Cells, .. })
        ));
        // Empty rows and cells repeated to the sheet's edge, as LibreOffice writes them, are free.
        let trailing = format!(
            "<table:table>{}<table:table-row table:number-rows-repeated=\"1048570\">\
             <table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row></table:table>",
            row(1)
        );
        assert!(ods_cells(trailing.as_bytes(), &small).is_ok());
    }
}
