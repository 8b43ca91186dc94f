//! A bad `--reference` file gives `file:line: column: problem`, one test per check.

use std::path::PathBuf;

use iapt_report::Reference;

/// A folder holding `files` (name, text) in place of the built-in ones.
fn folder(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iapt-reference-files-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// The problems, each as `name:line: column: problem` with the folder's path taken off.
fn problems(test: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = folder(test, files);
    let err = Reference::from_dir(&dir).expect_err("the folder has a problem");
    let prefix = format!("{}/", dir.display());
    std::fs::remove_dir_all(&dir).unwrap();
    err.0.iter().map(|p| p.to_string().replace(&prefix, "")).collect()
}

fn assert_problem(test: &str, files: &[(&str, &str)], expected: &str) {
    let found = problems(test, files);
    assert!(found.iter().any(|p| p == expected), "expected `{expected}` among {found:#?}");
}

const CCG_HEADER: &str = "ccg_code,ons_code,ccg_name,area_team_code,registered_patients\n";

#[test]
fn a_region_code_has_its_shape() {
    let text = "code,ons_code,name\nY54,E40000001,North\nX1,E40000002,Midlands\n";
    let expected = "regions-2013.csv:3: code: `X1` is not a commissioning region's ODS code (Y[0-9]{2})";
    assert_problem("region-code", &[("regions-2013.csv", text)], expected);
}

#[test]
fn an_area_team_code_has_its_shape() {
    let text = "code,ons_code,name,region_code\nQ4,E39000001,Cheshire,Y54\n";
    let expected = "area-teams-2013.csv:2: code: `Q4` is not an area team's ODS code (Q[0-9]{2})";
    assert_problem("team-code", &[("area-teams-2013.csv", text)], expected);
}

#[test]
fn a_ccg_code_has_its_shape() {
    let text = format!("{CCG_HEADER}00C,E38000042,NHS Darlington,Q45,105876\n0c,E38000043,NHS Other,Q45,10\n");
    let expected = "ccg-area-team.csv:3: ccg_code: `0c` is not a CCG's ODS code ([0-9]{2}[A-Z])";
    assert_problem("ccg-code", &[("ccg-area-team.csv", &text)], expected);
}

#[test]
fn a_provider_code_has_its_shape() {
    let text = "provider_code,provider_name\nRX4,A trust\nR-X,Another\n";
    let expected = "providers.csv:3: provider_code: `R-X` is not a provider's ODS code ([A-Z0-9]{3,5})";
    assert_problem("provider-code", &[("providers.csv", text)], expected);
}

#[test]
fn an_ons_code_when_given_has_its_shape() {
    let text = format!("{CCG_HEADER}00C,38000042,NHS Darlington,Q45,105876\n00D,,NHS Durham,Q45,10\n");
    let found = problems("ons-code", &[("ccg-area-team.csv", &text)]);
    assert_eq!(
        found,
        ["ccg-area-team.csv:2: ons_code: `38000042` is not an ONS code (E[0-9]{8})"],
        "an empty one is fine"
    );
}

#[test]
fn every_name_is_given() {
    let text = "code,ons_code,name,region_code\nQ44,E39000001,,Y54\n";
    let expected = "area-teams-2013.csv:2: name: an area team needs a name (at most 200 characters)";
    assert_problem("empty-name", &[("area-teams-2013.csv", text)], expected);
}

#[test]
fn registered_patients_are_a_positive_whole_number() {
    let text = format!("{CCG_HEADER}00C,E38000042,NHS Darlington,Q45,many\n00D,E38000047,NHS Durham,Q45,0\n");
    let found = problems("patients", &[("ccg-area-team.csv", &text)]);
    assert_eq!(
        found,
        [
            "ccg-area-team.csv:2: registered_patients: `many` is not a whole number",
            "ccg-area-team.csv:3: registered_patients: a CCG's registered patients are at least 1",
        ]
    );
}

#[test]
fn a_population_is_at_least_one() {
    let text = "dimension,group,code,population\ntotal,All,,53012456\nsex,Male,1,0\n";
    let expected = "census-2011-england.csv:3: population: a population is at least 1 (it divides the rates)";
    assert_problem("population", &[("census-2011-england.csv", text)], expected);
}

#[test]
fn a_census_dimension_is_known() {
    let text = "dimension,group,code,population\ntotal,All,,53012456\nage,Young,16,100\n";
    let expected = "census-2011-england.csv:3: dimension: `age` is not a dimension (total, sex or ethnicity)";
    assert_problem("dimension", &[("census-2011-england.csv", text)], expected);
}

#[test]
fn a_census_row_names_its_code() {
    let text = "dimension,group,code,population\nethnicity,White,,100\n";
    let expected = "census-2011-england.csv:2: a sex or ethnicity row needs the code it counts";
    assert_problem("census-code", &[("census-2011-england.csv", text)], expected);
}

#[test]
fn a_code_is_listed_once() {
    let text = "code,ons_code,name\nY54,,North\nY55,,Midlands\nY56,,London\nY57,,South\nY54,,North again\n";
    let expected = "regions-2013.csv:6: code: `Y54` is listed twice (first at line 2)";
    assert_problem("duplicate", &[("regions-2013.csv", text)], expected);
}

#[test]
fn an_area_teams_region_is_present() {
    let text = "code,ons_code,name,region_code\nQ44,E39000001,Cheshire,Y58\n";
    let expected = "area-teams-2013.csv:2: region_code: region `Y58` is not in regions-2013.csv";
    assert_problem("team-region", &[("area-teams-2013.csv", text)], expected);
}

#[test]
fn every_ccgs_area_team_is_present() {
    let text = format!("{CCG_HEADER}00C,E38000042,NHS Darlington,Q99,105876\n00D,E38000047,NHS Durham,,10\n");
    let found = problems("ccg-team", &[("ccg-area-team.csv", &text)]);
    assert_eq!(
        found,
        [
            "ccg-area-team.csv:2: area_team_code: area team `Q99` is not in area-teams-2013.csv",
            "ccg-area-team.csv:3: area_team_code: `` is not an area team's ODS code (Q[0-9]{2})",
        ]
    );
}

#[test]
fn a_needed_column_is_in_the_header() {
    let expected = "providers.csv:1: provider_name: the header has no such column";
    assert_problem("header", &[("providers.csv", "provider_code,name\nRX4,A trust\n")], expected);
}

#[test]
fn every_problem_of_every_file_is_reported_at_once() {
    let found = problems(
        "all-at-once",
        &[
            ("providers.csv", "provider_code,provider_name\nr-x,\n"),
            ("census-2011-england.csv", "dimension,group,code,population\ntotal,All,,none\n"),
        ],
    );
    assert_eq!(
        found,
        [
            "providers.csv:2: provider_code: `r-x` is not a provider's ODS code ([A-Z0-9]{3,5})",
            "providers.csv:2: provider_name: a provider needs a name (at most 200 characters)",
            "census-2011-england.csv:2: population: `none` is not a whole number",
        ]
    );
}
