//! `iapt quality`: counts worked out by hand, agreement with `iapt validate`, the CSV locked
//! for a synthetic submission with defects, the HTML heat map, and `--min-score`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use iapt_quality::Quality;
use iapt_schema::{Date, Schema};
use iapt_validate::{Validation, rules};
use support::{iapt, root, scratch, stdout};

fn validations(path: &Path) -> Vec<Validation> {
    let paths = iapt_ingest::discover(path).submissions;
    iapt_validate::validate_all(
        &paths,
        &Schema::builtin(),
        Date::parse_iso("2026-11-26").unwrap(),
        iapt_validate::Limits::default(),
    )
    .unwrap()
}

#[test]
fn validating_without_records_finds_and_counts_the_same() {
    let paths = iapt_ingest::discover(&root().join("tests/fixtures")).submissions;
    assert!(paths.len() > 2, "the fixtures hold several submissions: {paths:?}");
    let today = Date::parse_iso("2026-11-26").unwrap();
    let run = |records| {
        iapt_validate::validate_all_with(
            &paths,
            &Schema::builtin(),
            today,
            iapt_validate::Limits::default(),
            records,
            &|_| {},
        )
        .unwrap()
    };
    let (kept, not_kept) = (run(true), run(false));
    assert_eq!(kept.len(), not_kept.len());
    let mut with_appointments = 0;
    for (a, b) in kept.iter().zip(&not_kept) {
        assert_eq!(format!("{:?}", a.findings), format!("{:?}", b.findings), "{}", a.path.display());
        assert_eq!(format!("{:?}", a.sheets), format!("{:?}", b.sheets), "{}", a.path.display());
        assert_eq!(a.submission.is_some(), b.submission.is_some());
        if let (Some(x), Some(y)) = (&a.submission, &b.submission) {
            assert_eq!((&x.provider, x.period_start, x.period_end), (&y.provider, y.period_start, y.period_end));
            assert!(y.persons.is_empty() && y.referrals.is_empty() && y.appointments.is_empty() && y.ids.is_empty());
            with_appointments += usize::from(!x.appointments.is_empty());
        }
    }
    assert!(with_appointments > 0, "some fixture has accepted appointments to leave out");
}

fn item<'a>(q: &'a Quality, sheet: &str, column: &str) -> &'a iapt_quality::ItemScore {
    q.items.iter().find(|i| i.sheet == sheet && i.column == column).unwrap()
}

#[test]
fn counts_worked_out_by_hand_on_the_defects_fixture() {
    let q = Quality::from_validations(&validations(&root().join("tests/fixtures/defects")), &Schema::builtin());
    // Person.ETHNIC_CATEGORY over 12 rows: A, H, A, A, A, A valid; 99, Z, Z, Z defaults;
    // `a` invalid; the ragged row P008 has none.
    let e = item(&q, "Person", "ETHNIC_CATEGORY");
    assert_eq!((e.rows, e.valid, e.default, e.invalid, e.missing), (12, 6, 4, 1, 1));
    assert_eq!(e.completeness().map(|v| (v * 10.0).round() / 10.0), Some(91.7));
    assert_eq!(e.validity(), Some(50.0), "defaults are complete but not valid");
    // GP_PRACTICE_CODE: V81999 and V81997 x3 are defaults; `ABC` is invalid.
    let g = item(&q, "Person", "GP_PRACTICE_CODE");
    assert_eq!((g.valid, g.default, g.invalid, g.missing), (6, 4, 1, 1));
    // THERAPY_TYPE_1 applies to attended treatment appointments only: 10 of the 13 rows
    // (two assessments and a did-not-attend are out); one of the 10 has none.
    let t = item(&q, "Appointment", "THERAPY_TYPE_1");
    assert_eq!((t.rows, t.valid, t.invalid, t.missing), (10, 9, 0, 1));
    // PHQ9_SCORE applies to attended appointments: 12 rows; `30` is out of range; one is empty.
    let p = item(&q, "Appointment", "PHQ9_SCORE");
    assert_eq!((p.rows, p.valid, p.invalid, p.missing), (12, 10, 1, 1));
    // POSTCODE is absent from the sheet: every row lacks it.
    let pc = item(&q, "Person", "POSTCODE");
    assert_eq!((pc.rows, pc.missing), (12, 12));
}

/// Per (file, sheet, column): invalid values counted here, and diagnostics of an invalid value there.
fn agreement(path: &Path) {
    let schema = Schema::builtin();
    let vs = validations(path);
    let invalid_rules = [
        rules::INVALID_DATE,
        rules::INVALID_CODE,
        rules::INVALID_TEXT,
        rules::INVALID_NUMBER,
        rules::INVALID_TIME,
        rules::INVALID_DATE_OPTIONAL,
        rules::INVALID_CODE_OPTIONAL,
        rules::INVALID_TEXT_OPTIONAL,
        rules::INVALID_NUMBER_OPTIONAL,
        rules::INVALID_TIME_OPTIONAL,
    ];
    let mut counted: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut reported: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for v in &vs {
        let file = v.path.display().to_string();
        for s in &v.sheets {
            for t in &s.columns {
                if t.invalid > 0 {
                    let sheet = &schema.sheets[s.sheet];
                    *counted
                        .entry((file.clone(), sheet.name.clone(), sheet.columns[t.column].name.clone()))
                        .or_default() += t.invalid;
                }
            }
        }
        for f in v
            .findings
            .iter()
            .filter(|f| invalid_rules.contains(&f.rule) || (f.rule == rules::HEADER_VALUE && f.value.is_some()))
        {
            let key =
                (file.clone(), f.sheet_name(&schema).unwrap().to_owned(), f.column_name(&schema).unwrap().to_owned());
            *reported.entry(key).or_default() += 1;
        }
    }
    assert!(!counted.is_empty());
    assert_eq!(counted, reported, "every invalid value counted is a diagnostic, and the reverse");
    // And iapt quality's CSV carries the same totals.
    let q = Quality::from_validations(&vs, &schema);
    let total: u64 = q.items.iter().map(|i| i.invalid).sum();
    assert_eq!(total, reported.values().sum::<u64>());
}

#[test]
fn invalid_counts_agree_with_validate() {
    agreement(&root().join("tests/fixtures/defects"));
    let out = scratch("quality-agreement");
    iapt_synth::generate(
        &iapt_synth::Config { scale: 0.005, seed: 9, defects: 0.03, ..iapt_synth::Config::default() },
        &out,
    )
    .unwrap();
    agreement(&out.join("submissions"));
}

#[test]
fn synthetic_submission_with_defects_csv_is_locked() {
    let out = scratch("quality-snapshot");
    let config =
        iapt_synth::Config { scale: 0.01, seed: 4, defects: 0.03, providers: Some(2), ..iapt_synth::Config::default() };
    iapt_synth::generate(&config, &out).unwrap();
    let o = iapt(&["quality", out.join("submissions").to_str().unwrap(), "--format", "csv"]);
    assert!(o.status.success());
    let csv = stdout(&o);
    assert!(csv.starts_with(
        "provider,sheet,column,status,rows,valid,default,invalid,missing,completeness_pct,validity_pct\n"
    ));
    assert!(csv.lines().any(|l| l.starts_with("YS001,Person,*,")) && csv.lines().any(|l| l.starts_with("YS002,*,*,")));
    insta::with_settings!({ snapshot_path => "../snapshots/quality", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("synthetic-defects-csv", csv);
    });
}

#[test]
fn html_heat_map_is_self_contained() {
    let html = scratch("quality-html").join("quality.html");
    let o = iapt(&["quality", "tests/fixtures/defects", "tests/fixtures/clean", "--html", html.to_str().unwrap()]);
    assert!(o.status.success());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<table>") && page.contains("class=\"red\"") && page.contains("class=\"green\""));
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("<script"),
        "no network, no scripts"
    );
}

#[test]
fn min_score_fails_a_pipeline_below_it() {
    assert_eq!(iapt(&["quality", "tests/fixtures/defects", "--min-score", "90"]).status.code(), Some(1));
    assert_eq!(iapt(&["quality", "tests/fixtures/clean", "--min-score", "90"]).status.code(), Some(0));
    for not_a_percentage in ["NaN", "150", "-1", "inf", "ninety"] {
        let o = iapt(&["quality", "tests/fixtures/defects", "--min-score", not_a_percentage]);
        assert_eq!(o.status.code(), Some(2), "--min-score {not_a_percentage} is a usage error, not a pass");
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&iapt(&["quality", "tests/fixtures/clean", "--format", "json"]))).unwrap();
    assert_eq!(json["providers"][0]["provider"], "RX4");
}

/// `n` copies of the clean fixture, each under its own provider code `Q000`.., in folders whose
/// order runs against the codes' (so that output order can only come from the codes).
fn many_providers(name: &str, n: usize) -> std::path::PathBuf {
    let dir = scratch(name);
    let clean = root().join("tests/fixtures/clean");
    for i in 0..n {
        let sub = dir.join(format!("s{:03}", n - 1 - i));
        std::fs::create_dir(&sub).unwrap();
        for entry in std::fs::read_dir(&clean).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, sub.join(path.file_name().unwrap())).unwrap();
        }
        std::fs::write(
            sub.join("Header.csv"),
            format!(
                "ORG_CODE_PROVIDER,REPORTING_PERIOD_START,REPORTING_PERIOD_END,DATASET_VERSION\nQ{i:03},2012-04-01,2013-03-31,1.0\n"
            ),
        )
        .unwrap();
    }
    dir
}

#[test]
fn hundreds_of_providers_each_get_the_same_rows_in_code_order() {
    let n = 300;
    let dir = many_providers("quality-many-providers", n);
    let one = stdout(&iapt(&["quality", "tests/fixtures/clean", "--format", "csv"]));
    let (header, block) = one.split_once('\n').unwrap();
    let block: Vec<&str> = block.lines().collect();
    assert!(block.iter().all(|l| l.starts_with("RX4,")) && block.len() > 10);

    let html = dir.join("quality.html");
    let o = iapt(&["quality", dir.to_str().unwrap(), "--format", "csv", "--html", html.to_str().unwrap()]);
    assert!(o.status.success());
    let csv = stdout(&o);
    let (h, rows) = csv.split_once('\n').unwrap();
    assert_eq!(h, header);
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows.len(), n * block.len(), "one block per provider");
    for (i, chunk) in rows.chunks(block.len()).enumerate() {
        let code = format!("Q{i:03},");
        let expected: Vec<String> = block.iter().map(|l| l.replacen("RX4,", &code, 1)).collect();
        assert_eq!(chunk, expected, "provider {code} is scored as the fixture alone");
    }

    let human = stdout(&iapt(&["quality", dir.to_str().unwrap()]));
    let headings: Vec<&str> = human.lines().filter(|l| l.contains(": data-quality score")).collect();
    assert_eq!(headings.len(), n);
    assert!(headings.iter().enumerate().all(|(i, l)| l.starts_with(&format!("Q{i:03}: "))));

    let page = std::fs::read_to_string(&html).unwrap();
    let names: Vec<&str> = page.split("<tr><td class=\"p\">").skip(1).map(|r| r.split_once('<').unwrap().0).collect();
    let expected: Vec<String> = (0..n).map(|i| format!("Q{i:03}")).collect();
    assert_eq!(names, expected, "one heat-map row per provider, in code order");
}
