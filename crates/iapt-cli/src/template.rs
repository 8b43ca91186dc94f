//! `iapt template`: an empty submission workbook built from the schema, so that a
//! submitter starts from the right sheets, headers, formats and code lists.

use iapt_schema::{Column, Kind, Schema, Status};
use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Note, Workbook, XlsxError,
};

use crate::{Fatal, TemplateArgs};

/// The sheet holding every code list; the schema names it as a reference sheet.
const LISTS_SHEET: &str = "Code lists";
/// Rows covered by formats and drop-down lists.
const LAST_ROW: u32 = 100_000;

pub fn run(args: &TemplateArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.schema.as_ref())?;
    let bytes = build(&schema)
        .and_then(|mut wb| wb.save_to_buffer())
        .map_err(|e| Fatal::new(format!("cannot build the template: {e}")))?;
    crate::output::write_file(&args.out, &bytes)?;
    if !args.chatter.quiet {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "wrote {}: a sheet per table with headers and notes, formats and drop-down lists to row {LAST_ROW}",
                crate::inputs::printable(&args.out.display().to_string())
            );
        }
    }
    Ok(0)
}

fn describe(col: &Column, schema: &Schema) -> String {
    let status = match col.status {
        Status::Mandatory => "M: mandatory (a record without it is rejected)",
        Status::Required => "R: required (a missing value is a warning)",
        Status::Optional => "O: optional",
    };
    let kind = match &col.kind {
        Kind::Text { max_len: Some(n), .. } => format!("text, at most {n} characters"),
        Kind::Text { .. } => "text".to_owned(),
        Kind::Code(list) => format!(
            "a code from the list `{}` (drop-down; all codes on the `{LISTS_SHEET}` sheet)",
            schema.list(*list).name
        ),
        Kind::Date => "date: YYYY-MM-DD or DD/MM/YYYY".to_owned(),
        Kind::Time => "time: HH:MM, 24-hour".to_owned(),
        Kind::Integer { min, max } => format!("whole number, {min} to {max}"),
        Kind::Decimal { min, max } => format!("number, {min:.1} to {max:.1}"),
    };
    format!("{}\n\nStatus {status}.\nType: {kind}.", col.description)
}

/// The workbook, with a fixed creation date so that the same schema gives the same bytes.
pub fn build(schema: &Schema) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2012, 4, 1)?;
    wb.set_properties(
        &DocProperties::new().set_title(&schema.title).set_author("iapt template").set_creation_datetime(&created),
    );
    let header = Format::new().set_bold().set_align(FormatAlign::Center).set_background_color("#DCE6F1");
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    let whole = Format::new().set_num_format("0");
    let decimal = Format::new().set_num_format("0.0");

    // Where each code list sits on the lists sheet: (list index) -> column.
    for sheet in &schema.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        ws.set_freeze_panes(1, 0)?;
        for (c, col) in sheet.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
            ws.write_string_with_format(0, c, &col.name, &header)?;
            ws.set_column_width(c, (col.name.len() + 4).max(12) as f64)?;
            let note = Note::new(describe(col, schema)).set_author("iapt").set_width(360);
            ws.insert_note(0, c, &note)?;
            let fmt = match col.kind {
                Kind::Date => &date,
                Kind::Time => &time,
                Kind::Integer { .. } => &whole,
                Kind::Decimal { .. } => &decimal,
                Kind::Text { .. } | Kind::Code(_) => &text,
            };
            ws.set_column_format(c, fmt)?;
            if let Kind::Code(list) = col.kind {
                let n = schema.list(list).codes.len();
                let letter = iapt_ingest::column_letters(usize::from(list.0) * 3);
                let range = format!("='{LISTS_SHEET}'!${letter}$2:${letter}${}", n + 1);
                let dv = DataValidation::new()
                    .allow_list_formula(Formula::new(range))
                    .set_error_title("Not a code of the list")?
                    .set_error_message(format!(
                        "Choose a code of `{}` (see the {LISTS_SHEET} sheet).",
                        schema.list(list).name
                    ))?;
                ws.add_data_validation(1, c, LAST_ROW, c, &dv)?;
            } else if col.name == "DATASET_VERSION" {
                ws.add_data_validation(
                    1,
                    c,
                    1,
                    c,
                    &DataValidation::new().allow_list_strings(&[schema.version.as_str()])?,
                )?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name(LISTS_SHEET)?;
    for (i, list) in schema.code_lists.iter().enumerate() {
        let c = u16::try_from(i * 3).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.write_string_with_format(0, c, &list.name, &header)?;
        ws.write_string_with_format(0, c + 1, "label", &header)?;
        ws.set_column_width(c, 14)?;
        ws.set_column_width(c + 1, 40)?;
        ws.set_column_format(c, &text)?;
        for (r, code) in list.codes.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            ws.write_string(r, c, &code.code)?;
            ws.write_string(r, c + 1, &code.label)?;
        }
    }
    Ok(wb)
}
