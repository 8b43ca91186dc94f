//! Reading a schema folder (or the built-in copy) into a [`Schema`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Check, Code, CodeList, CodeListId, Column, Kind, Normalise, Pattern, Schema, Scope, Sheet, Status};

/// The files of `schemas/iapt-v1.0/` compiled into the binary.
const BUILTIN: &[(&str, &str)] = &[
    ("datapackage.json", include_str!("../../../schemas/iapt-v1.0/datapackage.json")),
    ("measures.json", include_str!("../../../schemas/iapt-v1.0/measures.json")),
    ("codes/appointment-type.csv", include_str!("../../../schemas/iapt-v1.0/codes/appointment-type.csv")),
    ("codes/attendance.csv", include_str!("../../../schemas/iapt-v1.0/codes/attendance.csv")),
    ("codes/end-code.csv", include_str!("../../../schemas/iapt-v1.0/codes/end-code.csv")),
    ("codes/ethnic-category.csv", include_str!("../../../schemas/iapt-v1.0/codes/ethnic-category.csv")),
    ("codes/gender.csv", include_str!("../../../schemas/iapt-v1.0/codes/gender.csv")),
    ("codes/nhs-number-status.csv", include_str!("../../../schemas/iapt-v1.0/codes/nhs-number-status.csv")),
    ("codes/pause-reason.csv", include_str!("../../../schemas/iapt-v1.0/codes/pause-reason.csv")),
    ("codes/source-of-referral.csv", include_str!("../../../schemas/iapt-v1.0/codes/source-of-referral.csv")),
    ("codes/therapy-type.csv", include_str!("../../../schemas/iapt-v1.0/codes/therapy-type.csv")),
];

/// A schema folder that could not be read or does not describe a data set.
#[derive(Debug)]
pub struct SchemaError {
    pub path: PathBuf,
    pub reason: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema file `{}`: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for SchemaError {}

pub(crate) fn builtin() -> Schema {
    let read = |p: &str| {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == p)
            .map(|(_, s)| (*s).to_owned())
            .ok_or_else(|| SchemaError { path: p.into(), reason: "not in the built-in schema".into() })
    };
    match parse_keeping(&read) {
        Ok(schema) => schema,
        // The built-in files are checked by this crate's tests; failing here is a build defect.
        Err(e) => panic!("built-in schema is invalid: {e}"),
    }
}

pub(crate) fn from_dir(dir: &Path) -> Result<Schema, SchemaError> {
    let read = |p: &str| {
        let path = dir.join(p);
        std::fs::read_to_string(&path).map_err(|e| SchemaError { path, reason: e.to_string() })
    };
    parse_keeping(&read)
}

#[derive(Deserialize)]
struct RawPackage {
    version: String,
    title: String,
    resources: Vec<RawResource>,
    #[serde(rename = "iapt:codeLists")]
    code_lists: Vec<RawCodeList>,
    #[serde(rename = "iapt:referenceSheets", default)]
    reference_sheets: Vec<String>,
}

#[derive(Deserialize)]
struct RawCodeList {
    name: String,
    path: String,
    #[serde(rename = "iapt:provenance")]
    provenance: Option<String>,
}

#[derive(Deserialize)]
struct RawResource {
    name: String,
    #[serde(rename = "iapt:optional", default)]
    optional: bool,
    #[serde(rename = "iapt:rows")]
    rows: Option<String>,
    schema: RawTableSchema,
}

#[derive(Deserialize)]
struct RawTableSchema {
    fields: Vec<RawField>,
    #[serde(rename = "primaryKey", default)]
    primary_key: Vec<String>,
    #[serde(rename = "foreignKeys", default)]
    foreign_keys: Vec<RawForeignKey>,
}

#[derive(Deserialize)]
struct RawForeignKey {
    fields: Vec<String>,
    reference: RawReference,
}

#[derive(Deserialize)]
struct RawReference {
    resource: String,
    fields: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawConstraints {
    #[serde(rename = "maxLength")]
    max_length: Option<usize>,
    pattern: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

#[derive(Deserialize)]
struct RawField {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    constraints: RawConstraints,
    #[serde(rename = "iapt:status")]
    status: String,
    #[serde(rename = "iapt:codes")]
    codes: Option<String>,
    #[serde(rename = "iapt:appliesTo")]
    applies_to: Option<String>,
    #[serde(rename = "iapt:onlyWhenAttended", default)]
    only_when_attended: bool,
    #[serde(rename = "iapt:defaults", default)]
    defaults: Vec<String>,
    #[serde(rename = "iapt:identifying", default)]
    identifying: bool,
    #[serde(rename = "iapt:check")]
    check: Option<String>,
    #[serde(rename = "iapt:normalise")]
    normalise: Option<String>,
    #[serde(rename = "iapt:score", default)]
    score: bool,
}

fn parse(read: &dyn Fn(&str) -> Result<String, SchemaError>) -> Result<Schema, SchemaError> {
    const PACKAGE: &str = "datapackage.json";
    let err = |reason: String| SchemaError { path: PACKAGE.into(), reason };
    let raw: RawPackage = serde_json::from_str(&read(PACKAGE)?).map_err(|e| err(e.to_string()))?;

    let mut code_lists = Vec::new();
    for list in &raw.code_lists {
        let text = read(&list.path)?;
        let mut parsed = parse_code_list(&list.name, &text)
            .map_err(|reason| SchemaError { path: list.path.clone().into(), reason })?;
        parsed.provenance.clone_from(&list.provenance);
        code_lists.push(parsed);
    }
    let names: Vec<&str> = raw.resources.iter().map(|r| r.name.as_str()).collect();
    let mut sheets = Vec::new();
    for res in &raw.resources {
        let mut columns = Vec::new();
        for f in &res.schema.fields {
            columns.push(parse_field(f, &code_lists).map_err(|e| err(format!("{}.{}: {e}", res.name, f.name)))?);
        }
        let col = |name: &str, sheet: &str, cols: &[Column]| {
            cols.iter().position(|c| c.name == name).ok_or_else(|| err(format!("{sheet}: no column {name}")))
        };
        let primary_key =
            res.schema.primary_key.iter().map(|n| col(n, &res.name, &columns)).collect::<Result<_, _>>()?;
        let mut foreign_keys = Vec::new();
        for fk in &res.schema.foreign_keys {
            let target = names
                .iter()
                .position(|n| *n == fk.reference.resource)
                .ok_or_else(|| err(format!("{}: unknown resource {}", res.name, fk.reference.resource)))?;
            let target_fields = &raw.resources[target].schema.fields;
            for (here, there) in fk.fields.iter().zip(&fk.reference.fields) {
                let there_idx = target_fields
                    .iter()
                    .position(|f| &f.name == there)
                    .ok_or_else(|| err(format!("{}: no column {there}", fk.reference.resource)))?;
                foreign_keys.push((col(here, &res.name, &columns)?, target, there_idx));
            }
        }
        sheets.push(Sheet {
            name: res.name.clone(),
            optional: res.optional,
            exactly_one_row: res.rows.as_deref() == Some("exactly-one"),
            columns,
            primary_key,
            foreign_keys,
        });
    }
    const MEASURES: &str = "measures.json";
    let measures: crate::Measures = serde_json::from_str(&read(MEASURES)?)
        .map_err(|e| SchemaError { path: MEASURES.into(), reason: e.to_string() })?;
    for m in &measures.measures {
        if !sheets.iter().any(|s| s.columns.iter().any(|c| c.name == m.column && c.score)) {
            let reason = format!("measure {} names no score column {}", m.name, m.column);
            return Err(SchemaError { path: MEASURES.into(), reason });
        }
    }
    Ok(Schema {
        version: raw.version,
        title: raw.title,
        sheets,
        code_lists,
        reference_sheets: raw.reference_sheets,
        measures,
        files: Vec::new(),
    })
}

/// Parses through `read`, keeping every file read, in name order.
fn parse_keeping(read: &dyn Fn(&str) -> Result<String, SchemaError>) -> Result<Schema, SchemaError> {
    let files = std::cell::RefCell::new(Vec::new());
    let keeping = |p: &str| {
        let text = read(p)?;
        files.borrow_mut().push((p.to_owned(), text.clone()));
        Ok(text)
    };
    let mut schema = parse(&keeping)?;
    schema.files = files.into_inner();
    schema.files.sort();
    Ok(schema)
}

fn parse_field(f: &RawField, lists: &[CodeList]) -> Result<Column, String> {
    let status = match f.status.as_str() {
        "M" => Status::Mandatory,
        "R" => Status::Required,
        "O" => Status::Optional,
        s => return Err(format!("unknown status `{s}`")),
    };
    let c = &f.constraints;
    let kind = if let Some(list) = &f.codes {
        let idx = lists.iter().position(|l| &l.name == list).ok_or(format!("unknown code list `{list}`"))?;
        Kind::Code(CodeListId(u16::try_from(idx).map_err(|_| "too many code lists")?))
    } else {
        match f.kind.as_str() {
            "string" => {
                Kind::Text { max_len: c.max_length, pattern: c.pattern.as_deref().map(Pattern::new).transpose()? }
            }
            "date" => Kind::Date,
            "time" => Kind::Time,
            #[allow(clippy::cast_possible_truncation)]
            "integer" => Kind::Integer {
                min: c.minimum.map_or(i64::MIN, |v| v as i64),
                max: c.maximum.map_or(i64::MAX, |v| v as i64),
            },
            "number" => {
                Kind::Decimal { min: c.minimum.unwrap_or(f64::NEG_INFINITY), max: c.maximum.unwrap_or(f64::INFINITY) }
            }
            t => return Err(format!("unsupported type `{t}`")),
        }
    };
    let scope = match f.applies_to.as_deref() {
        None => Scope::AllRows,
        Some("attended") => Scope::Attended,
        Some("attended-treatment") => Scope::AttendedTreatment,
        Some(s) => return Err(format!("unknown appliesTo `{s}`")),
    };
    let check = match f.check.as_deref() {
        None => None,
        Some("first-of-month") => Some(Check::FirstOfMonth),
        Some("last-of-month") => Some(Check::LastOfMonth),
        Some("nhs-number") => Some(Check::NhsNumber),
        Some("birth-date") => Some(Check::BirthDate),
        Some(s) => return Err(format!("unknown check `{s}`")),
    };
    let normalise = match f.normalise.as_deref() {
        None => Normalise::None,
        Some("strip-spaces") => Normalise::StripSpaces,
        Some("strip-dot") => Normalise::StripDot,
        Some("upper") => Normalise::Upper,
        Some(s) => return Err(format!("unknown normalise `{s}`")),
    };
    Ok(Column {
        name: f.name.clone(),
        description: f.description.clone(),
        status,
        kind,
        scope,
        only_when_attended: f.only_when_attended,
        defaults: f.defaults.clone(),
        identifying: f.identifying,
        check,
        normalise,
        score: f.score,
    })
}

fn parse_code_list(name: &str, text: &str) -> Result<CodeList, String> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    if headers.get(0) != Some("code") || headers.get(1) != Some("label") {
        return Err("a code list starts with the columns `code,label`".into());
    }
    let attributes: Vec<String> = headers.iter().skip(2).map(str::to_owned).collect();
    let mut codes = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let code = rec.get(0).unwrap_or_default().to_owned();
        if let Some(first) = seen.insert(code.clone(), i) {
            return Err(format!("code `{code}` is listed twice (rows {} and {})", first + 2, i + 2));
        }
        codes.push(Code {
            code,
            label: rec.get(1).unwrap_or_default().to_owned(),
            attributes: rec.iter().skip(2).map(str::to_owned).collect(),
        });
    }
    if codes.len() > 255 {
        return Err("a code list holds at most 255 codes".into());
    }
    let packed: Vec<u64> = codes.iter().filter_map(|c| crate::pack(&c.code)).collect();
    let packed = if packed.len() == codes.len() { packed } else { Vec::new() };
    Ok(CodeList { name: name.to_owned(), codes, attributes, provenance: None, packed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_loads_and_matches_the_folder() {
        let builtin = Schema::builtin();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/iapt-v1.0");
        let on_disk = Schema::from_dir(&dir).unwrap();
        assert_eq!(builtin.sheets.len(), on_disk.sheets.len());
        assert_eq!(format!("{builtin:?}"), format!("{on_disk:?}"));
        // Every code list the package names is embedded.
        assert_eq!(builtin.code_lists.len(), BUILTIN.len() - 2);
    }

    #[test]
    fn a_broken_folder_names_the_file() {
        let e = Schema::from_dir(Path::new("/nonexistent")).unwrap_err();
        assert!(e.to_string().contains("datapackage.json"), "{e}");
    }
}
