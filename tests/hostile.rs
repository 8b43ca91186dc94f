//! Hostile and messy files, each made here by a small generator: no crash, no hang, no silent
//! drop, exact positions. Every run of `iapt` is bounded in memory (1 GiB of data, by
//! `prlimit`) and time, and must exit 0, 1 or 2. Masking is in `masking.rs`, the mutation
//! fuzzer in `fuzz.rs`, the smaller things in `hostile_details.rs`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::crafted::*;
use support::{root, scratch, sheets_from_csv, write_workbook};

// ---- 1. crashes from tiny crafted workbooks -------------------------------------------------

#[test]
fn shared_strings_declaring_a_trillion_entries() {
    for count in ["1000000000000", "18446744073709551615", "99999999999999999999999999"] {
        let bytes = xlsx_with("xl/sharedStrings.xml", |x| {
            let at = x.find("uniqueCount=\"").unwrap() + 13;
            let end = at + x[at..].find('"').unwrap();
            format!("{}{count}{}", &x[..at], &x[end..])
        });
        let path = save("sst-claim", "claims.xlsx", &bytes);
        assert!(bytes.len() < 20_000);
        let (code, v) = validate_json(&path, &[]);
        assert_eq!(code, 2, "{v}");
        assert!(has_rule(&v, "IAPT-F011", "entries in the shared-strings table"), "{v}");
        assert!(has_rule(&v, "IAPT-F011", "--max-shared-strings"), "{v}");
    }
}

#[test]
fn forty_million_shared_strings_in_a_small_file() {
    let mut entries = unzip(&clean_xlsx());
    let sst = entries.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").unwrap();
    *sst = deflated_run(
        "xl/sharedStrings.xml",
        b"<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
        b"<si/>",
        40_000_000 * 5,
        b"</sst>",
    );
    let bytes = zip_entries(&entries);
    assert!(bytes.len() < 2_000_000, "{}", bytes.len());
    let path = save("sst-many", "many.xlsx", &bytes);
    let (code, v) = validate_json(&path, &[]);
    assert_eq!(code, 2);
    assert!(has_rule(&v, "IAPT-F011", "8,000,001 entries in the shared-strings table"), "{v}");
}

#[test]
fn a_shared_string_far_longer_than_a_cell_holds() {
    let bytes = xlsx_with("xl/sharedStrings.xml", |x| x.replacen("<t>", &format!("<t>{}", "A".repeat(200_000)), 1));
    let (code, v) = validate_json(&save("sst-long", "long.xlsx", &bytes), &[]);
    assert_eq!(code, 2);
    assert!(has_rule(&v, "IAPT-F011", "characters in one value"), "{v}");
}

#[test]
fn parts_that_declare_gigabytes() {
    // A sheet and a shared-strings table that say they inflate to 2 GB and 4 GB: refused
    // before anything is inflated.
    for (part, size) in [(sheet_part("Person"), 2_000_000_000u32), ("xl/sharedStrings.xml".into(), 4_000_000_000)] {
        let mut bytes = clean_xlsx();
        declare_size(&mut bytes, &part, size);
        let (code, v) = validate_json(&save("declares", "declares.xlsx", &bytes), &[]);
        assert_eq!(code, 2, "{v}");
        assert!(has_rule(&v, "IAPT-F011", "bytes inflated from one part"), "{v}");
    }
}

#[test]
fn a_part_that_inflates_past_what_it_declares() {
    // A zip bomb that declares a small size: the zip reader stops at the declared size.
    let part = sheet_part("Person");
    let mut entries = unzip(&clean_xlsx());
    let sheet = entries.iter_mut().find(|(n, _)| *n == part).unwrap();
    let xml = String::from_utf8(sheet.1.clone()).unwrap();
    let padded = xml.replacen("<sheetData>", &format!("<sheetData>{}", "<row/>".repeat(20_000_000)), 1);
    sheet.1 = padded.into_bytes();
    let mut bytes = zip_entries(&entries);
    assert!(bytes.len() < 2_000_000);
    declare_size(&mut bytes, &part, u32::try_from(xml.len()).unwrap());
    let (code, v) = validate_json(&save("inflates", "inflates.xlsx", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F001", "damaged"), "{v}");
}

#[test]
fn a_sheet_of_empty_elements_within_the_limit_is_read_and_one_past_it_refused() {
    let part = sheet_part("Appointment");
    let mut entries = unzip(&clean_xlsx());
    let sheet = entries.iter_mut().find(|(n, _)| *n == part).unwrap();
    let xml = String::from_utf8(sheet.1.clone()).unwrap();
    sheet.1 = xml.replacen("</sheetData>", &format!("{}</sheetData>", "<c/>".repeat(5_000_000)), 1).into_bytes();
    let path = save("empties", "empties.xlsx", &zip_entries(&entries));
    let (code, v) = validate_json(&path, &["--max-entry-bytes", "10000000"]);
    assert_eq!(code, 2);
    assert!(has_rule(&v, "IAPT-F011", "over the limit of 10,000,000 (--max-entry-bytes"), "{v}");
}

#[test]
fn an_xls_whose_dimensions_claim_four_billion_rows() {
    let mut bytes = std::fs::read(root().join("tests/fixtures/clean.xls")).unwrap();
    // Every sheet's DIMENSIONS record (type 0x0200, 14 bytes): the last row becomes 2^32 - 1.
    let mut patched = 0;
    for i in 0..bytes.len() - 18 {
        if bytes[i..i + 4] == [0x00, 0x02, 0x0E, 0x00] {
            bytes[i + 8..i + 12].copy_from_slice(&u32::MAX.to_le_bytes());
            patched += 1;
        }
    }
    assert!(patched >= 4, "{patched}");
    let (code, v) = validate_json(&save("xls-dims", "dims.xls", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F011", "rows in one sheet"), "{v}");
}

#[test]
fn an_ods_whose_repeats_expand_to_billions_of_cells() {
    let mut entries = unzip(&std::fs::read(root().join("tests/fixtures/clean.ods")).unwrap());
    let content = entries.iter_mut().find(|(n, _)| n == "content.xml").unwrap();
    let xml = String::from_utf8(content.1.clone()).unwrap();
    // The first data row of the first table, repeated a million times and 16,000 columns wide.
    let rows: Vec<&str> = xml.splitn(3, "<table:table-row").collect();
    let second = rows[2].replacen(
        "<table:table-cell",
        "<table:table-cell table:number-columns-repeated=\"16000\" office:value-type=\"string\"",
        1,
    );
    let bomb = format!(
        "{}<table:table-row{}<table:table-row table:number-rows-repeated=\"1000000\"{}",
        rows[0], rows[1], second
    );
    content.1 = bomb.into_bytes();
    let bytes = zip_entries(&entries);
    assert!(bytes.len() < 20_000);
    let (code, v) = validate_json(&save("ods-repeats", "repeats.ods", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F011", "cells in one sheet read whole into memory"), "{v}");
}

#[test]
fn a_csv_record_of_many_megabytes_on_one_line() {
    let dir = csv_submission("long-line", |f| {
        let mut person = f["Person.csv"].clone();
        person.extend(std::iter::repeat_n(b'x', 12 << 20));
        f.insert("Person.csv".into(), person);
    });
    let (code, v) = validate_json(&dir, &[]);
    assert_eq!(code, 2);
    assert!(has_rule(&v, "IAPT-F011", "bytes in one CSV record"), "{v}");
    // Nothing like the value is echoed.
    assert!(serde_json::to_string(&v).unwrap().len() < 100_000);
}

#[test]
fn a_long_value_is_cut_in_messages() {
    let dir = csv_submission("long-value", |f| {
        let person = String::from_utf8(f["Person.csv"].clone()).unwrap();
        f.insert("Person.csv".into(), person.replacen("P002", &"P".repeat(30_000), 1).into_bytes());
    });
    let (code, v) = validate_json(&dir, &[]);
    assert_eq!(code, 1);
    let json = serde_json::to_string(&v).unwrap();
    assert!(json.len() < 50_000, "{}", json.len());
    assert!(has_rule(&v, "IAPT-R004", "(30,000 characters in all)"), "{v}");
}

#[test]
fn two_million_duplicate_rows_as_json_within_memory() {
    let dir = csv_submission("duplicates", |f| {
        let mut person = f["Person.csv"].clone();
        let row = b"P001,4010232137,01,1980-06-15,LS1 4AP,2,A,A81001\n";
        person.reserve(row.len() * 2_000_000);
        for _ in 0..2_000_000 {
            person.extend_from_slice(row);
        }
        f.insert("Person.csv".into(), person);
    });
    // Past Excel's row count, so the row limit is raised as the finding would say.
    let (code, v) = validate_json(&dir, &["--max-rows", "3000000"]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["by_rule"]["IAPT-R010"], 2_000_000, "every finding is counted");
    assert_eq!(v["summary"]["not_listed"]["IAPT-R010"], 1_990_000, "those past the cap are not kept");
    let listed = diagnostics(&v).iter().filter(|(r, _)| r == "IAPT-R010").count();
    assert_eq!(listed, 10_000);
}

// ---- 2. pipes and devices ------------------------------------------------------------------

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn a_fifo_named_like_a_workbook_is_not_opened() {
    let dir = scratch("hostile-fifo");
    let fifo = dir.join("b.xlsx");
    mkfifo(&fifo);
    let o = run(&["validate", fifo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("not a regular file"), "{}", text(&o));
    // Inside a batch folder: passed over with its reason, the rest read.
    let batch = scratch("hostile-fifo-batch");
    mkfifo(&batch.join("b.xlsx"));
    write_csv_folder(&batch.join("a"), &clean_csv());
    let o = run(&["validate", batch.to_str().unwrap(), "--today", "2026-11-26"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("b.xlsx: not a regular file"), "{}", text(&o));
    let read = batch.join("a").display().to_string();
    assert!(text(&o).contains("1 submission checked") || text(&o).contains(&read), "{}", text(&o));
}

// ---- 4. CSV positions --------------------------------------------------------------------------

/// Person.csv with a BOM or not, blank lines or not, a quoted line break or not, in the given
/// line ending; returns the file and the physical line of each record (P001 ...).
fn person_csv(ending: &str, bom: bool, blanks: bool, quoted: bool) -> (Vec<u8>, BTreeMap<String, u32>) {
    let records = [
        "P001,943 476 5919,01,1980-06-15,SW1A 1AA,2,A,A81001",
        "P002,4975836327,01,1975-01-31,M1 1AE,M,H,B82005",
        "P003,4504941597,01,1990-12-01,B33 8TH,2,A,\"A8\nZZ\"",
        "P004,4994108269,01,1985-03-03,LS2 9JT,1,a,A81001",
    ];
    let mut out = String::new();
    let mut lines = BTreeMap::new();
    let mut line = 1u32;
    let push = |s: &str, out: &mut String, line: &mut u32| {
        out.push_str(&s.replace('\n', ending));
        out.push_str(ending);
        *line += 1 + u32::try_from(s.matches('\n').count()).unwrap();
    };
    push(PERSON_HEADER, &mut out, &mut line);
    for (i, r) in records.iter().enumerate() {
        if blanks && i > 0 {
            push("", &mut out, &mut line);
        }
        let r = if quoted { (*r).to_owned() } else { r.replace("\"A8\nZZ\"", "A81001") };
        lines.insert(r[..4].to_owned(), line);
        push(&r, &mut out, &mut line);
    }
    let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
    bytes.extend_from_slice(out.as_bytes());
    (bytes, lines)
}

#[test]
fn csv_rows_are_physical_lines_whatever_the_endings() {
    for ending in ["\n", "\r\n", "\r", "mixed"] {
        for bom in [false, true] {
            for blanks in [false, true] {
                for quoted in [false, true] {
                    let case = format!("{ending:?} bom={bom} blanks={blanks} quoted={quoted}");
                    let (mut bytes, lines) =
                        person_csv(if ending == "mixed" { "\n" } else { ending }, bom, blanks, quoted);
                    if ending == "mixed" {
                        // Line breaks in turn CRLF, CR and LF; a CR never before an LF, where
                        // the two would be one CRLF.
                        let s: Vec<char> = String::from_utf8(bytes).unwrap().chars().collect();
                        let mut n = 0;
                        let mut mixed = String::new();
                        for (i, &c) in s.iter().enumerate() {
                            n += usize::from(c == '\n');
                            match (c, n % 3) {
                                ('\n', 1) => mixed.push_str("\r\n"),
                                ('\n', 2) if s.get(i + 1) != Some(&'\n') => mixed.push('\r'),
                                _ => mixed.push(c),
                            }
                        }
                        bytes = mixed.into_bytes();
                    }
                    let dir = csv_submission("endings", |f| {
                        f.insert("Person.csv".into(), bytes.clone());
                    });
                    let (_, v) = validate_json(&dir, &[]);
                    let person: Vec<&serde_json::Value> =
                        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["sheet"] == "Person").collect();
                    let at = |col: &str| -> Vec<String> {
                        person
                            .iter()
                            .filter(|d| d["column"] == col)
                            .map(|d| d["cell"].as_str().unwrap().to_owned())
                            .collect()
                    };
                    assert_eq!(at("GENDER"), [format!("F{}", lines["P002"])], "{case}");
                    assert_eq!(at("ETHNIC_CATEGORY"), [format!("G{}", lines["P004"])], "{case}");
                    if quoted {
                        assert_eq!(at("GP_PRACTICE_CODE"), [format!("H{}", lines["P003"])], "{case}");
                    }
                    let empty: Vec<u64> = person
                        .iter()
                        .filter(|d| d["rule"] == "IAPT-W012")
                        .map(|d| d["row"].as_u64().unwrap())
                        .collect();
                    let expected: Vec<u64> = if blanks {
                        ["P002", "P003", "P004"].iter().map(|p| u64::from(lines[*p]) - 1).collect()
                    } else {
                        Vec::new()
                    };
                    assert_eq!(empty, expected, "{case}: {person:?}");
                }
            }
        }
    }
}

// ---- 5 and 6. nothing dropped; folders as people keep them ------------------------------------

#[test]
fn two_sheets_with_one_name_are_both_reported() {
    let mut sheets = sheets_from_csv(&root().join("tests/fixtures/clean"));
    let mut copy =
        support::SheetSpec::new(" PERSON ", sheets.iter().find(|s| s.name == "Person").unwrap().rows.clone());
    copy.hidden = false;
    sheets.push(copy);
    let path = scratch("hostile-two-person").join("two.xlsx");
    write_workbook(&path, &sheets);
    let (code, v) = validate_json(&path, &[]);
    assert_eq!(code, 1);
    assert!(has_rule(&v, "IAPT-F012", "`Person` and ` PERSON `"), "{v}");
    assert!(!diagnostics(&v).iter().any(|(r, _)| r == "IAPT-R011"), "no cascade of the unread sheet");
}

#[test]
fn a_duplicate_zip_entry_is_refused() {
    let mut entries = unzip(&clean_xlsx());
    let part = sheet_part("Person");
    let sheet = entries.iter().find(|(n, _)| *n == part).unwrap().clone();
    // Written under a name of the same length, then renamed in the bytes.
    let decoy = part.replace(".xml", ".xmz");
    entries.push((decoy.clone(), sheet.1));
    let mut bytes = zip_entries(&entries);
    let (from, to) = (decoy.as_bytes(), part.as_bytes());
    let spots: Vec<usize> = (0..bytes.len() - from.len()).filter(|&i| bytes[i..].starts_with(from)).collect();
    assert_eq!(spots.len(), 2);
    for i in spots {
        bytes[i..i + to.len()].copy_from_slice(to);
    }
    let (code, v) = validate_json(&save("dup-entry", "dup.xlsx", &bytes), &[]);
    assert_eq!(code, 2, "{v}");
    assert!(has_rule(&v, "IAPT-F001", "same name"), "{v}");
}

#[test]
fn a_stray_header_csv_does_not_hide_the_submissions_below_it() {
    let batch = scratch("hostile-stray-header");
    std::fs::copy(root().join("tests/fixtures/clean/Header.csv"), batch.join("Header.csv")).unwrap();
    write_csv_folder(&batch.join("provider-a"), &clean_csv());
    write_csv_folder(&batch.join("provider-b"), &clean_csv());
    let (_, v) = validate_json(&batch, &[]);
    let paths: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(v["files"][0]["accepted"], false, "the stray Header.csv is a submission missing its sheets");
    let o = run(&["report", batch.to_str().unwrap(), "--out", scratch("hostile-stray-report").to_str().unwrap()]);
    let t = text(&o);
    assert!(t.contains("read 3 submissions (1 rejected whole"), "{t}");
    assert!(!t.contains("A total of 0 new referrals"), "{t}");
}

#[test]
fn the_folder_synth_writes_is_validated_as_people_keep_it() {
    let out = scratch("hostile-synth");
    iapt_synth::generate(
        &iapt_synth::Config { scale: 0.001, seed: 7, providers: Some(3), ..iapt_synth::Config::default() },
        &out,
    )
    .unwrap();
    let o = run(&["validate", out.to_str().unwrap(), "--today", "2026-11-26"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("README.md: neither a workbook nor a CSV file"), "{t}");
    assert!(t.contains("a CSV file in a folder without Header.csv"), "{t}");
    assert!(!t.contains("IAPT-F001"), "{t}");
    // A folder with no submission at all has its own plain message.
    let o = run(&["validate", out.join("reference").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(t.contains("holds no submission (4 other paths passed over: `"), "{t}");
    assert!(
        t.contains("`, a CSV file in a folder without Header.csv, so not part of a submission; and 3 more)"),
        "{t}"
    );
}
