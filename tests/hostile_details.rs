//! Hostile and messy files, the smaller things: each made here by a small generator, each
//! run bounded as in `hostile.rs` (sections 1 to 6), which holds the crashes, devices, CSV
//! positions and folders.

mod support;

use support::crafted::*;
use support::{root, scratch, sheets_from_csv, write_workbook};

// ---- 9. smaller things ----------------------------------------------------------------------

#[test]
fn terminal_escapes_in_a_sheet_name_are_not_echoed() {
    // No writer makes such a name: it is put into the workbook's XML by hand.
    let bytes = xlsx_with("xl/workbook.xml", |x| x.replacen("name=\"WaitingTimePause\"", "name=\"x\u{1b}[2Jy\"", 1));
    let path = save("escape", "escape.xlsx", &bytes);
    for format in ["human", "json", "csv"] {
        let o = run(&["validate", path.to_str().unwrap(), "--format", format, "--today", "2026-11-26"]);
        assert!(!o.stdout.contains(&0x1b), "{format}: {}", text(&o));
        assert!(text(&o).contains("IAPT-W011"), "{}", text(&o));
    }
}

#[test]
fn a_utf16_csv_is_named_as_such() {
    let dir = csv_submission("utf16", |f| {
        let person = String::from_utf8(f["Person.csv"].clone()).unwrap();
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(person.encode_utf16().flat_map(u16::to_le_bytes));
        f.insert("Person.csv".into(), bytes);
    });
    let (_, v) = validate_json(&dir, &[]);
    assert!(has_rule(&v, "IAPT-F003", "UTF-16"), "{v}");
    assert!(!diagnostics(&v).iter().any(|(_, m)| m.contains("Windows-1252") || m.contains("sheet is empty")), "{v}");
}

#[test]
fn rows_past_excels_last_are_refused() {
    let part = sheet_part("Referral");
    let bytes = xlsx_with(&part, |x| {
        x.replacen(
            "</sheetData>",
            "<row r=\"1048577\"><c r=\"A1048577\" t=\"inlineStr\"><is><t>R9</t></is></c></row></sheetData>",
            1,
        )
    });
    let (code, v) = validate_json(&save("past-last-row", "rows.xlsx", &bytes), &[]);
    assert_eq!(code, 2);
    assert!(has_rule(&v, "IAPT-F011", "1,048,577 rows in one sheet"), "{v}");
    // A row number too large for the reader (it wraps) puts the cells out of order.
    let bytes = xlsx_with(&part, |x| {
        x.replacen(
            "</sheetData>",
            "<row r=\"4294967297\"><c r=\"A4294967297\" t=\"inlineStr\"><is><t>R9</t></is></c></row></sheetData>",
            1,
        )
    });
    let (code, v) = validate_json(&save("wrapped-row", "wrapped.xlsx", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
}

#[test]
fn a_nul_byte_inside_an_id_is_rejected() {
    let dir = csv_submission("nul", |f| {
        let referral = String::from_utf8(f["Referral.csv"].clone()).unwrap();
        f.insert("Referral.csv".into(), referral.replacen("R002,", "R0\u{0}02,", 1).into_bytes());
    });
    let (_, v) = validate_json(&dir, &[]);
    assert!(has_rule(&v, "IAPT-R004", "control character U+0000"), "{v}");
}

#[test]
fn orphans_after_a_sheet_stopped_are_not_reported() {
    let dir = csv_submission("stopped", |f| {
        let mut person = f["Person.csv"].clone();
        let second_line = person.iter().position(|&b| b == b'\n').unwrap() + 1;
        person.insert(second_line, 0xE9);
        f.insert("Person.csv".into(), person);
    });
    let (code, v) = validate_json(&dir, &[]);
    assert_eq!(code, 1);
    let rules: Vec<String> = diagnostics(&v).into_iter().map(|(r, _)| r).collect();
    assert!(rules.contains(&"IAPT-F003".to_owned()), "{rules:?}");
    assert!(!rules.contains(&"IAPT-R011".to_owned()), "{rules:?}");
}

#[test]
fn one_hostile_file_never_takes_a_batch_down() {
    let batch = scratch("hostile-batch");
    write_csv_folder(&batch.join("good-a"), &clean_csv());
    write_csv_folder(&batch.join("good-b"), &clean_csv());
    for e in std::fs::read_dir(root().join("tests/fixtures/hostile")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, batch.join(p.file_name().unwrap())).unwrap();
    }
    let out = scratch("hostile-batch-report");
    let o = run(&["report", batch.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("read 7 submissions (5 rejected whole"), "{t}");
    assert!(out.join("annual-tables.xlsx").exists() && out.join("report.html").exists(), "{t}");
    for command in ["quality", "outcomes"] {
        let mut args = vec![command, batch.to_str().unwrap()];
        if command == "outcomes" {
            args.extend(["--period", "2012-04-01..2013-03-31"]);
        }
        assert_eq!(run(&args).status.code(), Some(0), "{command}");
    }
}

#[test]
fn a_huge_text_inside_a_sheet_is_stopped_before_it_is_held() {
    // 20 MB of one letter in an inline string: a part that inflates a thousandfold is read
    // through first (the same path stops a 1 GB one, checked by hand: 0.2 s, 5 MB).
    let part = sheet_part("Person");
    let bytes = xlsx_with(&part, |x| {
        x.replacen(
            "</sheetData>",
            &format!(
                "<row r=\"90\"><c r=\"A90\" t=\"inlineStr\"><is><t>{}</t></is></c></row></sheetData>",
                "A".repeat(20 << 20)
            ),
            1,
        )
    });
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let (code, v) = validate_json(&save("huge-inline", "inline.xlsx", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F011", "20,971,520 characters in one value"), "{v}");
}

#[test]
fn a_workbook_without_its_workbook_part_is_unreadable() {
    let entries: Vec<(String, Vec<u8>)> =
        unzip(&clean_xlsx()).into_iter().filter(|(n, _)| n != "xl/workbook.xml").collect();
    let (code, v) = validate_json(&save("no-workbook-part", "parts.xlsx", &zip_entries(&entries)), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F001", "no workbook part"), "{v}");
}

#[test]
fn records_hidden_inside_a_quote_are_named() {
    let dir = csv_submission("quote-pair", |f| {
        let person = String::from_utf8(f["Person.csv"].clone()).unwrap();
        let mut lines: Vec<String> = person.lines().map(str::to_owned).collect();
        // A quote opened on line 3 and closed on line 5 hides the record on line 4.
        let third = lines[2].rfind(',').unwrap() + 1;
        lines[2].insert(third, '"');
        lines[4].push('"');
        f.insert("Person.csv".into(), (lines.join("\n") + "\n").into_bytes());
    });
    let (code, v) = validate_json(&dir, &[]);
    assert_eq!(code, 1, "{v}");
    assert!(has_rule(&v, "IAPT-R020", "lines 3 to 5"), "{v}");
    assert_eq!(v["files"][0]["sheets"][1]["sheet"], "Person");
    assert!(v["files"][0]["sheets"][1]["rows_rejected"].as_u64().unwrap() >= 1, "{v}");
}

#[test]
fn hidden_files_and_linked_folders_are_named_when_passed_over() {
    let batch = scratch("hostile-hidden");
    write_csv_folder(&batch.join("visible"), &clean_csv());
    write_csv_folder(&batch.join(".hidden"), &clean_csv());
    std::os::unix::fs::symlink("..", batch.join("up")).unwrap();
    let o = run(&["validate", batch.to_str().unwrap(), "--today", "2026-11-26"]);
    let t = text(&o);
    assert!(t.contains(".hidden: a hidden file or folder"), "{t}");
    assert!(t.contains("up: a link to a folder, not followed"), "{t}");
    let (_, v) = validate_json(&batch, &[]);
    assert_eq!(v["files"].as_array().unwrap().len(), 1, "only the visible submission is read: {v}");
    assert_eq!(v["skipped"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn a_split_that_one_repeated_string_would_swell_is_refused() {
    // One 20,000-character shared string in 2,000 rows: a small file, 40 MB of values split.
    let mut sheets = sheets_from_csv(&root().join("tests/fixtures/clean"));
    let person = sheets.iter_mut().find(|s| s.name == "Person").unwrap();
    person.rows[0].push(support::t("NOTES"));
    let mut row = person.rows[1].clone();
    row.push(support::t(&"Z".repeat(20_000)));
    person.rows.extend(std::iter::repeat_n(row, 2_000));
    let dir = scratch("split-swell");
    let input = dir.join("swell.xlsx");
    write_workbook(&input, &sheets);
    assert!(std::fs::metadata(&input).unwrap().len() < 200_000);
    let split = dir.join("split");
    let limit = ["--max-entry-bytes", "10000000"];
    let o =
        run(&[&["validate", input.to_str().unwrap(), "--quiet", "--split", split.to_str().unwrap()][..], &limit]
            .concat());
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o);
    assert!(
        stderr.contains("would hold more than 10,000,000 bytes") && stderr.contains("--max-entry-bytes"),
        "{stderr}"
    );
    assert!(!split.exists(), "nothing was written");
    // The same limit splits a plain submission.
    let o =
        run(&[&["validate", "tests/fixtures/clean", "--quiet", "--split", split.to_str().unwrap()][..], &limit]
            .concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(split.join("accepted/Person.csv").is_file());
    // Every byte written counts, those still in the writers' buffers too: the fixture's split
    // is about 2 KB.
    let tiny = dir.join("tiny");
    let o = run(&[
        "validate",
        "tests/fixtures/clean",
        "--quiet",
        "--split",
        tiny.to_str().unwrap(),
        "--max-entry-bytes",
        "1000",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!tiny.exists());
}

#[test]
fn a_formula_error_reads_as_a_sentence_in_every_kind_of_column() {
    // #N/A in a date (C), a code (D) and a text column (B) of Referral's first record.
    let part = sheet_part("Referral");
    let bytes = xlsx_with(&part, |mut x| {
        for col in ["B2", "C2", "D2"] {
            let at = x.find(&format!("<c r=\"{col}\"")).unwrap();
            let end = at + x[at..].find("</c>").unwrap() + 4;
            x = format!("{}<c r=\"{col}\" t=\"e\"><v>#N/A</v></c>{}", &x[..at], &x[end..]);
        }
        x
    });
    let (_, v) = validate_json(&save("formula-errors", "na.xlsx", &bytes), &[]);
    let said: Vec<String> = diagnostics(&v).into_iter().map(|(_, m)| m).collect();
    for (column, joined) in [
        ("LOCAL_PATIENT_ID", "is not valid: the cell holds the formula error #N/A"),
        ("REFERRAL_RECEIVED_DATE", "is not a valid date: the cell holds the formula error #N/A"),
        ("SOURCE_OF_REFERRAL", "is not a valid code: the cell holds the formula error #N/A"),
    ] {
        assert!(said.iter().any(|m| m.contains(column) && m.contains(joined)), "{column}: {said:#?}");
    }
}
