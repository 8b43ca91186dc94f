//! The IAPT data set as data.
//!
//! A [`Schema`] is loaded from a folder such as `schemas/iapt-v1.0/`: a Frictionless
//! Data Package (`datapackage.json`, one resource per sheet) extended with `iapt:` properties,
//! and one CSV per code list (`codes/*.csv`). The v1.0 folder is compiled into the binary
//! ([`Schema::builtin`]); [`Schema::from_dir`] loads a replacement. Nothing here reads a
//! submission: this crate only says what a valid one looks like.
//!
//! Sheets hold [`Column`]s; a column has a [`Status`] (M/R/O), a [`Kind`] (its type and
//! constraints), and where it applies ([`Scope`]). Code lists are indexed by [`CodeListId`]
//! and codes by their position in the list, so the rest of the pipeline stores a code in a
//! byte.

#![forbid(unsafe_code)]

pub mod checked;
mod date;
mod load;
mod measures;
mod mismatch;
mod pattern;

pub use checked::{FileProblem, FileProblems};
pub use date::{Date, OLDEST_AGE, TimeOfDay, digits};
pub use load::{ATTRIBUTES_USED, AttributeValues, SchemaError};
pub use measures::{AnxietyRule, DiagnosisGroup, Measure, Measures};
pub use mismatch::SchemaMismatch;
pub use pattern::{Pattern, PatternError};

/// Whether a missing value rejects the record (M), is a completeness warning (R), or is fine (O).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Mandatory,
    Required,
    Optional,
}

impl Status {
    /// The letter the specification uses.
    #[must_use]
    pub fn letter(self) -> &'static str {
        match self {
            Status::Mandatory => "M",
            Status::Required => "R",
            Status::Optional => "O",
        }
    }
}

/// The rows of a sheet to which a column's status applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every row.
    AllRows,
    /// Appointments that were attended.
    Attended,
    /// Attended appointments of a treatment type.
    AttendedTreatment,
}

/// Index of a code list in [`Schema::code_lists`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeListId(pub u16);

/// A named check implemented by the validator, beyond the column's type and constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    FirstOfMonth,
    LastOfMonth,
    NhsNumber,
    BirthDate,
}

/// How a text value is normalised before it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalise {
    None,
    StripSpaces,
    StripDot,
    Upper,
}

/// A column's type with its constraints.
#[derive(Clone, Debug)]
pub enum Kind {
    Text { max_len: Option<usize>, pattern: Option<Pattern> },
    Code(CodeListId),
    Date,
    Time,
    Integer { min: i64, max: i64 },
    Decimal { min: f64, max: f64 },
}

/// One column of a sheet.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub description: String,
    pub status: Status,
    pub kind: Kind,
    pub scope: Scope,
    /// A value on a non-attended appointment is a warning.
    pub only_when_attended: bool,
    /// Values that are valid but count as "default" (not known) in completeness.
    pub defaults: Vec<String>,
    /// The value identifies a person: masked in every diagnostic unless asked for.
    pub identifying: bool,
    pub check: Option<Check>,
    pub normalise: Normalise,
    /// An outcome measure's score column.
    pub score: bool,
}

/// One sheet (a table of the submission).
#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    pub optional: bool,
    pub exactly_one_row: bool,
    pub columns: Vec<Column>,
    /// Column indexes of the primary key.
    pub primary_key: Vec<usize>,
    /// (column index here, referenced sheet index, column index there).
    pub foreign_keys: Vec<(usize, usize, usize)>,
}

impl Sheet {
    /// The index of a column by exact name.
    #[must_use]
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// One code of a code list.
#[derive(Clone, Debug)]
pub struct Code {
    pub code: String,
    pub label: String,
    /// Values of the list's extra columns (`group`, `attended`, ...), in `CodeList::attributes` order.
    pub attributes: Vec<String>,
}

/// A code list from `codes/<name>.csv`.
#[derive(Clone, Debug)]
pub struct CodeList {
    pub name: String,
    pub codes: Vec<Code>,
    /// Names of the extra columns after `code,label`.
    pub attributes: Vec<String>,
    pub provenance: Option<String>,
    /// How `find` looks a code up, built from `codes` when the list is loaded.
    pub(crate) lookup: CodeLookup,
}

/// The printable ASCII bytes (space to `~`), the alphabet of the short-code table.
const PRINTABLES: usize = 95;

/// The index of a code of one or two printable ASCII bytes in [`CodeLookup::short`].
#[inline]
fn short_slot(code: &[u8]) -> Option<usize> {
    let at = |b: u8| {
        let i = usize::from(b.wrapping_sub(b' '));
        (i < PRINTABLES).then_some(i)
    };
    match *code {
        [a] => Some(PRINTABLES * PRINTABLES + at(a)?),
        [a, b] => Some(at(a)? * PRINTABLES + at(b)?),
        _ => None,
    }
}

/// A code list's index: codes of one or two characters (most of the data set's) by direct
/// table, longer ones as packed integers.
#[derive(Clone, Debug, Default)]
pub(crate) struct CodeLookup {
    /// For each short code's slot, its position plus one; 0 where no code is.
    short: Vec<u16>,
    /// Each code packed by [`pack`], when every code fits; empty otherwise.
    packed: Vec<u64>,
}

impl CodeLookup {
    pub(crate) fn new(codes: &[Code]) -> CodeLookup {
        let mut short = vec![0u16; PRINTABLES * PRINTABLES + PRINTABLES];
        for (i, c) in codes.iter().enumerate() {
            if let (Some(slot), Ok(pos)) = (short_slot(c.code.as_bytes()), u16::try_from(i + 1)) {
                // The first of two equal codes is the one found, as by a scan.
                if short[slot] == 0 {
                    short[slot] = pos;
                }
            }
        }
        let packed: Vec<u64> = codes.iter().filter_map(|c| pack(&c.code)).collect();
        let packed = if packed.len() == codes.len() { packed } else { Vec::new() };
        CodeLookup { short, packed }
    }
}

/// A code of at most 8 bytes as one integer (its bytes, little-endian, zero-padded). A code
/// with a NUL byte has none: `X` and `X` then NUL would be one integer.
#[must_use]
pub fn pack(code: &str) -> Option<u64> {
    let b = code.as_bytes();
    (b.len() <= 8 && !b.is_empty() && !b.contains(&0))
        .then(|| b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

impl CodeList {
    /// The position of a code, compared exactly.
    #[must_use]
    #[inline(always)]
    pub fn find(&self, code: &str) -> Option<u8> {
        // Inlined for the short codes (most of the data set's): a table look-up.
        if let Some(slot) = short_slot(code.as_bytes())
            && let Some(&pos) = self.lookup.short.get(slot)
        {
            return pos
                .checked_sub(1)
                .filter(|&i| usize::from(i) < self.codes.len())
                .and_then(|i| u8::try_from(i).ok());
        }
        self.find_long(code)
    }

    #[inline(never)]
    fn find_long(&self, code: &str) -> Option<u8> {
        let lookup = &self.lookup;
        // Codes are at most 8 bytes in practice: compare them as integers, not strings.
        if let (Some(key), false) = (pack(code), lookup.packed.is_empty()) {
            return lookup.packed.iter().position(|&p| p == key).and_then(|i| u8::try_from(i).ok());
        }
        self.codes.iter().position(|c| c.code == code).and_then(|i| u8::try_from(i).ok())
    }

    /// The width every code shares, when they all have the same length.
    #[must_use]
    pub fn fixed_width(&self) -> Option<usize> {
        let w = self.codes.first()?.code.len();
        self.codes.iter().all(|c| c.code.len() == w).then_some(w)
    }

    /// The position of an extra column.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a == name)
    }
}

/// The whole data set definition of one version.
#[derive(Clone, Debug)]
pub struct Schema {
    pub version: String,
    pub title: String,
    pub sheets: Vec<Sheet>,
    pub code_lists: Vec<CodeList>,
    /// Sheet names a workbook may carry besides the data set's (the template's code lists).
    pub reference_sheets: Vec<String>,
    /// Outcome measures and their thresholds (`measures.json`).
    pub measures: Measures,
    /// The files the schema was read from, (name, text) in name order: what a manifest hashes.
    pub files: Vec<(String, String)>,
}

impl Schema {
    /// The v1.0 schema compiled into the binary.
    #[must_use]
    pub fn builtin() -> Schema {
        load::builtin()
    }

    /// Loads a schema folder laid out like `schemas/iapt-v1.0/`.
    pub fn from_dir(dir: &std::path::Path) -> Result<Schema, SchemaError> {
        load::from_dir(dir)
    }

    /// The index of a sheet by exact name.
    #[must_use]
    pub fn sheet_index(&self, name: &str) -> Option<usize> {
        self.sheets.iter().position(|s| s.name == name)
    }

    /// A sheet by exact name.
    ///
    /// # Panics
    /// When the schema has no such sheet: callers name the data set's own sheets.
    #[must_use]
    pub fn sheet(&self, name: &str) -> &Sheet {
        &self.sheets[self.sheet_index(name).unwrap_or_else(|| panic!("schema has no sheet {name}"))]
    }

    /// A code list by name.
    #[must_use]
    pub fn code_list(&self, name: &str) -> Option<&CodeList> {
        self.code_lists.iter().find(|l| l.name == name)
    }

    /// A code list by id.
    #[must_use]
    pub fn list(&self, id: CodeListId) -> &CodeList {
        &self.code_lists[usize::from(id.0)]
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, CodeList, CodeLookup};

    fn list(codes: &[&str]) -> CodeList {
        let codes: Vec<Code> = codes
            .iter()
            .map(|c| Code { code: (*c).to_owned(), label: String::new(), attributes: Vec::new() })
            .collect();
        let lookup = CodeLookup::new(&codes);
        CodeList { name: "test".into(), codes, attributes: Vec::new(), provenance: None, lookup }
    }

    /// The table and the packed integers find what a scan finds, for short, long, absent,
    /// repeated and non-ASCII codes, and codes followed by NUL bytes (which pack to nothing).
    #[test]
    fn finds_as_a_scan_would() {
        let many: Vec<String> = (0..300).map(|i| format!("X{i:03}")).collect();
        let long: Vec<&str> = ["01", "1", "A", "~", " ", "Z9", "A1B2C3D4E", "01"]
            .into_iter()
            .chain(many.iter().map(String::as_str))
            .chain(["Q"])
            .collect();
        for codes in [&["01", "02", "10", "99"][..], &["F", "M", "X", "N"], &long] {
            let l = list(codes);
            let probes = [
                "01",
                "1",
                "001",
                "A",
                "a",
                "~",
                " ",
                "Z9",
                "A1B2C3D4E",
                "A1B2C3D4",
                "",
                "é",
                "X299",
                "Q",
                "0",
                "X\0",
                "01\0",
                "X299\0",
                "\0",
            ];
            for probe in probes {
                let scan = l.codes.iter().position(|c| c.code == probe).and_then(|i| u8::try_from(i).ok());
                assert_eq!(l.find(probe), scan, "{probe:?} in {codes:?}");
            }
        }
    }
}
