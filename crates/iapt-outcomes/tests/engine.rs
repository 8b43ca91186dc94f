//! One test per definition of `measures.md` and per edge case, on hand-made records.

mod support;

use iapt_outcomes::{Dataset, OutcomeRules, Period, ReferralOutcome, derive, derive_into, national};
use iapt_schema::Schema;
use iapt_validate::records::Pause;
use support::{Sub, d, period};

/// A finished course: two sessions, ended in the year.
fn course(first: (f64, f64), last: (f64, f64)) -> ReferralOutcome {
    Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), Some("F411"))
        .session("R1", "2012-05-10", first.0, first.1)
        .session("R1", "2012-07-10", last.0, last.1)
        .one()
}

#[test]
fn received_in_period_and_before() {
    let o = Sub::new().referral("R1", "2012-04-01", None, None).referral("R2", "2012-03-31", None, None).outcomes();
    assert!(o[0].received_in_period);
    assert!(!o[1].received_in_period, "a referral received before the period");
}

#[test]
fn first_treatment_wait_and_entered() {
    let o = Sub::new()
        .referral("R1", "2012-05-01", None, None)
        .appt("R1", "2012-05-08", Some("09:00"), "01", "5", &[])
        .appt("R1", "2012-05-20", Some("09:00"), "02", "3", &[])
        .appt("R1", "2012-05-29", Some("09:00"), "02", "6", &[])
        .appt("R1", "2012-06-05", Some("09:00"), "05", "5", &[])
        .one();
    assert_eq!(o.first_treatment_date, Some(d("2012-05-29")), "assessment and a missed session are not treatment");
    assert_eq!(o.wait_days, Some(28));
    assert!(o.entered_treatment);
    assert_eq!(o.treatment_appointments, 2);
}

#[test]
fn cancelled_and_did_not_attend_are_not_treatment() {
    let o = Sub::new()
        .referral("R1", "2012-05-01", None, None)
        .appt("R1", "2012-05-10", None, "02", "2", &[])
        .appt("R1", "2012-05-11", None, "02", "3", &[])
        .appt("R1", "2012-05-12", None, "02", "4", &[])
        .appt("R1", "2012-05-13", None, "02", "7", &[])
        .one();
    assert_eq!(o.treatment_appointments, 0);
    assert!(!o.entered_treatment && o.wait_days.is_none());
}

#[test]
fn appointments_before_the_referral_after_its_end_and_after_the_period_do_not_count() {
    let o = Sub::new()
        .referral("R1", "2013-01-10", Some(("2013-02-01", "46")), None)
        .session("R1", "2013-01-05", 20.0, 15.0)
        .session("R1", "2013-01-20", 18.0, 14.0)
        .session("R1", "2013-02-02", 8.0, 5.0)
        .one();
    assert_eq!(o.treatment_appointments, 1);
    assert_eq!((o.first_phq9, o.last_phq9), (Some(1800), Some(1800)));
    let late = Sub::new()
        .referral("R1", "2013-03-01", None, None)
        .session("R1", "2013-03-20", 20.0, 15.0)
        .session("R1", "2013-04-02", 5.0, 3.0)
        .one();
    assert_eq!(late.treatment_appointments, 1, "after the period end");
    assert_eq!(late.last_phq9, Some(2000));
}

#[test]
fn first_treatment_after_the_period_is_not_entered() {
    let o = Sub::new().referral("R1", "2012-04-01", None, None).session("R1", "2012-04-20", 12.0, 10.0).one();
    assert!(o.entered_treatment);
    let p = Period { start: d("2013-04-01"), end: d("2014-03-31") };
    let data = Dataset::merge(vec![
        Sub::new().referral("R1", "2012-04-01", None, None).session("R1", "2012-04-20", 12.0, 10.0).0.clone(),
    ]);
    let o = derive(&data, p, &OutcomeRules::from_schema(&Schema::builtin()).unwrap());
    assert!(!o[0].entered_treatment && o[0].first_treatment_date.is_some(), "first treatment is outside that period");
}

#[test]
fn ended_and_finished() {
    let one = Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-06-01", "47")), None)
        .session("R1", "2012-05-10", 15.0, 12.0)
        .one();
    assert!(one.ended_in_period && !one.finished_course, "a referral ended with one treatment appointment");
    let two = course((15.0, 12.0), (14.0, 11.0));
    assert!(two.finished_course);
    let open = Sub::new()
        .referral("R1", "2012-05-01", None, None)
        .session("R1", "2012-05-10", 15.0, 12.0)
        .session("R1", "2012-05-17", 15.0, 12.0)
        .one();
    assert!(!open.ended_in_period && !open.finished_course);
}

#[test]
fn caseness_at_exactly_the_cut_off() {
    assert!(course((10.0, 0.0), (9.0, 0.0)).caseness, "PHQ-9 of 10 is caseness");
    assert!(course((0.0, 8.0), (0.0, 7.0)).caseness, "GAD-7 of 8 is caseness");
    assert!(!course((9.0, 7.0), (9.0, 7.0)).caseness, "9 and 7 are below");
}

#[test]
fn recovery_needs_every_last_score_below_its_cut_off() {
    assert!(course((16.0, 12.0), (9.0, 7.0)).recovered);
    assert!(!course((16.0, 12.0), (10.0, 7.0)).recovered, "PHQ-9 10 at the end is still caseness");
    assert!(!course((16.0, 12.0), (9.0, 8.0)).recovered);
    assert!(!course((9.0, 7.0), (2.0, 1.0)).recovered, "not at caseness cannot recover");
}

#[test]
fn reliable_change_exactly_at_the_value() {
    let exact = course((16.0, 12.0), (10.0, 8.0));
    assert!(exact.reliable_improvement, "falls of 6 (PHQ-9) and 4 (GAD-7) are reliable");
    let short = course((16.0, 12.0), (11.0, 9.0));
    assert!(!short.reliable_improvement && !short.reliable_deterioration, "5 and 3 are not");
    let worse = course((10.0, 8.0), (16.0, 8.0));
    assert!(worse.reliable_deterioration && !worse.reliable_improvement);
}

#[test]
fn improvement_on_one_measure_and_deterioration_on_the_other_is_neither() {
    let o = course((20.0, 5.0), (10.0, 12.0));
    assert!(!o.reliable_improvement && !o.reliable_deterioration && !o.reliable_recovery);
}

#[test]
fn reliable_recovery_is_recovery_with_reliable_improvement() {
    let o = course((16.0, 12.0), (8.0, 6.0));
    assert!(o.recovered && o.reliable_improvement && o.reliable_recovery);
    let recovered_only = course((11.0, 9.0), (9.0, 7.0));
    assert!(recovered_only.recovered && !recovered_only.reliable_improvement && !recovered_only.reliable_recovery);
}

#[test]
fn one_score_only_and_no_scores() {
    let one = Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), None)
        .session("R1", "2012-05-10", 20.0, 15.0)
        .appt("R1", "2012-06-10", Some("10:00"), "02", "5", &[])
        .one();
    assert!(one.finished_course && one.caseness);
    assert_eq!((one.first_phq9, one.last_phq9), (Some(2000), Some(2000)), "the one score is both first and last");
    assert!(!one.recovered && !one.reliable_improvement && !one.reliable_deterioration);
    let none = Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), None)
        .appt("R1", "2012-05-10", None, "02", "5", &[])
        .appt("R1", "2012-06-10", None, "02", "5", &[])
        .one();
    assert!(none.finished_course && !none.caseness && !none.recovered && !none.reliable_improvement);
    assert_eq!((none.first_phq9, none.first_anxiety), (None, None));
}

#[test]
fn every_anxiety_measure_and_the_gad7_fallback() {
    let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
    for (diagnosis, column, measure, first, last) in [
        ("F401", "SPIN_SCORE", "SPIN", 40.0, 10.0),
        ("F40.0", "MI_ALONE_SCORE", "MI_ALONE", 3.5, 2.0),
        ("F410", "PDSS_SCORE", "PDSS", 15.0, 5.0),
        ("F42", "OCI_SCORE", "OCI", 80.0, 30.0),
        ("F431", "IESR_SCORE", "IESR", 50.0, 20.0),
        ("F452", "HAI_SCORE", "HAI", 30.0, 10.0),
    ] {
        let diagnosis = diagnosis.replace('.', "");
        let o = Sub::new()
            .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), Some(&diagnosis))
            .appt("R1", "2012-05-10", None, "02", "5", &[("PHQ9_SCORE", 8.0), ("GAD7_SCORE", 4.0), (column, first)])
            .appt("R1", "2012-06-10", None, "02", "5", &[("PHQ9_SCORE", 5.0), ("GAD7_SCORE", 3.0), (column, last)])
            .one();
        assert_eq!(rules.names[usize::from(o.adsm)], measure, "{diagnosis}");
        assert!(o.caseness && o.recovered && o.reliable_improvement, "{diagnosis}: caseness on the ADSM alone");
        let fallback = Sub::new()
            .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), Some(&diagnosis))
            .session("R1", "2012-05-10", 8.0, 12.0)
            .session("R1", "2012-06-10", 5.0, 5.0)
            .one();
        assert_eq!(rules.names[usize::from(fallback.adsm)], "GAD7", "{diagnosis} with no ADSM score uses GAD-7");
        assert_eq!(fallback.first_anxiety, Some(1200));
    }
    let mi = course((0.0, 0.0), (0.0, 0.0));
    assert_eq!(rules.names[usize::from(mi.adsm)], "GAD7");
}

#[test]
fn mobility_inventory_decimals_compare_exactly() {
    // MI caseness 2.3 and reliable change 0.73: 2.3 is caseness, a fall of exactly 0.73 reliable.
    let o = Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), Some("F400"))
        .appt("R1", "2012-05-10", None, "02", "5", &[("MI_ALONE_SCORE", 2.3)])
        .appt("R1", "2012-06-10", None, "02", "5", &[("MI_ALONE_SCORE", 1.57)])
        .one();
    assert!(o.caseness && o.reliable_improvement && o.recovered);
}

#[test]
fn ties_on_date_are_resolved_by_time_then_input_order() {
    let o = Sub::new()
        .referral("R1", "2012-05-01", Some(("2012-08-01", "46")), None)
        .appt("R1", "2012-05-10", Some("15:00"), "02", "5", &[("PHQ9_SCORE", 5.0)])
        .appt("R1", "2012-05-10", Some("09:00"), "02", "5", &[("PHQ9_SCORE", 20.0)])
        .appt("R1", "2012-05-10", None, "02", "5", &[("GAD7_SCORE", 12.0)])
        .one();
    assert_eq!(o.first_phq9, Some(2000), "09:00 comes before 15:00 on the same day");
    assert_eq!(o.last_phq9, Some(500));
    assert_eq!(o.first_anxiety, Some(1200), "a missing time sorts first");
}

#[test]
fn paused_days_before_first_treatment_are_subtracted_from_the_adjusted_wait() {
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", None, None).session("R1", "2012-06-01", 12.0, 10.0);
    let r = s.0.ids.intern("R1");
    s.0.pauses.push(Pause { row: 2, referral: r, start: d("2012-05-10"), end: Some(d("2012-05-16")), reason: None });
    let o = s.one();
    assert_eq!(o.wait_days, Some(31));
    assert_eq!(o.wait_days_adjusted, Some(24), "seven paused days");
}

#[test]
fn national_counts_and_rates() {
    let mut s = Sub::new();
    s.referral("R1", "2012-05-01", Some(("2012-08-01", "46")), None).session("R1", "2012-05-10", 16.0, 12.0).session(
        "R1",
        "2012-07-10",
        8.0,
        6.0,
    );
    s.referral("R2", "2012-05-01", Some(("2012-06-01", "14")), None);
    s.referral("R3", "2012-03-01", Some(("2012-06-01", "46")), None);
    let data = Dataset::merge(vec![s.0.clone()]);
    let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
    let o = derive(&data, period(), &rules);
    let (c, people) = national(&o, &data, &rules);
    assert_eq!(c.received, 2, "R3 was received before the period");
    assert_eq!((c.ended, c.declined_or_dropped_out, c.finished), (2, 1, 1));
    assert_eq!((c.at_caseness, c.recovered, c.reliable_recovery), (1, 1, 1));
    assert_eq!(c.recovery_rate(), Some(100.0));
    assert_eq!(people, 1);
}

#[test]
fn deriving_into_slots_made_before_gives_what_derive_gives() {
    // Enough referrals for derive to split them among threads.
    let mut s = Sub::new();
    for i in 0..2_500 {
        let id = format!("R{i}");
        let (received, ended) =
            if i % 2 == 0 { ("2012-05-01", None) } else { ("2012-02-01", Some(("2012-09-01", "46"))) };
        s.referral(&id, received, ended, None);
        // A few with appointments (building one reads the schema again).
        if i % 250 == 1 {
            s.session(&id, "2012-05-10", f64::from(i % 27), 12.0).session(&id, "2012-07-10", 4.0, 3.0);
        }
    }
    let data = Dataset::merge(vec![s.0.clone()]);
    let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
    let expect = derive(&data, period(), &rules);
    assert_eq!(expect.len(), 2_500);
    let stale = expect.iter().rev().cloned().collect::<Vec<_>>();
    // Slots made to measure (as report makes them), too few, too many, and stale ones.
    for slots in [vec![ReferralOutcome::default(); 2_500], Vec::new(), vec![ReferralOutcome::default(); 4_000], stale] {
        let mut outcomes = slots;
        derive_into(&data, period(), &rules, &mut outcomes);
        assert_eq!(outcomes, expect);
    }
}
