//! Reading a schema folder (or the built-in copy) into a [`Schema`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use validator::{Validate, ValidationError};

use crate::checked::{self, FileProblem, FileProblems};
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

/// Every problem of a schema folder, at `file:line: place`.
pub type SchemaError = FileProblems;

/// Code-list columns the tools read, and what their values must be. Checked when a schema
/// loads, so that a folder without one fails at its file and line instead of, say, making every
/// appointment unattended.
pub const ATTRIBUTES_USED: &[(&str, &str, AttributeValues)] = &[
    ("attendance", "attended", AttributeValues::TrueFalse),
    ("appointment-type", "treatment", AttributeValues::TrueFalse),
    ("end-code", "declined_or_dropped_out", AttributeValues::TrueFalse),
    ("end-code", "group", AttributeValues::Text),
    ("ethnic-category", "group", AttributeValues::Text),
];

/// What the values of a code-list column the tools read must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeValues {
    TrueFalse,
    Text,
}

/// Reads one file of a schema: its text, and its name as problems show it.
type ReadFile<'a> = &'a dyn Fn(&str) -> Result<(String, String), FileProblems>;

pub(crate) fn builtin() -> Schema {
    let read = |p: &str| {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == p)
            .map(|(_, s)| (p.to_owned(), (*s).to_owned()))
            .ok_or_else(|| FileProblems(vec![FileProblem::new(p, None, None, "is not in the built-in schema")]))
    };
    match parse_keeping(&read) {
        Ok(schema) => schema,
        // The built-in files are checked by this crate's tests; failing here is a build defect.
        Err(e) => panic!("built-in schema is invalid: {e}"),
    }
}

pub(crate) fn from_dir(dir: &Path) -> Result<Schema, SchemaError> {
    let read = |p: &str| {
        let shown = dir.join(p).display().to_string();
        match std::fs::read_to_string(dir.join(p)) {
            Ok(text) => Ok((shown, text)),
            Err(e) => Err(FileProblems(vec![FileProblem::new(&shown, None, None, e.to_string())])),
        }
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

#[derive(Deserialize, Default, Validate)]
#[validate(schema(function = "minimum_not_above_maximum"))]
struct RawConstraints {
    #[serde(rename = "maxLength")]
    #[validate(range(min = 1, message = "is at least 1"))]
    max_length: Option<usize>,
    #[validate(custom(function = "pattern_compiles"))]
    pattern: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

fn minimum_not_above_maximum(c: &RawConstraints) -> Result<(), ValidationError> {
    match (c.minimum, c.maximum) {
        (Some(min), Some(max)) if min > max => {
            Err(ValidationError::new("min_le_max").with_message(format!("minimum {min} is above maximum {max}").into()))
        }
        _ => Ok(()),
    }
}

fn pattern_compiles(p: &str) -> Result<(), ValidationError> {
    Pattern::new(p).map(drop).map_err(|e| ValidationError::new("pattern").with_message(e.0.into()))
}

fn column_name_shape(name: &str) -> Result<(), ValidationError> {
    checked::shaped(name, "[A-Z][A-Z0-9_]{0,63}", "a column name")
}

#[derive(Deserialize, Validate)]
struct RawField {
    #[validate(custom(function = "column_name_shape"))]
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    #[validate(nested)]
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

/// The JSON key a problem names for a field of the raw structs (validator knows no serde renames).
fn json_key(field: &str) -> String {
    field.replace("max_length", "maxLength")
}

fn parse(read: ReadFile<'_>) -> Result<Schema, SchemaError> {
    let (package, text) = read("datapackage.json")?;
    let raw: RawPackage = serde_json::from_str(&text)
        .map_err(|e| FileProblems(vec![FileProblem::new(&package, Some(e.line() as u64), None, e.to_string())]))?;
    let mut problems = FileProblems::default();

    let mut code_lists = Vec::new();
    for list in &raw.code_lists {
        let (file, text) = read(&list.path)?;
        let mut parsed = parse_code_list(&list.name, &file, &text, &mut problems);
        parsed.provenance.clone_from(&list.provenance);
        code_lists.push(parsed);
    }
    for (list, ..) in ATTRIBUTES_USED {
        if !raw.code_lists.iter().any(|l| l.name == *list) {
            let line = text.find("\"iapt:codeLists\"").map(|at| 1 + text[..at].matches('\n').count() as u64);
            let why = format!("there is no code list `{list}`; the tools read it");
            problems.push(FileProblem::new(&package, line, Some("iapt:codeLists"), why));
        }
    }
    let sheets = sheets(&raw, &package, &text, &code_lists, &mut problems);
    let (measures_file, text) = read("measures.json")?;
    let measures: crate::Measures = serde_json::from_str(&text).map_err(|e| {
        FileProblems(vec![FileProblem::new(&measures_file, Some(e.line() as u64), None, e.to_string())])
    })?;
    for m in &measures.measures {
        let line = checked::json_line(&text, &[&m.name]);
        if let Err(errors) = m.validate() {
            for mut p in checked::row_problems(&measures_file, line, &errors, &["name", "column"]) {
                p.column = Some(format!("{}.{}", m.name, p.column.unwrap_or_default()));
                problems.push(p);
            }
        }
        if !sheets.iter().any(|s| s.columns.iter().any(|c| c.name == m.column && c.score)) {
            let why = format!("`{}` is not a score column (\"iapt:score\": true) of the package", m.column);
            problems.push(FileProblem::new(&measures_file, line, Some(&format!("{}.column", m.name)), why));
        }
    }
    problems.into_result(Schema {
        version: raw.version,
        title: raw.title,
        sheets,
        code_lists,
        reference_sheets: raw.reference_sheets,
        measures,
        files: Vec::new(),
    })
}

/// The sheets of the package, each field checked by its `validator` derives and parsed; every
/// problem at the field's line of `datapackage.json`.
fn sheets(
    raw: &RawPackage,
    package: &str,
    text: &str,
    code_lists: &[CodeList],
    problems: &mut FileProblems,
) -> Vec<Sheet> {
    let names: Vec<&str> = raw.resources.iter().map(|r| r.name.as_str()).collect();
    let mut sheets = Vec::new();
    for res in &raw.resources {
        let mut columns = Vec::new();
        for f in &res.schema.fields {
            let line = checked::json_line(text, &[&res.name, &f.name]);
            let place = format!("{}.{}", res.name, f.name);
            if let Err(errors) = f.validate() {
                for mut p in checked::row_problems(package, line, &errors, &["name", "constraints"]) {
                    p.column = Some(p.column.map_or_else(|| place.clone(), |c| format!("{place}.{}", json_key(&c))));
                    problems.push(p);
                }
            }
            match parse_field(f, code_lists) {
                Ok(c) => columns.push(c),
                Err(e) => problems.push(FileProblem::new(package, line, Some(&place), e)),
            }
        }
        let sheet_line = checked::json_line(text, &[&res.name]);
        let col = |name: &str, problems: &mut FileProblems| {
            let found = columns.iter().position(|c| c.name == name);
            if found.is_none() {
                let why = format!("names column `{name}`, which the sheet does not have");
                problems.push(FileProblem::new(package, sheet_line, Some(&res.name), why));
            }
            found
        };
        let primary_key = res.schema.primary_key.iter().filter_map(|n| col(n, problems)).collect();
        let mut foreign_keys = Vec::new();
        for fk in &res.schema.foreign_keys {
            let Some(target) = names.iter().position(|n| *n == fk.reference.resource) else {
                let why =
                    format!("a foreign key names sheet `{}`, which the package does not have", fk.reference.resource);
                problems.push(FileProblem::new(package, sheet_line, Some(&res.name), why));
                continue;
            };
            let target_fields = &raw.resources[target].schema.fields;
            for (here, there) in fk.fields.iter().zip(&fk.reference.fields) {
                let there_idx = target_fields.iter().position(|f| &f.name == there);
                if there_idx.is_none() {
                    let why = format!(
                        "a foreign key names column `{there}`, which sheet `{}` does not have",
                        fk.reference.resource
                    );
                    problems.push(FileProblem::new(package, sheet_line, Some(&res.name), why));
                }
                if let (Some(here), Some(there_idx)) = (col(here, problems), there_idx) {
                    foreign_keys.push((here, target, there_idx));
                }
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
    sheets
}

/// Parses through `read`, keeping every file read, in name order.
fn parse_keeping(read: ReadFile<'_>) -> Result<Schema, SchemaError> {
    let files = std::cell::RefCell::new(Vec::new());
    let keeping = |p: &str| {
        let (shown, text) = read(p)?;
        files.borrow_mut().push((p.to_owned(), text.clone()));
        Ok((shown, text))
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
            "string" => Kind::Text {
                max_len: c.max_length,
                pattern: c.pattern.as_deref().map(Pattern::new).transpose().map_err(|e| e.0)?,
            },
            "date" => Kind::Date,
            "time" => Kind::Time,
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

/// The checks of one code of a code list; its attributes are checked against [`ATTRIBUTES_USED`].
#[derive(Validate)]
struct CodeRow<'a> {
    #[validate(length(min = 1, max = 16, message = "a code has 1 to 16 characters"))]
    code: &'a str,
    #[validate(length(min = 1, message = "a code needs a label"))]
    label: &'a str,
}

fn parse_code_list(name: &str, file: &str, text: &str, problems: &mut FileProblems) -> CodeList {
    let empty = |attributes| CodeList {
        name: name.to_owned(),
        codes: Vec::new(),
        attributes,
        provenance: None,
        lookup: crate::CodeLookup::default(),
    };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(FileProblem::new(file, Some(1), None, e.to_string()));
            return empty(Vec::new());
        }
    };
    if headers.get(0) != Some("code") || headers.get(1) != Some("label") {
        problems.push(FileProblem::new(file, Some(1), None, "a code list starts with the columns `code,label`"));
        return empty(Vec::new());
    }
    let attributes: Vec<String> = headers.iter().skip(2).map(str::to_owned).collect();
    let used: Vec<(usize, &str, AttributeValues)> = ATTRIBUTES_USED
        .iter()
        .filter(|(list, ..)| *list == name)
        .filter_map(|&(_, attribute, values)| match attributes.iter().position(|a| a == attribute) {
            Some(i) => Some((i, attribute, values)),
            None => {
                let why = "the header has no such column; the tools read it for every code";
                problems.push(FileProblem::new(file, Some(1), Some(attribute), why));
                None
            }
        })
        .collect();
    let mut codes = Vec::new();
    let mut seen = BTreeMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(FileProblem::new(file, e.position().map(csv::Position::line), None, e.to_string()));
                break;
            }
        };
        let line = rec.position().map_or(0, csv::Position::line);
        let row = CodeRow { code: rec.get(0).unwrap_or_default(), label: rec.get(1).unwrap_or_default() };
        if let Err(errors) = row.validate() {
            problems.0.extend(checked::row_problems(file, Some(line), &errors, &["code", "label"]));
        }
        if let Some(first) = seen.insert(row.code.to_owned(), line) {
            let why = format!("`{}` is listed twice (first at line {first})", checked::shown(row.code));
            problems.push(FileProblem::new(file, Some(line), Some("code"), why));
        }
        let attribute_values: Vec<String> = rec.iter().skip(2).map(str::to_owned).collect();
        for &(i, attribute, values) in &used {
            let v = attribute_values.get(i).map_or("", String::as_str);
            let fits = match values {
                AttributeValues::TrueFalse => v == "true" || v == "false",
                AttributeValues::Text => !v.trim().is_empty(),
            };
            if !fits {
                let want = if values == AttributeValues::TrueFalse { "true or false" } else { "a value" };
                let why = format!("`{}` is not {want}", checked::shown(v));
                problems.push(FileProblem::new(file, Some(line), Some(attribute), why));
            }
        }
        codes.push(Code { code: row.code.to_owned(), label: row.label.to_owned(), attributes: attribute_values });
    }
    if codes.len() > 255 {
        problems.push(FileProblem::new(file, None, None, "a code list holds at most 255 codes"));
    }
    let lookup = crate::CodeLookup::new(&codes);
    CodeList { name: name.to_owned(), codes, attributes, provenance: None, lookup }
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
