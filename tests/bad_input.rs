//! Broken and awkward submissions: each gets a clear finding with its place, never a panic,
//! and every row is accepted or reported.

mod support;

use std::path::{Path, PathBuf};

use iapt_schema::{Date, Schema};
use iapt_validate::{Options, Severity, Validation};
use support::{Cell, SheetSpec, iapt, root, scratch, sheets_from_csv, stdout, t, write_workbook};

fn check(path: &Path) -> Validation {
    let opts = Options::new(Date::parse_iso("2026-11-26").unwrap());
    iapt_validate::validate(path, &Schema::builtin(), &opts).unwrap()
}

fn rules(v: &Validation) -> Vec<&'static str> {
    v.findings.iter().map(|f| f.rule.id).collect()
}

fn message_of(v: &Validation, rule: &str) -> String {
    let f = v.findings.iter().find(|f| f.rule.id == rule).unwrap_or_else(|| panic!("no {rule} in {:?}", rules(v)));
    f.message(&Schema::builtin(), false)
}

fn clean_sheets() -> Vec<SheetSpec> {
    sheets_from_csv(&root().join("tests/fixtures/clean"))
}

fn workbook(name: &str, sheets: &[SheetSpec]) -> PathBuf {
    let path = scratch(name).join(format!("{name}.xlsx"));
    write_workbook(&path, sheets);
    path
}

fn sheet<'a>(sheets: &'a mut [SheetSpec], name: &str) -> &'a mut SheetSpec {
    sheets.iter_mut().find(|s| s.name == name).unwrap()
}

fn rename_header(sheets: &mut [SheetSpec], sheet_name: &str, from: &str, to: &str) {
    let s = sheet(sheets, sheet_name);
    for c in &mut s.rows[0] {
        if matches!(c, Cell::Text(x) if x == from) {
            *c = t(to);
        }
    }
}

#[test]
fn a_text_file_named_xlsx() {
    let v = check(&root().join("tests/fixtures/file-level/a-not-a-workbook.xlsx"));
    assert_eq!(rules(&v), ["IAPT-F001"]);
    assert!(
        message_of(&v, "IAPT-F001").contains("not a zip archive")
            || message_of(&v, "IAPT-F001").contains("is not a workbook")
    );
    assert!(v.submission.is_none());
}

#[test]
fn a_truncated_zip() {
    let v = check(&root().join("tests/fixtures/file-level/c-truncated.xlsx"));
    assert_eq!(rules(&v), ["IAPT-F001"]);
    assert!(message_of(&v, "IAPT-F001").contains("damaged"));
}

#[test]
fn an_encrypted_workbook() {
    let v = check(&root().join("tests/fixtures/file-level/b-encrypted.xlsx"));
    assert_eq!(rules(&v), ["IAPT-F002"]);
}

#[test]
fn an_empty_workbook() {
    let path = workbook("empty", &[SheetSpec::new("Sheet1", vec![])]);
    let v = check(&path);
    let r = rules(&v);
    assert_eq!(r.iter().filter(|&&id| id == "IAPT-F004").count(), 4, "{r:?}");
    assert!(r.contains(&"IAPT-W011"));
}

#[test]
fn a_missing_sheet() {
    let mut sheets = clean_sheets();
    sheets.retain(|s| s.name != "Referral");
    let v = check(&workbook("missing-sheet", &sheets));
    assert!(message_of(&v, "IAPT-F004").contains("`Referral`"));
}

#[test]
fn a_missing_mandatory_column_and_a_misspelt_one() {
    let mut sheets = clean_sheets();
    rename_header(&mut sheets, "Person", "PERSON_BIRTH_DATE", "PERSON_BIRTH_DAT");
    rename_header(&mut sheets, "Person", "NHS_NUMBER", "NHS NUMBR");
    let v = check(&workbook("misspelt", &sheets));
    assert!(message_of(&v, "IAPT-F005").contains("is `PERSON_BIRTH_DAT` this column misspelt?"));
    let unknown: Vec<String> =
        v.findings.iter().filter(|f| f.rule.id == "IAPT-W010").map(|f| f.message(&Schema::builtin(), false)).collect();
    assert!(unknown.iter().any(|m| m.contains("did you mean `NHS_NUMBER`?")), "{unknown:?}");
    assert!(message_of(&v, "IAPT-W024").contains("NHS_NUMBER"), "a required column missing is one warning");
}

#[test]
fn duplicate_headers() {
    let mut sheets = clean_sheets();
    let p = sheet(&mut sheets, "Person");
    p.rows[0].push(t("gender "));
    let v = check(&workbook("duplicate-header", &sheets));
    assert!(message_of(&v, "IAPT-F006").contains("columns F and I"));
}

#[test]
fn extra_columns_are_reported_and_ignored() {
    let mut sheets = clean_sheets();
    let p = sheet(&mut sheets, "Person");
    p.rows[0].push(t("FAVOURITE_COLOUR"));
    p.rows[1].push(t("blue"));
    let v = check(&workbook("extra-column", &sheets));
    assert_eq!(rules(&v), ["IAPT-W010"]);
    assert_eq!(v.submission.unwrap().persons.len(), 4);
}

#[test]
fn formula_cells_use_their_cached_value() {
    let mut sheets = clean_sheets();
    sheet(&mut sheets, "Person").set(
        "P001",
        "GP_PRACTICE_CODE",
        Cell::Formula("=\"A8\"&\"1001\"".into(), "A81001".into()),
    );
    sheet(&mut sheets, "Appointment").rows[1][9] = Cell::Formula("=8*2".into(), "16".into());
    let v = check(&workbook("formula", &sheets));
    assert!(v.findings.is_empty(), "{:?}", rules(&v));
}

#[test]
fn merged_cells_keep_the_value_in_the_first_cell() {
    let mut sheets = clean_sheets();
    // NHS_NUMBER and NHS_NUMBER_STATUS of P001 merged: the status reads as empty.
    sheet(&mut sheets, "Person").merged.push((1, 1, 1, 2));
    let v = check(&workbook("merged", &sheets));
    assert_eq!(rules(&v), ["IAPT-W001"]);
    assert!(message_of(&v, "IAPT-W001").contains("NHS_NUMBER_STATUS"));
    assert_eq!(v.findings[0].cell().as_deref(), Some("C2"));
}

#[test]
fn hidden_sheets_are_read_and_reported() {
    let mut sheets = clean_sheets();
    sheet(&mut sheets, "WaitingTimePause").hidden = true;
    let v = check(&workbook("hidden", &sheets));
    assert_eq!(rules(&v), ["IAPT-W021"]);
    assert_eq!(v.submission.unwrap().pauses.len(), 1);
}

#[test]
fn dates_as_text_as_serial_numbers_and_mm_dd() {
    let mut sheets = clean_sheets();
    let r = sheet(&mut sheets, "Referral");
    r.set("R001", "REFERRAL_RECEIVED_DATE", t("10/04/2012"));
    r.set("R002", "REFERRAL_RECEIVED_DATE", Cell::Number(41_031.0));
    r.set("R003", "REFERRAL_RECEIVED_DATE", t("07/15/2012"));
    let v = check(&workbook("dates", &sheets));
    let sub = v.submission.as_ref().unwrap();
    assert_eq!(sub.referrals[0].received.to_string(), "2012-04-10", "DD/MM/YYYY text is a date");
    assert!(rules(&v).contains(&"IAPT-W018"));
    let serial = v.findings.iter().find(|f| f.rule.id == "IAPT-R002" && f.row == 3).unwrap();
    assert!(serial.message(&Schema::builtin(), false).contains("as a date it would be 2012-05-02"));
    let mmdd = v.findings.iter().find(|f| f.rule.id == "IAPT-R002" && f.row == 4).unwrap();
    assert!(mmdd.message(&Schema::builtin(), false).contains("MM/DD/YYYY"));
}

#[test]
fn a_date_cell_holding_no_date_is_named_as_the_number_it_holds() {
    let mut sheets = clean_sheets();
    let r = sheet(&mut sheets, "Referral");
    r.set("R001", "REFERRAL_RECEIVED_DATE", Cell::Serial(2_958_466.0));
    r.set("R002", "REFERRAL_RECEIVED_DATE", Cell::Serial(-5.0));
    r.set("R003", "REFERRAL_RECEIVED_DATE", Cell::Serial(1e308));
    let v = check(&workbook("no-date-serials", &sheets));
    let schema = Schema::builtin();
    for (row, shown) in [(2, "`2958466`"), (3, "`-5`"), (4, "`1E+308`")] {
        let f = v.findings.iter().find(|f| f.rule.id == "IAPT-R002" && f.row == row).unwrap();
        let m = f.message(&schema, false);
        assert!(m.contains(shown) && m.contains("not a valid date"), "row {row}: {m}");
        assert!(!m.contains("9999") && !m.contains("time of day"), "row {row}: {m}");
    }
}

#[test]
fn the_1904_date_system() {
    let epoch = Date::from_ymd(1904, 1, 1).unwrap();
    let mut sheets = clean_sheets();
    for s in &mut sheets {
        for row in &mut s.rows {
            for c in row.iter_mut() {
                if let Cell::Date(y, m, d) = *c {
                    let date = Date::from_ymd(i32::from(y), u32::from(m), u32::from(d)).unwrap();
                    *c = Cell::Serial(f64::from(date.days_since(epoch)));
                }
            }
        }
    }
    let path = workbook("date1904", &sheets);
    support::set_1904(&path);
    let v = check(&path);
    assert!(v.findings.is_empty(), "{:?}", rules(&v));
    let sub = v.submission.unwrap();
    assert_eq!(sub.period_start.unwrap().to_string(), "2012-04-01");
    assert_eq!(sub.referrals[0].received.to_string(), "2012-04-10");
}

#[test]
fn a_code_without_its_leading_zero_and_nhs_numbers_as_floats() {
    let mut sheets = clean_sheets();
    sheet(&mut sheets, "Referral").set("R001", "SOURCE_OF_REFERRAL", Cell::Number(1.0));
    sheet(&mut sheets, "Person").set("P001", "NHS_NUMBER", Cell::Number(9_434_765_919.0));
    sheet(&mut sheets, "Person").set("P002", "NHS_NUMBER", t("497 583 6327"));
    let v = check(&workbook("codes", &sheets));
    assert_eq!(rules(&v), ["IAPT-W016"]);
    assert!(message_of(&v, "IAPT-W016").contains("`1` was read as `01`"));
    let sub = v.submission.unwrap();
    assert_eq!(sub.persons[0].nhs_number, Some(9_434_765_919));
    assert_eq!(sub.persons[1].nhs_number, Some(4_975_836_327));
    let source = Schema::builtin().code_list("source-of-referral").unwrap().codes
        [usize::from(sub.referrals[0].source.unwrap())]
    .code
    .clone();
    assert_eq!(source, "01");
}

fn csv_copy(name: &str, edit: impl Fn(&Path)) -> PathBuf {
    let dir = scratch(name);
    for e in std::fs::read_dir(root().join("tests/fixtures/clean")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    edit(&dir);
    dir
}

#[test]
fn csv_with_bom_and_crlf_is_clean() {
    let dir = csv_copy("bom-crlf", |d| {
        for name in ["Person.csv", "Referral.csv"] {
            let text = std::fs::read_to_string(d.join(name)).unwrap();
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(text.replace('\n', "\r\n").bytes());
            std::fs::write(d.join(name), bytes).unwrap();
        }
    });
    let v = check(&dir);
    assert!(v.findings.is_empty(), "{:?}", rules(&v));
    assert_eq!(v.submission.unwrap().persons.len(), 4);
}

#[test]
fn csv_not_utf8_names_the_line() {
    let dir = csv_copy("latin1", |d| {
        let mut bytes = std::fs::read(d.join("Referral.csv")).unwrap();
        bytes.extend(b"R006,P002,2012-06-01,00,F32,08H,,\nR007,P002,2012-06-02,00,F32,Caf\xE9,,\n");
        std::fs::write(d.join("Referral.csv"), bytes).unwrap();
    });
    let v = check(&dir);
    let f = v.findings.iter().find(|f| f.rule.id == "IAPT-F003").unwrap();
    assert_eq!(f.row, 8);
    assert!(f.message(&Schema::builtin(), false).contains("0xE9"));
}

#[test]
fn csv_ragged_rows() {
    let dir = csv_copy("ragged", |d| {
        let mut text = std::fs::read_to_string(d.join("Referral.csv")).unwrap();
        text.push_str("R006,P002,2012-06-01\nR007,P002,2012-06-02,00,F32,08H,,,extra\n");
        std::fs::write(d.join("Referral.csv"), text).unwrap();
    });
    let v = check(&dir);
    let ragged: Vec<u32> = v.findings.iter().filter(|f| f.rule.id == "IAPT-W013").map(|f| f.row).collect();
    assert_eq!(ragged, [7, 8]);
    assert!(rules(&v).contains(&"IAPT-W023"), "the extra value is reported, not dropped");
}

#[test]
fn a_sheet_of_1048576_rows() {
    // The largest sheet Excel allows: a header and 1,048,575 appointments.
    let path = scratch("million").join("million.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let time_format = rust_xlsxwriter::Format::new().set_num_format("hh:mm:ss");
    let xl_date = |d: Date| {
        let (y, m, dd) = d.ymd();
        rust_xlsxwriter::ExcelDateTime::from_ymd(
            u16::try_from(y).unwrap(),
            u8::try_from(m).unwrap(),
            u8::try_from(dd).unwrap(),
        )
        .unwrap()
    };
    for s in clean_sheets().iter().filter(|s| s.name != "Appointment") {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).unwrap();
        for (r, row) in s.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                match cell {
                    Cell::Text(x) => drop(ws.write_string(r, c, x)),
                    Cell::Date(y, m, d) => {
                        let date = Date::from_ymd(i32::from(*y), u32::from(*m), u32::from(*d)).unwrap();
                        ws.write_datetime_with_format(r, c, xl_date(date), &date_format).unwrap();
                    }
                    _ => {}
                }
            }
        }
    }
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    ws.set_name("Appointment").unwrap();
    let headers = [
        "SERVICE_REQUEST_ID",
        "APPOINTMENT_DATE",
        "APPOINTMENT_TIME",
        "APPOINTMENT_TYPE",
        "ATTENDANCE",
        "PHQ9_SCORE",
        "GAD7_SCORE",
        "THERAPY_TYPE_1",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let start = Date::parse_iso("2012-09-28").unwrap();
    let dates: Vec<_> = (0..180).map(|i| xl_date(start.add_days(i))).collect();
    for i in 1..1_048_576u32 {
        // Referral R003 runs from 2012-07-15 with no end; times make each key unique.
        let (day, second) = (i % 180, i / 180);
        let time = rust_xlsxwriter::ExcelDateTime::from_hms(
            u16::try_from(second / 3600).unwrap(),
            u8::try_from(second / 60 % 60).unwrap(),
            second % 60,
        )
        .unwrap();
        ws.write_string(i, 0, "R003").unwrap();
        ws.write_datetime_with_format(i, 1, &dates[day as usize], &date_format).unwrap();
        ws.write_datetime_with_format(i, 2, time, &time_format).unwrap();
        ws.write_string(i, 3, "02").unwrap();
        ws.write_string(i, 4, "5").unwrap();
        ws.write_number(i, 5, 10.0).unwrap();
        ws.write_number(i, 6, 8.0).unwrap();
        ws.write_string(i, 7, "16").unwrap();
    }
    wb.save(&path).unwrap();
    let v = check(&path);
    let report = v.sheets.iter().find(|s| Schema::builtin().sheets[s.sheet].name == "Appointment").unwrap();
    assert_eq!(report.rows_read, 1_048_575);
    assert_eq!(report.rows_rejected, 0);
    assert_eq!(v.submission.as_ref().unwrap().appointments.len(), 1_048_575);
    assert!(v.findings.is_empty(), "{:?}", &rules(&v)[..rules(&v).len().min(5)]);
}

/// How a run of `iapt` ended, when that is not one of its exit codes 0, 1 and 2: killed by a
/// signal (an abort, a stack overflow, the out-of-memory killer), a Rust panic's 101, or any
/// other code.
fn improper_exit(o: &std::process::Output) -> Option<String> {
    match o.status.code() {
        Some(0..=2) => None,
        Some(101) => Some("exit code 101: a Rust panic".into()),
        Some(code) => Some(format!("exit code {code}, not 0, 1 or 2")),
        None => {
            #[cfg(unix)]
            let how = std::os::unix::process::ExitStatusExt::signal(&o.status)
                .map_or_else(|| "no exit code".to_owned(), |s| format!("killed by signal {s}"));
            #[cfg(not(unix))]
            let how = "no exit code".to_owned();
            Some(how)
        }
    }
}

/// The check above can fail: a signal and a panic's exit code are named, 0 to 2 pass.
#[cfg(unix)]
#[test]
fn an_improper_exit_is_named() {
    let sh = |script: &str| std::process::Command::new("sh").args(["-c", script]).output().unwrap();
    assert_eq!(improper_exit(&sh("kill -SEGV $$")).as_deref(), Some("killed by signal 11"));
    assert_eq!(improper_exit(&sh("kill -ABRT $$")).as_deref(), Some("killed by signal 6"));
    assert_eq!(improper_exit(&sh("exit 101")).as_deref(), Some("exit code 101: a Rust panic"));
    assert_eq!(improper_exit(&sh("exit 3")).as_deref(), Some("exit code 3, not 0, 1 or 2"));
    for code in 0..=2 {
        assert_eq!(improper_exit(&sh(&format!("exit {code}"))), None);
    }
}

/// Every fixture, one by one (each file-level case, each hostile file, the workbooks and CSV
/// folders) and as the folders that hold them.
fn every_fixture() -> Vec<String> {
    let fixtures = root().join("tests/fixtures");
    let mut inputs = vec![fixtures.clone()];
    for dir in [fixtures.clone(), fixtures.join("file-level"), fixtures.join("hostile")] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        inputs.extend(entries);
    }
    inputs.iter().map(|p| p.strip_prefix(root()).unwrap().display().to_string()).collect()
}

#[test]
fn the_cli_never_panics_on_any_fixture() {
    let inputs = every_fixture();
    assert!(inputs.len() > 20, "{inputs:?}");
    let mut runs = 0;
    for input in &inputs {
        let input = input.as_str();
        let out = scratch("never-panics-report");
        let mut commands: Vec<Vec<&str>> = Vec::new();
        for format in ["human", "json", "csv"] {
            commands.push(vec!["validate", input, "--format", format, "--today", "2026-11-26"]);
            commands.push(vec!["quality", input, "--format", format]);
        }
        for format in ["csv", "json"] {
            commands.push(vec!["outcomes", input, "--format", format, "--year", "2012-13"]);
        }
        for format in ["human", "json"] {
            commands.push(vec!["report", input, "--out", out.to_str().unwrap(), "--format", format]);
        }
        for args in commands {
            let o = iapt(&args);
            runs += 1;
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            if let Some(how) = improper_exit(&o) {
                panic!("{args:?} ended with {how}: {stderr}");
            }
        }
    }
    assert_eq!(runs, inputs.len() * 10);
}

#[test]
fn findings_are_in_a_stable_order() {
    let a = check(&root().join("tests/fixtures/defects"));
    let b = check(&root().join("tests/fixtures/defects"));
    assert_eq!(a.findings, b.findings);
    let keys: Vec<_> = a.findings.iter().map(|f| (f.severity() != Severity::File, f.sheet, f.row)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn a_cap_of_no_findings_hides_no_problem() {
    let latin1 = csv_copy("cap-latin1", |d| {
        let mut bytes = std::fs::read(d.join("Person.csv")).unwrap();
        bytes.extend(b"P009,,02,1980-01-01,LS1 1AA,Caf\xE9,A,B86001\n");
        std::fs::write(d.join("Person.csv"), bytes).unwrap();
    });
    let duplicate = csv_copy("cap-duplicate", |d| {
        let text = std::fs::read_to_string(d.join("Referral.csv")).unwrap();
        let first = text.lines().nth(1).unwrap().to_owned();
        std::fs::write(d.join("Referral.csv"), format!("{text}{first}\n")).unwrap();
    });
    for (dir, level) in [(&latin1, "file"), (&duplicate, "record")] {
        let path = dir.to_str().unwrap();
        let o = iapt(&["validate", path, "--max-findings", "0", "--quiet", "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "a {level}-level problem past the cap still fails the run");
    }
    // The file-level finding is kept whatever the cap, so the submission is rejected whole.
    let o = iapt(&["outcomes", latin1.to_str().unwrap(), "--year", "2012-13", "--max-findings", "0"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("(1 rejected whole by a file-level problem)"), "{stderr}");
    assert_eq!(stdout(&o).lines().count(), 1, "no outcomes from a half-read submission");
    // One of each file-level rule is kept, not every one: 50 bad Header rows are one and a count.
    let headers = csv_copy("cap-headers", |d| {
        let mut text = std::fs::read_to_string(d.join("Header.csv")).unwrap();
        text.push_str(&"RX4,2012-04-15,2013-03-31,1.0\n".repeat(50));
        std::fs::write(d.join("Header.csv"), text).unwrap();
    });
    let o = iapt(&["validate", headers.to_str().unwrap(), "--max-findings", "0", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let listed = json["diagnostics"].as_array().unwrap().iter().filter(|d| d["rule"] == "IAPT-F009").count();
    assert_eq!((listed, &json["summary"]["not_listed"]["IAPT-F009"]), (1, &serde_json::json!(49)), "{json}");
}

#[test]
fn an_id_with_an_invisible_character_is_not_another_key() {
    let dir = csv_copy("invisible-ids", |d| {
        let mut text = std::fs::read_to_string(d.join("Referral.csv")).unwrap();
        let first = text.lines().nth(1).unwrap().to_owned();
        // The first referral again, its id with a zero-width space, then with a byte-order mark.
        for id in ["R001\u{200B}", "\u{FEFF}R001", "R001\u{AD}"] {
            text.push_str(&first.replacen("R001", id, 1));
            text.push('\n');
        }
        std::fs::write(d.join("Referral.csv"), text).unwrap();
    });
    let v = check(&dir);
    let referrals = v.submission.as_ref().unwrap().referrals.len();
    assert_eq!(referrals, check(&root().join("tests/fixtures/clean")).submission.unwrap().referrals.len());
    let schema = Schema::builtin();
    let said: Vec<String> = v.findings.iter().map(|f| f.message(&schema, false)).collect();
    for code in ["U+200B", "U+FEFF", "U+00AD"] {
        assert!(said.iter().any(|m| m.contains(&format!("the invisible character {code}"))), "{code}: {said:#?}");
    }
}

#[test]
fn a_version_typed_as_a_number_says_how_to_keep_it() {
    let mut sheets = clean_sheets();
    let header = sheet(&mut sheets, "Header");
    let col = header.column("DATASET_VERSION");
    header.rows[1][col] = Cell::Number(1.0);
    let v = check(&workbook("version-number", &sheets));
    let m = message_of(&v, "IAPT-F009");
    assert!(m.contains("`1` is not valid: it does not have the form `1.0`; the cell holds a number"), "{m}");
    assert!(m.contains("format the cell as Text"), "{m}");
    // A number can lose a text's zeros, not its check digit: no such advice then.
    let person = sheet(&mut sheets, "Person");
    let col = person.column("NHS_NUMBER");
    person.rows[1][col] = Cell::Number(9_434_765_910.0);
    let v = check(&workbook("nhs-number-as-number", &sheets));
    let m = message_of(&v, "IAPT-W004");
    assert!(m.contains("modulus 11") && !m.contains("the cell holds a number"), "{m}");
}

#[test]
fn no_copy_is_mentioned_unless_one_was_asked_for() {
    let latin1 = csv_copy("no-copy-asked", |d| {
        let mut bytes = std::fs::read(d.join("Person.csv")).unwrap();
        bytes.extend(b"P009,,02,1980-01-01,LS1 1AA,Caf\xE9,A,B86001\n");
        std::fs::write(d.join("Person.csv"), bytes).unwrap();
    });
    let o = iapt(&["validate", latin1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("no copy"), "{}", String::from_utf8_lossy(&o.stderr));
    let split = scratch("no-copy-split");
    let o = iapt(&["validate", latin1.to_str().unwrap(), "--split", split.join("s").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no copy of"), "asked for, so its absence is said");
}

#[test]
fn excels_separator_line_and_semicolons_are_named() {
    let sep = csv_copy("sep-line", |d| {
        let text = std::fs::read_to_string(d.join("Referral.csv")).unwrap();
        std::fs::write(d.join("Referral.csv"), format!("sep=,\n{text}")).unwrap();
    });
    let v = check(&sep);
    assert!(message_of(&v, "IAPT-F007").contains("row 1 is Excel's `sep=,` line"), "{:?}", rules(&v));
    assert!(!rules(&v).contains(&"IAPT-F005"), "not every column reported missing: {:?}", rules(&v));
    let semicolons = csv_copy("semicolons", |d| {
        let text = std::fs::read_to_string(d.join("Person.csv")).unwrap();
        std::fs::write(d.join("Person.csv"), text.replace(',', ";")).unwrap();
    });
    let v = check(&semicolons);
    assert!(message_of(&v, "IAPT-W010").contains("separated by semicolons"), "{:?}", rules(&v));
}
