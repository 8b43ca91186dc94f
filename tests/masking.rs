//! Personal data stays masked: identifying values planted in every shape a careless file
//! gives them, and every output of every command searched for them.

mod support;

use std::path::{Path, PathBuf};

use support::crafted::*;
use support::{root, scratch, sheets_from_csv, write_workbook};

// ---- 3. personal data stays masked ----------------------------------------------------------

/// The planted values: an NHS number (plain, spaced, with thousands separators, as a
/// spreadsheet shows a large number), a date of birth (ISO and UK), a postcode.
const PLANTED: [&str; 7] =
    ["4010232137", "401 023 2137", "4,010,232,137", "4.01023E+09", "1971-07-23", "23/07/1971", "LS1 4AP"];
/// A batch of submissions, each with the planted values where they reach a message some
/// other way than their own column.
fn planted_batch() -> PathBuf {
    let batch = scratch("hostile-planted");
    let person = |rows: &[&str]| rows.join("\n").into_bytes();
    let with_person = |name: &str, bytes: Vec<u8>| {
        let mut files = clean_csv();
        files.insert("Person.csv".into(), bytes);
        write_csv_folder(&batch.join(name), &files);
    };
    let p1 = "P001,4010232137,01,1971-07-23,LS1 4AP,2,A,A81001";
    // No header row: the first record is read as the header.
    with_person("no-header", person(&[p1, "P002,4975836327,01,1975-01-31,M1 1AE,1,H,B82005"]));
    // A blank header cell over the postcodes.
    with_person("blank-header", person(&[&PERSON_HEADER.replace("POSTCODE", ""), p1]));
    // An extra and a missing comma shift values into other columns.
    with_person("extra-comma", person(&[PERSON_HEADER, "P001,,401 023 2137,01,23/07/1971,LS1 4AP,2,A,A81001"]));
    with_person("missing-comma", person(&[PERSON_HEADER, "P001,4010232137,1971-07-23,LS1 4AP,2,A,A81001"]));
    // Two headers swapped: the birth date (with a time, as a database exports it) is read as a
    // gender code; NHS numbers as Excel formats them land in code columns.
    let swapped = PERSON_HEADER
        .replace("GENDER", "G")
        .replace("PERSON_BIRTH_DATE", "GENDER")
        .replace(",G,", ",PERSON_BIRTH_DATE,");
    with_person(
        "swapped-header",
        person(&[&swapped, "P001,,01,1971-07-23T00:00:00,LS1 4AP,2,\"4,010,232,137\",4.01023E+09"]),
    );
    // A stray quote: the rest of the file becomes one LOCAL_PATIENT_ID.
    with_person("stray-quote", person(&[PERSON_HEADER, "\"P001,4010232137,01,1971-07-23,LS1 4AP,2,A,A81001", p1, p1]));
    // A long value, cut in messages: masked before it is cut.
    with_person("long-value", person(&[PERSON_HEADER, &format!("P001,,01,,,2,A,{}4010232137", "Z".repeat(52))]));
    // A date that once panicked the date parser (a wide digit where the tenth byte falls).
    with_person("wide-digit", person(&[PERSON_HEADER, "P001,,01,1971-07-2\u{ff13}4010232137,,2,A,A81001"]));
    // A workbook: the birth date as a plain number, and an NHS number in an error cell.
    let mut sheets = sheets_from_csv(&root().join("tests/fixtures/clean"));
    let p = sheets.iter_mut().find(|s| s.name == "Person").unwrap();
    p.rows[1][3] = support::Cell::Number(26_137.0);
    write_workbook(&batch.join("plain-number.xlsx"), &sheets);
    let part = sheet_part("Person");
    let error_cell = xlsx_with(&part, |x| {
        let at = x.find("<c r=\"B2\"").unwrap();
        let end = at + x[at..].find("</c>").unwrap() + 4;
        format!("{}<c r=\"B2\" t=\"e\"><v>4010232137</v></c>{}", &x[..at], &x[end..])
    });
    std::fs::write(batch.join("error-cell.xlsx"), error_cell).unwrap();
    batch
}

/// Every file below `dir`, as text.
fn files_text(dir: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all.push_str(&files_text(&p));
        } else {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    all
}

#[test]
fn identifying_values_never_reach_an_output_unmasked() {
    let batch = planted_batch();
    let b = batch.to_str().unwrap();
    let out = scratch("hostile-planted-out");
    let html = out.join("quality.html");
    let report = out.join("report");
    let mut outputs = Vec::new();
    for format in ["human", "json", "csv"] {
        outputs.push(run(&["validate", b, "--format", format, "--today", "2026-11-26", "--max-per-rule", "1000"]));
        outputs.push(run(&["quality", b, "--format", format]));
    }
    outputs.push(run(&["quality", b, "--html", html.to_str().unwrap()]));
    outputs.push(run(&["outcomes", b, "--period", "2012-04-01..2013-03-31"]));
    outputs.push(run(&["outcomes", b, "--period", "2012-04-01..2013-03-31", "--format", "json"]));
    outputs.push(run(&["report", b, "--out", report.to_str().unwrap()]));
    let mut everything: String = outputs.iter().map(text).collect();
    everything.push_str(&files_text(&out));
    // The plants did reach the messages (masked), or this test would prove nothing.
    let all_json = text(&run(&["validate", b, "--format", "json", "--today", "2026-11-26", "--show-values"]));
    for value in PLANTED {
        assert!(all_json.contains(value), "{value} is not planted where a message shows it");
        assert!(!everything.contains(value), "{value} appears unmasked:\n{everything}");
    }
    for (rule, why) in [
        ("IAPT-W010", "no header row"),
        ("IAPT-W023", "blank header cell"),
        ("IAPT-W003", "shifted into a code column"),
        ("IAPT-R004", "stray quote"),
        ("IAPT-R002", "plain-number date"),
        ("IAPT-F001", "error cell"),
    ] {
        assert!(everything.contains(rule), "no {rule} ({why})");
    }
}
