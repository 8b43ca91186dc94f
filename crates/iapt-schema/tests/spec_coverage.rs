//! The schema folder holds every sheet, column, status and code of the specification.
//!
//! Reads `../shared/spec/` beside the checkout (as laid out for developers and CI), so a
//! change to the spec that the schema does not follow fails here.

use std::path::PathBuf;

use iapt_schema::{Kind, Schema};

fn spec_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec");
    assert!(dir.join("dataset-v1.0.md").exists(), "the specification is expected at {}", dir.display());
    dir
}

/// (sheet, column, status letter) for every column row of the spec's sheet tables.
fn spec_columns() -> Vec<(String, String, char)> {
    let text = std::fs::read_to_string(spec_dir().join("dataset-v1.0.md")).unwrap();
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
        let status = cells[2].chars().next().unwrap();
        // `THERAPY_TYPE_1 .. THERAPY_TYPE_4` stands for four columns.
        if let Some((first, last)) = cells[1].split_once(" .. ") {
            let stem = first.trim_end_matches(char::is_numeric);
            let from: u32 = first[stem.len()..].parse().unwrap();
            let to: u32 = last[stem.len()..].parse().unwrap();
            for n in from..=to {
                out.push((sheet.clone(), format!("{stem}{n}"), status));
            }
        } else {
            out.push((sheet.clone(), cells[1].to_owned(), status));
        }
    }
    out
}

#[test]
fn every_column_of_the_spec_is_in_the_schema_with_its_status() {
    let schema = Schema::builtin();
    let columns = spec_columns();
    assert!(columns.len() >= 40, "parsed only {} columns from the spec", columns.len());
    for (sheet, column, status) in &columns {
        let s = schema.sheets.iter().find(|s| &s.name == sheet).unwrap_or_else(|| panic!("sheet {sheet}"));
        let c = s.columns.iter().find(|c| &c.name == column).unwrap_or_else(|| panic!("{sheet}.{column}"));
        // "THERAPY_TYPE_1 .. 4 | O" in the spec, with THERAPY_TYPE_1 required on attended treatment.
        if column != "THERAPY_TYPE_1" {
            assert_eq!(c.status.letter(), status.to_string(), "{sheet}.{column}");
        }
    }
    let total: usize = schema.sheets.iter().map(|s| s.columns.len()).sum();
    assert_eq!(total, columns.len(), "the schema has columns the spec does not");
}

#[test]
fn every_code_of_the_spec_is_in_the_schema() {
    let schema = Schema::builtin();
    let mut lists = 0;
    for entry in std::fs::read_dir(spec_dir().join("codes")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let list = schema.code_list(&name).unwrap_or_else(|| panic!("code list {name}"));
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(list.attributes, header[2..], "{name} columns");
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec.unwrap();
            let i = list.find(&rec[0]).unwrap_or_else(|| panic!("{name}: code {}", &rec[0]));
            let code = &list.codes[usize::from(i)];
            assert_eq!(code.label, &rec[1]);
            assert_eq!(code.attributes, rec.iter().skip(2).collect::<Vec<_>>());
            n += 1;
        }
        assert_eq!(n, list.codes.len(), "{name} has codes the spec does not");
        lists += 1;
    }
    assert_eq!(lists, schema.code_lists.len());
    // Every column that names a code list resolves to one of them.
    for sheet in &schema.sheets {
        for c in &sheet.columns {
            if let Kind::Code(id) = c.kind {
                assert!(!schema.list(id).codes.is_empty(), "{}.{}", sheet.name, c.name);
            }
        }
    }
}
