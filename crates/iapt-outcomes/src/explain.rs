//! Why one referral counts the way it does: the engine's own trace of it (see
//! [`crate::engine::Trace`]) and each fact beside its definition, in plain words. Pure, like the
//! engine; the CLI renders it.

use iapt_schema::Date;

use crate::dataset::Dataset;
use crate::engine::{Counted, Hundredths, OutcomeRules, Period, ReferralOutcome, Trace, derive_traced};

/// One fact of the referral, with whether it holds and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The outcome field, as in `iapt outcomes` (`finished_course`).
    pub fact: &'static str,
    /// Whether the fact holds; `None` for a value rather than a yes-or-no fact.
    pub holds: Option<bool>,
    /// The definition met or missed, with the referral's own values.
    pub why: String,
}

/// One referral's facts as `derive` gives them, how each of its appointments counted, and the
/// steps that explain each fact.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub outcome: ReferralOutcome,
    /// Per appointment of [`Dataset::appointments_of`], how it counted.
    pub appointments: Vec<Counted>,
    /// The anxiety measure the diagnosis called for (an index into [`OutcomeRules::names`]).
    pub called_for: u8,
    pub steps: Vec<Step>,
}

#[derive(Default)]
struct Recorder {
    appointments: Vec<Counted>,
    called_for: u8,
}

impl Trace for Recorder {
    fn appointment(&mut self, _index: usize, counted: Counted) {
        self.appointments.push(counted);
    }
    fn anxiety_measure(&mut self, called_for: u8) {
        self.called_for = called_for;
    }
}

/// A score in hundredths as its column shows it: `16`, `2.3`, `0.73`.
#[must_use]
pub fn score(h: Hundredths) -> String {
    let mut text = String::new();
    push_score(&mut text, h);
    text
}

/// [`score`], added to `out`.
pub fn push_score(out: &mut String, h: Hundredths) {
    use std::fmt::Write as _;
    let (whole, frac) = (h / 100, h % 100);
    let _ = match frac {
        0 => write!(out, "{whole}"),
        f if f % 10 == 0 => write!(out, "{whole}.{}", f / 10),
        f => write!(out, "{whole}.{f:02}"),
    };
}

fn date(d: Date) -> String {
    d.to_string()
}

/// Explains referral `referral` of `data` for `period`.
#[must_use]
pub fn explain(data: &Dataset, referral: usize, period: Period, rules: &OutcomeRules) -> Explanation {
    let mut trace = Recorder::default();
    let o = derive_traced(data, referral, period, rules, &mut trace);
    let treatments = trace.appointments.iter().filter(|c| matches!(c, Counted::Attended { treatment: true })).count();
    let why = Why { data, r: data.referral(referral), o: &o, period, rules, treatments, called_for: trace.called_for };
    let mut steps = Vec::new();
    why.course(&mut steps);
    why.measures(&mut steps);
    why.changes(&mut steps);
    Explanation { outcome: o, appointments: trace.appointments, called_for: trace.called_for, steps }
}

/// What the steps are worded from: one referral, its facts, and the rules.
struct Why<'a> {
    data: &'a Dataset,
    r: crate::dataset::Referral<'a>,
    o: &'a ReferralOutcome,
    period: Period,
    rules: &'a OutcomeRules,
    treatments: usize,
    called_for: u8,
}

fn push(steps: &mut Vec<Step>, fact: &'static str, holds: Option<bool>, why: String) {
    steps.push(Step { fact, holds, why });
}

impl Why<'_> {
    fn within(&self, d: Date) -> &'static str {
        if self.period.contains(d) { "within the period" } else { "outside the period" }
    }

    /// Received, entered treatment, waited, ended, finished a course.
    fn course(&self, steps: &mut Vec<Step>) {
        let (o, r, period, treatments, rules) = (self.o, self.r, self.period, self.treatments, self.rules);
        let within = |d: Date| self.within(d);
        let mut step = |fact, holds, why: String| push(steps, fact, holds, why);

        step(
            "received_in_period",
            Some(o.received_in_period),
            format!(
                "REFERRAL_RECEIVED_DATE {} is {} ({} to {})",
                date(r.record.received),
                within(r.record.received),
                period.start,
                period.end
            ),
        );
        match o.first_treatment_date {
            Some(f) => step(
                "entered_treatment",
                Some(o.entered_treatment),
                format!("the first treatment appointment that counts is on {}, {}", date(f), within(f)),
            ),
            None => step("entered_treatment", Some(false), "no treatment appointment counts".into()),
        }
        if let (Some(f), Some(w)) = (o.first_treatment_date, o.wait_days) {
            step(
                "wait_days",
                None,
                format!("{w} days from referral ({}) to first treatment ({})", date(r.record.received), date(f)),
            );
            if let Some(adj) = o.wait_days_adjusted.filter(|&a| a != w) {
                step(
                    "wait_days_adjusted",
                    None,
                    format!("{adj} days: {} paused days before the first treatment taken off", w - adj),
                );
            }
        }
        step("treatment_appointments", None, format!("{treatments} attended appointment(s) of a treatment type count"));
        match r.record.end_date {
            Some(e) => {
                let code = r.record.end_code.map(usize::from);
                let how = match code.and_then(|c| rules.end_codes.get(c).zip(rules.declined.get(c))) {
                    Some((c, true)) => format!(", END_CODE {c} (declined or dropped out)"),
                    Some((c, false)) => format!(", END_CODE {c}"),
                    None => String::new(),
                };
                step("ended_in_period", Some(o.ended_in_period), format!("END_DATE {} is {}{how}", date(e), within(e)));
            }
            None => step("ended_in_period", Some(false), "the referral has no END_DATE".into()),
        }
        let finished_why = if o.finished_course {
            format!("ended in the period after {treatments} treatment appointments (two or more finish a course)")
        } else if !o.ended_in_period {
            "did not end in the period".to_owned()
        } else {
            format!("ended in the period after {treatments} treatment appointment(s); a course needs two or more")
        };
        step("finished_course", Some(o.finished_course), finished_why);
    }

    /// The measures used, caseness and recovery.
    fn measures(&self, steps: &mut Vec<Step>) {
        let (o, r, rules, data) = (self.o, self.r, self.rules, self.data);
        let mut step = |fact, holds, why: String| push(steps, fact, holds, why);
        let names = &rules.names;
        let (dep, anx) = (rules.depression, usize::from(o.adsm));
        let called = usize::from(self.called_for);
        let diagnosis = r.record.diagnosis.map(|d| data.codes.resolve(d));
        let adsm_why = match (diagnosis, called == rules.default_anxiety, called == anx) {
            (Some(d), false, true) => format!("{} is the measure diagnosis {d} calls for", names[anx]),
            (Some(d), false, false) => format!(
                "diagnosis {d} calls for {}, which has no score on any attended appointment that counts, so {} is used",
                names[called], names[anx]
            ),
            (Some(d), true, _) => format!("diagnosis {d} calls for no other measure, so {} is used", names[anx]),
            (None, ..) => format!("no provisional diagnosis, so {} is used", names[anx]),
        };
        step("adsm", None, adsm_why);

        let thresholds = |m: usize| self.thresholds(m);
        let pair = [(dep, o.first_phq9, o.last_phq9), (anx, o.first_anxiety, o.last_anxiety)];
        let at_caseness: Vec<String> = pair
            .iter()
            .map(|&(m, first, _)| {
                let (name, cut, _) = thresholds(m);
                match first {
                    Some(s) if s >= cut => {
                        format!("first {name} is {}, at or above the cut-off {}", score(s), score(cut))
                    }
                    Some(s) => format!("first {name} is {}, below the cut-off {}", score(s), score(cut)),
                    None => format!("no {name} score"),
                }
            })
            .collect();
        let caseness_why = if o.caseness {
            at_caseness.iter().find(|t| t.contains("at or above")).cloned().unwrap_or_default()
        } else {
            at_caseness.join("; ")
        };
        step("caseness", Some(o.caseness), caseness_why);

        let above_at_end: Vec<String> = pair
            .iter()
            .filter_map(|&(m, _, last)| {
                let (name, cut, _) = thresholds(m);
                last.filter(|&s| s >= cut)
                    .map(|s| format!("last {name} is {}, at or above the cut-off {}", score(s), score(cut)))
            })
            .collect();
        let recovered_why = if !o.finished_course {
            "did not finish a course of treatment".to_owned()
        } else if !o.caseness {
            "was not at caseness at the start".to_owned()
        } else if o.recovered {
            let below: Vec<String> = pair
                .iter()
                .filter_map(|&(m, _, last)| {
                    let (name, cut, _) = thresholds(m);
                    last.map(|s| format!("last {name} {} is below {}", score(s), score(cut)))
                })
                .collect();
            format!("finished a course at caseness, and {}", below.join(" and "))
        } else {
            above_at_end.join("; ")
        };
        step("recovered", Some(o.recovered), recovered_why);
    }

    /// A measure's name, caseness cut-off and reliable change.
    fn thresholds(&self, m: usize) -> (&String, u32, u32) {
        let rule = &self.rules.measures[m];
        (&self.rules.names[m], rule.caseness, rule.reliable_change)
    }

    /// The pair of measures of this referral: (measure, first score, last score).
    fn pair(&self) -> [(usize, Option<u32>, Option<u32>); 2] {
        let o = self.o;
        [(self.rules.depression, o.first_phq9, o.last_phq9), (usize::from(o.adsm), o.first_anxiety, o.last_anxiety)]
    }

    /// Reliable improvement, deterioration and recovery.
    fn changes(&self, steps: &mut Vec<Step>) {
        let o = self.o;
        let mut step = |fact, holds, why: String| push(steps, fact, holds, why);
        let thresholds = |m: usize| self.thresholds(m);
        let pair = self.pair();

        let changes: Vec<(String, i64, u32, (u32, u32))> = pair
            .iter()
            .filter_map(|&(m, first, last)| {
                let (name, _, reliable) = thresholds(m);
                first.zip(last).map(|(f, l)| (name.clone(), i64::from(l) - i64::from(f), reliable, (f, l)))
            })
            .collect();
        let describe = |(name, change, reliable, (f, l)): &(String, i64, u32, (u32, u32))| {
            let by = score(u32::try_from(change.unsigned_abs()).unwrap_or(u32::MAX));
            let verb = match change.signum() {
                -1 => format!("fell by {by}"),
                1 => format!("rose by {by}"),
                _ => "did not change".to_owned(),
            };
            format!("{name} {verb} ({} to {}; reliable change {})", score(*f), score(*l), score(*reliable))
        };
        let listed = changes.iter().map(describe).collect::<Vec<_>>().join("; ");
        let fell = changes.iter().any(|(_, c, rel, _)| -c >= i64::from(*rel));
        let rose = changes.iter().any(|(_, c, rel, _)| *c >= i64::from(*rel));
        let change_why = |holds: bool, moved: bool, direction: &str| {
            if !o.finished_course {
                "did not finish a course of treatment".to_owned()
            } else if changes.is_empty() {
                "no measure has a first and a last score".to_owned()
            } else if holds {
                listed.clone()
            } else if !moved {
                format!("{listed}: no measure {direction} by its reliable change")
            } else {
                format!("{listed}: one measure fell and the other rose by a reliable change, which is neither")
            }
        };
        step("reliable_improvement", Some(o.reliable_improvement), change_why(o.reliable_improvement, fell, "fell"));
        step(
            "reliable_deterioration",
            Some(o.reliable_deterioration),
            change_why(o.reliable_deterioration, rose, "rose"),
        );
        let rr_why = match (o.recovered, o.reliable_improvement) {
            (true, true) => "recovered and reliably improved",
            (false, _) => "not recovered",
            (true, false) => "recovered, but without a reliable improvement",
        };
        step("reliable_recovery", Some(o.reliable_recovery), rr_why.to_owned());
    }
}
