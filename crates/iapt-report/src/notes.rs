//! The Notes sheet: definitions, the disclosure rule, symbols, geography and data-quality caveats.

use iapt_outcomes::pct;

use crate::Settings;
use crate::aggregate::Aggregates;
use crate::facts::{Headline, thousands};
use crate::model::NOT_FOR_PUBLICATION;
use crate::reference::Reference;

fn share(part: u64, whole: u64) -> String {
    pct(part, whole).map_or("[z]".into(), |v| format!("{v:.1}%"))
}

/// The codes the notes name, read from the schema's code lists.
pub struct Codes {
    /// End codes flagged `declined_or_dropped_out`.
    pub declined: Vec<String>,
    /// Appointment types flagged `treatment`.
    pub treatment_types: Vec<String>,
}

/// Numbered notes, as (title, text).
pub fn notes(
    a: &Aggregates,
    h: &Headline,
    reference: &Reference,
    settings: &Settings,
    codes: &Codes,
) -> Vec<(String, String)> {
    let mut notes = method(settings, codes);
    notes.extend(data(a, h, reference));
    notes
}

/// The notes on where the figures come from and how they are made.
fn method(settings: &Settings, codes: &Codes) -> Vec<(String, String)> {
    let mut notes = Vec::new();
    let mut note = |title: &str, text: String| notes.push((title.to_owned(), text));
    let intake = &settings.intake;
    let rows: Vec<String> = intake
        .rows
        .iter()
        .map(|(sheet, read, rejected)| {
            format!("{sheet}: {} rows read, {} rejected", thousands(*read), thousands(*rejected))
        })
        .collect();
    note(
        "Source",
        format!(
            "{}. {} submissions read, {} rejected whole by a file-level problem. {}. Rows rejected by validation \
             are left out of every figure; `iapt validate` lists each with its reason.",
            settings.source,
            intake.files,
            intake.files_rejected,
            if rows.is_empty() { "No rows read".into() } else { rows.join("; ") }
        ),
    );
    note(
        "Referrals counted",
        "Every figure counts referrals received in the reporting period (REFERRAL_RECEIVED_DATE within it); the data \
         set began in April 2012, so earlier referrals are not in the data. People are distinct human beings, matched \
         across services by NHS number where it is valid, otherwise by the service's local patient identifier."
            .into(),
    );
    note(
        "Definitions",
        format!(
            "Entered treatment: the first attended treatment appointment (APPOINTMENT_TYPE {}) falls in the period. \
         Waiting time: days from referral to that appointment, unadjusted for pauses. Ended: END_DATE in the period. Finished \
         a course of treatment: ended, with two or more treatment appointments. At caseness: the first PHQ-9 or first \
         anxiety-measure score at or above its cut-off. Recovered: at caseness, finished, and every last score below \
         its cut-off. Recovery rate: recovered / (finished - not at caseness). Reliable improvement or deterioration: \
         some measure moved by at least its reliable-change value one way and none the other way. Reliable recovery: \
         recovered and reliably improved. Thresholds are in measures.json.",
            codes.treatment_types.join(", ")
        ),
    );
    note("Declined or dropped out", format!("Referrals ended with end code {}.", codes.declined.join(", ")));
    note(
        "Disclosure control",
        if settings.unrounded {
            format!("{NOT_FOR_PUBLICATION}. No count is suppressed or rounded.")
        } else {
            format!("Rule `{}`: {}", settings.rule.name, settings.rule.statement())
        },
    );
    note(
        "Symbols",
        "[c] confidential: withheld to protect people's privacy. [z] not applicable: no denominator. [x] not \
         available: no population figure."
            .into(),
    );
    notes
}

/// The notes on the data behind the figures: geography, quality, population, status.
fn data(a: &Aggregates, h: &Headline, reference: &Reference) -> Vec<(String, String)> {
    let mut notes = Vec::new();
    let mut note = |title: &str, text: String| notes.push((title.to_owned(), text));
    let unknown = a.ccgs.last().map_or(0, |t| t.counts.received);
    let sources: Vec<String> = reference.sources.iter().map(|(f, s)| format!("{f} ({s})")).collect();
    note(
        "Geography",
        format!(
            "A referral belongs to the CCG of its COMMISSIONER_CODE, and through it to an area team and a \
             commissioning region (the April 2013 lookup: {} CCGs, {} area teams, {} regions); the provider is the \
             submission's ORG_CODE_PROVIDER. {} referrals ({}) have a commissioner code not in the reference data \
             and are counted in the Unknown rows of every level{}. Reference data: {}.",
            reference.ccgs.len(),
            reference.area_teams.len(),
            reference.regions.len(),
            thousands(unknown),
            share(unknown, a.england.counts.received),
            crate::facts::unknown_codes(&a.unknown_commissioners),
            sources.join("; ")
        ),
    );
    let not_recorded = a.diagnosis.last().map_or(0, |(_, c)| c.finished);
    note(
        "Data quality",
        format!(
            "Gender was not recorded or not known for {} of people referred and ethnicity not stated or not known for \
             {}. The provisional diagnosis was not recorded or not valid for {} of referrals that finished a course of \
             treatment. Completeness and validity of every data item is in quality.csv.",
            share(h.gender_not_known, h.people),
            share(h.unknown_ethnicity, h.people),
            share(not_recorded, a.england.counts.finished)
        ),
    );
    note(
        "Population",
        "Rates per 100,000 use 2011 Census usual residents of England (all ages), by sex and by ethnic group mapped to \
         the NHS 2001 categories."
            .into(),
    );
    note(
        "Experimental statistics",
        "These statistics are produced by the iapt toolkit from record-level submissions; the methods follow the \
         2012-13 annual report but are not an official publication."
            .into(),
    );
    notes
}
