//! `iapt validate --annotate` and `--split` end to end: the annotated workbook read back (every
//! finding's cell has a note and a fill, the Problems sheet has one linked row per finding, every
//! submitted value is unchanged), and every input row in exactly one of accepted and rejected.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use support::crafted::{unzip, validate_json};
use support::{root, scratch, sheets_from_csv, write_workbook};

const DATA_SHEETS: [&str; 5] = ["Header", "Person", "Referral", "Appointment", "WaitingTimePause"];

/// Validates `input` with `--annotate`; the JSON report and the annotated workbook's path.
fn annotated(name: &str, input: &Path) -> (serde_json::Value, PathBuf) {
    let out = scratch(&format!("annotate-{name}")).join(format!("{name}.xlsx"));
    // The copy shows the submitter's own values, so its messages are compared with unmasked ones.
    let (_, report) = validate_json(input, &["--annotate", out.to_str().unwrap(), "--show-values"]);
    assert!(out.exists(), "the annotated workbook is written");
    (report, out)
}

/// The cells that carry a note, by sheet name (from the workbook's comment parts).
fn notes(path: &Path) -> BTreeMap<String, Vec<String>> {
    let parts: BTreeMap<String, Vec<u8>> = unzip(&std::fs::read(path).unwrap()).into_iter().collect();
    let workbook: Xlsx<_> = open_workbook(path).unwrap();
    let mut out = BTreeMap::new();
    for (i, name) in workbook.sheet_names().iter().enumerate() {
        let rels = parts.get(&format!("xl/worksheets/_rels/sheet{}.xml.rels", i + 1));
        let Some(rels) = rels.map(|r| String::from_utf8_lossy(r).into_owned()) else { continue };
        let Some(at) = rels.find("../comments") else { continue };
        let target = &rels[at + 3..];
        let target = &target[..target.find('"').unwrap()];
        let xml = String::from_utf8_lossy(&parts[&format!("xl/{target}")]).into_owned();
        let refs = xml.split("ref=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_owned()).collect();
        out.insert(name.clone(), refs);
    }
    out
}

/// (row, column), 0-based, of a cell reference such as `D5`.
fn position(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let row: u32 = cell[letters.len()..].parse().unwrap();
    let col = letters.bytes().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1)) - 1;
    (row - 1, col)
}

fn check_marks(report: &serde_json::Value, out: &Path) {
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let notes = notes(out);
    let mut workbook: Xlsx<_> = open_workbook(out).unwrap();
    let mut placed = 0;
    for d in diagnostics {
        let (Some(sheet), Some(cell)) = (d["sheet"].as_str(), d["cell"].as_str()) else { continue };
        if !DATA_SHEETS.contains(&sheet) {
            continue;
        }
        let noted = notes.get(sheet).cloned().unwrap_or_default();
        if cell.bytes().all(|b| b.is_ascii_digit()) {
            // A finding on a whole row is noted in the added `iapt` column of that row.
            let row_of = |c: &String| c.trim_start_matches(|ch: char| ch.is_ascii_alphabetic()) == cell;
            assert!(noted.iter().any(row_of), "row {cell} of {sheet} has a note: {d}");
            continue;
        }
        assert!(noted.iter().any(|c| c == cell), "{sheet}!{cell} has a note: {d}");
        let styles = workbook.worksheet_style(sheet).unwrap();
        let fill = styles.get(position(cell)).and_then(|s| s.fill.clone());
        assert!(fill.is_some_and(|f| f.pattern != calamine::FillPattern::None), "{sheet}!{cell} is filled: {d}");
        placed += 1;
    }
    assert!(placed > 20, "the defects fixture has many cell findings ({placed})");
    // The Problems sheet: a header at row 4, then one row per finding, each with a cell linked.
    let problems = workbook.worksheet_range("Problems").unwrap();
    assert_eq!(workbook.sheet_names()[0], "Problems", "the first sheet");
    let rows: Vec<&[Data]> = problems.rows().skip(4).collect();
    assert_eq!(rows.len(), diagnostics.len(), "one row per finding");
    for (row, d) in rows.iter().zip(diagnostics) {
        assert_eq!(row[0].to_string(), d["rule"].as_str().unwrap());
        assert_eq!(row[4].to_string(), d["message"].as_str().unwrap());
        assert_eq!(row[2].to_string(), d["sheet"].as_str().unwrap_or(""));
    }
    let sheet1 =
        unzip(&std::fs::read(out).unwrap()).into_iter().find(|(n, _)| n == "xl/worksheets/sheet1.xml").unwrap().1;
    let links = String::from_utf8_lossy(&sheet1).matches("<hyperlink ").count();
    let linked = diagnostics.iter().filter(|d| d["cell"].is_string() && d["sheet"].is_string()).count();
    assert_eq!(links, linked, "every finding with a cell links to it");
}

/// Every value of every data sheet of `input` (a CSV folder) is in the copy, as submitted.
fn check_csv_values(input: &Path, out: &Path) {
    let mut workbook: Xlsx<_> = open_workbook(out).unwrap();
    for sheet in DATA_SHEETS {
        let Ok(text) = std::fs::read_to_string(input.join(format!("{sheet}.csv"))) else { continue };
        let range = workbook.worksheet_range(sheet).unwrap();
        // Each line is one record in these fixtures; the copy keeps the physical line numbers.
        for (row, line) in text.lines().enumerate() {
            let row = row as u32;
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
            let Some(record) = rdr.records().next().map(Result::unwrap) else { continue };
            for (col, field) in record.iter().enumerate() {
                let got = range.get_value((row, col as u32)).cloned().unwrap_or(Data::Empty);
                let same = match &got {
                    Data::Empty => field.is_empty(),
                    Data::String(s) => s == field,
                    Data::Float(f) => field.trim().parse::<f64>().is_ok_and(|x| x == *f),
                    Data::Int(n) => field.trim().parse::<i64>().is_ok_and(|x| x == *n),
                    Data::DateTime(d) => {
                        let date = iapt_validate::date_from_text(field).unwrap();
                        let (y, m, day) = date.ymd();
                        let serial = iapt_schema::Date::from_ymd(1899, 12, 30).unwrap();
                        d.as_f64() == f64::from(date.days_since(serial)) && y > 1900 && m > 0 && day > 0
                    }
                    other => panic!("{sheet} row {} col {col}: unexpected {other:?}", row + 1),
                };
                assert!(same, "{sheet}!{}{}: `{field}` became {got:?}", (b'A' + col as u8) as char, row + 1);
            }
        }
    }
}

#[test]
fn the_csv_defects_are_marked_where_they_are_and_every_value_kept() {
    let input = root().join("tests/fixtures/defects");
    let (report, out) = annotated("defects-csv", &input);
    check_marks(&report, &out);
    check_csv_values(&input, &out);
}

#[test]
fn the_workbook_defects_are_marked_and_every_value_kept() {
    let input = scratch("annotate-defects-workbook-input").join("defects.xlsx");
    write_workbook(&input, &sheets_from_csv(&root().join("tests/fixtures/defects")));
    let (report, out) = annotated("defects-xlsx", &input);
    check_marks(&report, &out);
    let mut before: Xlsx<_> = open_workbook(&input).unwrap();
    let mut after: Xlsx<_> = open_workbook(&out).unwrap();
    for sheet in DATA_SHEETS {
        let (a, b) = (before.worksheet_range(sheet).unwrap(), after.worksheet_range(sheet).unwrap());
        for (row, cells) in a.rows().enumerate() {
            for (col, value) in cells.iter().enumerate() {
                let pos = (a.start().unwrap().0 + row as u32, a.start().unwrap().1 + col as u32);
                let copied = b.get_value(pos).cloned().unwrap_or(Data::Empty);
                let same = match (value, &copied) {
                    (Data::DateTime(x), Data::DateTime(y)) => x.as_f64() == y.as_f64(),
                    (Data::Int(x), Data::Float(y)) => *x as f64 == *y,
                    (x, y) => x == y,
                };
                assert!(same, "{sheet} {pos:?}: {value:?} became {copied:?}");
            }
        }
    }
}

#[test]
fn a_clean_submission_says_there_are_no_problems() {
    let (report, out) = annotated("clean", &root().join("tests/fixtures/clean"));
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    let mut workbook: Xlsx<_> = open_workbook(&out).unwrap();
    let problems = workbook.worksheet_range("Problems").unwrap();
    assert_eq!(problems.get_value((1, 0)).unwrap().to_string(), "No problems were found: every record is accepted.");
    assert!(notes(&out).values().all(Vec::is_empty), "no notes on a clean submission");
}

#[test]
fn an_unreadable_file_gets_no_copy_and_says_so() {
    let dir = scratch("annotate-unreadable");
    let input = dir.join("broken.xlsx");
    std::fs::write(&input, b"not a workbook").unwrap();
    let out = dir.join("copy.xlsx");
    let o = support::iapt(&["validate", input.to_str().unwrap(), "--annotate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "exit codes are unchanged");
    assert!(!out.exists());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no copy of"), "it says so");
}

/// The non-blank data rows of a CSV file, each padded to `width`.
fn data_rows(text: &str, width: usize) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    rdr.records()
        .skip(1)
        .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|mut r| {
            if r.len() < width {
                r.resize(width, String::new());
            }
            r
        })
        .collect()
}

#[test]
fn every_row_is_in_exactly_one_of_accepted_and_rejected() {
    let input = root().join("tests/fixtures/defects");
    let dir = scratch("split-defects");
    let (code, report) = validate_json(&input, &["--split", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "exit codes are unchanged");
    let mut rejected_rows = 0;
    for sheet in DATA_SHEETS {
        let original = std::fs::read_to_string(input.join(format!("{sheet}.csv"))).unwrap();
        let width = original.lines().next().unwrap().split(',').count();
        let accepted = std::fs::read_to_string(dir.join(format!("accepted/{sheet}.csv"))).unwrap();
        let rejected = std::fs::read_to_string(dir.join(format!("rejected/{sheet}.csv"))).unwrap();
        assert!(rejected.lines().next().unwrap().ends_with(",iapt_rules,iapt_messages"), "{sheet}");
        assert_eq!(accepted.lines().next(), original.lines().next(), "{sheet}: the header is kept");
        let mut split: Vec<Vec<String>> = data_rows(&accepted, width);
        let kept = data_rows(&rejected, width + 2);
        rejected_rows += kept.len();
        split.extend(kept.into_iter().map(|mut r| {
            r.truncate(r.len() - 2);
            while r.len() > width && r.last().is_some_and(String::is_empty) {
                r.pop();
            }
            r
        }));
        let mut all = data_rows(&original, width);
        all.sort();
        split.sort();
        assert_eq!(split, all, "{sheet}: every row once, as submitted");
    }
    let rejected_by_validation: u64 =
        report["files"][0]["sheets"].as_array().unwrap().iter().map(|s| s["rows_rejected"].as_u64().unwrap()).sum();
    assert_eq!(rejected_rows as u64, rejected_by_validation, "the rejected rows are the ones validation rejected");
}

#[test]
fn several_inputs_get_one_copy_each_named_after_them() {
    let dir = scratch("annotate-several").join("copies");
    let o = support::iapt(&[
        "validate",
        "tests/fixtures/clean",
        "tests/fixtures/defects",
        "--annotate",
        dir.to_str().unwrap(),
        "--split",
        dir.join("split").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("clean.xlsx").is_file() && dir.join("defects.xlsx").is_file());
    assert!(dir.join("split/clean/accepted/Person.csv").is_file());
    assert!(dir.join("split/defects/rejected/Person.csv").is_file());
}

/// The clean submission with `edit` applied to its Person sheet's lines.
fn person_edited(name: &str, edit: impl FnOnce(&mut Vec<String>)) -> PathBuf {
    support::crafted::csv_submission(name, |files| {
        let mut lines: Vec<String> =
            String::from_utf8(files["Person.csv"].clone()).unwrap().lines().map(str::to_owned).collect();
        edit(&mut lines);
        files.insert("Person.csv".into(), (lines.join("\n") + "\n").into_bytes());
    })
}

#[test]
fn the_iapt_column_never_covers_a_submitted_value() {
    // Row 3 is the widest and its finding is not kept (--max-findings 1): the column goes after it.
    let input = person_edited("annotate-wide-row", |lines| {
        lines[1].push_str(",extra1");
        lines[2] = lines[2].replacen("1975-01-31", "1975-31-31", 1) + ",extra2,EXTRA-J-VALUE";
        lines[3] = lines[3].replacen("1990-12-01", "1990-13-01", 1);
    });
    let out = scratch("annotate-wide-row-out").join("copy.xlsx");
    let o = support::iapt(&[
        "validate",
        input.to_str().unwrap(),
        "--annotate",
        out.to_str().unwrap(),
        "--max-findings",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let mut workbook: Xlsx<_> = open_workbook(&out).unwrap();
    let person = workbook.worksheet_range("Person").unwrap();
    assert_eq!(person.get_value((2, 9)).unwrap().to_string(), "EXTRA-J-VALUE", "Person!J3 is kept");
    assert_eq!(person.get_value((0, 10)).unwrap().to_string(), "iapt", "the column after the widest row");
    assert!(person.get_value((2, 10)).unwrap().to_string().starts_with("iapt: rejected by IAPT-R002"));
    // The split's rule columns go after the widest row too.
    let split = scratch("annotate-wide-row-split");
    support::iapt(&["validate", input.to_str().unwrap(), "--split", split.to_str().unwrap()]);
    let rejected = std::fs::read_to_string(split.join("rejected/Person.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(rejected.as_bytes());
    let rules = rdr.headers().unwrap().iter().position(|h| h == "iapt_rules").unwrap();
    assert_eq!(rules, 10);
    for r in rdr.records() {
        assert!(r.unwrap()[rules].starts_with("IAPT-"), "the rules sit under their header");
    }
}

#[test]
fn a_split_folder_keeps_no_rows_of_an_earlier_submission() {
    let dir = scratch("split-stale");
    support::iapt(&["validate", "tests/fixtures/clean", "--split", dir.to_str().unwrap()]);
    assert!(dir.join("accepted/WaitingTimePause.csv").exists());
    let without = support::crafted::csv_submission("split-stale-no-pauses", |files| {
        files.remove("WaitingTimePause.csv");
    });
    support::iapt(&["validate", without.to_str().unwrap(), "--split", dir.to_str().unwrap()]);
    assert!(!dir.join("accepted/WaitingTimePause.csv").exists(), "the earlier submission's pauses are gone");
    assert!(!dir.join("rejected/WaitingTimePause.csv").exists());
    assert!(dir.join("accepted/Person.csv").exists());
}

#[test]
fn copies_have_names_of_their_own_and_never_go_inside_an_input() {
    let batch = scratch("annotate-batch");
    let clean = support::crafted::clean_csv();
    for folder in ["RX4-2", "jan/RX4", "feb/RX4"] {
        support::crafted::write_csv_folder(&batch.join(folder), &clean);
    }
    let out = scratch("annotate-batch-out");
    let o = support::iapt(&["validate", batch.to_str().unwrap(), "--annotate", out.to_str().unwrap()]);
    let names: std::collections::BTreeSet<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 3, "three inputs, three copies: {names:?}");
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(said.matches("annotated ").count(), 3, "each input -> copy is said: {said}");
    let o = support::iapt(&["validate", batch.to_str().unwrap(), "--annotate", batch.join("marked").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!batch.join("marked").exists(), "nothing written inside the folder given as input");
}
