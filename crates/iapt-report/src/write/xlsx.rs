//! `annual-tables.xlsx`, laid out as the Analysis Function's guidance on releasing statistics in
//! spreadsheets asks: Cover, Contents, Notes, then one table per sheet; a title in A1, one
//! header row, no merged cells, no blank rows or columns inside a table, numbers stored as
//! numbers, each table defined as an Excel table.

use rust_xlsxwriter::{Format, Table as XlTable, TableColumn, TableStyle, Url, Workbook, Worksheet, XlsxError};

use crate::model::{Cell, Kind, NOT_FOR_PUBLICATION, Report, Table};
use crate::write::neutralise;

/// The row (0-based) of every table's header: below the title and two lines of text.
pub const HEADER_ROW: u32 = 3;

struct Formats {
    title: Format,
    bold: Format,
    count: Format,
    one_decimal: Format,
    wrap: Format,
}

fn formats() -> Formats {
    Formats {
        title: Format::new().set_bold().set_font_size(15),
        bold: Format::new().set_bold(),
        count: Format::new().set_num_format("#,##0"),
        one_decimal: Format::new().set_num_format("#,##0.0"),
        wrap: Format::new().set_text_wrap(),
    }
}

fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str) -> Result<(), XlsxError> {
    ws.write_string(row, col, neutralise(s)).map(|_| ())
}

/// Writes `headers` and `rows` as one Excel table with its header at [`HEADER_ROW`].
fn table_block(
    ws: &mut Worksheet,
    name: &str,
    headers: &[String],
    rows: &[Vec<Cell>],
    kinds: &[Kind],
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns: Vec<TableColumn> = headers
        .iter()
        .map(|h| TableColumn::new().set_header(neutralise(h).into_owned()).set_header_format(&f.wrap))
        .collect();
    for (r, row) in rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + u32::try_from(r).unwrap_or(u32::MAX - HEADER_ROW - 1);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(s) => text(ws, r, c, s)?,
                Cell::Count(_) => {
                    ws.write_number_with_format(r, c, cell.number().unwrap_or(0.0), &f.count)?;
                }
                Cell::Percent(v) | Cell::Rate(v) | Cell::Days(v) => {
                    // Stored as shown, exactly the CSV's figure: no spurious precision.
                    let shown = cell.plain().parse().unwrap_or(*v);
                    ws.write_number_with_format(r, c, shown, &f.one_decimal)?;
                }
                other => {
                    ws.write_string(r, c, other.symbol().unwrap_or_default())?;
                }
            }
        }
    }
    let last_row = HEADER_ROW + u32::try_from(rows.len().max(1)).unwrap_or(u32::MAX - HEADER_ROW);
    let last_col = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let table = XlTable::new().set_name(name).set_columns(&columns).set_style(TableStyle::Light1);
    ws.add_table(HEADER_ROW, 0, last_row, last_col, &table)?;
    for (c, h) in headers.iter().enumerate() {
        let widest = rows.iter().map(|row| row.get(c).map_or(0, |x| x.plain().len())).max().unwrap_or(0);
        let width = match kinds.get(c) {
            Some(Kind::Text) => widest.clamp(10, 60),
            _ => (h.len() / 2).clamp(12, 24),
        };
        ws.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), width as f64 + 2.0)?;
    }
    // Tall enough for wrapped headers.
    ws.set_row_height(HEADER_ROW, 45)?;
    Ok(())
}

fn cover(ws: &mut Worksheet, report: &Report, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Cover")?;
    ws.write_string_with_format(0, 0, &report.title, &f.title)?;
    let mut lines: Vec<(String, String)> = Vec::new();
    if report.not_for_publication {
        lines.push(("Status".into(), NOT_FOR_PUBLICATION.into()));
    }
    lines.push(("Period covered".into(), report.period.clone()));
    lines.push(("About these tables".into(), format!("{} tables of referrals, waiting times, endings, outcomes and the people referred; the Contents sheet links to each, and the Notes sheet defines every measure.", report.tables.len())));
    if let Some((_, source)) = report.notes.iter().find(|(t, _)| t == "Source") {
        lines.push(("Source".into(), source.clone()));
    }
    if let Some((_, rule)) = report.notes.iter().find(|(t, _)| t == "Disclosure control") {
        lines.push(("Disclosure control".into(), rule.clone()));
    }
    lines.push(("Experimental statistics".into(), "Produced with the iapt toolkit following the methods of the 2012-13 annual report; not an official publication.".into()));
    lines.push((
        "Contact".into(),
        "[Name of the responsible statistician, team email address and telephone number]".into(),
    ));
    let mut row = 2;
    for (heading, body) in lines {
        ws.write_string_with_format(row, 0, heading, &f.bold)?;
        text(ws, row + 1, 0, &body)?;
        row += 3;
    }
    ws.set_column_width(0, 120)?;
    Ok(())
}

fn intro(ws: &mut Worksheet, title: &str, description: &str, report: &Report, f: &Formats) -> Result<(), XlsxError> {
    let stamp = if report.not_for_publication { format!("{NOT_FOR_PUBLICATION}. ") } else { String::new() };
    ws.write_string_with_format(0, 0, format!("{stamp}{title}"), &f.title)?;
    text(ws, 1, 0, description)?;
    ws.write_string(2, 0, "This worksheet contains one table. [c]: withheld to protect privacy; [z]: not applicable; [x]: not available (see Notes).")?;
    Ok(())
}

/// The publication workbook.
///
/// # Errors
/// When `rust_xlsxwriter` refuses a name or a cell.
pub fn workbook(report: &Report) -> Result<Workbook, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    // A fixed creation date: the same inputs and options give the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2013, 3, 31)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&report.title).set_creation_datetime(&created));
    cover(wb.add_worksheet(), report, &f)?;

    let ws = wb.add_worksheet().set_name("Contents")?;
    intro(ws, "Contents", "The tables of this workbook, one per sheet; select a sheet name to go to it.", report, &f)?;
    let headers = ["Sheet", "Table title"].map(String::from);
    let rows: Vec<Vec<Cell>> =
        report.tables.iter().map(|t| vec![Cell::Text(t.id.into()), Cell::Text(t.title.clone())]).collect();
    table_block(ws, "Contents", &headers, &rows, &[Kind::Text, Kind::Text], &f)?;
    for (i, t) in report.tables.iter().enumerate() {
        let r = HEADER_ROW + 1 + u32::try_from(i).unwrap_or(0);
        ws.write_url(r, 0, Url::new(format!("internal:'{}'!A1", t.id)).set_text(t.id))?;
    }

    let ws = wb.add_worksheet().set_name("Notes")?;
    intro(ws, "Notes", "Definitions, disclosure control and data-quality caveats for every table.", report, &f)?;
    let headers = ["Note number", "Note title", "Note text"].map(String::from);
    let rows: Vec<Vec<Cell>> = report
        .notes
        .iter()
        .enumerate()
        .map(|(i, (t, body))| {
            vec![Cell::Text(format!("Note {}", i + 1)), Cell::Text(t.clone()), Cell::Text(body.clone())]
        })
        .collect();
    table_block(ws, "Notes", &headers, &rows, &[Kind::Text; 3], &f)?;
    ws.set_column_width(2, 120)?;

    for t in &report.tables {
        write_table(wb.add_worksheet(), t, report, &f)?;
    }
    Ok(wb)
}

fn write_table(ws: &mut Worksheet, t: &Table, report: &Report, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(t.id)?;
    intro(ws, &t.title, &t.description, report, f)?;
    let headers: Vec<String> = t.columns.iter().map(|c| c.header.clone()).collect();
    let kinds: Vec<Kind> = t.columns.iter().map(|c| c.kind).collect();
    // Table names must not look like cell references (T1 is one).
    table_block(ws, &format!("Table_{}", t.id), &headers, &t.rows, &kinds, f)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    Ok(())
}
