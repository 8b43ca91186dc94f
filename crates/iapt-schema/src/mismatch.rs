//! What a tool needs to find in a schema, looked up in one place: a schema folder without it
//! is a [`SchemaMismatch`] naming the missing piece, never a silent default.

use std::fmt;

use crate::{CodeList, Schema};

/// A sheet, column, code list, attribute or measure that a tool needs and the schema lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaMismatch {
    NoSheet(String),
    NoColumn {
        sheet: String,
        column: String,
    },
    NoCodeList(String),
    NoAttribute {
        list: String,
        attribute: String,
    },
    NoMeasure(String),
    /// Anything else the schema holds that a tool cannot work with.
    Unsupported(String),
}

impl fmt::Display for SchemaMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaMismatch::NoSheet(s) => write!(f, "the schema has no sheet `{s}`"),
            SchemaMismatch::NoColumn { sheet, column } => {
                write!(f, "the schema's `{sheet}` sheet has no column `{column}`")
            }
            SchemaMismatch::NoCodeList(l) => write!(f, "the schema has no code list `{l}`"),
            SchemaMismatch::NoAttribute { list, attribute } => {
                write!(f, "the schema's code list `{list}` has no `{attribute}` column")
            }
            SchemaMismatch::NoMeasure(m) => write!(f, "the schema has no measure `{m}`"),
            SchemaMismatch::Unsupported(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for SchemaMismatch {}

impl Schema {
    /// The index of a sheet the tool needs.
    ///
    /// # Errors
    /// When the schema has no such sheet.
    pub fn require_sheet(&self, name: &str) -> Result<usize, SchemaMismatch> {
        self.sheet_index(name).ok_or_else(|| SchemaMismatch::NoSheet(name.to_owned()))
    }

    /// The index of a column the tool needs, within its sheet.
    ///
    /// # Errors
    /// When the schema has no such sheet or column.
    pub fn require_column(&self, sheet: &str, column: &str) -> Result<usize, SchemaMismatch> {
        let s = self.require_sheet(sheet)?;
        self.sheets[s]
            .column_index(column)
            .ok_or_else(|| SchemaMismatch::NoColumn { sheet: sheet.to_owned(), column: column.to_owned() })
    }

    /// A code list the tool needs.
    ///
    /// # Errors
    /// When the schema has no such list.
    pub fn require_list(&self, name: &str) -> Result<&CodeList, SchemaMismatch> {
        self.code_list(name).ok_or_else(|| SchemaMismatch::NoCodeList(name.to_owned()))
    }
}

impl CodeList {
    /// The position of an attribute column the tool needs.
    ///
    /// # Errors
    /// When the list has no such column.
    pub fn require_attribute(&self, name: &str) -> Result<usize, SchemaMismatch> {
        self.attribute(name)
            .ok_or_else(|| SchemaMismatch::NoAttribute { list: self.name.clone(), attribute: name.to_owned() })
    }

    /// For each code, whether its `attribute` column says `true`.
    ///
    /// # Errors
    /// When the list has no such column (every flag false would be a silent wrong answer).
    pub fn flags(&self, attribute: &str) -> Result<Vec<bool>, SchemaMismatch> {
        let col = self.require_attribute(attribute)?;
        Ok(self.codes.iter().map(|c| c.attributes[col] == "true").collect())
    }
}
