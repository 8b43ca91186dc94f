//! Properties that hold for any records, and the merging of many submissions.

use iapt_outcomes::{Counts, Dataset, OutcomeRules, Period, ReferralOutcome, derive};
use iapt_schema::{Date, Schema, TimeOfDay};
use iapt_validate::Submission;
use iapt_validate::records::{Appointment, Person, Referral, SCORE_SLOTS, Score};
use proptest::prelude::*;

fn d(days: i32) -> Date {
    Date::from_ymd(2012, 4, 1).unwrap().add_days(days)
}

fn period() -> Period {
    Period { start: d(0), end: d(364) }
}

/// (received day, ended: Some((days after received, end code index)), appointments:
/// (day offset, minutes, type index, attendance index, phq9, gad7)).
type RefSpec = (i32, Option<(i32, u8)>, Vec<(i32, u32, u8, u8, Option<u8>, Option<u8>)>);

fn submission(refs: &[RefSpec], reverse: bool) -> Submission {
    let mut s = Submission {
        provider: "RX4".into(),
        period_start: Some(d(0)),
        period_end: Some(d(364)),
        ..Submission::default()
    };
    let p = s.ids.intern("P1");
    s.persons.push(Person {
        row: 2,
        id: p,
        nhs_number: None,
        birth_date: Date::from_ymd(1980, 1, 1).unwrap(),
        gender: None,
        ethnic_category: None,
    });
    let schema = Schema::builtin();
    let n_end = u8::try_from(schema.code_list("end-code").unwrap().codes.len()).unwrap();
    let n_type = u8::try_from(schema.code_list("appointment-type").unwrap().codes.len()).unwrap();
    let n_att = u8::try_from(schema.code_list("attendance").unwrap().codes.len()).unwrap();
    for (i, (received, end, appts)) in refs.iter().enumerate() {
        let id = s.ids.intern(&format!("R{i}"));
        s.referrals.push(Referral {
            row: 2,
            id,
            person: p,
            received: d(*received),
            source: None,
            diagnosis: None,
            commissioner: None,
            end_date: end.map(|(e, _)| d(received + e)),
            end_code: end.map(|(_, c)| c % n_end),
        });
        for &(offset, minutes, kind, att, phq, gad) in appts {
            let mut scores = [Score::NONE; SCORE_SLOTS];
            scores[0] = phq.map_or(Score::NONE, |v| Score::from_f64(f64::from(v % 28)));
            scores[1] = gad.map_or(Score::NONE, |v| Score::from_f64(f64::from(v % 22)));
            s.appointments.push(Appointment {
                row: 2,
                referral: id,
                date: d(received + offset),
                time: Some(TimeOfDay(minutes % 1440 * 60)),
                kind: Some(kind % n_type),
                attendance: att % n_att,
                scores,
            });
        }
    }
    if reverse {
        s.appointments.reverse();
        s.referrals.reverse();
    }
    s
}

fn spec() -> impl Strategy<Value = Vec<RefSpec>> {
    let appt = (-10i32..200, 0u32..1440, 0u8..8, 0u8..7, proptest::option::of(0u8..28), proptest::option::of(0u8..22));
    let referral = (-30i32..400, proptest::option::of((0i32..300, 0u8..14)), proptest::collection::vec(appt, 0..8));
    proptest::collection::vec(referral, 1..12)
}

fn run(sub: &Submission) -> (Dataset, Vec<ReferralOutcome>) {
    let data = Dataset::merge(vec![sub.clone()]);
    let outcomes = derive(&data, period(), &OutcomeRules::from_schema(&Schema::builtin()).unwrap());
    (data, outcomes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn facts_imply_what_their_definitions_say(refs in spec()) {
        let (data, outcomes) = run(&submission(&refs, false));
        let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
        let mut c = Counts::default();
        for o in &outcomes {
            prop_assert!(!o.reliable_recovery || (o.recovered && o.reliable_improvement));
            prop_assert!(!(o.reliable_improvement && o.reliable_deterioration));
            prop_assert!(!o.finished_course || o.ended_in_period);
            prop_assert!(!o.recovered || o.caseness);
            prop_assert!(!o.entered_treatment || o.first_treatment_date.is_some());
            prop_assert!(o.wait_days.is_none_or(|w| w >= 0));
            c.add(o, &data, &rules);
        }
        prop_assert!(c.entered_treatment <= c.received.max(outcomes.len() as u64));
        prop_assert!(c.waited_28 <= c.waited_90 && c.waited_90 <= c.entered_treatment);
        prop_assert!(c.declined_or_dropped_out <= c.ended && c.finished <= c.ended);
        prop_assert!(c.at_caseness + c.not_at_caseness == c.finished);
        prop_assert!(c.recovered <= c.at_caseness && c.reliable_recovery <= c.recovered);
        prop_assert!(c.reliable_improvement + c.reliable_deterioration + c.no_reliable_change == c.finished);
        // A group counted in two parts and absorbed is the group counted whole.
        let (mut odd, mut even) = (Counts::default(), Counts::default());
        for (i, o) in outcomes.iter().enumerate() {
            if i % 2 == 1 { odd.add(o, &data, &rules) } else { even.add(o, &data, &rules) }
        }
        odd.absorb(&even);
        prop_assert_eq!(odd, c);
    }

    #[test]
    fn explain_gives_the_facts_derive_gives(refs in spec()) {
        let (data, outcomes) = run(&submission(&refs, false));
        let rules = OutcomeRules::from_schema(&Schema::builtin()).unwrap();
        for (i, o) in outcomes.iter().enumerate() {
            let e = iapt_outcomes::explain(&data, i, period(), &rules);
            prop_assert_eq!(&e.outcome, o);
            prop_assert_eq!(e.appointments.len(), data.appointments_of(i).len(), "every appointment is accounted for");
            prop_assert_eq!(e.steps.iter().filter(|s| s.holds == Some(true) && s.fact == "recovered").count(), usize::from(o.recovered));
        }
    }

    #[test]
    fn the_result_does_not_depend_on_row_order(refs in spec()) {
        let key = |sub: &Submission| {
            let (data, outcomes) = run(sub);
            let mut v: Vec<(String, ReferralOutcome)> = outcomes
                .into_iter()
                .map(|mut o| {
                    let id = data.referral_id(data.referral(o.referral as usize)).to_owned();
                    o.referral = 0;
                    (id, o)
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        // Appointments at the same date and time would be duplicate keys, which validation rejects.
        let mut refs = refs;
        for r in &mut refs {
            let mut seen = std::collections::BTreeSet::new();
            r.2.retain(|a| seen.insert((a.0, a.1)));
        }
        prop_assert_eq!(key(&submission(&refs, false)), key(&submission(&refs, true)));
    }
}

fn monthly(month_end: &str, end: Option<&str>, appts: &[(&str, u8)]) -> Submission {
    let pe = Date::parse_iso(month_end).unwrap();
    let mut s = Submission {
        provider: "RX4".into(),
        period_start: Some(Date::from_ymd(pe.ymd().0, pe.ymd().1, 1).unwrap()),
        period_end: Some(pe),
        ..Submission::default()
    };
    let p = s.ids.intern("P1");
    s.persons.push(Person {
        row: 2,
        id: p,
        nhs_number: Some(9_434_765_919),
        birth_date: Date::from_ymd(1980, 1, 1).unwrap(),
        gender: Some(0),
        ethnic_category: None,
    });
    let r = s.ids.intern("R1");
    let schema = Schema::builtin();
    s.referrals.push(Referral {
        row: 2,
        id: r,
        person: p,
        received: Date::parse_iso("2012-04-10").unwrap(),
        source: None,
        diagnosis: None,
        commissioner: None,
        end_date: end.map(|e| Date::parse_iso(e).unwrap()),
        end_code: end.map(|_| schema.code_list("end-code").unwrap().find("46").unwrap()),
    });
    for &(date, phq) in appts {
        let mut scores = [Score::NONE; SCORE_SLOTS];
        scores[0] = Score::from_f64(f64::from(phq));
        scores[1] = Score::from_f64(f64::from(phq) * 0.7);
        s.appointments.push(Appointment {
            row: 2,
            referral: r,
            date: Date::parse_iso(date).unwrap(),
            time: Some(TimeOfDay(36_000)),
            kind: schema.code_list("appointment-type").unwrap().find("02"),
            attendance: schema.code_list("attendance").unwrap().find("5").unwrap(),
            scores,
        });
    }
    s
}

#[test]
fn the_latest_version_wins_and_repeats_count_once() {
    // April: open, one session. May: the same session again (a resubmission) and the end.
    let april = monthly("2012-04-30", None, &[("2012-04-20", 18)]);
    let may = monthly("2012-05-31", Some("2012-05-30"), &[("2012-04-20", 18), ("2012-05-25", 8)]);
    for subs in [vec![april.clone(), may.clone()], vec![may, april]] {
        let data = Dataset::merge(subs.clone());
        assert_eq!(data.referral_count(), 1);
        assert_eq!(data.appointments().count(), 2, "the April session sent twice counts once");
        let o = derive(&data, period(), &OutcomeRules::from_schema(&Schema::builtin()).unwrap());
        assert!(o[0].ended_in_period && o[0].finished_course, "May's end date supersedes April's open referral");
        assert_eq!(o[0].treatment_appointments, 2);
        assert!(o[0].recovered);
    }
}

#[test]
fn people_are_matched_across_providers_by_nhs_number() {
    let a = monthly("2012-04-30", None, &[]);
    let mut b = monthly("2012-04-30", None, &[]);
    b.provider = "RY9".into();
    let mut c = monthly("2012-04-30", None, &[]);
    c.provider = "RZ1".into();
    c.persons[0].nhs_number = None;
    let data = Dataset::merge(vec![a, b, c]);
    assert_eq!(data.referral_count(), 3);
    assert_eq!(data.people, 2, "same NHS number: one person; no NHS number: their own");
}
