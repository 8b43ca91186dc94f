//! A finding: one rule broken at one place. Small, with the message rendered only when shown.

use std::fmt::Write as _;

use iapt_schema::{Column, Schema};

use crate::rules::{Rule, Severity};

/// One broken rule at one place of one submission.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The sheet's index in the schema, when the finding is inside one of the data set's sheets.
    pub sheet: Option<u8>,
    /// Spreadsheet row (header = 1) or CSV line; 0 when the finding is about the whole sheet or file.
    pub row: u32,
    /// 0-based column of the sheet, for the cell reference.
    pub col: Option<u32>,
    /// The column's index in its schema sheet.
    pub field: Option<u16>,
    /// The offending value as written.
    pub value: Option<Box<str>>,
    /// Rule-specific detail that completes the message.
    pub detail: Option<Box<str>>,
}

impl Finding {
    #[must_use]
    pub fn new(rule: &'static Rule) -> Finding {
        Finding { rule, sheet: None, row: 0, col: None, field: None, value: None, detail: None }
    }

    #[must_use]
    pub fn severity(&self) -> Severity {
        self.rule.severity
    }

    /// The A1 reference of the cell (`F14`), or the row (`14`) when no column applies.
    #[must_use]
    pub fn cell(&self) -> Option<String> {
        match (self.col, self.row) {
            (_, 0) => None,
            (Some(c), r) => Some(format!("{}{r}", iapt_ingest::column_letters(c as usize))),
            (None, r) => Some(r.to_string()),
        }
    }

    /// The sheet's name as the data set spells it.
    #[must_use]
    pub fn sheet_name<'s>(&self, schema: &'s Schema) -> Option<&'s str> {
        Some(schema.sheets.get(usize::from(self.sheet?))?.name.as_str())
    }

    fn column_def<'s>(&self, schema: &'s Schema) -> Option<&'s Column> {
        schema.sheets.get(usize::from(self.sheet?))?.columns.get(usize::from(self.field?))
    }

    /// The column's name as the data set spells it.
    #[must_use]
    pub fn column_name<'s>(&self, schema: &'s Schema) -> Option<&'s str> {
        self.column_def(schema).map(|c| c.name.as_str())
    }

    /// The value as it may be shown: masked when it identifies a person, unless `show_values`.
    #[must_use]
    pub fn shown_value(&self, schema: &Schema, show_values: bool) -> Option<String> {
        let v = self.value.as_deref()?;
        let identifying = self.column_def(schema).is_some_and(|c| c.identifying);
        Some(if identifying && !show_values { mask(v) } else { v.to_owned() })
    }

    /// The rule's message with this finding's column, value and detail filled in.
    #[must_use]
    pub fn message(&self, schema: &Schema, show_values: bool) -> String {
        let mut out = String::with_capacity(self.rule.message.len() + 32);
        let mut rest = self.rule.message;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            match &rest[start + 1..start + len] {
                "column" => out.push_str(self.column_name(schema).unwrap_or("?")),
                "value" => {
                    if let Some(v) = self.shown_value(schema, show_values) {
                        let _ = write!(out, "`{v}` ");
                    }
                }
                "detail" => out.push_str(self.detail.as_deref().unwrap_or("")),
                other => out.push_str(other),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Keeps the first three characters and stars the rest: enough to find the row, not the person.
#[must_use]
pub fn mask(value: &str) -> String {
    value.chars().enumerate().map(|(i, c)| if i < 3 || c == ' ' { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    #[test]
    fn masks_identifying_values_unless_asked() {
        let schema = Schema::builtin();
        let person = schema.sheet_index("Person").unwrap();
        let mut f = Finding::new(rules::INVALID_TEXT_OPTIONAL);
        f.sheet = Some(u8::try_from(person).unwrap());
        f.field = Some(u16::try_from(schema.sheets[person].column_index("NHS_NUMBER").unwrap()).unwrap());
        f.value = Some("9434765910".into());
        f.detail = Some("fails the modulus-11 check".into());
        f.row = 14;
        f.col = Some(1);
        assert_eq!(f.message(&schema, false), "`NHS_NUMBER` `943*******` is not valid: fails the modulus-11 check");
        assert_eq!(f.message(&schema, true), "`NHS_NUMBER` `9434765910` is not valid: fails the modulus-11 check");
        assert_eq!(f.cell().as_deref(), Some("B14"));
        assert_eq!(mask("SW1A 1AA"), "SW1* ***");
    }
}
