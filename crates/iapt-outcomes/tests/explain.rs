//! `explain`: every definition's wording when it holds and when it does not (one referral each),
//! the appointments that do not count and why, the anxiety-measure fallback, and facts equal to
//! `derive`'s.

mod support;

use iapt_outcomes::{Counted, Dataset, OutcomeRules, derive, explain};
use iapt_schema::Schema;
use support::{Sub, period};

/// The explanation of the submission's first referral: (holds, why) of `fact`.
fn why(sub: &Sub, fact: &str) -> (Option<bool>, String) {
    let data = Dataset::merge(vec![sub.0.clone()]);
    let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
    let e = explain(&data, 0, period(), &rules);
    assert_eq!(e.outcome, derive(&data, period(), &rules)[0], "explain's facts are derive's");
    let step = e.steps.iter().find(|s| s.fact == fact).unwrap_or_else(|| panic!("no step {fact}"));
    (step.holds, step.why.clone())
}

fn holds(sub: &Sub, fact: &str, expected: &str) {
    assert_eq!(why(sub, fact), (Some(true), expected.to_owned()), "{fact}");
}

fn fails(sub: &Sub, fact: &str, expected: &str) {
    assert_eq!(why(sub, fact), (Some(false), expected.to_owned()), "{fact}");
}

/// Received 2012-05-01, ended 2012-08-01 (code 46), two sessions with the given scores.
fn course(first: (f64, f64), last: (f64, f64)) -> Sub {
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", Some(("2012-08-01", "46")), Some("F411"))
        .session("R1", "2012-05-10", first.0, first.1)
        .session("R1", "2012-07-10", last.0, last.1);
    s
}

#[test]
fn received_in_period() {
    let mut s = Sub::new();
    s.referral("R1", "2012-04-01", None, None);
    holds(
        &s,
        "received_in_period",
        "REFERRAL_RECEIVED_DATE 2012-04-01 is within the period (2012-04-01 to 2013-03-31)",
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-03-31", None, None);
    fails(
        &s,
        "received_in_period",
        "REFERRAL_RECEIVED_DATE 2012-03-31 is outside the period (2012-04-01 to 2013-03-31)",
    );
}

#[test]
fn entered_treatment() {
    holds(
        &course((16.0, 14.0), (6.0, 5.0)),
        "entered_treatment",
        "the first treatment appointment that counts is on 2012-05-10, within the period",
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None).appt("R1", "2012-05-08", None, "01", "5", &[]);
    fails(&s, "entered_treatment", "no treatment appointment counts");
    let mut s = Sub::new();
    s.referral("R1", "2012-03-01", None, None).session("R1", "2012-03-15", 12.0, 9.0);
    fails(&s, "entered_treatment", "the first treatment appointment that counts is on 2012-03-15, outside the period");
}

#[test]
fn ended_in_period() {
    holds(
        &course((16.0, 14.0), (6.0, 5.0)),
        "ended_in_period",
        "END_DATE 2012-08-01 is within the period, END_CODE 46",
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", Some(("2012-06-01", "14")), None);
    holds(&s, "ended_in_period", "END_DATE 2012-06-01 is within the period, END_CODE 14 (declined or dropped out)");
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None);
    fails(&s, "ended_in_period", "the referral has no END_DATE");
}

#[test]
fn finished_course() {
    holds(
        &course((16.0, 14.0), (6.0, 5.0)),
        "finished_course",
        "ended in the period after 2 treatment appointments (two or more finish a course)",
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", Some(("2012-08-01", "46")), None).session("R1", "2012-05-10", 16.0, 14.0);
    fails(&s, "finished_course", "ended in the period after 1 treatment appointment(s); a course needs two or more");
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None).session("R1", "2012-05-10", 16.0, 14.0);
    fails(&s, "finished_course", "did not end in the period");
}

#[test]
fn the_anxiety_measure_and_the_gad7_fallback() {
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, Some("F401")).appt(
        "R1",
        "2012-05-10",
        None,
        "02",
        "5",
        &[("SPIN_SCORE", 30.0)],
    );
    assert_eq!(why(&s, "adsm").1, "SPIN is the measure diagnosis F401 calls for");
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, Some("F401")).session("R1", "2012-05-10", 12.0, 9.0);
    assert_eq!(
        why(&s, "adsm").1,
        "diagnosis F401 calls for SPIN, which has no score on any attended appointment that counts, so GAD7 is used"
    );
    assert_eq!(
        why(&course((1.0, 1.0), (1.0, 1.0)), "adsm").1,
        "diagnosis F411 calls for no other measure, so GAD7 is used"
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None);
    assert_eq!(why(&s, "adsm").1, "no provisional diagnosis, so GAD7 is used");
}

#[test]
fn caseness() {
    holds(&course((16.0, 5.0), (6.0, 5.0)), "caseness", "first PHQ9 is 16, at or above the cut-off 10");
    fails(
        &course((9.0, 7.0), (6.0, 5.0)),
        "caseness",
        "first PHQ9 is 9, below the cut-off 10; first GAD7 is 7, below the cut-off 8",
    );
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None).appt("R1", "2012-05-10", None, "02", "5", &[]);
    fails(&s, "caseness", "no PHQ9 score; no GAD7 score");
}

#[test]
fn recovered() {
    holds(
        &course((16.0, 14.0), (6.0, 5.0)),
        "recovered",
        "finished a course at caseness, and last PHQ9 6 is below 10 and last GAD7 5 is below 8",
    );
    fails(&course((16.0, 14.0), (12.0, 5.0)), "recovered", "last PHQ9 is 12, at or above the cut-off 10");
    fails(&course((9.0, 7.0), (6.0, 5.0)), "recovered", "was not at caseness at the start");
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None).session("R1", "2012-05-10", 16.0, 14.0);
    fails(&s, "recovered", "did not finish a course of treatment");
}

#[test]
fn reliable_improvement_and_deterioration() {
    let better = course((16.0, 14.0), (6.0, 12.0));
    let listed = "PHQ9 fell by 10 (16 to 6; reliable change 6); GAD7 fell by 2 (14 to 12; reliable change 4)";
    holds(&better, "reliable_improvement", listed);
    fails(&better, "reliable_deterioration", &format!("{listed}: no measure rose by its reliable change"));
    let worse = course((10.0, 8.0), (17.0, 9.0));
    let listed = "PHQ9 rose by 7 (10 to 17; reliable change 6); GAD7 rose by 1 (8 to 9; reliable change 4)";
    holds(&worse, "reliable_deterioration", listed);
    fails(&worse, "reliable_improvement", &format!("{listed}: no measure fell by its reliable change"));
    let both = course((16.0, 5.0), (6.0, 12.0));
    let neither = "PHQ9 fell by 10 (16 to 6; reliable change 6); GAD7 rose by 7 (5 to 12; reliable change 4): \
                   one measure fell and the other rose by a reliable change, which is neither";
    fails(&both, "reliable_improvement", neither);
    fails(&both, "reliable_deterioration", neither);
}

#[test]
fn reliable_recovery() {
    holds(&course((16.0, 14.0), (6.0, 5.0)), "reliable_recovery", "recovered and reliably improved");
    fails(&course((16.0, 14.0), (12.0, 5.0)), "reliable_recovery", "not recovered");
    fails(&course((11.0, 9.0), (8.0, 7.0)), "reliable_recovery", "recovered, but without a reliable improvement");
}

#[test]
fn appointments_that_do_not_count_say_why() {
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", Some(("2012-09-01", "46")), None)
        .session("R1", "2012-04-20", 16.0, 14.0)
        .session("R1", "2012-05-10", 16.0, 14.0)
        .appt("R1", "2012-06-10", None, "02", "3", &[])
        .session("R1", "2012-10-10", 6.0, 5.0);
    let data = Dataset::merge(vec![s.0.clone()]);
    let e = explain(&data, 0, period(), &OutcomeRules::from_schema(&Schema::builtin()).unwrap());
    assert_eq!(
        e.appointments,
        [Counted::BeforeReferral, Counted::Attended { treatment: true }, Counted::NotAttended, Counted::AfterEnd]
    );
}
