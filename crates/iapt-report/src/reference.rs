//! Reference data: area teams, the CCG-to-area-team mapping, provider names and the 2011
//! census denominators. Built in from `schemas/reference/`; any file may be replaced by one of
//! the same name in a folder the user gives.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use iapt_schema::checked::{self, FileProblem, FileProblems};
use serde::Deserialize;
use validator::{Validate, ValidationError};

const REGIONS: (&str, &str) = ("regions-2013.csv", include_str!("../../../schemas/reference/regions-2013.csv"));
const AREA_TEAMS: (&str, &str) =
    ("area-teams-2013.csv", include_str!("../../../schemas/reference/area-teams-2013.csv"));
const CCGS: (&str, &str) = ("ccg-area-team.csv", include_str!("../../../schemas/reference/ccg-area-team.csv"));
const PROVIDERS: (&str, &str) = ("providers.csv", include_str!("../../../schemas/reference/providers.csv"));
const CENSUS: (&str, &str) =
    ("census-2011-england.csv", include_str!("../../../schemas/reference/census-2011-england.csv"));

/// An NHS England commissioning region (`Y54`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaTeam {
    pub code: String,
    pub name: String,
    /// Index into [`Reference::regions`].
    pub region: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ccg {
    pub code: String,
    pub name: String,
    /// Index into [`Reference::area_teams`]; `None` when the mapping names an unknown team.
    pub area_team: Option<usize>,
}

/// 2011 Census usual residents of England.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub total: u64,
    /// (PERSON_GENDER code, population).
    pub sex: Vec<(String, u64)>,
    /// (ETHNIC_CATEGORY code, population), census groups summed onto the NHS 2001 codes.
    pub ethnicity: Vec<(String, u64)>,
}

impl Census {
    #[must_use]
    pub fn sex(&self, code: &str) -> Option<u64> {
        self.sex.iter().find(|(c, _)| c == code).map(|&(_, n)| n)
    }

    #[must_use]
    pub fn ethnicity(&self, code: &str) -> Option<u64> {
        self.ethnicity.iter().find(|(c, _)| c == code).map(|&(_, n)| n)
    }
}

/// Where a reference file came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileSource {
    /// Compiled in from `schemas/reference/`.
    BuiltIn,
    /// Given with `--reference`, by its path.
    Path(String),
}

impl std::fmt::Display for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileSource::BuiltIn => f.write_str("built in"),
            FileSource::Path(p) => f.write_str(p),
        }
    }
}

/// Everything the report needs besides the submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub regions: Vec<Region>,
    pub area_teams: Vec<AreaTeam>,
    pub ccgs: Vec<Ccg>,
    /// (code, name).
    pub providers: Vec<(String, String)>,
    pub census: Census,
    /// Where each file came from (`built in` or a path), for the Notes sheet.
    pub sources: Vec<(String, FileSource)>,
    /// Each file's name and text, as read: what a manifest hashes.
    pub files: Vec<(String, String)>,
}

/// Every problem of a reference folder, at `file:line: column`.
pub type ReferenceError = FileProblems;

// One typed row per reference file; the `validator` derives are the checks of each value.

#[derive(Deserialize, Validate)]
struct RegionRow {
    #[validate(custom(function = "region_code_shape"))]
    code: String,
    #[validate(custom(function = "ons_shape"))]
    ons_code: Option<String>,
    #[validate(length(min = 1, max = 200, message = "a region needs a name (at most 200 characters)"))]
    name: String,
}

#[derive(Deserialize, Validate)]
struct AreaTeamRow {
    #[validate(custom(function = "area_team_code_shape"))]
    code: String,
    #[validate(custom(function = "ons_shape"))]
    ons_code: Option<String>,
    #[validate(length(min = 1, max = 200, message = "an area team needs a name (at most 200 characters)"))]
    name: String,
    #[validate(custom(function = "region_code_shape"))]
    region_code: String,
}

#[derive(Deserialize, Validate)]
struct CcgRow {
    #[validate(custom(function = "ccg_code_shape"))]
    ccg_code: String,
    #[validate(custom(function = "ons_shape"))]
    ons_code: Option<String>,
    #[validate(length(min = 1, max = 200, message = "a CCG needs a name (at most 200 characters)"))]
    ccg_name: String,
    #[validate(custom(function = "area_team_code_shape"))]
    area_team_code: String,
    #[validate(range(min = 1, message = "a CCG's registered patients are at least 1"))]
    registered_patients: Option<u64>,
}

#[derive(Deserialize, Validate)]
struct ProviderRow {
    #[validate(custom(function = "provider_code_shape"))]
    provider_code: String,
    #[validate(length(min = 1, max = 200, message = "a provider needs a name (at most 200 characters)"))]
    provider_name: String,
}

#[derive(Deserialize, Validate)]
#[validate(schema(function = "census_code_given"))]
struct CensusRow {
    #[validate(custom(function = "census_dimension"))]
    dimension: String,
    code: Option<String>,
    #[validate(range(min = 1, message = "a population is at least 1 (it divides the rates)"))]
    population: u64,
}

fn region_code_shape(v: &str) -> Result<(), ValidationError> {
    checked::shaped(v, "Y[0-9]{2}", "a commissioning region's ODS code")
}

fn area_team_code_shape(v: &str) -> Result<(), ValidationError> {
    checked::shaped(v, "Q[0-9]{2}", "an area team's ODS code")
}

fn ccg_code_shape(v: &str) -> Result<(), ValidationError> {
    checked::shaped(v, "[0-9]{2}[A-Z]", "a CCG's ODS code")
}

fn provider_code_shape(v: &str) -> Result<(), ValidationError> {
    checked::shaped(v, "[A-Z0-9]{3,5}", "a provider's ODS code")
}

fn ons_shape(v: &str) -> Result<(), ValidationError> {
    checked::shaped(v, "E[0-9]{8}", "an ONS code")
}

fn census_dimension(v: &str) -> Result<(), ValidationError> {
    if ["total", "sex", "ethnicity"].contains(&v) {
        return Ok(());
    }
    let m = format!("`{}` is not a dimension (total, sex or ethnicity)", checked::shown(v));
    Err(ValidationError::new("dimension").with_message(m.into()))
}

fn census_code_given(row: &CensusRow) -> Result<(), ValidationError> {
    if row.dimension == "total" || row.code.is_some() {
        return Ok(());
    }
    Err(ValidationError::new("code").with_message("a sex or ethnicity row needs the code it counts".into()))
}

/// Reports every code listed twice, at the later line.
fn duplicates<'a>(
    file: &str,
    column: &str,
    codes: impl Iterator<Item = (u64, &'a str)>,
    problems: &mut FileProblems,
) -> HashMap<&'a str, usize> {
    let mut index: HashMap<&str, (usize, u64)> = HashMap::new();
    for (i, (line, code)) in codes.enumerate() {
        if let Some(&(_, first)) = index.get(code) {
            problems.push(FileProblem::new(
                file,
                Some(line),
                Some(column),
                format!("`{code}` is listed twice (first at line {first})"),
            ));
        } else {
            index.insert(code, (i, line));
        }
    }
    index.into_iter().map(|(code, (i, _))| (code, i)).collect()
}

impl Reference {
    /// The reference data of `schemas/reference/`.
    ///
    /// # Panics
    /// Never: the built-in files are checked by the tests.
    #[must_use]
    pub fn builtin() -> Reference {
        Reference::read(|_| Ok(None)).expect("the built-in reference data parses")
    }

    /// The built-in data with every file that `dir` holds put in its place.
    ///
    /// # Errors
    /// When `dir` is not a folder, or a file in it cannot be read or parsed.
    pub fn from_dir(dir: &Path) -> Result<Reference, ReferenceError> {
        if !dir.is_dir() {
            return Err(FileProblems(vec![FileProblem::new(
                &dir.display().to_string(),
                None,
                None,
                "is not a folder",
            )]));
        }
        Reference::read(|name| {
            let path: PathBuf = dir.join(name);
            if !path.exists() {
                return Ok(None);
            }
            let shown = path.display().to_string();
            std::fs::read_to_string(&path)
                .map(|t| Some((shown.clone(), t)))
                .map_err(|e| FileProblems(vec![FileProblem::new(&shown, None, None, e.to_string())]))
        })
    }

    #[allow(clippy::type_complexity)]
    fn read(
        mut replacement: impl FnMut(&str) -> Result<Option<(String, String)>, ReferenceError>,
    ) -> Result<Reference, ReferenceError> {
        let mut sources = Vec::new();
        let mut files = Vec::new();
        let mut load = |(name, builtin): (&str, &str)| -> Result<(String, String), ReferenceError> {
            let (source, text) = match replacement(name)? {
                Some((path, text)) => (FileSource::Path(path), text),
                None => (FileSource::BuiltIn, builtin.to_owned()),
            };
            // Problems name the file as the user knows it: its path, or its name when built in.
            let shown = match &source {
                FileSource::BuiltIn => name.to_owned(),
                FileSource::Path(p) => p.clone(),
            };
            sources.push((name.to_owned(), source));
            files.push((name.to_owned(), text.clone()));
            Ok((shown, text))
        };

        let mut problems = FileProblems::default();
        let (file, text) = load(REGIONS)?;
        let region_rows: Vec<(u64, RegionRow)> = checked::read_csv(&file, &text, &["code", "name"], &mut problems);
        let region_index =
            duplicates(&file, "code", region_rows.iter().map(|(l, r)| (*l, r.code.as_str())), &mut problems);

        let (team_file, text) = load(AREA_TEAMS)?;
        let team_rows: Vec<(u64, AreaTeamRow)> =
            checked::read_csv(&team_file, &text, &["code", "name", "region_code"], &mut problems);
        let team_index =
            duplicates(&team_file, "code", team_rows.iter().map(|(l, t)| (*l, t.code.as_str())), &mut problems);
        let mut area_teams = Vec::new();
        for (line, t) in &team_rows {
            match region_index.get(t.region_code.as_str()) {
                Some(&region) => area_teams.push(AreaTeam { code: t.code.clone(), name: t.name.clone(), region }),
                None => problems.push(FileProblem::new(
                    &team_file,
                    Some(*line),
                    Some("region_code"),
                    format!("region `{}` is not in {}", t.region_code, REGIONS.0),
                )),
            }
        }

        let (file, text) = load(CCGS)?;
        let ccg_rows: Vec<(u64, CcgRow)> =
            checked::read_csv(&file, &text, &["ccg_code", "ccg_name", "area_team_code"], &mut problems);
        duplicates(&file, "ccg_code", ccg_rows.iter().map(|(l, c)| (*l, c.ccg_code.as_str())), &mut problems);
        let mut ccgs = Vec::new();
        for (line, c) in &ccg_rows {
            let area_team = team_index.get(c.area_team_code.as_str()).copied();
            if area_team.is_none() {
                let why = format!("area team `{}` is not in {}", c.area_team_code, AREA_TEAMS.0);
                problems.push(FileProblem::new(&file, Some(*line), Some("area_team_code"), why));
            }
            ccgs.push(Ccg { code: c.ccg_code.clone(), name: c.ccg_name.clone(), area_team });
        }

        let (file, text) = load(PROVIDERS)?;
        let provider_rows: Vec<(u64, ProviderRow)> =
            checked::read_csv(&file, &text, &["provider_code", "provider_name"], &mut problems);
        duplicates(
            &file,
            "provider_code",
            provider_rows.iter().map(|(l, p)| (*l, p.provider_code.as_str())),
            &mut problems,
        );
        let providers = provider_rows.into_iter().map(|(_, p)| (p.provider_code, p.provider_name)).collect();

        let (file, text) = load(CENSUS)?;
        let census_rows: Vec<(u64, CensusRow)> =
            checked::read_csv(&file, &text, &["dimension", "code", "population"], &mut problems);
        let mut census = Census::default();
        let mut census_at: HashMap<(String, String), usize> = HashMap::new();
        for (_, row) in census_rows {
            let code = row.code.unwrap_or_default();
            let list = match row.dimension.as_str() {
                "sex" => &mut census.sex,
                "ethnicity" => &mut census.ethnicity,
                _ => {
                    census.total = row.population;
                    continue;
                }
            };
            // Indexed, so that a long census file is not quadratic; census groups summed onto one code.
            match census_at.entry((row.dimension, code.clone())) {
                Entry::Occupied(e) => list[*e.get()].1 += row.population,
                Entry::Vacant(e) => {
                    e.insert(list.len());
                    list.push((code, row.population));
                }
            }
        }
        let regions = region_rows.into_iter().map(|(_, r)| Region { code: r.code, name: r.name }).collect();
        problems.into_result(())?;
        Ok(Reference { regions, area_teams, ccgs, providers, census, sources, files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_reference_data() {
        let r = Reference::builtin();
        assert_eq!(r.regions.len(), 4);
        assert_eq!(r.area_teams.len(), 27);
        assert_eq!(r.ccgs.len(), 211);
        assert!(r.ccgs.iter().all(|c| c.area_team.is_some()));
        // The real April 2013 lookup: 99M is Wessex's (Q70), in the South of England (Y57).
        let m = r.ccgs.iter().find(|c| c.code == "99M").unwrap();
        let team = &r.area_teams[m.area_team.unwrap()];
        assert_eq!((team.code.as_str(), r.regions[team.region].code.as_str()), ("Q70", "Y57"));
        let per_region: Vec<usize> = (0..4).map(|i| r.area_teams.iter().filter(|t| t.region == i).count()).collect();
        assert_eq!(per_region, [9, 8, 3, 7]);
        assert_eq!(r.census.total, 53_012_456);
        assert_eq!(r.census.sex("1").unwrap() + r.census.sex("2").unwrap(), r.census.total);
        // Gypsy or Irish Traveller and Other White both count as C.
        assert_eq!(r.census.ethnicity("C"), Some(54_895 + 2_430_010));
        assert!(r.sources.iter().all(|(_, s)| *s == FileSource::BuiltIn));
    }

    #[test]
    fn a_folder_replaces_only_the_files_it_holds() {
        let dir = std::env::temp_dir().join(format!("iapt-reference-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ccg-area-team.csv"), "ccg_code,ccg_name,area_team_code\n00C,Darlington CCG,Q45\n")
            .unwrap();
        let r = Reference::from_dir(&dir).unwrap();
        assert_eq!(r.ccgs.len(), 1);
        assert_eq!(r.area_teams[r.ccgs[0].area_team.unwrap()].code, "Q45");
        assert_eq!(r.area_teams.len(), 27, "area teams stay built in");

        std::fs::write(dir.join("ccg-area-team.csv"), "ccg_code,ccg_name,area_team_code\n00C,Darlington,Q99\n")
            .unwrap();
        let e = Reference::from_dir(&dir).unwrap_err();
        assert_eq!(e.0[0].line, Some(2));
        assert!(e.to_string().contains("area team `Q99`"), "{e}");

        std::fs::write(dir.join("ccg-area-team.csv"), "code,name\n00C,Darlington\n").unwrap();
        let e = Reference::from_dir(&dir).unwrap_err();
        assert!(e.to_string().contains("ccg-area-team.csv:1: ccg_code: the header has no such column"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(Reference::from_dir(&dir).is_err(), "a missing folder is an error");
    }
}
