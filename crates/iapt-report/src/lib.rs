//! The annual report of `report-2012-13.md`.
//!
//! [`aggregate()`] counts every referral received in the period into its units (England, area
//! team, CCG, provider, diagnosis group) and the people referred by their demographics;
//! [`build`] turns those true figures into the published [`Report`]: tables T1-T7 passed
//! through [`disclosure`] control, key facts, charts and notes. The [`write`] module formats a
//! report into files; it computes nothing.

#![forbid(unsafe_code)]

pub mod aggregate;
pub mod disclosure;
pub mod facts;
pub mod model;
mod notes;
mod people;
mod protect;
pub mod reference;
mod tables;
pub mod write;

pub use aggregate::{Aggregates, aggregate};
pub use disclosure::DisclosureRule;
pub use model::{Cell, Chart, Column, Kind, NOT_FOR_PUBLICATION, Report, Table};
pub use reference::{FileSource, Reference, ReferenceError};

use iapt_outcomes::Period;
use iapt_schema::Schema;

/// What was read, for the notes: nothing is dropped without being counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intake {
    pub files: usize,
    pub files_rejected: usize,
    /// (sheet, rows read, rows rejected by validation).
    pub rows: Vec<(String, u64, u64)>,
}

/// How the report is to be made.
#[derive(Clone, Debug)]
pub struct Settings {
    pub period: Period,
    pub rule: DisclosureRule,
    /// No disclosure control at all; every output stamped "NOT FOR PUBLICATION".
    pub unrounded: bool,
    /// Where the data came from, for the cover.
    pub source: String,
    pub intake: Intake,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn long_date(d: iapt_schema::Date) -> String {
    let (y, m, day) = d.ymd();
    format!("{day} {} {y}", MONTHS[(m as usize).saturating_sub(1) % 12])
}

/// "2012-13" for a financial year (1 April to 31 March); otherwise the period's dates, so that a
/// quarter is never titled as a year.
/// Also whether the period is such a year.
fn year_label(p: Period) -> (String, bool) {
    let ((a, am, ad), (b, bm, bd)) = (p.start.ymd(), p.end.ymd());
    if (am, ad, bm, bd) == (4, 1, 3, 31) && b == a + 1 {
        (format!("{a}-{:02}", b.rem_euclid(100)), true)
    } else {
        (format!("{} to {}", long_date(p.start), long_date(p.end)), false)
    }
}

/// The published report from the true figures.
///
/// # Errors
/// When the schema lacks a code list the tables need.
pub fn build(
    a: &Aggregates,
    schema: &Schema,
    reference: &Reference,
    settings: &Settings,
) -> Result<Report, iapt_schema::SchemaMismatch> {
    let list = |name: &str| schema.require_list(name);
    let (end_codes, genders, ethnic) = (list("end-code")?, list("gender")?, list("ethnic-category")?);
    let rule = (!settings.unrounded).then_some(settings.rule);
    let (year, annual) = year_label(settings.period);
    let labels: Vec<(String, String)> = end_codes.codes.iter().map(|c| (c.code.clone(), c.label.clone())).collect();
    let mut tables = tables::referral_tables(a, rule, &labels);
    tables.push(people::t6(&a.people, genders, &reference.census));
    tables.push(people::t7(&a.people, ethnic, &reference.census));
    // Every table is of England over the report's period: said once, here.
    for t in &mut tables {
        t.title = format!("{}, England, {year}", t.title);
    }
    let headline = facts::national_headline(a, schema)?;
    let flagged = |l: &iapt_schema::CodeList, flag: &str| -> Result<Vec<String>, iapt_schema::SchemaMismatch> {
        Ok(l.codes.iter().zip(l.flags(flag)?).filter(|(_, f)| *f).map(|(c, _)| c.code.clone()).collect())
    };
    let codes = notes::Codes {
        declined: flagged(end_codes, "declined_or_dropped_out")?,
        treatment_types: flagged(list("appointment-type")?, "treatment")?,
    };
    Ok(Report {
        title: format!(
            "Psychological Therapies: {} on the use of IAPT services, England, {year}",
            if annual { "Annual Report" } else { "Report" }
        ),
        period: format!("{} to {}", long_date(settings.period.start), long_date(settings.period.end)),
        not_for_publication: settings.unrounded,
        key_facts: facts::key_facts(&headline, &year).into_iter().chain(facts::broad_group_rates(&tables)).collect(),
        charts: facts::charts(&tables, reference),
        notes: notes::notes(a, &headline, reference, settings, &codes),
        tables,
    })
}
