//! Completeness and validity scoring.
//!
//! The validator counts every column's values as it reads them ([`iapt_validate::ColumnTally`]:
//! valid, default, invalid, missing, over the rows the column applies to), so the counts here
//! are the validator's own: every invalid value counted is a diagnostic there, and the reverse.
//! This crate adds them up per provider and turns them into scores:
//!
//! - completeness = (valid + default + invalid) / rows: the item was filled in;
//! - validity = valid / rows: the item was filled in with a valid, known value
//!   (a default such as ethnicity `99` or practice `V81999` is complete but not valid);
//! - a sheet's score, and a provider's data-quality score, is the mean validity of its items
//!   weighted by status: mandatory 3, required 2, optional 1 (an optional item missing is not
//!   a failure, so optional items count validity over the rows that have a value, and the
//!   sheet's and provider's completeness averages mandatory and required items only).
//!
//! Items that apply only to some rows (scores on attended appointments, therapy type on
//! attended treatment appointments) are scored over the rows they apply to. No I/O here.

#![forbid(unsafe_code)]

use std::collections::hash_map::Entry;

use iapt_schema::{Schema, Status};
use iapt_validate::Validation;
use rustc_hash::FxHashMap;

/// One data item's counts for one provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemScore {
    pub provider: String,
    /// Sheet and column names as the data set spells them.
    pub sheet: String,
    pub column: String,
    pub status: Option<Status>,
    pub rows: u64,
    pub valid: u64,
    pub default: u64,
    pub invalid: u64,
    pub missing: u64,
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

impl ItemScore {
    /// (valid + default + invalid) / rows, as a percentage.
    #[must_use]
    pub fn completeness(&self) -> Option<f64> {
        pct(self.valid + self.default + self.invalid, self.rows)
    }

    /// valid / rows, as a percentage.
    #[must_use]
    pub fn validity(&self) -> Option<f64> {
        pct(self.valid, self.rows)
    }

    fn weight(&self) -> f64 {
        match self.status {
            Some(Status::Mandatory) => 3.0,
            Some(Status::Required) => 2.0,
            _ => 1.0,
        }
    }

    /// The validity this item contributes to a score: over rows with a value for optional
    /// items (`None` for an optional item nobody filled in: that is not a failure).
    #[must_use]
    pub fn scored_validity(&self) -> Option<f64> {
        if self.status == Some(Status::Optional) { pct(self.valid, self.rows - self.missing) } else { self.validity() }
    }
}

/// A weighted score over items: (sum of weight × validity) / (sum of weights).
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub completeness: f64,
    pub validity: f64,
}

fn weighted<'a>(items: impl IntoIterator<Item = &'a ItemScore>) -> Option<Score> {
    let (mut wc, mut c, mut wv, mut v) = (0.0, 0.0, 0.0, 0.0);
    for i in items {
        // An optional item left empty is not incomplete: completeness counts M and R items.
        if let (Some(ci), false) = (i.completeness(), i.status == Some(Status::Optional)) {
            wc += i.weight();
            c += i.weight() * ci;
        }
        if let Some(vi) = i.scored_validity() {
            wv += i.weight();
            v += i.weight() * vi;
        }
    }
    (wv > 0.0).then(|| Score { completeness: if wc > 0.0 { c / wc } else { 100.0 }, validity: v / wv })
}

/// Everything `iapt quality` reports.
#[derive(Clone, Debug, Default)]
pub struct Quality {
    /// Per provider, sheet and column, in provider then schema order.
    pub items: Vec<ItemScore>,
}

impl Quality {
    /// Adds up the tallies of every validation per provider (`ORG_CODE_PROVIDER`, or the
    /// file name when the Header gives none).
    #[must_use]
    pub fn from_validations(validations: &[Validation], schema: &Schema) -> Quality {
        // An item is named by sheet and column name; a custom schema may repeat a name, so each
        // position maps to the first sheet and column of its name, as a lookup by name would.
        let canonical: Vec<Vec<(usize, usize)>> = schema
            .sheets
            .iter()
            .map(|sheet| {
                let s = schema.sheet_index(&sheet.name).unwrap_or(usize::MAX);
                let first = schema.sheets.get(s).unwrap_or(sheet);
                sheet.columns.iter().map(|c| (s, first.column_index(&c.name).unwrap_or(usize::MAX))).collect()
            })
            .collect();
        // Indexed by (provider, sheet, column): a linear search per tally is quadratic in providers.
        let mut provider_ids: FxHashMap<String, usize> = FxHashMap::default();
        let mut at: FxHashMap<(usize, usize, usize), usize> = FxHashMap::default();
        let mut items: Vec<((usize, usize), ItemScore)> = Vec::new();
        for v in validations {
            let provider = if v.provider.is_empty() {
                v.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            } else {
                v.provider.clone()
            };
            let next = provider_ids.len();
            let id = *provider_ids.entry(provider.clone()).or_insert(next);
            for report in &v.sheets {
                let sheet = &schema.sheets[report.sheet];
                for t in &report.columns {
                    let column = &sheet.columns[t.column];
                    let order = canonical[report.sheet][t.column];
                    let item = match at.entry((id, order.0, order.1)) {
                        Entry::Occupied(e) => &mut items[*e.get()].1,
                        Entry::Vacant(e) => {
                            e.insert(items.len());
                            items.push((
                                order,
                                ItemScore {
                                    provider: provider.clone(),
                                    sheet: sheet.name.clone(),
                                    column: column.name.clone(),
                                    status: Some(column.status),
                                    ..ItemScore::default()
                                },
                            ));
                            &mut items.last_mut().unwrap_or_else(|| unreachable!()).1
                        }
                    };
                    item.rows += t.rows;
                    item.valid += t.valid;
                    item.default += t.default;
                    item.invalid += t.invalid;
                    item.missing += t.missing;
                }
            }
        }
        items.sort_by(|(a_order, a), (b_order, b)| (&a.provider, a_order).cmp(&(&b.provider, b_order)));
        Quality { items: items.into_iter().map(|(_, i)| i).collect() }
    }

    /// Providers, in order.
    #[must_use]
    pub fn providers(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.items.iter().map(|i| i.provider.as_str()).collect();
        p.dedup();
        p
    }

    /// The items of one provider: a binary search, since `items` is in provider order.
    #[must_use]
    pub fn items_of(&self, provider: &str) -> &[ItemScore] {
        let start = self.items.partition_point(|i| i.provider.as_str() < provider);
        let len = self.items[start..].partition_point(|i| i.provider == provider);
        &self.items[start..start + len]
    }

    /// A provider's score for one sheet.
    #[must_use]
    pub fn sheet_score(&self, provider: &str, sheet: &str) -> Option<Score> {
        weighted(self.items_of(provider).iter().filter(|i| i.sheet == sheet))
    }

    /// A provider's data-quality score over every item.
    #[must_use]
    pub fn provider_score(&self, provider: &str) -> Option<Score> {
        weighted(self.items_of(provider))
    }
}
