//! A finding: one rule broken at one place. Small, with the message rendered only when shown.

use std::fmt::Write as _;

use std::borrow::Cow;

use iapt_schema::{Column, Kind, Schema};

use crate::mask::{mask, mask_shapes, printable};
use crate::rules::{self, Rule, Severity};

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

    /// The column whose values this finding's value holds: a key joins several, so none.
    fn value_column<'s>(&self, schema: &'s Schema) -> Option<&'s Column> {
        if self.rule == rules::DUPLICATE_KEY { None } else { self.column_def(schema) }
    }

    /// The column's name as the data set spells it.
    #[must_use]
    pub fn column_name<'s>(&self, schema: &'s Schema) -> Option<&'s str> {
        self.column_def(schema).map(|c| c.name.as_str())
    }

    /// The value as it may be shown: printable, cut to a readable length, and unless
    /// `show_values` masked when its column identifies a person, when it has the shape of an
    /// NHS number, postcode or date outside its own column, and whole when it has no column.
    #[must_use]
    pub fn shown_value(&self, schema: &Schema, show_values: bool) -> Option<String> {
        let v = self.value.as_deref()?;
        if show_values {
            return Some(printable(v).into_owned());
        }
        // Masked whole before it is cut, so that a cut never leaves part of a shape in clear.
        let masked = match self.value_column(schema) {
            Some(c) if c.identifying => mask(v),
            Some(c) => mask_shapes(v, !matches!(c.kind, Kind::Date)).into_owned(),
            // A value in a column with no header could be anything.
            None if self.rule == rules::VALUE_WITHOUT_HEADER => mask(v),
            // Names of sheets and columns, and keys: shown unless shaped like personal data (a
            // file without its header row has a person's values where the names should be).
            None => mask_shapes(v, self.dates_identify(schema)).into_owned(),
        };
        Some(printable(&masked).into_owned())
    }

    /// Whether a date in this finding's value or detail may be a birth date: outside any
    /// sheet, or in a sheet with an identifying date column, or in a column that is not a date.
    fn dates_identify(&self, schema: &Schema) -> bool {
        if let Some(c) = self.value_column(schema) {
            return c.identifying || !matches!(c.kind, Kind::Date);
        }
        let sheet = self.sheet.and_then(|s| schema.sheets.get(usize::from(s)));
        sheet.is_none_or(|s| s.columns.iter().any(|c| c.identifying && matches!(c.kind, Kind::Date)))
    }

    /// The detail as it may be shown: details can quote a value (a converted date, a reader's
    /// error naming a cell's text), so they are masked by shape like values.
    fn shown_detail<'d>(&self, detail: &'d str, schema: &Schema, show_values: bool) -> Cow<'d, str> {
        const DETAIL_CHARS: usize = 400;
        // A limit's detail holds the tool's own counts (`1,073,741,824`), never a value.
        if show_values || self.rule.id == rules::LIMIT_EXCEEDED.id {
            return iapt_ingest::printable(detail, DETAIL_CHARS);
        }
        // A reader's error quotes a cell of any column, a birth date too.
        let dates = self.rule.id == rules::UNREADABLE_FILE.id || self.dates_identify(schema);
        Cow::Owned(iapt_ingest::printable(&mask_shapes(detail, dates), DETAIL_CHARS).into_owned())
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
                "detail" => out.push_str(&self.shown_detail(self.detail.as_deref().unwrap_or(""), schema, show_values)),
                other => out.push_str(other),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::mask;

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
        let mut limit = Finding::new(rules::LIMIT_EXCEEDED);
        limit.detail = Some(
            iapt_ingest::IngestErrorKind::LimitExceeded {
                limit: iapt_ingest::Limit::EntryBytes,
                found: 2_147_483_648,
                max: 1_073_741_824,
                line: None,
            }
            .to_string()
            .into(),
        );
        let mut unreadable = Finding::new(rules::UNREADABLE_FILE);
        unreadable.sheet = Some(2);
        unreadable.detail = Some("Xlsx error: Unsupported cell error value 'born 15/06/1980'".into());
        let m = unreadable.message(&schema, false);
        assert!(!m.contains("06/1980") && m.contains("born 15/"), "a reader's error in any sheet: {m}");
        let m = limit.message(&schema, false);
        assert!(m.contains("holds 2,147,483,648 bytes") && m.contains("limit of 1,073,741,824"), "{m}");
        assert_eq!(f.cell().as_deref(), Some("B14"));
        assert_eq!(mask("SW1A 1AA"), "SW1* ***");
    }
}
