//! `iapt outcomes` end to end: the contract's CSV, JSON, what validation rejected, and monthly
//! returns that give the same outcomes as the year in one file.

mod support;

use support::{iapt, scratch, stdout};

const YEAR: &str = "2012-04-01..2013-03-31";

#[test]
fn clean_submission_csv_is_locked() {
    let o = iapt(&["outcomes", "tests/fixtures/clean", "--period", YEAR, "--quiet"]);
    assert!(o.status.success());
    let csv = stdout(&o);
    assert!(csv.starts_with(
        "provider,service_request_id,local_patient_id,referral_received_date,received_in_period,first_treatment_date,\
         entered_treatment,wait_days,treatment_appointments,end_date,end_code,ended_in_period,finished_course,adsm,\
         first_phq9,last_phq9,first_anxiety,last_anxiety,caseness,recovered,reliable_improvement,\
         reliable_deterioration,reliable_recovery,wait_days_adjusted\n"
    ));
    insta::with_settings!({ snapshot_path => "../snapshots/outcomes", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("clean-outcomes-csv", csv);
    });
}

#[test]
fn json_has_the_same_rows_and_typed_values() {
    let csv = stdout(&iapt(&["outcomes", "tests/fixtures/clean", "--period", YEAR, "--quiet"]));
    let json = stdout(&iapt(&["outcomes", "tests/fixtures/clean", "--period", YEAR, "--quiet", "--format", "json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), csv.lines().count() - 1);
    assert_eq!(rows[0]["recovered"], serde_json::Value::Bool(true));
    // Integers stay integers (not 28.0), absent values are null, text is text.
    assert_eq!(rows[0]["wait_days"], serde_json::json!(28));
    assert!(rows[0]["wait_days"].is_u64());
    assert_eq!(rows[1]["first_treatment_date"], serde_json::Value::Null);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for (row, line) in rows.iter().zip(csv.lines().skip(1)) {
        let object = row.as_object().unwrap();
        assert_eq!(object.keys().map(String::as_str).collect::<Vec<_>>().len(), header.len());
        // Every field agrees with the CSV, typed by what it is.
        for (name, text) in header.iter().zip(line.split(',')) {
            let v = &object[*name];
            match v {
                serde_json::Value::Null => assert_eq!(text, "", "{name}"),
                serde_json::Value::Bool(b) => assert_eq!(text, b.to_string(), "{name}"),
                serde_json::Value::Number(n) => assert_eq!(text, n.to_string(), "{name}"),
                serde_json::Value::String(s) => assert_eq!(text, s, "{name}"),
                other => panic!("{name}: {other}"),
            }
        }
        for name in ["treatment_appointments", "wait_days", "wait_days_adjusted"] {
            assert!(
                object[name].is_null() || object[name].is_u64() || object[name].is_i64(),
                "{name}: {}",
                object[name]
            );
        }
    }
}

#[test]
fn rejected_records_are_left_out_and_counted() {
    let o = iapt(&["outcomes", "tests/fixtures/defects", "--period", YEAR]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Referral") && stderr.contains("8 rejected by validation"), "{stderr}");
    assert!(stderr.contains("iapt validate"), "the summary says where the reasons are: {stderr}");
    // 12 referral rows read, 8 rejected: 4 referrals have outcomes.
    assert_eq!(stdout(&o).lines().count() - 1, 4);
}

#[test]
fn a_bad_period_is_a_usage_error() {
    for period in ["2012-04-01", "2013-03-31..2012-04-01", "01/04/2012..31/03/2013"] {
        let o = iapt(&["outcomes", "tests/fixtures/clean", "--period", period]);
        assert_eq!(o.status.code(), Some(2), "{period}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("period"), "{period}");
    }
}

#[test]
fn monthly_returns_give_the_same_outcomes_as_the_year_at_once() {
    let year = scratch("outcomes-year");
    let months = scratch("outcomes-months");
    let config = iapt_synth::Config { scale: 0.003, seed: 21, ..iapt_synth::Config::default() };
    iapt_synth::generate(&config, &year).unwrap();
    let summary = iapt_synth::generate(&iapt_synth::Config { monthly: true, ..config }, &months).unwrap();
    assert_eq!(summary.submissions.len(), 150 * 12);
    let run = |dir: &std::path::Path| {
        let o = iapt(&["outcomes", dir.join("submissions").to_str().unwrap(), "--period", YEAR, "--quiet"]);
        assert!(o.status.success());
        stdout(&o)
    };
    let (a, b) = (run(&year), run(&months));
    assert!(a.lines().count() > 2000);
    let first_difference = a.lines().zip(b.lines()).find(|(x, y)| x != y);
    assert_eq!(first_difference, None, "later months supersede earlier ones, and repeats count once");
    assert_eq!(a.lines().count(), b.lines().count());
}

#[test]
fn json_text_is_never_made_spreadsheet_safe() {
    // `@P001` would run as a formula in a spreadsheet: CSV prefixes it, JSON keeps it as sent.
    let dir = support::scratch("outcomes-formula-id").join("sub");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(support::root().join("tests/fixtures/clean")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap().replace("P001", "@P001");
        std::fs::write(dir.join(p.file_name().unwrap()), text).unwrap();
    }
    let path = dir.to_str().unwrap();
    let csv = stdout(&iapt(&["outcomes", path, "--period", YEAR, "--quiet"]));
    assert!(csv.contains(",'@P001,"), "{csv}");
    let json = stdout(&iapt(&["outcomes", path, "--period", YEAR, "--quiet", "--format", "json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(rows.iter().any(|r| r["local_patient_id"] == "@P001"), "{json}");
    assert!(!json.contains("'@P001"));
}

#[test]
fn the_year_flag_is_the_financial_year() {
    let by_year = iapt(&["outcomes", "tests/fixtures/clean", "--year", "2012-13", "--quiet"]);
    let by_period = iapt(&["outcomes", "tests/fixtures/clean", "--period", YEAR, "--quiet"]);
    assert!(by_year.status.success());
    assert_eq!(stdout(&by_year), stdout(&by_period));
    for bad in [&["--year", "2012-14"][..], &["--year", "12-13"], &["--year", "2012-13", "--period", YEAR], &[]] {
        let mut args = vec!["outcomes", "tests/fixtures/clean"];
        args.extend_from_slice(bad);
        assert_eq!(iapt(&args).status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn one_providers_two_submissions_for_one_period_are_named() {
    let base = scratch("outcomes-same-period");
    for name in ["corrected", "original"] {
        std::fs::create_dir_all(base.join(name)).unwrap();
        for e in std::fs::read_dir(support::root().join("tests/fixtures/clean")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, base.join(name).join(p.file_name().unwrap())).unwrap();
        }
    }
    let [corrected, original] = ["corrected", "original"].map(|n| base.join(n).to_str().unwrap().to_owned());
    let o = iapt(&["outcomes", &corrected, &original, "--period", YEAR]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    let said = format!("warning: {corrected} and {original} are one provider's submissions for one reporting period");
    assert!(stderr.contains(&said), "{stderr}");
    assert!(stderr.contains(&format!("those of {original} are used")), "the one read later: {stderr}");
    let alone = iapt(&["outcomes", &corrected, "--period", YEAR]);
    assert!(!String::from_utf8_lossy(&alone.stderr).contains("warning:"), "one submission is no tie");
    let twice = iapt(&["outcomes", &corrected, &corrected, "--period", YEAR]);
    assert!(String::from_utf8_lossy(&twice.stderr).contains("is given more than once"));
    assert_eq!(stdout(&twice), stdout(&alone), "counted once");
    let spelled_otherwise = base.join("original/../corrected").to_str().unwrap().to_owned();
    let twice = iapt(&["outcomes", &corrected, &spelled_otherwise, "--period", YEAR]);
    assert!(String::from_utf8_lossy(&twice.stderr).contains("is given more than once"), "one folder, two spellings");
    // One folder twice beside another version: each is said once.
    let o = iapt(&["outcomes", &corrected, &spelled_otherwise, &original, "--period", YEAR]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.matches("is given more than once").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("one provider's submissions").count(), 1, "{stderr}");
}

#[test]
fn output_dash_is_standard_output() {
    let plain = iapt(&["outcomes", "tests/fixtures/clean", "--year", "2012-13", "--quiet"]);
    let dash = iapt(&["outcomes", "tests/fixtures/clean", "--year", "2012-13", "--quiet", "--output", "-"]);
    assert!(dash.status.success());
    assert_eq!(stdout(&dash), stdout(&plain));
    assert!(!support::root().join("-").exists(), "no file named `-`");
    // Nor is `-` taken for a path inside the input when the input is the current folder.
    let here = std::process::Command::new(env!("CARGO_BIN_EXE_iapt"))
        .args(["outcomes", ".", "--year", "2012-13", "--quiet", "--output", "-"])
        .current_dir(support::root().join("tests/fixtures/clean"))
        .output()
        .unwrap();
    assert!(here.status.success(), "{}", String::from_utf8_lossy(&here.stderr));
    assert_eq!(stdout(&here), stdout(&plain));
}

#[test]
fn a_local_patient_id_that_is_an_nhs_number_is_masked_unless_asked() {
    let dir = scratch("outcomes-nhs-local-id");
    for e in std::fs::read_dir(support::root().join("tests/fixtures/clean")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap().replace("P001", "9434765919");
        std::fs::write(dir.join(p.file_name().unwrap()), text).unwrap();
    }
    let path = dir.to_str().unwrap();
    for format in ["csv", "json"] {
        let o = iapt(&["outcomes", path, "--period", YEAR, "--quiet", "--format", format]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = stdout(&o);
        assert!(out.contains("943*******") && !out.contains("9434765919"), "{format}: {out}");
        let shown = iapt(&["outcomes", path, "--period", YEAR, "--quiet", "--format", format, "--show-values"]);
        assert!(stdout(&shown).contains("9434765919"), "{format}: asked for");
    }
}
