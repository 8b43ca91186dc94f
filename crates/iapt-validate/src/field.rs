//! One cell read as its column's type: the value, or why it is invalid, and any soft warning.
//!
//! Excel semantics live here: a number is a date only in a date-formatted cell; numeric codes
//! get their leading zero back; whole floats lose their `.0`; float noise is hidden.

use std::fmt::Write as _;

use iapt_ingest::CellValue;
use iapt_schema::{Check, CodeList, Column, Date, Kind, Normalise, Schema, TimeOfDay};

use crate::rules::{self, Rule};

mod chars;
pub use chars::nhs_number_is_valid;
pub(crate) use chars::{format_number, refused, trim_fast};
use chars::{invisible, invisible_lead, refuses_any};

/// A parsed value. Text is left in the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Value {
    Missing,
    Text,
    Code(u8),
    Date(Date),
    Time(TimeOfDay),
    Int(i64),
    Decimal(f64),
}

/// Which pair of rules (mandatory `R00n` / otherwise `W00n`) an invalid value breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    Date,
    Code,
    Text,
    Number,
    Time,
}

impl Invalid {
    pub(crate) fn rule(self, mandatory: bool) -> &'static Rule {
        match (self, mandatory) {
            (Invalid::Date, true) => rules::INVALID_DATE,
            (Invalid::Code, true) => rules::INVALID_CODE,
            (Invalid::Text, true) => rules::INVALID_TEXT,
            (Invalid::Number, true) => rules::INVALID_NUMBER,
            (Invalid::Time, true) => rules::INVALID_TIME,
            (Invalid::Date, false) => rules::INVALID_DATE_OPTIONAL,
            (Invalid::Code, false) => rules::INVALID_CODE_OPTIONAL,
            (Invalid::Text, false) => rules::INVALID_TEXT_OPTIONAL,
            (Invalid::Number, false) => rules::INVALID_NUMBER_OPTIONAL,
            (Invalid::Time, false) => rules::INVALID_TIME_OPTIONAL,
        }
    }
}

/// The result of reading one cell, before it is kept as an [`Outcome`].
#[derive(Debug)]
enum Parsed {
    Ok { value: Value, note: Option<(&'static Rule, Option<String>)> },
    Invalid { kind: Invalid, detail: String },
}

impl Parsed {
    fn ok(value: Value) -> Parsed {
        Parsed::Ok { value, note: None }
    }
    fn noted(value: Value, rule: &'static Rule, detail: Option<String>) -> Parsed {
        Parsed::Ok { value, note: Some((rule, detail)) }
    }
    fn invalid(kind: Invalid, detail: impl Into<String>) -> Parsed {
        Parsed::Invalid { kind, detail: detail.into() }
    }
}

/// What reading one cell gave, small enough to keep per column of a row; any text that
/// explains it is in the caller's `detail` buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Outcome {
    /// The value; `Missing` when the cell is empty or invalid.
    pub value: Value,
    pub present: bool,
    pub default: bool,
    /// A soft warning about how the value was written.
    pub note: Option<&'static Rule>,
    pub invalid: Option<Invalid>,
}

impl Outcome {
    /// An empty cell.
    pub(crate) const MISSING: Outcome =
        Outcome { value: Value::Missing, present: false, default: false, note: None, invalid: None };
}

/// Reads `cell` as `col`'s type. `text` receives the cell as text (normalised for text
/// columns) and `detail` what explains a note or an invalid value (both come empty);
/// `workbook` says whether cells carry types (so text in a typed column is noted).
///
/// Every note and reason; a CSV cell goes first through [`crate::csv_cells`]'s shortcut.
#[inline(never)]
pub(crate) fn parse(
    cell: CellValue<'_>,
    col: &Column,
    schema: &Schema,
    workbook: bool,
    text: &mut String,
    detail: &mut String,
) -> Outcome {
    debug_assert!(text.is_empty() && detail.is_empty(), "the caller clears the buffers");
    // Typed cells in typed columns need no text: it is made only if a finding shows it.
    let typed = match (&col.kind, cell) {
        (Kind::Date, CellValue::DateTime { .. }) => Some(parse_date(cell, col.check, workbook, "")),
        (Kind::Time, CellValue::DateTime { .. }) => Some(parse_time(cell, workbook, "")),
        (Kind::Integer { min, max }, CellValue::Int(_) | CellValue::Float(_)) => {
            Some(parse_integer(cell, *min, *max, workbook, ""))
        }
        (Kind::Decimal { min, max }, CellValue::Int(_) | CellValue::Float(_)) => {
            Some(parse_decimal(cell, *min, *max, workbook, ""))
        }
        _ => None,
    };
    if let Some(reading) = typed {
        return match reading {
            Parsed::Ok { value, .. } => Outcome { value, present: true, default: false, note: None, invalid: None },
            Parsed::Invalid { kind, detail: d } => {
                cell_text(cell, text);
                detail.push_str(&d);
                Outcome { value: Value::Missing, present: true, default: false, note: None, invalid: Some(kind) }
            }
        };
    }
    let reading = if let CellValue::Error(e) = cell {
        text.push_str(e);
        // Date, time and code messages run on into their detail; the others end in a colon.
        let joint = if matches!(col.kind, Kind::Date | Kind::Time | Kind::Code(_)) { ": " } else { "" };
        Parsed::invalid(invalid_kind(&col.kind), format!("{joint}the cell holds the formula error {e}"))
    } else {
        match cell {
            // A CSV's every cell: no call through `write_cell`'s match.
            CellValue::Text(s) => text.push_str(trim_fast(s)),
            _ => cell_text(cell, text),
        }
        if text.is_empty() {
            return Outcome::MISSING;
        }
        match &col.kind {
            Kind::Text { max_len, pattern } => {
                let number = matches!(cell, CellValue::Int(_) | CellValue::Float(_));
                parse_text(col, *max_len, pattern.as_ref(), number, text)
            }
            Kind::Code(list) => parse_code(cell, schema.list(*list), text),
            Kind::Date => parse_date(cell, col.check, workbook, text),
            Kind::Time => parse_time(cell, workbook, text),
            Kind::Integer { min, max } => parse_integer(cell, *min, *max, workbook, text),
            Kind::Decimal { min, max } => parse_decimal(cell, *min, *max, workbook, text),
        }
    };
    match reading {
        Parsed::Ok { value, note } => {
            // A code is compared as the list spells it (`1` read as `01`).
            let shown = match (&col.kind, value) {
                (Kind::Code(list), Value::Code(i)) => schema.list(*list).codes[usize::from(i)].code.as_str(),
                _ => text.as_str(),
            };
            let default = is_default(col, shown);
            let note = note.map(|(rule, d)| {
                detail.push_str(d.as_deref().unwrap_or(""));
                rule
            });
            Outcome { value, present: true, default, note, invalid: None }
        }
        Parsed::Invalid { kind, detail: d } => {
            detail.push_str(&d);
            Outcome { value: Value::Missing, present: true, default: false, note: None, invalid: Some(kind) }
        }
    }
}

/// Whether `s` is one of the column's default ("not known") values.
pub(crate) fn is_default(col: &Column, s: &str) -> bool {
    !col.defaults.is_empty() && col.defaults.iter().any(|d| d == s)
}

/// Whether `parse_text` would accept `s` as it is, without a note: nothing to normalise, no
/// control character, short enough, of the pattern's form and, for an NHS number, valid and
/// not a test number. `scan` is false when the pattern admits no byte that [`refused`] names,
/// so that a match says there is none.
pub(crate) fn plain_text(
    s: &str,
    col: &Column,
    max_len: Option<usize>,
    pattern: Option<&iapt_schema::Pattern>,
    scan: bool,
) -> bool {
    let b = s.as_bytes();
    (!scan || !refuses_any(b, col.normalise))
        && max_len.is_none_or(|max| b.len() <= max)
        && pattern.is_none_or(|p| p.is_match(s))
        && (col.check != Some(Check::NhsNumber) || (nhs_number_is_valid(b) && !s.starts_with("999")))
}

pub(crate) fn invalid_kind(kind: &Kind) -> Invalid {
    match kind {
        Kind::Text { .. } => Invalid::Text,
        Kind::Code(_) => Invalid::Code,
        Kind::Date => Invalid::Date,
        Kind::Time => Invalid::Time,
        Kind::Integer { .. } | Kind::Decimal { .. } => Invalid::Number,
    }
}

/// A valid typed value as text, for a finding that shows it.
pub(crate) fn value_text(value: Value, out: &mut String) {
    match value {
        Value::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Time(t) => {
            let _ = write!(out, "{t}");
        }
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Decimal(f) => format_number(f, out),
        Value::Missing | Value::Text | Value::Code(_) => {}
    }
}

/// The cell as a user would read it, trimmed.
pub(crate) fn cell_text(cell: CellValue<'_>, out: &mut String) {
    write_cell(cell, true, out);
}

/// A cell as text as it was written: text untrimmed, numbers, dates and times as Excel shows
/// them (the copies `--annotate` and `--split` make).
pub fn cell_as_written(cell: CellValue<'_>, out: &mut String) {
    write_cell(cell, false, out);
}

fn write_cell(cell: CellValue<'_>, trim: bool, out: &mut String) {
    match cell {
        CellValue::Empty => {}
        CellValue::Text(s) | CellValue::IsoDateTime(s) => out.push_str(if trim { trim_fast(s) } else { s }),
        CellValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        CellValue::Float(f) => format_number(f, out),
        CellValue::DateTime { year, month, day, seconds, serial } => {
            if serial >= 1.0 {
                let _ = write!(out, "{year:04}-{month:02}-{day:02}");
            }
            if seconds != 0 || serial < 1.0 {
                if !out.is_empty() {
                    out.push(' ');
                }
                let _ = write!(out, "{}", TimeOfDay(seconds));
            }
        }
        CellValue::Bool(b) => out.push_str(if b { "TRUE" } else { "FALSE" }),
        CellValue::Error(e) => out.push_str(e),
    }
}
/// `number`: the cell holds a number, not text (its text is the number as Excel shows it).
fn parse_text(
    col: &Column,
    max_len: Option<usize>,
    pattern: Option<&iapt_schema::Pattern>,
    number: bool,
    text: &mut String,
) -> Parsed {
    match col.normalise {
        Normalise::None => {}
        Normalise::StripSpaces if text.contains(' ') => text.retain(|c| c != ' '),
        Normalise::StripDot if text.contains('.') => text.retain(|c| c != '.'),
        Normalise::StripSpaces | Normalise::StripDot => {}
        Normalise::Upper => text.make_ascii_uppercase(),
    }
    // A byte scan: C0 controls and DEL are single bytes, C1 controls start with 0xC2, the
    // invisible characters with one of `invisible_lead`'s bytes.
    if text.bytes().any(|b| b < 0x20 || b == 0x7F || invisible_lead(b)) {
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Parsed::invalid(Invalid::Text, format!("it holds the control character U+{:04X}", u32::from(c)));
        }
        // `R1` with a zero-width space after it looks like `R1` but is another key.
        if let Some(c) = text.chars().find(|&c| invisible(c)) {
            return Parsed::invalid(Invalid::Text, format!("it holds the invisible character U+{:04X}", u32::from(c)));
        }
    }
    // A character is at least a byte: only a longer text can have too many.
    if let Some(max) = max_len.filter(|&max| text.len() > max) {
        let n = text.chars().count();
        if n > max {
            return Parsed::invalid(Invalid::Text, format!("{n} characters, where at most {max} are allowed"));
        }
    }
    if let Some(p) = pattern
        && !p.is_match(text)
    {
        // A pattern of plain characters (`1\.0`) is shown as the text it asks for (`1.0`).
        let source = p.as_str();
        let literal = !source.contains(['[', ']', '{', '}', '(', ')', '?', '*', '+', '|', '^', '$']);
        let form = if literal { source.replace('\\', "") } else { source.to_owned() };
        // Typed into a General cell, `1.0` or `012` is stored as the number 1 or 12: the form
        // is what a number loses, not the length or the check digit.
        let how = if number {
            "; the cell holds a number, which drops zeros a text keeps: format the cell as Text and type it again"
        } else {
            ""
        };
        return Parsed::invalid(Invalid::Text, format!("it does not have the form `{form}`{how}"));
    }
    if col.check == Some(Check::NhsNumber) {
        if !nhs_number_is_valid(text.as_bytes()) {
            return Parsed::invalid(Invalid::Text, "it fails the NHS number check digit (modulus 11)");
        }
        if text.starts_with("999") {
            return Parsed::noted(Value::Text, rules::TEST_NHS_NUMBER, None);
        }
    }
    Parsed::ok(Value::Text)
}

fn parse_code(cell: CellValue<'_>, list: &CodeList, text: &mut String) -> Parsed {
    if let Some(i) = list.find(text) {
        return Parsed::ok(Value::Code(i));
    }
    let numeric = matches!(cell, CellValue::Int(_) | CellValue::Float(_)) || text.bytes().all(|b| b.is_ascii_digit());
    if let Some(width) = list.fixed_width().filter(|&w| numeric && text.len() < w) {
        let padded = format!("{}{text}", "0".repeat(width - text.len()));
        if let Some(i) = list.find(&padded) {
            let detail = format!("`{padded}`");
            return Parsed::noted(Value::Code(i), rules::CODE_WITHOUT_LEADING_ZERO, Some(detail));
        }
    }
    let upper = text.to_ascii_uppercase();
    let detail = if upper != *text && list.find(&upper).is_some() {
        format!(": codes are upper case (`{upper}`)")
    } else if list.codes.len() <= 20 {
        let codes: Vec<&str> = list.codes.iter().map(|c| c.code.as_str()).collect();
        format!(" of the list `{}` ({})", list.name, codes.join(", "))
    } else {
        format!(" of the list `{}`", list.name)
    };
    Parsed::invalid(Invalid::Code, detail)
}

fn parse_date(cell: CellValue<'_>, check: Option<Check>, workbook: bool, text: &str) -> Parsed {
    let date = match cell {
        CellValue::DateTime { year, month, day, serial, .. } => {
            if serial < 1.0 {
                return Parsed::invalid(Invalid::Date, ": the cell holds a time of day, not a date");
            }
            match Date::from_ymd(i32::from(year), u32::from(month), u32::from(day)) {
                Some(d) => Parsed::ok(Value::Date(d)),
                None => return Parsed::invalid(Invalid::Date, ": not a calendar date"),
            }
        }
        CellValue::IsoDateTime(s) => match s.get(..10).and_then(Date::parse_iso) {
            Some(d) => Parsed::ok(Value::Date(d)),
            None => return Parsed::invalid(Invalid::Date, ": not a calendar date"),
        },
        CellValue::Int(_) | CellValue::Float(_) => {
            let as_date = text.parse::<f64>().ok().filter(|s| (1.0..2_958_466.0).contains(s)).map(|s| {
                Date::from_ymd(1899, 12, 30).map_or(String::new(), |e| e.add_days(s.floor() as i32).to_string())
            });
            let detail = match as_date {
                Some(d) => format!(": it is a plain number (as a date it would be {d}; format the cell as a date)"),
                None => ": it is a plain number, not a date".to_owned(),
            };
            return Parsed::invalid(Invalid::Date, detail);
        }
        CellValue::Text(_) => match parse_date_text(text) {
            Ok(d) if workbook => Parsed::noted(Value::Date(d), rules::DATE_AS_TEXT, None),
            Ok(d) => Parsed::ok(Value::Date(d)),
            Err(why) => return Parsed::invalid(Invalid::Date, why),
        },
        CellValue::Bool(_) | CellValue::Empty | CellValue::Error(_) => {
            return Parsed::invalid(Invalid::Date, ": expected a date");
        }
    };
    let Parsed::Ok { value: Value::Date(d), .. } = &date else {
        return date;
    };
    match misplaced_day(check, *d) {
        Some(why) => Parsed::invalid(Invalid::Date, why),
        None => date,
    }
}

/// Why a date breaks its column's check (first or last day of a month), if it does.
pub(crate) fn misplaced_day(check: Option<Check>, d: Date) -> Option<&'static str> {
    match check {
        Some(Check::FirstOfMonth) if d.ymd().2 != 1 => Some(": it must be the first day of a month"),
        Some(Check::LastOfMonth) if d != d.last_of_month() => Some(": it must be the last day of a month"),
        _ => None,
    }
}

/// `YYYY-MM-DD` or `DD/MM/YYYY`, with a reason for anything else.
/// A date written as text in a form the validator accepts (`YYYY-MM-DD`, `DD/MM/YYYY`).
#[must_use]
pub fn date_from_text(s: &str) -> Option<Date> {
    parse_date_text(s.trim()).ok()
}

fn parse_date_text(s: &str) -> Result<Date, String> {
    if let Some(d) = Date::parse_iso(s) {
        return Ok(d);
    }
    let b = s.as_bytes();
    if b.len() == 10 && b[2] == b'/' && b[5] == b'/' {
        let (first, second, year) =
            (iapt_schema::digits(&b[0..2]), iapt_schema::digits(&b[3..5]), iapt_schema::digits(&b[6..10]));
        if let (Some(dd), Some(mm), Some(yyyy)) = (first, second, year) {
            if let Some(d) = Date::from_ymd(yyyy as i32, mm, dd) {
                return Ok(d);
            }
            if mm > 12 && dd <= 12 {
                return Err(": it looks like MM/DD/YYYY, which is not accepted; write DD/MM/YYYY or YYYY-MM-DD".into());
            }
            return Err(": not a calendar date".into());
        }
    }
    if s.len() > 10 && s.get(..10).and_then(Date::parse_iso).is_some() {
        return Err(": write the date without a time of day".into());
    }
    Err(": expected YYYY-MM-DD or DD/MM/YYYY".into())
}

fn parse_time(cell: CellValue<'_>, workbook: bool, text: &str) -> Parsed {
    match cell {
        CellValue::DateTime { seconds, .. } => Parsed::ok(Value::Time(TimeOfDay(seconds))),
        CellValue::Text(_) | CellValue::IsoDateTime(_) => {
            let t = text.rsplit(['T', ' ']).next().unwrap_or(text);
            match TimeOfDay::parse(t) {
                Some(t) if workbook && matches!(cell, CellValue::Text(_)) => {
                    Parsed::noted(Value::Time(t), rules::DATE_AS_TEXT, None)
                }
                Some(t) => Parsed::ok(Value::Time(t)),
                None => Parsed::invalid(Invalid::Time, ": expected HH:MM or HH:MM:SS on the 24-hour clock"),
            }
        }
        _ => Parsed::invalid(Invalid::Time, ": it is a plain number; format the cell as a time"),
    }
}

fn parse_integer(cell: CellValue<'_>, min: i64, max: i64, workbook: bool, text: &str) -> Parsed {
    let (n, as_text) = match cell {
        CellValue::Int(i) => (Some(i), false),
        CellValue::Float(f) => (if f.fract() == 0.0 && f.abs() < 9e15 { Some(f as i64) } else { None }, false),
        CellValue::Text(_) => (text.parse::<i64>().ok(), true),
        _ => return Parsed::invalid(Invalid::Number, "it is not a number"),
    };
    let Some(n) = n else {
        return Parsed::invalid(Invalid::Number, not_whole(cell, text, min, max));
    };
    if n < min || n > max {
        return Parsed::invalid(Invalid::Number, format!("it is outside the range {min} to {max}"));
    }
    if as_text && workbook {
        Parsed::noted(Value::Int(n), rules::NUMBER_AS_TEXT, None)
    } else {
        Parsed::ok(Value::Int(n))
    }
}

/// Why a cell that holds no whole number in `i64` is refused, in the submitter's terms: `5.0`
/// from a cell formatted with decimals is a whole number written another way, not a fraction.
fn not_whole(cell: CellValue<'_>, text: &str, min: i64, max: i64) -> String {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let value = match cell {
        CellValue::Float(f) => Some(f),
        _ if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            return format!("it is outside the range {min} to {max}");
        }
        _ => text.parse::<f64>().ok().filter(|f| f.is_finite()),
    };
    match value {
        Some(f) if f.fract() != 0.0 => "it is not a whole number".into(),
        // `1e3` in 0 to 27 is out of range however it is written.
        Some(f) if f.abs() >= 9e15 || f < min as f64 || f > max as f64 => {
            format!("it is outside the range {min} to {max}")
        }
        Some(_) => "write it as plain digits, without a decimal point or exponent".into(),
        None => "it is not a number".into(),
    }
}

fn parse_decimal(cell: CellValue<'_>, min: f64, max: f64, workbook: bool, text: &str) -> Parsed {
    let (n, as_text) = match cell {
        CellValue::Int(i) => (Some(i as f64), false),
        CellValue::Float(f) => (Some(f), false),
        CellValue::Text(_) => (text.parse::<f64>().ok().filter(|f| f.is_finite()), true),
        _ => return Parsed::invalid(Invalid::Number, "it is not a number"),
    };
    let Some(n) = n else {
        return Parsed::invalid(Invalid::Number, "it is not a number");
    };
    if n < min || n > max {
        return Parsed::invalid(Invalid::Number, format!("it is outside the range {min:.1} to {max:.1}"));
    }
    if as_text && workbook {
        Parsed::noted(Value::Decimal(n), rules::NUMBER_AS_TEXT, None)
    } else {
        Parsed::ok(Value::Decimal(n))
    }
}

#[cfg(test)]
mod tests;
