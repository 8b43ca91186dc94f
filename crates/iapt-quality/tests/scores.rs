//! The arithmetic of `iapt-quality` on tallies written by hand: completeness and validity of an
//! item, defaults complete but not valid, optional items over the rows that have a value, the
//! status weights of a score, tallies added up per provider, and an empty input.

use std::path::PathBuf;

use iapt_quality::{ItemScore, Quality, Score};
use iapt_schema::{Schema, Status};
use iapt_validate::{ColumnTally, SheetReport, Validation};

/// One column's counts: sheet, column, and valid, default, invalid, missing (rows are their sum,
/// as the validator counts each row the column applies to once).
type Tally<'a> = (&'a str, &'a str, [u64; 4]);

/// A validation of one submission whose sheets hold only the given tallies.
fn validation(schema: &Schema, provider: &str, path: &str, tallies: &[Tally<'_>]) -> Validation {
    let mut sheets: Vec<SheetReport> = Vec::new();
    for &(sheet_name, column_name, [valid, default, invalid, missing]) in tallies {
        let sheet = schema.sheet_index(sheet_name).unwrap();
        let column = schema.sheets[sheet].column_index(column_name).unwrap();
        let tally = ColumnTally { column, rows: valid + default + invalid + missing, valid, default, invalid, missing };
        match sheets.iter_mut().find(|s| s.sheet == sheet) {
            Some(report) => report.columns.push(tally),
            None => sheets.push(SheetReport {
                sheet,
                found_as: Some(sheet_name.to_owned()),
                rows_read: tally.rows,
                rows_rejected: 0,
                columns: vec![tally],
                width: 0,
            }),
        }
    }
    Validation {
        path: PathBuf::from(path),
        provider: provider.to_owned(),
        findings: Vec::new(),
        sheets,
        submission: None,
        not_kept: Vec::new(),
    }
}

fn item(status: Status, [valid, default, invalid, missing]: [u64; 4]) -> ItemScore {
    ItemScore {
        provider: "RX4".into(),
        sheet: "Referral".into(),
        column: "X".into(),
        status: Some(status),
        rows: valid + default + invalid + missing,
        valid,
        default,
        invalid,
        missing,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn assert_score(score: Option<Score>, completeness: f64, validity: f64) {
    let s = score.expect("a score");
    assert!(
        close(s.completeness, completeness) && close(s.validity, validity),
        "{s:?}, expected completeness {completeness} and validity {validity}"
    );
}

#[test]
fn completeness_counts_every_value_given_and_validity_only_the_valid_ones() {
    // 20 rows: 12 valid, 3 defaults, 2 invalid, 3 missing.
    let i = item(Status::Required, [12, 3, 2, 3]);
    assert_eq!(i.completeness(), Some(85.0), "(12 + 3 + 2) / 20");
    assert_eq!(i.validity(), Some(60.0), "12 / 20");
    assert_eq!(i.scored_validity(), Some(60.0), "a required item is scored over all its rows");
    let full = item(Status::Mandatory, [7, 0, 0, 0]);
    assert_eq!((full.completeness(), full.validity()), (Some(100.0), Some(100.0)));
    let empty = item(Status::Mandatory, [0, 0, 0, 9]);
    assert_eq!((empty.completeness(), empty.validity()), (Some(0.0), Some(0.0)));
}

#[test]
fn a_default_is_complete_but_not_valid() {
    // Ethnicity `99`, practice `V81999`: the item was filled in, with no known value.
    let i = item(Status::Required, [0, 4, 0, 0]);
    assert_eq!(i.completeness(), Some(100.0));
    assert_eq!(i.validity(), Some(0.0));
    // Through a validation's tallies: an invalid value is complete too, neither is valid.
    let schema = Schema::builtin();
    let v = validation(&schema, "RX4", "rx4.xlsx", &[("Person", "ETHNIC_CATEGORY", [2, 1, 1, 0])]);
    let q = Quality::from_validations(&[v], &schema);
    let e = &q.items_of("RX4")[0];
    assert_eq!((e.rows, e.valid, e.default, e.invalid, e.missing), (4, 2, 1, 1, 0));
    assert_eq!((e.completeness(), e.validity()), (Some(100.0), Some(50.0)));
    assert_score(q.provider_score("RX4"), 100.0, 50.0);
}

#[test]
fn an_item_over_no_rows_has_no_percentage() {
    let i = item(Status::Required, [0, 0, 0, 0]);
    assert_eq!((i.completeness(), i.validity(), i.scored_validity()), (None, None, None));
}

#[test]
fn an_optional_item_is_scored_over_the_rows_that_have_a_value() {
    // 10 rows: 3 valid, 1 invalid, 6 left empty.
    let i = item(Status::Optional, [3, 0, 1, 6]);
    assert_eq!(i.validity(), Some(30.0), "validity is still over every row");
    assert_eq!(i.scored_validity(), Some(75.0), "3 of the 4 values given");
    let nobody = item(Status::Optional, [0, 0, 0, 5]);
    assert_eq!(nobody.scored_validity(), None, "an optional item nobody filled in is not a failure");
}

/// Three Referral items as (sheet, column, [valid, default, invalid, missing]).
const REFERRAL_ITEMS: [Tally<'static>; 3] = [
    // Mandatory, weight 3: completeness 100, validity 100.
    ("Referral", "SERVICE_REQUEST_ID", [10, 0, 0, 0]),
    // Required, weight 2: completeness 80, validity 40.
    ("Referral", "SOURCE_OF_REFERRAL", [4, 2, 2, 2]),
    // Optional, weight 1: validity 50 over the 2 values given; its completeness (20) is not counted.
    ("Referral", "END_CODE", [1, 0, 1, 8]),
];

#[test]
fn scores_weight_validity_by_status_and_completeness_counts_mandatory_and_required_items() {
    let schema = Schema::builtin();
    // Optional and never filled in: in no score at all.
    let never = ("Referral", "END_DATE", [0, 0, 0, 10]);
    let v = validation(&schema, "RX4", "rx4.xlsx", &[&REFERRAL_ITEMS[..], &[never]].concat());
    let q = Quality::from_validations(&[v], &schema);
    let referral = (3.0 * 100.0 + 2.0 * 40.0 + 50.0) / 6.0;
    assert_score(q.sheet_score("RX4", "Referral"), (3.0 * 100.0 + 2.0 * 80.0) / 5.0, referral);
    assert_score(q.provider_score("RX4"), (3.0 * 100.0 + 2.0 * 80.0) / 5.0, referral);

    // Another sheet's items join the provider's score, not the Referral sheet's.
    // Required, weight 2: completeness 50, validity 25.
    let ethnicity = ("Person", "ETHNIC_CATEGORY", [1, 1, 0, 2]);
    let v = validation(&schema, "RX4", "rx4.xlsx", &[&REFERRAL_ITEMS[..], &[ethnicity]].concat());
    let q = Quality::from_validations(&[v], &schema);
    assert_score(q.sheet_score("RX4", "Referral"), 92.0, referral);
    assert_score(q.sheet_score("RX4", "Person"), 50.0, 25.0);
    assert_score(
        q.provider_score("RX4"),
        (3.0 * 100.0 + 2.0 * 80.0 + 2.0 * 50.0) / 7.0,
        (3.0 * 100.0 + 2.0 * 40.0 + 50.0 + 2.0 * 25.0) / 8.0,
    );
    assert_eq!(q.sheet_score("RX4", "Appointment"), None, "no item of that sheet");
}

#[test]
fn a_provider_with_only_optional_items() {
    let schema = Schema::builtin();
    let given = validation(&schema, "RAA", "raa.xlsx", &[("Referral", "END_CODE", [3, 0, 1, 6])]);
    let empty = validation(&schema, "RBB", "rbb.xlsx", &[("Referral", "END_CODE", [0, 0, 0, 6])]);
    let q = Quality::from_validations(&[given, empty], &schema);
    assert_score(q.provider_score("RAA"), 100.0, 75.0);
    assert_eq!(q.provider_score("RBB"), None, "nothing to score: every item optional and empty");
}

#[test]
fn tallies_add_up_per_provider_in_provider_then_schema_order() {
    let schema = Schema::builtin();
    let validations = [
        // Two monthly returns of one provider, tallies in no particular order.
        validation(
            &schema,
            "RX4",
            "april.xlsx",
            &[("Referral", "SOURCE_OF_REFERRAL", [4, 1, 1, 0]), ("Person", "ETHNIC_CATEGORY", [3, 1, 0, 1])],
        ),
        validation(&schema, "RAA", "raa.xlsx", &[("Person", "ETHNIC_CATEGORY", [9, 0, 0, 0])]),
        validation(
            &schema,
            "RX4",
            "may.xlsx",
            &[("Person", "ETHNIC_CATEGORY", [2, 0, 1, 0]), ("Referral", "SOURCE_OF_REFERRAL", [1, 0, 0, 2])],
        ),
        // No provider code in the Header: the file's name stands for it.
        validation(&schema, "", "returns/unnamed.xlsx", &[("Referral", "SOURCE_OF_REFERRAL", [1, 0, 0, 0])]),
    ];
    let q = Quality::from_validations(&validations, &schema);
    assert_eq!(q.providers(), ["RAA", "RX4", "unnamed.xlsx"]);
    assert_eq!(q.items.len(), 4, "one item per provider, sheet and column");

    let rx4 = q.items_of("RX4");
    let names: Vec<(&str, &str)> = rx4.iter().map(|i| (i.sheet.as_str(), i.column.as_str())).collect();
    assert_eq!(names, [("Person", "ETHNIC_CATEGORY"), ("Referral", "SOURCE_OF_REFERRAL")], "schema order");
    let counts = |i: &ItemScore| (i.rows, i.valid, i.default, i.invalid, i.missing);
    assert_eq!(counts(&rx4[0]), (5 + 3, 3 + 2, 1, 1, 1), "April's and May's ethnicity added up");
    assert_eq!(counts(&rx4[1]), (6 + 3, 4 + 1, 1, 1, 2), "April's and May's source of referral added up");
    assert!(rx4.iter().all(|i| i.provider == "RX4" && i.status == Some(Status::Required)));

    let raa = q.items_of("RAA");
    assert_eq!(raa.len(), 1);
    assert_eq!(counts(&raa[0]), (9, 9, 0, 0, 0), "another provider's counts are its own");
    assert_score(q.provider_score("RAA"), 100.0, 100.0);
    assert_eq!(q.items_of("unnamed.xlsx")[0].valid, 1);
    assert!(q.items_of("RZZ").is_empty());
}

#[test]
fn an_empty_input_has_no_providers_and_no_scores() {
    let schema = Schema::builtin();
    let q = Quality::from_validations(&[], &schema);
    assert!(q.items.is_empty());
    assert!(q.providers().is_empty());
    assert!(q.items_of("RX4").is_empty());
    assert_eq!(q.provider_score("RX4"), None);
    assert_eq!(q.sheet_score("RX4", "Person"), None);

    // A submission whose sheets could not be read has no tallies, so it adds no item.
    let mut unreadable = validation(&schema, "RX4", "broken.xlsx", &[]);
    unreadable.sheets.push(SheetReport {
        sheet: schema.sheet_index("Person").unwrap(),
        found_as: None,
        rows_read: 0,
        rows_rejected: 0,
        columns: Vec::new(),
        width: 0,
    });
    let q = Quality::from_validations(&[unreadable], &schema);
    assert!(q.items.is_empty() && q.providers().is_empty());
}
