//! Which rules can report a given column: the data dictionary (`docs/dataset.md`) lists them
//! beside each column, so a submitter sees what is checked where.

use iapt_schema::{Check, Kind, Schema, Status};

use crate::field::invalid_kind;
use crate::rules::{self, Rule};

/// Rules that compare a column with other columns or records (`assemble.rs`), by sheet and column.
const ACROSS_RECORDS: &[(&str, &str, &Rule)] = &[
    ("Person", "PERSON_BIRTH_DATE", rules::BIRTH_DATE),
    ("Person", "NHS_NUMBER_STATUS", rules::NHS_STATUS_WITHOUT_NUMBER),
    ("Person", "LOCAL_PATIENT_ID", rules::PERSON_WITHOUT_REFERRAL),
    ("Referral", "REFERRAL_RECEIVED_DATE", rules::REFERRAL_DATE),
    ("Referral", "END_DATE", rules::END_DATE_ORDER),
    ("Referral", "END_DATE", rules::END_DATE_CODE_PAIR),
    ("Referral", "END_CODE", rules::END_DATE_CODE_PAIR),
    ("Appointment", "APPOINTMENT_DATE", rules::APPOINTMENT_DATE),
    ("WaitingTimePause", "PAUSE_START_DATE", rules::PAUSE_DATES),
    ("WaitingTimePause", "PAUSE_END_DATE", rules::PAUSE_DATES),
    ("WaitingTimePause", "PAUSE_START_DATE", rules::PAUSE_OVERLAP),
];

/// The rules that can report a value of `column` of `sheet`, in id order.
#[must_use]
pub fn rules_for_column(schema: &Schema, sheet: usize, column: usize) -> Vec<&'static Rule> {
    let s = &schema.sheets[sheet];
    let c = &s.columns[column];
    let header_sheet = s.exactly_one_row;
    let mandatory = c.status == Status::Mandatory;
    let mut out: Vec<&'static Rule> = Vec::new();
    match (c.status, header_sheet) {
        (Status::Mandatory, true) => out.extend([rules::MISSING_MANDATORY_COLUMN, rules::HEADER_VALUE]),
        (Status::Mandatory, false) => out.extend([rules::MISSING_MANDATORY_COLUMN, rules::MISSING_MANDATORY]),
        (Status::Required, _) => out.extend([rules::MISSING_COLUMN, rules::MISSING_REQUIRED]),
        (Status::Optional, _) => {}
    }
    if !(header_sheet && mandatory) {
        out.push(invalid_kind(&c.kind).rule(mandatory));
    }
    if matches!(c.check, Some(Check::FirstOfMonth | Check::LastOfMonth)) {
        out.push(rules::REPORTING_PERIOD);
    }
    if c.check == Some(Check::NhsNumber) {
        out.push(rules::TEST_NHS_NUMBER);
    }
    match &c.kind {
        Kind::Code(list) if schema.list(*list).fixed_width().is_some() => {
            out.push(rules::CODE_WITHOUT_LEADING_ZERO);
        }
        Kind::Integer { .. } | Kind::Decimal { .. } => out.push(rules::NUMBER_AS_TEXT),
        Kind::Date | Kind::Time => out.push(rules::DATE_AS_TEXT),
        _ => {}
    }
    if c.only_when_attended {
        out.push(rules::VALUE_ON_MISSED_APPOINTMENT);
    }
    if s.primary_key.contains(&column) {
        out.push(rules::DUPLICATE_KEY);
    }
    for &(here, _, there) in &s.foreign_keys {
        if here == column {
            out.push(if schema.sheets[there].name == "Person" {
                rules::UNKNOWN_PERSON
            } else {
                rules::UNKNOWN_REFERRAL
            });
        }
    }
    out.extend(ACROSS_RECORDS.iter().filter(|(sh, col, _)| *sh == s.name && *col == c.name).map(|&(.., r)| r));
    out.sort_by_key(|r| r.id);
    out.dedup_by_key(|r| r.id);
    out
}
