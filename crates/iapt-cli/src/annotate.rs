//! `iapt validate --annotate`: the submission written back as a workbook with every problem
//! marked where it is. Every row is at its own row number and every cell in its own column, so
//! `Person!D5` in a message is `D5` in the copy; a first `Problems` sheet lists and links them.

use iapt_ingest::CellValue;
use iapt_schema::{Kind, Schema};
use iapt_validate::{Severity, Validation};
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatBorder, FormatPattern, Note, Url, Workbook, Worksheet, XlsxError,
};

use crate::Fatal;
use crate::copy::{self, Marks};

/// The most characters an Excel cell holds.
const EXCEL_CHARS: usize = 32_767;
/// Excel's last row and column (0-based), and the most hyperlinks one sheet may hold.
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_LAST_COLUMN: u16 = 16_383;
const EXCEL_LINKS: u32 = 65_530;

/// Record-level problems: light orange, with a thick border (Okabe-Ito orange, for colour-blind readers).
const RECORD_FILL: u32 = 0xF7C98B;
/// Warnings: light sky blue, with a dashed border.
const WARNING_FILL: u32 = 0xB7DDF5;

struct Formats {
    header: Format,
    date: Format,
    record: Format,
    record_date: Format,
    warning: Format,
    warning_date: Format,
    bold: Format,
}

impl Formats {
    fn new() -> Formats {
        let record = Format::new()
            .set_background_color(Color::RGB(RECORD_FILL))
            .set_pattern(FormatPattern::Solid)
            .set_border(FormatBorder::Thick);
        let warning = Format::new()
            .set_background_color(Color::RGB(WARNING_FILL))
            .set_pattern(FormatPattern::Solid)
            .set_border(FormatBorder::MediumDashed);
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            record_date: record.clone().set_num_format("yyyy-mm-dd"),
            warning_date: warning.clone().set_num_format("yyyy-mm-dd"),
            record,
            warning,
            bold: Format::new().set_bold(),
        }
    }
}

/// The annotated workbook's bytes for one validated submission.
pub fn workbook(
    schema: &Schema,
    v: &Validation,
    shown_path: &str,
    limits: iapt_ingest::Limits,
) -> Result<Vec<u8>, Fatal> {
    let fail = |e: XlsxError| Fatal::new(format!("cannot write the annotated workbook: {e}"));
    let mut wb = Workbook::new();
    // A copy for reading, not for keeping: light compression writes it in much less time.
    wb.set_zip_compression_level(1);
    let formats = Formats::new();
    problems_sheet(&mut wb, schema, v, shown_path, &formats).map_err(fail)?;
    let file_level = copy::file_level(v);
    // One worksheet per data-set sheet the file holds, created as its first row arrives.
    let mut current: Option<Current> = None;
    let mut error: Option<XlsxError> = None;
    copy::read_sheets(v, limits, &mut |sheet, row| {
        if error.is_some() {
            return;
        }
        let result = (|| {
            if current.as_ref().is_none_or(|c| c.sheet != sheet) {
                if let Some(done) = current.take() {
                    done.finish(&mut wb, schema, v, &file_level, &formats)?;
                }
                let ws = wb.add_worksheet_with_constant_memory()?;
                ws.set_name(&schema.sheets[sheet].name)?;
                ws.set_freeze_panes(1, 0)?;
                // Wide enough for the column's name, and for a date.
                for i in 0..row.len() {
                    let name = copy::text(row.get(i));
                    let chars = name.chars().count().clamp(11, 30) as f64;
                    ws.set_column_width(u16::try_from(i).unwrap_or(u16::MAX), chars + 1.0)?;
                }
                // The header row gives each column's place; its width is where the `iapt` column goes.
                let columns = (0..row.len())
                    .map(|i| match row.get(i) {
                        CellValue::Text(t) => schema.sheets[sheet].column_index(t.trim()),
                        _ => None,
                    })
                    .collect();
                // After the widest row read, so that it never covers a submitted value.
                let marks = copy::marks(v, sheet);
                let width = u16::try_from(copy::width(v, sheet, &marks, row.len())).unwrap_or(u16::MAX);
                current = Some(Current { sheet, marks, columns, width, last: 0 });
            }
            let Some(c) = current.as_mut() else { return Ok(()) };
            let Some(ws) = wb.worksheets_mut().last_mut() else { return Ok(()) };
            if row.number > EXCEL_ROWS {
                // Past Excel's last row (a CSV may go further): the Problems sheet still lists it.
                return Ok(());
            }
            c.marked_rows_before(row.number, ws, schema, v, &file_level, &formats)?;
            let values: Vec<CellValue<'_>> = (0..row.len()).map(|i| row.get(i)).collect();
            c.write(ws, schema, v, row.number, &values, &file_level, &formats)
        })();
        if let Err(e) = result {
            error = Some(e);
        }
    })?;
    if let Some(e) = error {
        return Err(fail(e));
    }
    if let Some(done) = current.take() {
        done.finish(&mut wb, schema, v, &file_level, &formats).map_err(fail)?;
    }
    wb.save_to_buffer().map_err(fail)
}

/// The data-set sheet being written.
struct Current {
    sheet: usize,
    marks: Marks,
    /// The schema column of each column of the file, from its header row.
    columns: Vec<Option<usize>>,
    /// Columns in the header row: the added `iapt` column goes after them.
    width: u16,
    /// The last row written.
    last: u32,
}

impl Current {
    /// Rows with a finding that the reader passed over (blank rows), up to `before`.
    fn marked_rows_before(
        &mut self,
        before: u32,
        ws: &mut Worksheet,
        schema: &Schema,
        v: &Validation,
        file_level: &[usize],
        f: &Formats,
    ) -> Result<(), XlsxError> {
        let gaps: Vec<u32> = self.marks.rows.range(self.last + 1..before).copied().collect();
        for n in gaps {
            self.write(ws, schema, v, n, &[], file_level, f)?;
        }
        Ok(())
    }

    /// Writes the rows with a finding after the last one read, and leaves the sheet.
    fn finish(
        mut self,
        wb: &mut Workbook,
        schema: &Schema,
        v: &Validation,
        file_level: &[usize],
        f: &Formats,
    ) -> Result<(), XlsxError> {
        if let Some(ws) = wb.worksheets_mut().last_mut() {
            self.marked_rows_before(u32::MAX, ws, schema, v, file_level, f)?;
        }
        Ok(())
    }

    /// One row: its values as submitted, each cell with a finding filled and noted, and the
    /// `iapt` column saying why a row is rejected.
    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        ws: &mut Worksheet,
        schema: &Schema,
        v: &Validation,
        number: u32,
        values: &[CellValue<'_>],
        file_level: &[usize],
        f: &Formats,
    ) -> Result<(), XlsxError> {
        self.last = number;
        let (r, header) = (number - 1, number == 1);
        let marks = &self.marks;
        // Past the last value too: an empty mandatory cell at the end of a row has its note.
        let cells = values.len().max(usize::from(self.width));
        for i in 0..cells {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            let value = values.get(i).copied().unwrap_or(CellValue::Empty);
            let found = marks.by_cell.get(&(number, u32::from(col)));
            let worst = found.and_then(|list| list.iter().map(|&k| v.findings[k].severity()).min());
            let kind = self.columns.get(i).copied().flatten().map(|c| &schema.sheets[self.sheet].columns[c].kind);
            let (plain, dated) = match worst {
                Some(Severity::File | Severity::Record) => (Some(&f.record), &f.record_date),
                Some(Severity::Warning) => (Some(&f.warning), &f.warning_date),
                None if header => (Some(&f.header), &f.date),
                None => (None, &f.date),
            };
            // A value with a finding stays exactly as written: converting it could hide the problem.
            let typed = if header || found.is_some() { None } else { kind };
            write_cell(ws, r, col, value, typed, plain, dated)?;
            if let Some(list) = found {
                ws.insert_note(r, col, &Note::new(note(schema, v, list)).set_author("iapt"))?;
            }
        }
        self.write_iapt_column(ws, schema, v, number, header, file_level, f)
    }

    /// The added last column: why a row is rejected, and the findings that name no column.
    #[allow(clippy::too_many_arguments)]
    fn write_iapt_column(
        &self,
        ws: &mut Worksheet,
        schema: &Schema,
        v: &Validation,
        number: u32,
        header: bool,
        file_level: &[usize],
        f: &Formats,
    ) -> Result<(), XlsxError> {
        let (r, col) = (number - 1, self.width);
        if col > EXCEL_LAST_COLUMN {
            // A row as wide as Excel allows leaves no room: the notes and Problems sheet remain.
            return Ok(());
        }
        let rejected: Vec<usize> = self.marks.rejected.get(&number).cloned().unwrap_or_default();
        let on_row: Vec<usize> = self.marks.by_row.get(&number).cloned().unwrap_or_default();
        let rejects = !header && (!rejected.is_empty() || !file_level.is_empty());
        let text = if header {
            "iapt".to_owned()
        } else if rejects {
            let rules: Vec<String> = rejected
                .iter()
                .chain(file_level)
                .map(|&k| format!("{} {}", v.findings[k].rule.id, v.findings[k].rule.name))
                .collect();
            format!("iapt: rejected by {}", dedup(rules).join(", "))
        } else if !on_row.is_empty() {
            let rules: Vec<String> = on_row.iter().map(|&k| v.findings[k].rule.id.to_owned()).collect();
            format!("iapt: {}", dedup(rules).join(", "))
        } else {
            return Ok(());
        };
        let format = match (rejects, on_row.is_empty(), header) {
            (true, ..) => &f.record,
            (false, false, _) => &f.warning,
            (false, true, _) => &f.bold,
        };
        ws.write_string_with_format(r, col, &text, format)?;
        let noted: Vec<usize> = dedup(rejected.into_iter().chain(on_row).collect());
        if !noted.is_empty() {
            ws.insert_note(r, col, &Note::new(note(schema, v, &noted)).set_author("iapt"))?;
        }
        Ok(())
    }
}

fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for x in list {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// A cell as submitted: a valid date in a date column becomes a date cell, a number in a number
/// column a number; everything else, codes with their leading zeros among it, stays as written.
fn write_cell(
    ws: &mut Worksheet,
    r: u32,
    col: u16,
    value: CellValue<'_>,
    kind: Option<&Kind>,
    plain: Option<&Format>,
    dated: &Format,
) -> Result<(), XlsxError> {
    let date = |d: iapt_schema::Date| {
        let (y, m, day) = d.ymd();
        ExcelDateTime::from_ymd(
            u16::try_from(y).unwrap_or(1900),
            u8::try_from(m).unwrap_or(1),
            u8::try_from(day).unwrap_or(1),
        )
    };
    let text = |ws: &mut Worksheet, s: &str| {
        // A cell holds at most 32,767 characters; a longer value (allowed by a raised
        // --max-value-chars) is cut rather than failing the whole copy.
        let s = match s.char_indices().nth(EXCEL_CHARS) {
            Some((at, _)) => &s[..at],
            None => s,
        };
        match plain {
            Some(f) => ws.write_string_with_format(r, col, s, f).map(drop),
            None => ws.write_string(r, col, s).map(drop),
        }
    };
    let number = |ws: &mut Worksheet, n: f64| match plain {
        Some(f) => ws.write_number_with_format(r, col, n, f).map(drop),
        None => ws.write_number(r, col, n).map(drop),
    };
    match (value, kind) {
        (CellValue::Empty, _) => match plain {
            Some(f) => ws.write_blank(r, col, f).map(drop),
            None => Ok(()),
        },
        (CellValue::Text(s) | CellValue::IsoDateTime(s), Some(Kind::Date)) => {
            // An ODS date cell is ISO text (`2012-04-10`, perhaps with a time after it).
            let day = if matches!(value, CellValue::IsoDateTime(_)) { s.get(..10).unwrap_or(s) } else { s };
            match iapt_validate::date_from_text(day).map(date) {
                Some(Ok(d)) => ws.write_datetime_with_format(r, col, &d, dated).map(drop),
                _ => text(ws, s),
            }
        }
        (CellValue::Text(s), Some(Kind::Integer { .. } | Kind::Decimal { .. })) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => number(ws, n),
            _ => text(ws, s),
        },
        (CellValue::Int(n), _) => number(ws, n as f64),
        (CellValue::Float(n), _) => number(ws, n),
        (CellValue::DateTime { year, month, day, seconds, serial }, _) => {
            let d = if serial < 1.0 {
                ExcelDateTime::from_hms(
                    u16::try_from(seconds / 3600).unwrap_or(0),
                    u8::try_from(seconds / 60 % 60).unwrap_or(0),
                    f64::from(seconds % 60),
                )
            } else {
                ExcelDateTime::from_ymd(year, month, day)
            };
            match d {
                Ok(d) => ws.write_datetime_with_format(r, col, &d, dated).map(drop),
                Err(_) => number(ws, serial),
            }
        }
        (CellValue::Bool(b), _) => ws.write_boolean(r, col, b).map(drop),
        (other, _) => text(ws, &copy::text(other)),
    }
}

/// A cell's note: each finding's rule, message and hint.
fn note(schema: &Schema, v: &Validation, list: &[usize]) -> String {
    let cut = list.iter().any(|&k| v.findings[k].value.as_ref().is_some_and(|x| x.chars().nth(EXCEL_CHARS).is_some()));
    let tail = if cut {
        "\n\nThe value is longer than an Excel cell holds: the copy shows its first 32,767 characters."
    } else {
        ""
    };
    list.iter()
        .map(|&k| {
            let f = &v.findings[k];
            format!(
                "{} {} ({})\n{}\nFix: {}",
                f.rule.id,
                f.rule.name,
                f.severity().as_str(),
                f.message(schema, true),
                f.rule.hint
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
        + tail
}

/// The first sheet: the counts, then one row per finding with a link to its cell.
fn problems_sheet(
    wb: &mut Workbook,
    schema: &Schema,
    v: &Validation,
    shown_path: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("Problems")?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 18)?;
    ws.set_column_width(3, 8)?;
    ws.set_column_width(4, 80)?;
    ws.set_column_width(5, 60)?;
    ws.write_string_with_format(0, 0, format!("Problems found by iapt validate in {shown_path}"), &f.bold)?;
    let count = |s: Severity| v.count(s);
    let (file, record, warning) = (count(Severity::File), count(Severity::Record), count(Severity::Warning));
    let summary = if v.findings.is_empty() {
        "No problems were found: every record is accepted.".to_owned()
    } else {
        format!(
            "{file} file-level problem(s), {record} record-level problem(s) (their rows are rejected), {warning} warning(s). \
             Each cell with a problem is filled (orange with a thick border: rejected; blue with a dashed border: warning) \
             and has a note; cells are where they are in the submission."
        )
    };
    ws.write_string(1, 0, &summary)?;
    let not_kept: u64 = v.not_kept.iter().map(|(_, n)| n).sum();
    if not_kept > 0 {
        let more = format!(
            "{not_kept} further finding(s) past --max-findings are counted but not listed or marked; raise the limit to see them."
        );
        ws.write_string(2, 0, more)?;
    }
    let header = ["Rule", "Severity", "Sheet", "Cell", "Message", "Hint"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(3, u16::try_from(c).unwrap_or(0), *h, &f.header)?;
    }
    ws.set_freeze_panes(4, 0)?;
    let mut r = 4u32;
    for finding in &v.findings {
        ws.write_string(r, 0, finding.rule.id)?;
        ws.write_string(r, 1, finding.severity().as_str())?;
        let sheet = finding.sheet_name(schema).unwrap_or("");
        ws.write_string(r, 2, sheet)?;
        match finding.cell() {
            Some(cell) if !sheet.is_empty() && r - 4 < EXCEL_LINKS => {
                // A finding on a whole row links to the row's first cell.
                let target = if finding.col.is_some() { cell.clone() } else { format!("A{}", finding.row) };
                ws.write_url(r, 3, Url::new(format!("internal:'{sheet}'!{target}")).set_text(&cell))?;
            }
            Some(cell) => {
                ws.write_string(r, 3, &cell)?;
            }
            None => {}
        }
        ws.write_string(r, 4, finding.message(schema, true))?;
        ws.write_string(r, 5, finding.rule.hint)?;
        r += 1;
    }
    if r > 4 {
        ws.autofilter(3, 0, r - 1, 5)?;
    }
    Ok(())
}
