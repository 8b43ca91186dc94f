//! Reference data: area teams, the CCG-to-area-team mapping, provider names and the 2011
//! census denominators. Built in from `schemas/reference/`; any file may be replaced by one of
//! the same name in a folder the user gives.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::{Path, PathBuf};

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
    pub sources: Vec<(String, String)>,
    /// Each file's name and text, as read: what a manifest hashes.
    pub files: Vec<(String, String)>,
}

/// A reference file that cannot be read, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    pub file: String,
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ReferenceError {}

/// The rows of one CSV file as the named columns, in order.
fn rows(file: &str, text: &str, wanted: &[&str]) -> Result<Vec<(u64, Vec<String>)>, ReferenceError> {
    let err = |line, message: String| ReferenceError { file: file.to_owned(), line, message };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = rdr.headers().map_err(|e| err(Some(1), e.to_string()))?.clone();
    let mut at = Vec::with_capacity(wanted.len());
    for w in wanted {
        let i = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(w))
            .ok_or_else(|| err(Some(1), format!("no column `{w}` (the header needs {})", wanted.join(", "))))?;
        at.push(i);
    }
    let mut out = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| err(e.position().map(csv::Position::line), e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let fields = at.iter().map(|&i| record.get(i).unwrap_or("").trim().to_owned()).collect();
        out.push((line, fields));
    }
    Ok(out)
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
            return Err(ReferenceError {
                file: dir.display().to_string(),
                line: None,
                message: "is not a folder".into(),
            });
        }
        Reference::read(|name| {
            let path: PathBuf = dir.join(name);
            if !path.exists() {
                return Ok(None);
            }
            std::fs::read_to_string(&path).map(|t| Some((path.display().to_string(), t))).map_err(|e| ReferenceError {
                file: path.display().to_string(),
                line: None,
                message: e.to_string(),
            })
        })
    }

    #[allow(clippy::type_complexity)]
    fn read(
        mut replacement: impl FnMut(&str) -> Result<Option<(String, String)>, ReferenceError>,
    ) -> Result<Reference, ReferenceError> {
        let mut sources = Vec::new();
        let mut files = Vec::new();
        let mut load = |(name, builtin): (&str, &str)| -> Result<(String, String), ReferenceError> {
            let (source, text) = replacement(name)?.unwrap_or_else(|| ("built in".into(), builtin.to_owned()));
            sources.push((name.to_owned(), source.clone()));
            files.push((name.to_owned(), text.clone()));
            Ok((if source == "built in" { name.to_owned() } else { source }, text))
        };

        let (file, text) = load(REGIONS)?;
        let regions: Vec<Region> = rows(&file, &text, &["code", "name"])?
            .into_iter()
            .map(|(_, f)| Region { code: f[0].clone(), name: f[1].clone() })
            .collect();
        let region_index: HashMap<&str, usize> =
            regions.iter().enumerate().rev().map(|(i, r)| (r.code.as_str(), i)).collect();

        let (file, text) = load(AREA_TEAMS)?;
        let mut area_teams = Vec::new();
        for (line, f) in rows(&file, &text, &["code", "name", "region_code"])? {
            let region = region_index.get(f[2].as_str()).copied().ok_or_else(|| ReferenceError {
                file: file.clone(),
                line: Some(line),
                message: format!("region `{}` is not in {}", f[2], REGIONS.0),
            })?;
            area_teams.push(AreaTeam { code: f[0].clone(), name: f[1].clone(), region });
        }

        // The first area team listed with a code wins, as a search from the top would find it.
        let mut team_index: HashMap<&str, usize> = HashMap::new();
        for (i, t) in area_teams.iter().enumerate() {
            team_index.entry(t.code.as_str()).or_insert(i);
        }
        let (file, text) = load(CCGS)?;
        let mut ccgs = Vec::new();
        for (line, f) in rows(&file, &text, &["ccg_code", "ccg_name", "area_team_code"])? {
            let area_team = team_index.get(f[2].as_str()).copied();
            if area_team.is_none() && !f[2].is_empty() {
                return Err(ReferenceError {
                    file,
                    line: Some(line),
                    message: format!("area team `{}` is not in {}", f[2], AREA_TEAMS.0),
                });
            }
            ccgs.push(Ccg { code: f[0].clone(), name: f[1].clone(), area_team });
        }

        let (file, text) = load(PROVIDERS)?;
        let providers = rows(&file, &text, &["provider_code", "provider_name"])?
            .into_iter()
            .map(|(_, f)| (f[0].clone(), f[1].clone()));
        let providers = providers.collect();

        let (file, text) = load(CENSUS)?;
        let mut census = Census::default();
        let mut census_at: HashMap<(String, String), usize> = HashMap::new();
        for (line, f) in rows(&file, &text, &["dimension", "code", "population"])? {
            let n: u64 = f[2].parse().map_err(|_| ReferenceError {
                file: file.clone(),
                line: Some(line),
                message: format!("population `{}` is not a whole number", f[2]),
            })?;
            let list = match f[0].as_str() {
                "total" => {
                    census.total = n;
                    continue;
                }
                "sex" => &mut census.sex,
                "ethnicity" => &mut census.ethnicity,
                _ => continue,
            };
            // Indexed, so that a long census file is not quadratic.
            match census_at.entry((f[0].clone(), f[1].clone())) {
                Entry::Occupied(e) => list[*e.get()].1 += n,
                Entry::Vacant(e) => {
                    e.insert(list.len());
                    list.push((f[1].clone(), n));
                }
            }
        }
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
        assert!(r.sources.iter().all(|(_, s)| s == "built in"));
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
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().contains("area team `Q99`"), "{e}");

        std::fs::write(dir.join("ccg-area-team.csv"), "code,name\n00C,Darlington\n").unwrap();
        let e = Reference::from_dir(&dir).unwrap_err();
        assert!(e.to_string().contains("no column `ccg_code`"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(Reference::from_dir(&dir).is_err(), "a missing folder is an error");
    }
}
