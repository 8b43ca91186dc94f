//! How much one submission may hold. Every default is far above what a real submission holds
//! and far below what would exhaust a machine; a crafted file that declares or inflates to more
//! stops with a finding that names the limit and the flag that raises it.
//!
//! Nothing a file declares (a count, a dimension, a size) is trusted: each claim is checked
//! against these limits before a reader reserves memory for it.

use std::fmt;

/// The limits, as data in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes one part of a workbook (a sheet's XML, the shared strings) may inflate to.
    pub entry_bytes: u64,
    /// Bytes all parts of one workbook may inflate to together.
    pub workbook_bytes: u64,
    /// Rows of one sheet (Excel's own maximum is 1,048,576).
    pub rows: u32,
    /// Columns of one sheet (Excel's own maximum is 16,384).
    pub columns: u32,
    /// Cells of one sheet held in memory at once: `.xls`, `.xlsb` and `.ods` sheets are read
    /// whole, `.xlsx` and CSV stream and are bounded by rows and columns instead.
    pub cells: u64,
    /// Characters in one value (Excel's own maximum is 32,767).
    pub value_chars: u32,
    /// Entries in a workbook's shared-strings table.
    pub shared_strings: u64,
    /// Bytes of one CSV record.
    pub record_bytes: u64,
    /// Findings of one rule kept per submission; the rest are counted.
    pub findings_per_rule: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            entry_bytes: 1 << 30,
            workbook_bytes: 4 << 30,
            rows: 1_048_576,
            columns: 16_384,
            cells: 10_000_000,
            value_chars: 32_767,
            shared_strings: 8_000_000,
            record_bytes: 4 << 20,
            findings_per_rule: 10_000,
        }
    }
}

/// One of the [`Limits`], to name it in a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    EntryBytes,
    WorkbookBytes,
    Rows,
    Columns,
    Cells,
    ValueChars,
    SharedStrings,
    RecordBytes,
}

impl Limit {
    /// The command-line flag that sets it.
    #[must_use]
    pub fn flag(self) -> &'static str {
        match self {
            Limit::EntryBytes => "--max-entry-bytes",
            Limit::WorkbookBytes => "--max-workbook-bytes",
            Limit::Rows => "--max-rows",
            Limit::Columns => "--max-columns",
            Limit::Cells => "--max-cells",
            Limit::ValueChars => "--max-value-chars",
            Limit::SharedStrings => "--max-shared-strings",
            Limit::RecordBytes => "--max-record-bytes",
        }
    }

    /// What is limited, as a phrase for a message.
    #[must_use]
    pub fn what(self) -> &'static str {
        match self {
            Limit::EntryBytes => "bytes inflated from one part of the workbook",
            Limit::WorkbookBytes => "bytes inflated from the whole workbook",
            Limit::Rows => "rows in one sheet",
            Limit::Columns => "columns in one sheet",
            Limit::Cells => "cells in one sheet read whole into memory",
            Limit::ValueChars => "characters in one value",
            Limit::SharedStrings => "entries in the shared-strings table",
            Limit::RecordBytes => "bytes in one CSV record",
        }
    }

    /// The limit's value in `limits`.
    #[must_use]
    pub fn of(self, limits: &Limits) -> u64 {
        match self {
            Limit::EntryBytes => limits.entry_bytes,
            Limit::WorkbookBytes => limits.workbook_bytes,
            Limit::Rows => u64::from(limits.rows),
            Limit::Columns => u64::from(limits.columns),
            Limit::Cells => limits.cells,
            Limit::ValueChars => u64::from(limits.value_chars),
            Limit::SharedStrings => limits.shared_strings,
            Limit::RecordBytes => limits.record_bytes,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what())
    }
}

/// Formats a count with thousands separators, for messages.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }

    #[test]
    fn defaults_stay_within_excel() {
        let l = Limits::default();
        assert_eq!(l.rows, 1_048_576);
        assert_eq!(l.columns, 16_384);
        assert_eq!(l.value_chars, 32_767);
    }
}
