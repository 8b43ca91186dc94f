//! The measures: counts over referral outcomes, and the rates `measures.md` defines.

use crate::dataset::Dataset;
use crate::engine::{OutcomeRules, ReferralOutcome};

/// Counts of one group of referrals (England, an area team, a provider, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub entered_treatment: u64,
    pub waited_28: u64,
    pub waited_90: u64,
    pub ended: u64,
    pub declined_or_dropped_out: u64,
    pub finished: u64,
    pub at_caseness: u64,
    pub not_at_caseness: u64,
    pub recovered: u64,
    pub reliable_improvement: u64,
    pub reliable_deterioration: u64,
    pub no_reliable_change: u64,
    pub reliable_recovery: u64,
}

impl Counts {
    /// Adds one referral. The 2012-13 report counts only referrals received in the period:
    /// that filter is the caller's (`received_in_period`), so later years can count others.
    pub fn add(&mut self, o: &ReferralOutcome, data: &Dataset, rules: &OutcomeRules) {
        self.received += u64::from(o.received_in_period);
        if o.entered_treatment {
            self.entered_treatment += 1;
            let w = o.wait_days.unwrap_or(i32::MAX);
            self.waited_28 += u64::from(w <= 28);
            self.waited_90 += u64::from(w <= 90);
        }
        if o.ended_in_period {
            self.ended += 1;
            let code = data.referral(o.referral as usize).record.end_code;
            self.declined_or_dropped_out += u64::from(code.is_some_and(|c| rules.declined[usize::from(c)]));
        }
        if o.finished_course {
            self.finished += 1;
            if o.caseness {
                self.at_caseness += 1;
            } else {
                self.not_at_caseness += 1;
            }
            let neither = !o.reliable_improvement && !o.reliable_deterioration;
            self.no_reliable_change += u64::from(neither);
        }
        self.recovered += u64::from(o.recovered);
        self.reliable_improvement += u64::from(o.reliable_improvement);
        self.reliable_deterioration += u64::from(o.reliable_deterioration);
        self.reliable_recovery += u64::from(o.reliable_recovery);
    }

    /// Adds the counts of another group: a larger unit as the sum of its parts.
    pub fn absorb(&mut self, other: &Counts) {
        let Counts {
            received,
            entered_treatment,
            waited_28,
            waited_90,
            ended,
            declined_or_dropped_out,
            finished,
            at_caseness,
            not_at_caseness,
            recovered,
            reliable_improvement,
            reliable_deterioration,
            no_reliable_change,
            reliable_recovery,
        } = *other;
        self.received += received;
        self.entered_treatment += entered_treatment;
        self.waited_28 += waited_28;
        self.waited_90 += waited_90;
        self.ended += ended;
        self.declined_or_dropped_out += declined_or_dropped_out;
        self.finished += finished;
        self.at_caseness += at_caseness;
        self.not_at_caseness += not_at_caseness;
        self.recovered += recovered;
        self.reliable_improvement += reliable_improvement;
        self.reliable_deterioration += reliable_deterioration;
        self.no_reliable_change += no_reliable_change;
        self.reliable_recovery += reliable_recovery;
    }

    /// Recovered / (finished - not at caseness), as a percentage.
    #[must_use]
    pub fn recovery_rate(&self) -> Option<f64> {
        pct(self.recovered, self.finished - self.not_at_caseness)
    }

    /// Reliable recovery / (finished - not at caseness), as a percentage.
    #[must_use]
    pub fn reliable_recovery_rate(&self) -> Option<f64> {
        pct(self.reliable_recovery, self.finished - self.not_at_caseness)
    }
}

/// `part / whole` as a percentage; `None` when `whole` is zero.
#[must_use]
pub fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Counts over every referral received in the period, and the distinct people referred.
#[must_use]
pub fn national(outcomes: &[ReferralOutcome], data: &Dataset, rules: &OutcomeRules) -> (Counts, u64) {
    let mut counts = Counts::default();
    let mut people = vec![false; data.people as usize];
    for o in outcomes.iter().filter(|o| o.received_in_period) {
        counts.add(o, data, rules);
        if let Some(identity) = data.identity_of(data.referral(o.referral as usize)) {
            people[identity as usize] = true;
        }
    }
    (counts, people.iter().filter(|&&p| p).count() as u64)
}
