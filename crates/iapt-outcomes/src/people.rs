//! The people referred: one entry per human being with a referral received in the period.

use crate::dataset::Dataset;
use crate::engine::ReferralOutcome;

/// A person referred in the period, as the people tables count them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonReferred {
    pub identity: u32,
    /// Index into [`Dataset::persons`] of the latest Person record (by reporting period).
    pub person: u32,
    /// Age in whole years at the first referral received in the period.
    pub age: i32,
}

/// Everyone with a referral received in the period. Demographics come from the person's
/// latest Person record; age from their first referral in the period.
#[must_use]
pub fn people_referred(data: &Dataset, outcomes: &[ReferralOutcome]) -> Vec<PersonReferred> {
    // identity -> (latest record, first referral date)
    let mut by_identity: Vec<Option<(u32, iapt_schema::Date)>> = vec![None; data.people as usize];
    for o in outcomes.iter().filter(|o| o.received_in_period) {
        let r = data.referral(o.referral as usize);
        let Some(person) = r.person else { continue };
        let p = data.person(person as usize);
        let slot = &mut by_identity[p.identity as usize];
        *slot = Some(match *slot {
            None => (person, r.record.received),
            Some((best, first)) => {
                let newer = p.period_end > data.person(best as usize).period_end;
                (if newer { person } else { best }, first.min(r.record.received))
            }
        });
    }
    by_identity
        .iter()
        .enumerate()
        .filter_map(|(identity, slot)| {
            let (person, first) = (*slot)?;
            let age = first.years_since(data.person(person as usize).record.birth_date);
            Some(PersonReferred { identity: u32::try_from(identity).unwrap_or(u32::MAX), person, age })
        })
        .collect()
}
