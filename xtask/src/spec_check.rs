//! `cargo xtask spec-check DIR`: the schema against a copy of the written specification (the
//! data-set tables of `DIR/dataset-v1.0.md` and the code lists of `DIR/codes/`). Every sheet,
//! column, status and code of the specification must be in the schema, and nothing more. The
//! specification is not part of the repository, so the test suite does not need it; `.ci/run`
//! runs this when `IAPT_SPEC_DIR` names a copy.

use std::path::Path;

use iapt_schema::{Kind, Schema};

/// (sheet, column, status letter) for every column row of the spec's sheet tables.
fn spec_columns(text: &str) -> Vec<(String, String, char)> {
    let mut sheet = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## Sheet `") {
            sheet = rest.split('`').next().map(str::to_owned);
            continue;
        }
        if line.starts_with("## ") {
            sheet = None;
        }
        let Some(sheet) = &sheet else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || cells[1] == "column" || cells[1].starts_with("---") {
            continue;
        }
        let Some(status) = cells[2].chars().next() else { continue };
        // `THERAPY_TYPE_1 .. THERAPY_TYPE_4` stands for four columns.
        if let Some((first, last)) = cells[1].split_once(" .. ") {
            let stem = first.trim_end_matches(char::is_numeric);
            let (Ok(from), Ok(to)) = (first[stem.len()..].parse::<u32>(), last[stem.len()..].parse::<u32>()) else {
                continue;
            };
            out.extend((from..=to).map(|n| (sheet.clone(), format!("{stem}{n}"), status)));
        } else {
            out.push((sheet.clone(), cells[1].to_owned(), status));
        }
    }
    out
}

/// Every difference between the schema and the specification in `dir`.
pub fn differences(schema: &Schema, dir: &Path) -> Result<Vec<String>, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut out = Vec::new();
    let columns = spec_columns(&read(&dir.join("dataset-v1.0.md"))?);
    if columns.len() < 40 {
        out.push(format!("read only {} columns from the specification's sheet tables", columns.len()));
    }
    for (sheet, column, status) in &columns {
        let Some(s) = schema.sheets.iter().find(|s| &s.name == sheet) else {
            out.push(format!("sheet {sheet} is not in the schema"));
            continue;
        };
        let Some(c) = s.columns.iter().find(|c| &c.name == column) else {
            out.push(format!("{sheet}.{column} is not in the schema"));
            continue;
        };
        // "THERAPY_TYPE_1 .. 4 | O" in the spec, with THERAPY_TYPE_1 required on attended treatment.
        if column != "THERAPY_TYPE_1" && c.status.letter() != status.to_string() {
            out.push(format!(
                "{sheet}.{column}: status {} in the schema, {status} in the specification",
                c.status.letter()
            ));
        }
    }
    for s in &schema.sheets {
        for c in &s.columns {
            if !columns.iter().any(|(sheet, column, _)| *sheet == s.name && *column == c.name) {
                out.push(format!("{}.{} is in the schema, not in the specification", s.name, c.name));
            }
        }
    }
    let mut lists = 0;
    let entries = std::fs::read_dir(dir.join("codes")).map_err(|e| format!("{}/codes: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let Some(list) = schema.code_list(&name) else {
            out.push(format!("code list {name} is not in the schema"));
            continue;
        };
        lists += 1;
        let text = read(&path)?;
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rdr.headers().map_err(|e| e.to_string())?.iter().map(str::to_owned).collect();
        if header.get(2..).is_none_or(|h| list.attributes != h) {
            out.push(format!("{name}: columns {:?} in the schema, {header:?} in the specification", list.attributes));
        }
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
            n += 1;
            let Some(i) = list.find(&rec[0]) else {
                out.push(format!("{name}: code {} is not in the schema", &rec[0]));
                continue;
            };
            let code = &list.codes[usize::from(i)];
            if code.label != rec[1] || code.attributes != rec.iter().skip(2).collect::<Vec<_>>() {
                out.push(format!("{name}: code {} differs from the specification", &rec[0]));
            }
        }
        if n != list.codes.len() {
            out.push(format!("{name}: {} codes in the schema, {n} in the specification", list.codes.len()));
        }
    }
    if lists != schema.code_lists.len() {
        out.push(format!("{} code lists in the schema, {lists} in the specification", schema.code_lists.len()));
    }
    for sheet in &schema.sheets {
        for c in &sheet.columns {
            if matches!(c.kind, Kind::Code(id) if schema.list(id).codes.is_empty()) {
                out.push(format!("{}.{} names an empty code list", sheet.name, c.name));
            }
        }
    }
    Ok(out)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let dir = args.first().ok_or("usage: cargo xtask spec-check DIR (a folder holding dataset-v1.0.md and codes/)")?;
    let found = differences(&Schema::builtin(), Path::new(dir))?;
    if found.is_empty() {
        println!("the built-in schema has every sheet, column, status and code of {dir}, and nothing more");
        return Ok(());
    }
    for d in &found {
        eprintln!("{d}");
    }
    Err(format!("{} differences between the schema and {dir}", found.len()))
}
