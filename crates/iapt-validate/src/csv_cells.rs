//! A CSV row's cells read by type. A sheet's columns are grouped by type once, so that each
//! loop knows the type it reads and settles a plainly valid cell (most are) in place, without
//! a call or a match per cell. Anything else, with its notes and reasons, goes to the general
//! path, [`field::parse`], of which this is a shortcut: the same outcome, text and detail.

use iapt_ingest::CellValue;
use iapt_schema::{CodeList, Column, Date, Kind, Pattern, Schema, TimeOfDay};

use crate::field::{self, Outcome, Value};
use crate::row_shapes::RowBits;

/// One schema column, its column in the file ([`NONE`] when absent) and what its type needs.
struct Cell<'s, T> {
    at: usize,
    file: u32,
    column: &'s Column,
    kind: T,
}

/// No column in the file: its field reads as empty.
const NONE: u32 = u32::MAX;

/// A code column's list, and its default codes as a set of list positions.
struct Codes<'s> {
    list: &'s CodeList,
    defaults: [u64; 4],
}

struct Text<'s> {
    max_len: Option<usize>,
    pattern: Option<&'s Pattern>,
    /// Whether bytes must be scanned for ones the general path would change or refuse: not
    /// when the pattern admits none of them.
    scan: bool,
}

/// The columns of one sheet by type.
pub(crate) struct CsvCells<'s> {
    codes: Vec<Cell<'s, Codes<'s>>>,
    dates: Vec<Cell<'s, ()>>,
    times: Vec<Cell<'s, ()>>,
    integers: Vec<Cell<'s, (i64, i64)>>,
    texts: Vec<Cell<'s, Text<'s>>>,
    /// Always the general path.
    decimals: Vec<Cell<'s, ()>>,
    dates_read: DateCache,
}

/// ISO dates lately read, by their text: a year's few hundred dates recur on many rows, and
/// looking one up is a fraction of reading it.
struct DateCache {
    entries: Box<[(u64, u16, i32); DATES_CACHED]>,
}

const DATES_CACHED: usize = 1024;

/// An empty entry's day number: no date read is this far before 1970.
const NO_DATE: i32 = i32::MIN;

impl DateCache {
    fn new() -> DateCache {
        DateCache { entries: Box::new([(0, 0, NO_DATE); DATES_CACHED]) }
    }

    /// `Date::parse_iso(s)`, through the cache.
    #[inline]
    fn parse_iso(&mut self, s: &str) -> Option<Date> {
        let Ok(b) = <&[u8; 10]>::try_from(s.as_bytes()) else { return Date::parse_iso(s) };
        let (head, tail) =
            (u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]), u16::from_le_bytes([b[8], b[9]]));
        let slot = ((head ^ u64::from(tail) << 24).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        let entry = &mut self.entries[slot];
        if entry.0 == head && entry.1 == tail && entry.2 != NO_DATE {
            return Some(Date::from_days(entry.2));
        }
        let date = Date::parse_iso(s)?;
        *entry = (head, tail, date.days());
        Some(date)
    }
}

/// Where a row's cells are read into, one entry per schema column.
pub(crate) struct Cells<'a> {
    pub slots: &'a mut [Outcome],
    pub texts: &'a mut [String],
    pub details: &'a mut [String],
    /// The row's cells as bit sets, for counting by shape.
    pub bits: RowBits,
}

impl<'s> CsvCells<'s> {
    /// The columns of `columns`, each at its file column in `map`.
    pub(crate) fn new(columns: &'s [Column], map: &[Option<u32>], schema: &'s Schema) -> CsvCells<'s> {
        let mut cells = CsvCells {
            codes: Vec::new(),
            dates: Vec::new(),
            times: Vec::new(),
            integers: Vec::new(),
            texts: Vec::new(),
            decimals: Vec::new(),
            dates_read: DateCache::new(),
        };
        for (at, column) in columns.iter().enumerate() {
            let file = map.get(at).copied().flatten().unwrap_or(NONE);
            match &column.kind {
                Kind::Code(id) => {
                    let list = schema.list(*id);
                    let mut defaults = [0u64; 4];
                    // A code found is as its list spells it: a default is one of its positions.
                    for d in &column.defaults {
                        if let Some(i) = list.find(d) {
                            defaults[usize::from(i) / 64] |= 1 << (i % 64);
                        }
                    }
                    cells.codes.push(Cell { at, file, column, kind: Codes { list, defaults } });
                }
                Kind::Date => cells.dates.push(Cell { at, file, column, kind: () }),
                Kind::Time => cells.times.push(Cell { at, file, column, kind: () }),
                Kind::Integer { min, max } => cells.integers.push(Cell { at, file, column, kind: (*min, *max) }),
                Kind::Text { max_len, pattern } => cells.texts.push(Cell {
                    at,
                    file,
                    column,
                    kind: Text {
                        max_len: *max_len,
                        pattern: pattern.as_ref(),
                        scan: pattern
                            .as_ref()
                            .is_none_or(|p| (0..=255).any(|b| field::refused(b, column.normalise) && p.admits(b))),
                    },
                }),
                Kind::Decimal { .. } => cells.decimals.push(Cell { at, file, column, kind: () }),
            }
        }
        cells
    }

    /// Reads every column's cell into `out`, `field` giving a file column's text (empty for
    /// [`NONE`] and past the row's end).
    pub(crate) fn read<'r>(&mut self, field: impl Fn(u32) -> &'r str + Copy, schema: &Schema, out: &mut Cells<'_>) {
        // The value of a plainly valid cell `s` (trimmed, not empty), its text pushed when the
        // general path would keep it (not for codes, dates and plainly written numbers: see
        // `SheetReader::value_finding`).
        let dates_read = &mut self.dates_read;
        read(field, &self.codes, schema, out, |c, s, _, slot| {
            let i = c.kind.list.find(s)?;
            settle(slot, Value::Code(i), c.kind.defaults[usize::from(i) / 64] & (1 << (i % 64)) != 0)
        });
        read(field, &self.dates, schema, out, |c, s, _, slot| {
            let d = dates_read.parse_iso(s).filter(|&d| field::misplaced_day(c.column.check, d).is_none())?;
            settle(slot, Value::Date(d), field::is_default(c.column, s))
        });
        read(field, &self.integers, schema, out, |c, s, text, slot| {
            let (min, max) = c.kind;
            // A number written as a value is written back (no sign, no leading zero, as most
            // scores are) keeps no text: a finding writes the value.
            let canonical = match s.as_bytes() {
                [b'0'] => Some(0),
                [first @ b'1'..=b'9', rest @ ..] if rest.len() < 18 && rest.iter().all(u8::is_ascii_digit) => {
                    Some(rest.iter().fold(i64::from(first - b'0'), |n, d| n * 10 + i64::from(d - b'0')))
                }
                _ => None,
            };
            let n = canonical.or_else(|| s.parse::<i64>().ok()).filter(|n| (min..=max).contains(n))?;
            if canonical.is_none() {
                text.push_str(s);
            }
            settle(slot, Value::Int(n), field::is_default(c.column, s))
        });
        // What `TimeOfDay::parse` takes holds no `T` or space: a time the general path finds
        // after one (a date and time) is not taken here.
        read(field, &self.times, schema, out, |c, s, text, slot| {
            let t = TimeOfDay::parse(s)?;
            text.push_str(s);
            settle(slot, Value::Time(t), field::is_default(c.column, s))
        });
        read(field, &self.texts, schema, out, |c, s, text, slot| {
            if !field::plain_text(s, c.column, c.kind.max_len, c.kind.pattern, c.kind.scan) {
                return None;
            }
            text.push_str(s);
            settle(slot, Value::Text, field::is_default(c.column, s))
        });
        read(field, &self.decimals, schema, out, |_, _, _, _| None);
    }
}

/// Writes a plainly valid cell's outcome into its slot; whether it is a default.
#[inline(always)]
fn settle(slot: &mut Outcome, value: Value, default: bool) -> Option<bool> {
    *slot = Outcome { value, present: true, default, note: None, invalid: None };
    Some(default)
}

/// Reads the cells of one group: an empty field is missing, a plainly valid one is settled by
/// `plain` (which writes its outcome and says whether it is a default), and the rest go to the
/// general path; each cell is added to the row's bits.
#[inline(always)]
fn read<'r, T>(
    field: impl Fn(u32) -> &'r str,
    cells: &[Cell<'_, T>],
    schema: &Schema,
    out: &mut Cells<'_>,
    mut plain: impl FnMut(&Cell<'_, T>, &str, &mut String, &mut Outcome) -> Option<bool>,
) {
    for c in cells {
        let (slot, text, detail) = (&mut out.slots[c.at], &mut out.texts[c.at], &mut out.details[c.at]);
        text.clear();
        detail.clear();
        // Most cells of a national year are empty (unused score and therapy columns).
        let raw = field(c.file);
        if raw.is_empty() {
            *slot = Outcome::MISSING;
            continue;
        }
        // Written in place: an outcome built apart and copied in was read whole before its
        // narrower stores had landed (a store-forwarding stall a cell).
        let s = field::trim_fast(raw);
        match (!s.is_empty()).then(|| plain(c, s, text, slot)).flatten() {
            Some(default) => out.bits.add_valid(c.at, default),
            None => {
                *slot = field::parse(CellValue::Text(raw), c.column, schema, false, text, detail);
                out.bits.add(c.at, slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells of every type, plainly valid or not, with the spellings the general path notes.
    const CELLS: &[&str] = &[
        "",
        " ",
        "\t",
        "01",
        "1",
        " 01",
        "01 ",
        "\t01",
        "X",
        "x",
        "99",
        "5",
        "+5",
        "-1",
        "007",
        "27",
        "0",
        "9223372036854775807",
        "99999999999999999999",
        "1.5",
        "2.0",
        "5.",
        ".5",
        "1e3",
        "NaN",
        "2012-10-07",
        "2012-02-30",
        "2012-02-29",
        "2013-02-29",
        "2012-10-7",
        "07/10/2012",
        " 2012-10-07",
        "2012-10-07T10:00",
        "2012-10-07 10:00",
        "2012-10-31",
        "2013-03-01",
        "15:00",
        "15:00:00",
        "25:00",
        "1500",
        "9:5",
        "R0000001",
        "r0000001",
        "R000 0001",
        "LS1 4AB",
        "ls14ab",
        "LS14AB",
        "LS1  4AB",
        "4010232137",
        "401 023 2137",
        "9990000000",
        "4010232138",
        "F32.1",
        "F321",
        "F32",
        "Q71",
        "\u{a0}X",
        "X\u{a0}",
        "a\u{1}b",
        "a\u{7f}",
        "é",
        "YS001",
        "ys001",
        "1.0",
        "A12345",
        "5QJ",
        "5QJ00",
        "a,b",
        "\"q\"",
    ];

    /// Every cell read by the groups is what the general path reads, with the same text and
    /// detail: the groups are a shortcut of it, nothing more.
    #[test]
    fn each_group_reads_as_the_general_path() {
        let schema = Schema::builtin();
        for sheet in &schema.sheets {
            let n = sheet.columns.len();
            let map: Vec<Option<u32>> = (0..n).map(|i| u32::try_from(i).ok()).collect();
            let mut cells = CsvCells::new(&sheet.columns, &map, &schema);
            let mut samples: Vec<String> = CELLS.iter().map(|s| (*s).to_owned()).collect();
            for column in &sheet.columns {
                samples.extend(column.defaults.iter().cloned());
                if let Kind::Code(list) = column.kind {
                    samples.extend(schema.list(list).codes.iter().map(|c| c.code.clone()));
                }
            }
            for raw in &samples {
                let mut slots = vec![Outcome::MISSING; n];
                let (mut texts, mut details) = (vec!["stale".to_owned(); n], vec!["stale".to_owned(); n]);
                let field = |_: u32| raw.as_str();
                let mut out =
                    Cells { slots: &mut slots, texts: &mut texts, details: &mut details, bits: RowBits::default() };
                cells.read(field, &schema, &mut out);
                let bits = out.bits;
                let mut expected_bits = RowBits::default();
                for (i, column) in sheet.columns.iter().enumerate() {
                    let (mut text, mut detail) = (String::new(), String::new());
                    let expected = if raw.is_empty() {
                        Outcome::MISSING
                    } else {
                        field::parse(CellValue::Text(raw), column, &schema, false, &mut text, &mut detail)
                    };
                    expected_bits.add(i, &expected);
                    let at = format!("{}.{} {raw:?}", sheet.name, column.name);
                    assert_eq!(slots[i], expected, "{at}");
                    // A plainly valid code or date keeps no text: a finding shows its value, written
                    // as the list spells it or as ISO text, which is what the cell held.
                    let shown = match (&column.kind, slots[i].value) {
                        (Kind::Code(list), Value::Code(c)) if texts[i].is_empty() => {
                            schema.list(*list).codes[usize::from(c)].code.clone()
                        }
                        (Kind::Date, Value::Date(d)) if texts[i].is_empty() => d.to_string(),
                        (Kind::Integer { .. }, Value::Int(n)) if texts[i].is_empty() => n.to_string(),
                        _ => texts[i].clone(),
                    };
                    assert_eq!(shown, text, "{at}");
                    assert_eq!(details[i], detail, "{at}");
                }
                assert_eq!(bits, expected_bits, "{} {raw:?}", sheet.name);
            }
        }
    }

    #[test]
    fn an_absent_column_reads_as_empty() {
        let schema = Schema::builtin();
        let sheet = &schema.sheets[1];
        let n = sheet.columns.len();
        let mut cells = CsvCells::new(&sheet.columns, &vec![None; n], &schema);
        let mut slots = vec![Outcome { present: true, ..Outcome::MISSING }; n];
        let (mut texts, mut details) = (vec!["stale".to_owned(); n], vec!["stale".to_owned(); n]);
        let field = |c: u32| if c == NONE { "" } else { "01" };
        cells.read(
            field,
            &schema,
            &mut Cells { slots: &mut slots, texts: &mut texts, details: &mut details, bits: RowBits::default() },
        );
        assert!(slots.iter().all(|s| *s == Outcome::MISSING));
        assert!(texts.iter().chain(&details).all(String::is_empty));
    }

    /// The cache answers as `Date::parse_iso` for every text, whatever was read before it:
    /// dates that share a slot, invalid dates, ten bytes that are no date.
    #[test]
    fn cached_dates_read_as_parse_iso() {
        let mut cache = DateCache::new();
        let mut texts: Vec<String> = Vec::new();
        for day in (Date::parse_iso("2010-01-01").unwrap().days()..).take(3000).step_by(7) {
            texts.push(Date::from_days(day).to_string());
        }
        texts.extend(
            ["2012-02-30", "2012-13-01", "\0\0\0\0\0\0\0\0\0\0", "0000000000", "2012-1-011", "2012-10-07"]
                .map(String::from),
        );
        for round in 0..3 {
            for (i, t) in texts.iter().enumerate() {
                let t = if (i + round) % 5 == 0 { texts[texts.len() - 1 - i].as_str() } else { t.as_str() };
                assert_eq!(cache.parse_iso(t), Date::parse_iso(t), "{t:?}");
            }
        }
    }
}
