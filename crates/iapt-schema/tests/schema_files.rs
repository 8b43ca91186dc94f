//! A bad `--schema` folder gives `file:line: place: problem`, one test per check. Each test
//! copies the built-in folder and changes one thing in one file.

use std::path::{Path, PathBuf};

use iapt_schema::Schema;

fn builtin_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/iapt-v1.0")
}

/// The problems of the built-in folder with `file` edited by `edit`, each as
/// `file:line: place: problem` with the folder's path taken off.
fn problems(test: &str, file: &str, edit: impl Fn(String) -> String) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("iapt-schema-files-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("codes")).unwrap();
    for name in ["datapackage.json", "measures.json"] {
        std::fs::copy(builtin_folder().join(name), dir.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(builtin_folder().join("codes")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("codes").join(path.file_name().unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changes {file}");
    std::fs::write(dir.join(file), edited).unwrap();
    let err = Schema::from_dir(&dir).expect_err("the folder has a problem");
    let prefix = format!("{}/", dir.display());
    std::fs::remove_dir_all(&dir).unwrap();
    err.0.iter().map(|p| p.to_string().replace(&prefix, "")).collect()
}

fn assert_problem(found: &[String], expected: &str) {
    assert!(found.iter().any(|p| p == expected), "expected `{expected}` among {found:#?}");
}

/// The line of the first occurrence of `needle` in a built-in file.
fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(builtin_folder().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_built_in_folder_has_no_problem() {
    assert!(Schema::from_dir(&builtin_folder()).is_ok());
}

#[test]
fn a_minimum_is_not_above_its_maximum() {
    let found = problems("min-max", "datapackage.json", |t| t.replacen("\"maximum\": 27", "\"maximum\": -1", 1));
    let line = line_of("datapackage.json", "\"name\": \"PHQ9_SCORE\"");
    assert_problem(
        &found,
        &format!("datapackage.json:{line}: Appointment.PHQ9_SCORE.constraints: minimum 0 is above maximum -1"),
    );
}

#[test]
fn a_max_length_is_at_least_one() {
    let found = problems("max-length", "datapackage.json", |t| t.replacen("\"maxLength\": 5,", "\"maxLength\": 0,", 1));
    let line = line_of("datapackage.json", "\"name\": \"ORG_CODE_PROVIDER\"");
    assert_problem(
        &found,
        &format!("datapackage.json:{line}: Header.ORG_CODE_PROVIDER.constraints.maxLength: is at least 1"),
    );
}

#[test]
fn a_column_name_has_its_shape() {
    let found = problems("column-name", "datapackage.json", |t| t.replacen("\"PHQ9_SCORE\"", "\"phq9 score\"", 1));
    let line = line_of("datapackage.json", "\"name\": \"PHQ9_SCORE\"");
    assert_problem(
        &found,
        &format!(
            "datapackage.json:{line}: Appointment.phq9 score.name: `phq9 score` is not a column name ([A-Z][A-Z0-9_]{{0,63}})"
        ),
    );
}

#[test]
fn a_pattern_is_one_the_validator_can_match() {
    let found = problems("pattern", "datapackage.json", |t| t.replacen("\"[A-Z0-9]{3,5}\"", "\"[A-Z0-9{3,5}\"", 1));
    let line = line_of("datapackage.json", "\"name\": \"ORG_CODE_PROVIDER\"");
    let prefix = format!("datapackage.json:{line}: Header.ORG_CODE_PROVIDER.constraints.pattern: ");
    assert!(found.iter().any(|p| p.starts_with(&prefix)), "{found:#?}");
}

#[test]
fn a_status_is_m_r_or_o() {
    let found =
        problems("status", "datapackage.json", |t| t.replacen("\"iapt:status\": \"O\"", "\"iapt:status\": \"X\"", 1));
    assert!(
        found.iter().any(|p| p.starts_with("datapackage.json:") && p.ends_with(": unknown status `X`")),
        "{found:#?}"
    );
}

#[test]
fn a_column_names_a_code_list_the_package_has() {
    let found = problems("code-list", "datapackage.json", |t| {
        t.replacen("\"iapt:codes\": \"gender\"", "\"iapt:codes\": \"sex\"", 1)
    });
    assert!(found.iter().any(|p| p.ends_with(": unknown code list `sex`")), "{found:#?}");
}

#[test]
fn a_primary_key_names_a_column_of_its_sheet() {
    let found = problems("primary-key", "datapackage.json", |t| {
        t.replacen("\"primaryKey\": [", "\"primaryKey\": [\"NO_SUCH_COLUMN\", ", 1)
    });
    assert!(
        found.iter().any(|p| p.ends_with(": names column `NO_SUCH_COLUMN`, which the sheet does not have")),
        "{found:#?}"
    );
}

#[test]
fn a_json_syntax_error_has_its_line() {
    let found = problems("json", "measures.json", |t| t.replacen("\"measures\": [", "\"measures\": [,", 1));
    let line = line_of("measures.json", "\"measures\": [");
    assert!(found[0].starts_with(&format!("measures.json:{line}: ")), "{found:#?}");
}

#[test]
fn a_code_list_the_engine_reads_carries_its_attribute() {
    let found =
        problems("attended-column", "codes/attendance.csv", |t| t.replacen("code,label,attended", "code,label", 1));
    assert_problem(
        &found,
        "codes/attendance.csv:1: attended: the header has no such column; the tools read it for every code",
    );
}

#[test]
fn a_code_list_the_tools_read_is_in_the_package() {
    let found = problems("no-list", "datapackage.json", |t| {
        t.replacen("\"name\": \"attendance\"", "\"name\": \"attendances\"", 1)
    });
    let line = line_of("datapackage.json", "\"iapt:codeLists\"");
    assert_problem(
        &found,
        &format!("datapackage.json:{line}: iapt:codeLists: there is no code list `attendance`; the tools read it"),
    );
}

#[test]
fn a_true_false_attribute_says_true_or_false() {
    let found = problems("attended-value", "codes/attendance.csv", |t| t.replacen(",true\n", ",yes\n", 1));
    assert_problem(&found, "codes/attendance.csv:2: attended: `yes` is not true or false");
}

#[test]
fn a_group_attribute_is_given() {
    let found = problems("group", "codes/end-code.csv", |t| t.replacen(",seen-not-treated,", ",,", 1));
    assert_problem(&found, "codes/end-code.csv:2: group: `` is not a value");
}

#[test]
fn a_code_is_listed_once() {
    let found = problems("duplicate-code", "codes/gender.csv", |t| t + "1,Male again\n");
    assert_problem(&found, "codes/gender.csv:6: code: `1` is listed twice (first at line 2)");
}

#[test]
fn a_code_has_a_label() {
    let found = problems("label", "codes/gender.csv", |t| t.replacen("1,Male", "1,", 1));
    assert_problem(&found, "codes/gender.csv:2: label: a code needs a label");
}

#[test]
fn a_code_list_starts_with_code_and_label() {
    let found = problems("code-header", "codes/gender.csv", |t| t.replacen("code,label", "label,code", 1));
    assert_problem(&found, "codes/gender.csv:1: a code list starts with the columns `code,label`");
}

#[test]
fn a_measure_has_sensible_thresholds() {
    let found = problems("thresholds", "measures.json", |t| {
        t.replacen("\"caseness\": 10, \"reliable_change\": 6", "\"caseness\": -1, \"reliable_change\": 0", 1)
    });
    let line = line_of("measures.json", "\"name\": \"PHQ9\"");
    assert_eq!(
        found,
        [
            format!("measures.json:{line}: PHQ9.caseness: a caseness threshold is not negative"),
            format!("measures.json:{line}: PHQ9.reliable_change: a reliable change is above 0 points"),
        ]
    );
}

#[test]
fn a_measure_names_a_score_column() {
    let found = problems("score-column", "measures.json", |t| {
        t.replacen("\"column\": \"GAD7_SCORE\"", "\"column\": \"GAD7\"", 1)
    });
    let line = line_of("measures.json", "\"name\": \"GAD7\"");
    assert_problem(
        &found,
        &format!(
            "measures.json:{line}: GAD7.column: `GAD7` is not a score column (\"iapt:score\": true) of the package"
        ),
    );
}
