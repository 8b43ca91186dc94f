//! Workbooks through calamine. `.xlsx` streams cell by cell (shared strings borrowed, never
//! copied); the other formats go through calamine's in-memory range.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{CellErrorType, Data, DataRef, Reader, SheetVisible, Sheets, Xlsx};

use crate::error::{IngestError, IngestErrorKind};
use crate::limits::{Limit, Limits};
use crate::preflight;
use crate::{CellValue, Row, RowCells, SheetInfo};

pub(crate) struct Workbook {
    sheets: Sheets<BufReader<File>>,
    limits: Limits,
}

const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

pub(crate) fn is_workbook_name(path: &Path) -> bool {
    extension(path).is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

fn extension(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase)
}

/// The OLE compound-file signature: legacy `.xls`, and the wrapper of every encrypted workbook.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

impl Workbook {
    pub(crate) fn open(path: &Path, limits: Limits) -> Result<Workbook, IngestError> {
        let fail = |kind| IngestError { path: path.to_owned(), sheet: None, kind };
        let ext = extension(path).unwrap_or_default();
        if !EXTENSIONS.contains(&ext.as_str()) {
            return Err(fail(IngestErrorKind::UnsupportedFormat(ext)));
        }
        let mut head = Vec::with_capacity(1 << 16);
        File::open(path)
            .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
            .map_err(|e| fail(IngestErrorKind::Io(e)))?;
        if head.is_empty() {
            return Err(fail(IngestErrorKind::NotAWorkbook("the file is empty".into())));
        }
        let zipped = matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "ods");
        if head.starts_with(&CFB_MAGIC) && zipped {
            // Office wraps an encrypted OOXML package in a compound file with these streams.
            let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
            let marker = utf16("EncryptedPackage");
            return Err(fail(if head.windows(marker.len()).any(|w| w == marker) {
                IngestErrorKind::Encrypted
            } else {
                IngestErrorKind::NotAWorkbook(format!("it is a legacy .xls file named .{ext}"))
            }));
        }
        if zipped && !head.starts_with(b"PK") {
            return Err(fail(IngestErrorKind::NotAWorkbook(format!(
                "a .{ext} file is a zip archive, and this one is not (it starts with {})",
                describe_start(&head)
            ))));
        }
        if ext == "xls" && !head.starts_with(&CFB_MAGIC) {
            return Err(fail(IngestErrorKind::NotAWorkbook(format!(
                "a .xls file is an OLE compound file, and this one is not (it starts with {})",
                describe_start(&head)
            ))));
        }
        // calamine reserves memory for what a file declares: check every claim first.
        if zipped {
            preflight::zipped(path, &ext, &limits).map_err(fail)?;
        } else {
            preflight::xls(path, &limits).map_err(fail)?;
        }
        let sheets = calamine::open_workbook_auto(path).map_err(|e| fail(classify(&e)))?;
        Ok(Workbook { sheets, limits })
    }

    pub(crate) fn sheets(&self) -> Vec<SheetInfo> {
        self.sheets
            .sheets_metadata()
            .iter()
            .map(|s| SheetInfo { name: s.name.clone(), hidden: s.visible != SheetVisible::Visible })
            .collect()
    }

    pub(crate) fn read_sheet(&mut self, name: &str, visit: &mut dyn FnMut(&Row<'_>)) -> Result<(), IngestErrorKind> {
        if let Sheets::Xlsx(xlsx) = &mut self.sheets {
            return stream_xlsx(xlsx, name, &self.limits, visit);
        }
        let range = self.sheets.worksheet_range(name).map_err(|e| match e {
            calamine::Error::Msg(m) if m.contains("not found") => IngestErrorKind::SheetNotFound,
            e => classify(&e),
        })?;
        let (Some((row0, col0)), Some((row1, col1))) = (range.start(), range.end()) else {
            return Ok(());
        };
        within(Limit::Rows, u64::from(row1) + 1, &self.limits)?;
        within(Limit::Columns, u64::from(col1) + 1, &self.limits)?;
        // Cells are indexed from A1, not from the range's first used cell.
        let pad = usize::try_from(col0).unwrap_or(0);
        let mut buf: Vec<Data> = Vec::new();
        for (i, cells) in range.rows().enumerate() {
            if cells.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            buf.clear();
            buf.resize(pad, Data::Empty);
            buf.extend_from_slice(cells);
            let number = row0.saturating_add(1).saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
            visit(&Row { number, last: number, cells: RowCells::Range(&buf) });
        }
        Ok(())
    }
}

/// `found` against a limit, as an error when it is over.
pub(crate) fn within(limit: Limit, found: u64, limits: &Limits) -> Result<(), IngestErrorKind> {
    let max = limit.of(limits);
    if found > max { Err(IngestErrorKind::LimitExceeded { limit, found, max, line: None }) } else { Ok(()) }
}

fn stream_xlsx(
    xlsx: &mut Xlsx<BufReader<File>>,
    name: &str,
    limits: &Limits,
    visit: &mut dyn FnMut(&Row<'_>),
) -> Result<(), IngestErrorKind> {
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(|e| match e {
        calamine::XlsxError::WorksheetNotFound(_) => IngestErrorKind::SheetNotFound,
        e => classify(&calamine::Error::Xlsx(e)),
    })?;
    let mut row: Vec<DataRef<'_>> = Vec::new();
    let mut current: Option<u32> = None;
    let mut last: Option<(u32, u32)> = None;
    loop {
        let cell = reader.next_cell().map_err(|e| classify(&calamine::Error::Xlsx(e)))?;
        let pos = cell.as_ref().map(calamine::Cell::get_position);
        if current.is_some() && pos.map(|p| p.0) != current {
            if let Some(r) = current.filter(|_| row.iter().any(|c| !matches!(c, DataRef::Empty))) {
                visit(&Row { number: r + 1, last: r + 1, cells: RowCells::Xlsx(&row) });
            }
            row.clear();
        }
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        // Excel writes cells in order; a cell before the last one is a crafted or damaged
        // file (or a row number too large for the reader, which wraps it).
        if last.is_some_and(|l| (r, c) <= l) {
            return Err(IngestErrorKind::Corrupt(format!(
                "the cells are out of order (row {} column {} comes after row {} column {})",
                u64::from(r) + 1,
                crate::column_letters(c as usize),
                u64::from(last.map_or(0, |l| l.0)) + 1,
                crate::column_letters(last.map_or(0, |l| l.1) as usize)
            )));
        }
        last = Some((r, c));
        within(Limit::Rows, u64::from(r) + 1, limits)?;
        within(Limit::Columns, u64::from(c) + 1, limits)?;
        current = Some(r);
        let c = usize::try_from(c).unwrap_or(usize::MAX);
        if let DataRef::String(t) = cell.get_value() {
            value_length(t, limits)?;
        } else if let DataRef::SharedString(t) = cell.get_value() {
            value_length(t, limits)?;
        }
        if row.len() <= c {
            row.resize(c + 1, DataRef::Empty);
        }
        row[c] = cell.get_value().clone();
    }
    Ok(())
}

/// A cell's text against the limit on characters in one value (Excel's own is 32,767).
fn value_length(text: &str, limits: &Limits) -> Result<(), IngestErrorKind> {
    if text.len() > limits.value_chars as usize {
        within(Limit::ValueChars, text.chars().count() as u64, limits)?;
    }
    Ok(())
}

fn describe_start(head: &[u8]) -> String {
    let text: String =
        head.iter().take(12).map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
    format!("`{text}`")
}

fn classify(e: &calamine::Error) -> IngestErrorKind {
    use calamine::{Error, OdsError, XlsError, XlsbError, XlsxError};
    match e {
        Error::Io(io) => IngestErrorKind::Io(std::io::Error::new(io.kind(), io.to_string())),
        Error::Xls(XlsError::Password) | Error::Xlsb(XlsbError::Password) | Error::Ods(OdsError::Password) => {
            IngestErrorKind::Encrypted
        }
        Error::Xlsx(XlsxError::Zip(z)) | Error::Xlsb(XlsbError::Zip(z)) | Error::Ods(OdsError::Zip(z)) => {
            IngestErrorKind::Corrupt(format!("the zip archive is broken ({z})"))
        }
        other => IngestErrorKind::Corrupt(other.to_string()),
    }
}

fn error_name(e: &CellErrorType) -> &'static str {
    match e {
        CellErrorType::Div0 => "#DIV/0!",
        CellErrorType::NA => "#N/A",
        CellErrorType::Name => "#NAME?",
        CellErrorType::Null => "#NULL!",
        CellErrorType::Num => "#NUM!",
        CellErrorType::Ref => "#REF!",
        CellErrorType::Value => "#VALUE!",
        CellErrorType::GettingData => "#GETTING_DATA",
    }
}

pub(crate) fn from_data_ref<'a>(d: &'a DataRef<'_>) -> CellValue<'a> {
    match d {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(s),
        DataRef::DurationIso(s) => duration(s),
        DataRef::SharedString(s) => CellValue::Text(s),
        DataRef::Int(i) => CellValue::Int(*i),
        DataRef::Float(f) => CellValue::Float(*f),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => CellValue::IsoDateTime(s),
        DataRef::Error(e) => CellValue::Error(error_name(e)),
    }
}

pub(crate) fn from_data(d: &Data) -> CellValue<'_> {
    match d {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s),
        Data::DurationIso(s) => duration(s),
        Data::Int(i) => CellValue::Int(*i),
        Data::Float(f) => CellValue::Float(*f),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => CellValue::IsoDateTime(s),
        Data::Error(e) => CellValue::Error(error_name(e)),
    }
}

/// ODS stores a time cell as an ISO 8601 duration (`PT09H30M00S`): a time of day when it is
/// under 24 hours, text otherwise.
fn duration(s: &str) -> CellValue<'_> {
    let parse = || -> Option<u32> {
        let rest = s.strip_prefix("PT")?;
        let (h, rest) = rest.split_once('H')?;
        let (m, rest) = rest.split_once('M')?;
        let sec = rest.strip_suffix('S')?;
        let sec: f64 = sec.parse().ok().filter(|s: &f64| (0.0..86_400.0).contains(s))?;
        // Checked: the hours and minutes are whatever the file says.
        let hours = h.parse::<u32>().ok()?.checked_mul(3600)?;
        let minutes = m.parse::<u32>().ok()?.checked_mul(60)?;
        let total = hours.checked_add(minutes)?.checked_add(sec.round() as u32)?;
        (total < 86_400).then_some(total)
    };
    match parse() {
        Some(seconds) => {
            CellValue::DateTime { year: 1899, month: 12, day: 30, seconds, serial: f64::from(seconds) / 86_400.0 }
        }
        None => CellValue::Text(s),
    }
}

/// The serial after Excel's last date, 9999-12-31, in the 1900 and the 1904 date systems; it
/// shows later ones as `####`.
const PAST_LAST_SERIAL: f64 = 2_958_466.0;
const PAST_LAST_SERIAL_1904: f64 = 2_957_004.0;

fn date_time(dt: &calamine::ExcelDateTime) -> CellValue<'static> {
    let serial = dt.as_f64();
    // calamine tells the date system only by comparison.
    let kind =
        if dt.is_duration() { calamine::ExcelDateTimeType::TimeDelta } else { calamine::ExcelDateTimeType::DateTime };
    let in_1904 = *dt == calamine::ExcelDateTime::new(serial, kind, true);
    let past = if in_1904 { PAST_LAST_SERIAL_1904 } else { PAST_LAST_SERIAL };
    // A number no date is (negative, past 9999, not finite) is given as the number it is, not as
    // the date calamine would clamp it to.
    if !(0.0..past).contains(&serial) {
        return CellValue::Float(serial);
    }
    // calamine converts from the workbook's own epoch (1900 or 1904).
    let (year, month, day, h, m, sec, milli) = dt.to_ymd_hms_milli();
    let seconds = u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(sec) + u32::from(milli >= 500);
    CellValue::DateTime { year, month, day, seconds: seconds.min(86_399), serial }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ods_duration_of_any_size_is_read_without_overflow() {
        use super::{CellValue, duration};
        assert!(matches!(duration("PT09H30M00S"), CellValue::DateTime { seconds: 34_200, .. }));
        for huge in ["PT4294967295H00M00S", "PT1H4294967295M00S", "PT00H00M1e300S", "PT00H00M-5S", "PT25H00M00S"] {
            assert_eq!(duration(huge), CellValue::Text(huge), "{huge}");
        }
    }

    use super::*;

    #[test]
    fn a_date_cell_holding_no_date_is_its_number() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let cell = |serial: f64| date_time(&ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false));
        for serial in [-5.0, -41_137.0, 2_958_466.0, 1e308, f64::INFINITY] {
            assert_eq!(cell(serial), CellValue::Float(serial), "{serial}");
        }
        assert!(matches!(cell(f64::NAN), CellValue::Float(f) if f.is_nan()), "NaN is never a date");
        assert!(matches!(cell(41_000.0), CellValue::DateTime { year: 2012, month: 4, day: 1, .. }));
        assert!(matches!(cell(2_958_465.5), CellValue::DateTime { year: 9999, month: 12, day: 31, .. }));
        // A 1904 workbook's days start four years later, and so end sooner.
        let cell_1904 = |serial: f64| date_time(&ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, true));
        assert!(matches!(cell_1904(2_957_003.5), CellValue::DateTime { year: 9999, month: 12, day: 31, .. }));
        assert_eq!(cell_1904(2_957_004.0), CellValue::Float(2_957_004.0));
    }

    #[test]
    fn ods_durations_under_a_day_are_times() {
        assert!(matches!(duration("PT09H30M00S"), CellValue::DateTime { seconds: 34_200, .. }));
        assert!(matches!(duration("PT23H59M59.6S"), CellValue::Text(_)), "rounds to 24:00");
        assert_eq!(duration("PT30H00M00S"), CellValue::Text("PT30H00M00S"));
        assert_eq!(duration("P1D"), CellValue::Text("P1D"));
    }
}
