//! `iapt validate` end to end: snapshots of what submitters see, exit codes, every rule
//! exercised, and every input row either accepted or reported.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use iapt_schema::{Date, Schema};
use iapt_validate::{Options, Severity, rules};
use support::{Cell, iapt, root, scratch, sheets_from_csv, stdout, t, write_workbook};

const TODAY: &str = "2026-11-26";

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/validate", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

fn run(input: &str, format: &str) -> (String, i32) {
    let o = iapt(&["validate", input, "--today", TODAY, "--format", format]);
    (stdout(&o), o.status.code().unwrap())
}

/// The defects CSV submission as a workbook, with the defects only a workbook can have.
fn defects_workbook() -> String {
    let mut sheets = sheets_from_csv(&root().join("tests/fixtures/defects"));
    let by = |sheets: &mut Vec<support::SheetSpec>, name: &str| sheets.iter().position(|s| s.name == name).unwrap();
    let person = by(&mut sheets, "Person");
    sheets[person].set("P001", "NHS_NUMBER", Cell::Number(9_434_765_919.0));
    sheets[person].set("P003", "GP_PRACTICE_CODE", Cell::Formula("=\"V8\"&\"1999\"".into(), "V81999".into()));
    let referral = by(&mut sheets, "Referral");
    sheets[referral].set("R007", "SOURCE_OF_REFERRAL", Cell::Number(1.0));
    sheets[referral].set("R001", "REFERRAL_RECEIVED_DATE", t("2012-04-10"));
    sheets[referral].set("R009", "REFERRAL_RECEIVED_DATE", Cell::Number(41_183.0));
    let appointment = by(&mut sheets, "Appointment");
    // The first appointment's PHQ-9 score stored as text.
    let phq9 = sheets[appointment].column("PHQ9_SCORE");
    sheets[appointment].rows[1][phq9] = t("16");
    let pause = by(&mut sheets, "WaitingTimePause");
    sheets[pause].hidden = true;
    let path = scratch("defects-workbook").join("defects.xlsx");
    write_workbook(&path, &sheets);
    path.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn clean_submission_human_and_json() {
    let (human, code) = run("tests/fixtures/clean", "human");
    assert_eq!(code, 0, "{human}");
    snapshot("clean-human", &human);
    let (json, _) = run("tests/fixtures/clean", "json");
    snapshot("clean-json", &json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["rows"]["Appointment"]["read"], 11);
}

#[test]
fn clean_submission_as_a_workbook_is_clean_too() {
    let path = scratch("clean-workbook").join("clean.xlsx");
    write_workbook(&path, &sheets_from_csv(&root().join("tests/fixtures/clean")));
    let (json, code) = run(path.to_str().unwrap(), "json");
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{json}");
}

#[test]
fn defects_human_and_json() {
    let (human, code) = run("tests/fixtures/defects", "human");
    assert_eq!(code, 1);
    snapshot("defects-human", &human);
    let (json, _) = run("tests/fixtures/defects", "json");
    snapshot("defects-json", &json);
    assert!(!json.contains("9434765910"), "NHS numbers are masked unless asked for");
    let o = iapt(&["validate", "tests/fixtures/defects", "--today", TODAY, "--format", "json", "--show-values"]);
    assert!(stdout(&o).contains("9434765910"));
}

#[test]
fn workbook_defects_human_and_json() {
    let input = defects_workbook();
    // The workbook is in this test's own scratch folder, whose name changes from run to run.
    let stable = |text: &str| text.replace(&input, "[scratch]/defects.xlsx");
    let (human, code) = run(&input, "human");
    assert_eq!(code, 1);
    snapshot("workbook-defects-human", &stable(&human));
    let (json, _) = run(&input, "json");
    snapshot("workbook-defects-json", &stable(&json));
}

#[test]
fn file_level_failures_human_and_json() {
    let (human, code) = run("tests/fixtures/file-level", "human");
    assert_eq!(code, 2, "an unreadable input exits 2");
    snapshot("file-level-human", &human);
    let (json, _) = run("tests/fixtures/file-level", "json");
    snapshot("file-level-json", &json);
}

#[test]
fn csv_format_has_the_contract_header_and_every_finding() {
    let (csv, _) = run("tests/fixtures/defects", "csv");
    let (json, _) = run("tests/fixtures/defects", "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["rule", "severity", "file", "sheet", "row", "column", "cell", "message", "hint"]
    );
    assert_eq!(rdr.records().count(), v["diagnostics"].as_array().unwrap().len());
    let (clean, _) = run("tests/fixtures/clean", "csv");
    assert_eq!(clean.lines().count(), 1, "a clean run still writes the header");
}

/// The rules that need a custom schema: no v1.0 time or number column is mandatory.
fn strict_schema_rules() -> BTreeSet<String> {
    let dir = scratch("strict-schema");
    let src = root().join("schemas/iapt-v1.0");
    std::fs::create_dir_all(dir.join("codes")).unwrap();
    for e in std::fs::read_dir(src.join("codes")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("codes").join(e.file_name())).unwrap();
    }
    let mut pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("datapackage.json")).unwrap()).unwrap();
    for res in pkg["resources"].as_array_mut().unwrap() {
        for f in res["schema"]["fields"].as_array_mut().unwrap() {
            if f["name"] == "APPOINTMENT_TIME" || f["name"] == "PHQ9_SCORE" {
                f["iapt:status"] = "M".into();
            }
        }
    }
    std::fs::write(dir.join("datapackage.json"), pkg.to_string()).unwrap();
    std::fs::copy(src.join("measures.json"), dir.join("measures.json")).unwrap();
    let o = iapt(&[
        "validate",
        "tests/fixtures/defects",
        "--today",
        TODAY,
        "--format",
        "json",
        "--schema",
        dir.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn every_rule_is_exercised_by_a_fixture() {
    let template = scratch("template").join("template.xlsx");
    assert!(iapt(&["template", "--out", template.to_str().unwrap()]).status.success());
    let mut seen = strict_schema_rules();
    assert!(seen.contains("IAPT-R005") && seen.contains("IAPT-R006"), "{seen:?}");
    for input in [
        "tests/fixtures/defects",
        "tests/fixtures/file-level",
        "tests/fixtures/quoted-break",
        &defects_workbook(),
        template.to_str().unwrap(),
    ] {
        let (json, _) = run(input, "json");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        seen.extend(v["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap().to_owned()));
    }
    let all: BTreeSet<String> = rules::ALL.iter().map(|r| r.id.to_owned()).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "rules no fixture breaks: {missing:?}");
}

#[test]
fn untouched_template_has_no_file_or_record_problem() {
    let template = scratch("template-check").join("template.xlsx");
    assert!(iapt(&["template", "--out", template.to_str().unwrap()]).status.success());
    let (json, code) = run(template.to_str().unwrap(), "json");
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["by_severity"]["file"], 0);
    assert_eq!(v["summary"]["by_severity"]["record"], 0);
    // Byte-stable: the same schema gives the same file.
    let again = scratch("template-again").join("template.xlsx");
    assert!(iapt(&["template", "--out", again.to_str().unwrap()]).status.success());
    assert_eq!(std::fs::read(&template).unwrap(), std::fs::read(&again).unwrap());
    // Every sheet of the data set, and the code lists, are there with their headers.
    use calamine::Reader as _;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&template).unwrap();
    let schema = Schema::builtin();
    for sheet in &schema.sheets {
        let range = wb.worksheet_range(&sheet.name).unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(ToString::to_string).collect();
        let names: Vec<&str> = sheet.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(header, names);
    }
    let lists = wb.worksheet_range("Code lists").unwrap();
    assert_eq!(lists.get_value((0, 0)).unwrap().to_string(), schema.code_lists[0].name);
    let bytes = std::fs::read(&template).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("<dataValidation ") && xml.contains("'Code lists'!$"),
        "drop-down lists feed from the lookup sheet"
    );
}

#[test]
fn exit_codes() {
    assert_eq!(run("tests/fixtures/clean", "json").1, 0);
    assert_eq!(run("tests/fixtures/defects", "json").1, 1);
    assert_eq!(run("tests/fixtures/file-level/a-not-a-workbook.xlsx", "json").1, 2);
    assert_eq!(
        run("tests/fixtures/file-level/f-period", "json").1,
        1,
        "a readable file with a file-level problem exits 1"
    );
    let o = iapt(&["validate", "no/such/file.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.xlsx"));
    assert_eq!(iapt(&["validate", "--format", "yaml", "x"]).status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn rules_command_lists_and_explains() {
    let o = iapt(&["rules"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), rules::ALL.len());
    let o = iapt(&["rules", "r014"]);
    assert!(stdout(&o).starts_with("IAPT-R014 end-date-order (record)"));
    assert_eq!(iapt(&["rules", "R999"]).status.code(), Some(2));
}

#[test]
fn every_command_takes_the_common_flags() {
    let scratch = scratch("common-flags");
    let (out, template) = (scratch.join("report"), scratch.join("template.xlsx"));
    let listed = scratch.join("rules.txt");
    let (clean, schema) = ("tests/fixtures/clean", "schemas/iapt-v1.0");
    let quiet = ["--quiet", "--no-progress"];
    let runs: Vec<Vec<&str>> = vec![
        vec!["validate", clean, "--schema", schema, "--format", "json"],
        vec!["quality", clean, "--schema", schema, "--format", "csv"],
        vec!["outcomes", clean, "--schema", schema, "--format", "json", "--year", "2012-13"],
        vec!["report", clean, "--schema", schema, "--out", out.to_str().unwrap(), "--format", "json"],
        vec!["rules", "--format", "csv", "--output", listed.to_str().unwrap()],
        vec!["template", "--schema", schema, "--out", template.to_str().unwrap()],
    ];
    for mut args in runs {
        args.extend(quiet);
        let o = iapt(&args);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "--quiet leaves standard error empty: {args:?}");
    }
    assert!(std::fs::read_to_string(&listed).unwrap().starts_with("id,name,severity"), "--output is honoured");
    // Without --quiet, the template says what it wrote.
    let o = iapt(&["template", "--out", template.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("template.xlsx"));
}

#[test]
fn a_bad_schema_folder_is_named_at_its_file_and_line() {
    let dir = scratch("bad-schema");
    let builtin = root().join("schemas/iapt-v1.0");
    std::fs::create_dir_all(dir.join("codes")).unwrap();
    for name in ["datapackage.json", "measures.json"] {
        std::fs::copy(builtin.join(name), dir.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(builtin.join("codes")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("codes").join(path.file_name().unwrap())).unwrap();
    }
    let attendance = dir.join("codes/attendance.csv");
    let text = std::fs::read_to_string(&attendance).unwrap().replacen(",true\n", ",yes\n", 1);
    std::fs::write(&attendance, text).unwrap();
    let out = scratch("bad-schema-report");
    for command in ["validate", "outcomes", "report"] {
        let mut args = vec![command, "tests/fixtures/clean", "--schema", dir.to_str().unwrap()];
        if command == "report" {
            args.extend(["--out", out.to_str().unwrap()]);
        }
        let o = iapt(&args);
        assert_eq!(o.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&o.stderr).replace("\n  │ ", "\n");
        assert!(err.contains("codes/attendance.csv:2: attended: `yes` is not true or false"), "{command}: {err}");
    }
}

/// Counts every data row of every sheet: it is an accepted record, or a record-level finding
/// (or a file-level one) names it.
fn assert_rows_accounted(input: &Path) {
    let schema = Schema::builtin();
    let opts = Options::new(Date::parse_iso(TODAY).unwrap());
    let v = iapt_validate::validate(input, &schema, &opts).unwrap();
    let sub = v.submission.as_ref().expect("no file-level problem");
    for report in &v.sheets {
        let name = schema.sheets[report.sheet].name.as_str();
        let accepted: BTreeSet<u32> = match name {
            "Header" => [2].into(),
            "Person" => sub.persons.iter().map(|p| p.row).collect(),
            "Referral" => sub.referrals.iter().map(|r| r.row).collect(),
            "Appointment" => sub.appointments.iter().map(|a| a.row).collect(),
            "WaitingTimePause" => sub.pauses.iter().map(|p| p.row).collect(),
            _ => unreachable!(),
        };
        let rejected: BTreeSet<u32> = v
            .findings
            .iter()
            .filter(|f| f.severity() == Severity::Record && f.sheet == u8::try_from(report.sheet).ok())
            .map(|f| f.row)
            .collect();
        assert!(accepted.is_disjoint(&rejected), "{name}: a row both accepted and rejected");
        assert_eq!(rejected.len() as u64, report.rows_rejected, "{name}");
        assert_eq!(
            (accepted.len() + rejected.len()) as u64,
            report.rows_read,
            "{name}: rows neither accepted nor reported"
        );
        // rows_read is every non-blank data line of the file.
        let text = std::fs::read_to_string(input.join(format!("{name}.csv"))).unwrap_or_default();
        let lines = text.lines().skip(1).filter(|l| !l.trim().is_empty()).count() as u64;
        assert_eq!(report.rows_read, lines, "{name}");
    }
}

#[test]
fn every_row_is_accepted_or_reported() {
    assert_rows_accounted(&root().join("tests/fixtures/clean"));
    assert_rows_accounted(&root().join("tests/fixtures/defects"));
}

#[test]
fn legacy_xls_and_ods_read_like_the_csv_original() {
    // tests/fixtures/clean.{xls,ods}: the clean CSV submission saved by xlwt and odfpy with
    // real date, time and number cells (ODS stores times as ISO durations, `PT09H30M00S`).
    let csv = stdout(&iapt(&["outcomes", "tests/fixtures/clean", "--period", "2012-04-01..2013-03-31", "--quiet"]));
    for file in ["tests/fixtures/clean.xls", "tests/fixtures/clean.ods"] {
        let (json, code) = run(file, "json");
        assert_eq!(code, 0, "{file}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{file}: {json}");
        let o = iapt(&["outcomes", file, "--period", "2012-04-01..2013-03-31", "--quiet"]);
        assert_eq!(stdout(&o), csv, "{file}");
    }
}
