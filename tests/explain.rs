//! `iapt explain` end to end: snapshots of three referrals (recovered, not at caseness, declined)
//! in human and JSON form, superseded versions, a rejected appointment, an unknown id, and the
//! facts of every referral of a synthetic year equal to `derive`'s.

mod support;

use std::path::Path;

use support::crafted::{clean_csv, csv_submission, write_csv_folder};
use support::{iapt, scratch, stdout};

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/explain", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

fn explain(input: &str, referral: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["explain", input, "--referral", referral, "--year", "2012-13"];
    args.extend(extra);
    let o = iapt(&args);
    (o.status.code().unwrap_or(-1), stdout(&o), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn three_referrals_human_and_json() {
    for (name, referral) in [("recovered", "RX4/R001"), ("declined", "RX4/R002"), ("not-at-caseness", "RX4/R005")] {
        let (code, human, _) = explain("tests/fixtures/clean", referral, &["--quiet"]);
        assert_eq!(code, 0);
        snapshot(&format!("{name}-human"), &human);
        let (code, json, _) = explain("tests/fixtures/clean", referral, &["--quiet", "--format", "json"]);
        assert_eq!(code, 0);
        snapshot(&format!("{name}-json"), &json);
    }
}

#[test]
fn json_facts_are_the_outcomes_row() {
    let o = iapt(&["outcomes", "tests/fixtures/clean", "--year", "2012-13", "--format", "json", "--quiet"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (_, json, _) = explain("tests/fixtures/clean", "RX4/R002", &["--quiet", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let row = rows.as_array().unwrap().iter().find(|r| r["service_request_id"] == "R002").unwrap();
    assert_eq!(&v["facts"], row, "the same names, values and types as `iapt outcomes --format json`");
    assert!(v["steps"].as_array().unwrap().iter().any(|s| s["fact"] == "recovered" && s["holds"] == false));
    assert_eq!(v["person"]["nhs_number"].as_str().unwrap().matches('*').count(), 7, "masked by default");
}

#[test]
fn a_superseded_version_is_listed_and_the_later_one_used() {
    let dir = scratch("explain-versions");
    let mut early = clean_csv();
    early.insert("Header.csv".into(), b"ORG_CODE_PROVIDER,REPORTING_PERIOD_START,REPORTING_PERIOD_END,DATASET_VERSION\nRX4,2012-04-01,2012-12-31,1.0\n".to_vec());
    write_csv_folder(&dir.join("a-april-to-december"), &early);
    write_csv_folder(&dir.join("b-full-year"), &clean_csv());
    let (code, human, _) = explain(dir.to_str().unwrap(), "RX4/R001", &["--quiet"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = human.lines().filter(|l| l.contains("superseded") || l.contains("used  ")).collect();
    assert_eq!(lines.len(), 2, "{human}");
    assert!(lines[0].contains("superseded") && lines[0].contains("2012-04-01..2012-12-31"), "{human}");
    assert!(lines[1].contains("used") && lines[1].contains("2012-04-01..2013-03-31"), "{human}");
}

#[test]
fn a_rejected_appointment_is_listed_as_left_out() {
    // R001's third appointment is given an attendance code that does not exist: IAPT-R003.
    let dir = csv_submission("explain-rejected", |files| {
        let text = String::from_utf8(files["Appointment.csv"].clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[3] = lines[3].replacen(",02,3,", ",02,X,", 1);
        files.insert("Appointment.csv".into(), (lines.join("\n") + "\n").into_bytes());
    });
    let (code, human, _) = explain(dir.to_str().unwrap(), "RX4/R001", &["--quiet"]);
    assert_eq!(code, 0);
    let left = human.split("Left out by validation:").nth(1).expect("a left-out section");
    assert!(
        left.lines().nth(1).unwrap().contains("Appointment row 4") && left.contains("IAPT-R003 invalid-code"),
        "{human}"
    );
}

#[test]
fn an_unknown_referral_exits_2_with_the_nearest_ids() {
    let (code, out, err) = explain("tests/fixtures/clean", "RX4/R01", &[]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("no referral `RX4/R01`") && err.contains("the nearest known: RX4/R001"), "{err}");
    let (code, _, err) = explain("tests/fixtures/clean", "R001", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("PROVIDER/SERVICE_REQUEST_ID"), "{err}");
}

#[test]
fn every_referral_of_a_synthetic_year_is_explained_with_derives_facts() {
    let dir = scratch("explain-year");
    let summary = iapt_synth::generate(&iapt_synth::DEMO, &dir).unwrap();
    let schema = iapt_schema::Schema::builtin();
    let today = iapt_schema::Date::from_ymd(2026, 11, 27).unwrap();
    let validations =
        iapt_validate::validate_all(&summary.submissions, &schema, today, iapt_validate::Limits::default()).unwrap();
    let submissions: Vec<_> = validations.into_iter().filter_map(|v| v.submission).collect();
    let data = iapt_outcomes::Dataset::merge(submissions);
    let rules = iapt_outcomes::OutcomeRules::from_schema(&schema).unwrap();
    let period = iapt_outcomes::Period {
        start: iapt_schema::Date::from_ymd(2012, 4, 1).unwrap(),
        end: iapt_schema::Date::from_ymd(2013, 3, 31).unwrap(),
    };
    let outcomes = iapt_outcomes::derive(&data, period, &rules);
    assert!(outcomes.len() > 5_000);
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(&iapt_outcomes::explain(&data, i, period, &rules).outcome, o, "referral {i}");
    }
    assert!(Path::new(&dir).exists());
}

#[test]
fn an_id_shaped_like_an_nhs_number_or_a_date_is_masked() {
    let dir = support::crafted::csv_submission("explain-masked-ids", |files| {
        for name in ["Person.csv", "Referral.csv"] {
            let text = String::from_utf8(files[name].clone()).unwrap().replace("P001", "9434765919");
            files.insert(name.into(), text.into_bytes());
        }
    });
    let (code, human, _) = explain(dir.to_str().unwrap(), "RX4/R001", &["--quiet"]);
    assert_eq!(code, 0);
    assert!(!human.contains("9434765919") && human.contains("Person: 943"), "{human}");
    let (_, json, _) = explain(dir.to_str().unwrap(), "RX4/R001", &["--quiet", "--format", "json"]);
    assert!(!json.contains("9434765919"), "{json}");
    let (_, shown, _) = explain(dir.to_str().unwrap(), "RX4/R001", &["--quiet", "--show-values"]);
    assert!(shown.contains("Person: 9434765919"), "--show-values shows it");
}

#[test]
fn a_rejected_referral_is_named_with_its_rules() {
    let (code, _, err) = explain("tests/fixtures/defects", "RX4/R002", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("validation rejected it: Referral row") && err.contains("IAPT-"), "{err}");
}
