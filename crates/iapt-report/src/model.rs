//! What the report is made of: tables of published cells, key facts, charts and notes. The
//! aggregation fills it in; the writers only format it.

/// One published cell, after disclosure control.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// A count of referrals or people.
    Count(u64),
    /// A percentage, 0 to 100.
    Percent(f64),
    /// A rate per 100,000 population.
    Rate(f64),
    /// A number of days (a median may be a half).
    Days(f64),
    /// Withheld by disclosure control: `[c]`.
    Suppressed,
    /// No denominator, so no figure: `[z]`.
    NotApplicable,
    /// No data to compute it from (no population figure): `[x]`.
    NotAvailable,
}

impl Cell {
    /// The shorthand the Analysis Function's guidance uses for a cell with no number.
    #[must_use]
    pub fn symbol(&self) -> Option<&'static str> {
        match self {
            Cell::Suppressed => Some("[c]"),
            Cell::NotApplicable => Some("[z]"),
            Cell::NotAvailable => Some("[x]"),
            _ => None,
        }
    }

    /// The number in the cell, if it holds one.
    #[must_use]
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Count(n) => Some(*n as f64),
            Cell::Percent(v) | Cell::Rate(v) | Cell::Days(v) => Some(*v),
            _ => None,
        }
    }

    /// The cell as tidy CSV and Markdown write it: counts whole, rates to one decimal.
    #[must_use]
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Percent(v) | Cell::Rate(v) | Cell::Days(v) => format!("{v:.1}"),
            other => other.symbol().unwrap_or_default().to_owned(),
        }
    }
}

/// What a column holds, which decides its number format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Count,
    Percent,
    Rate,
    Days,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The header, with its unit: "Entered treatment (% of referrals received)".
    pub header: String,
    pub kind: Kind,
}

/// One published table: one header row, one row per line of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// `T1` ... `T7`: the sheet name and the CSV file name.
    pub id: &'static str,
    /// What the table shows; `build` adds the place and period (", England, 2012-13").
    pub title: String,
    /// One or two sentences on what the rows are and what is counted.
    pub description: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The index of the column with this header.
    #[must_use]
    pub fn column(&self, header: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.header == header)
    }
}

/// A bar chart drawn from published figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    /// What the bars measure: "% of referrals that entered treatment".
    pub unit: String,
    /// A bar per label: the published cell, drawn when it holds a number, else its symbol.
    pub bars: Vec<(String, Cell)>,
    /// A reference line (the 50% recovery target), labelled.
    pub target: Option<(f64, String)>,
    /// The table the figures come from, for the text alternative.
    pub source: &'static str,
}

/// The whole report, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub title: String,
    /// "1 April 2012 to 31 March 2013".
    pub period: String,
    /// Unrounded figures with no disclosure control: every output is stamped.
    pub not_for_publication: bool,
    pub key_facts: Vec<String>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
    /// Numbered notes: definitions, the disclosure rule, data-quality caveats.
    pub notes: Vec<(String, String)>,
}

/// The stamp on every output of an unrounded run.
pub const NOT_FOR_PUBLICATION: &str =
    "NOT FOR PUBLICATION: unrounded figures without disclosure control; for internal use only";
