//! Merging keeps each submission's tables as they are, less the records a later version
//! replaces: the numbering, the records and their links must be what one table would give.

use iapt_outcomes::Dataset;
use iapt_schema::Date;
use iapt_validate::records::{Person, Referral, Submission};

fn d(days: i32) -> Date {
    Date::from_days(15_430 + days)
}

/// A version of `provider`'s data to `period_end`: (patient, nhs number, birth) and
/// (referral, patient, received, ended).
fn version(
    provider: &str,
    period_end: i32,
    persons: &[(&str, Option<u64>, i32)],
    referrals: &[(&str, &str, i32, Option<i32>)],
) -> Submission {
    let mut s = Submission { provider: provider.into(), period_end: Some(d(period_end)), ..Submission::default() };
    for (row, &(id, nhs_number, born)) in (2..).zip(persons) {
        let id = s.ids.intern(id);
        let birth_date = d(born);
        s.persons.push(Person { row, id, nhs_number, birth_date, gender: None, ethnic_category: None });
    }
    for (row, &(id, person, received, ended)) in (2..).zip(referrals) {
        let (id, person) = (s.ids.intern(id), s.ids.intern(person));
        let (source, diagnosis, commissioner, end_code) = (None, None, None, None);
        let (received, end_date) = (d(received), ended.map(d));
        s.referrals.push(Referral { row, id, person, received, source, diagnosis, commissioner, end_date, end_code });
    }
    s
}

#[test]
fn later_versions_replace_in_place_and_new_records_follow() {
    // RA sends three monthly versions, each repeating the last; RB one. The third version
    // is read first, to show that merging goes by reporting period, not input order.
    let april = version(
        "RA",
        30,
        &[("P1", Some(4_010_232_137), -9_000), ("P2", None, -8_000)],
        &[("R1", "P1", 1, None), ("R2", "P2", 2, None)],
    );
    let may = version(
        "RA",
        61,
        &[("P1", Some(4_010_232_137), -9_001), ("P2", None, -8_000)],
        &[("R1", "P1", 1, Some(50)), ("R2", "P2", 2, None), ("R3", "P2", 40, None)],
    );
    let june = version("RA", 91, &[("P3", None, -7_000), ("P2", None, -8_000)], &[("R3", "P2", 40, Some(80))]);
    let other = version("RB", 91, &[("Q1", Some(4_010_232_137), -9_001)], &[("S1", "Q1", 70, None)]);
    let data = Dataset::merge(vec![june, april, other, may]);

    let referrals: Vec<(String, String, i32, Option<i32>)> = data
        .referrals()
        .map(|r| {
            let person = data.person_of(r).map(|p| data.local_patient_id(p).to_owned()).unwrap_or_default();
            let days = |date: Date| date.days() - 15_430;
            (data.referral_id(r).to_owned(), person, days(r.record.received), r.record.end_date.map(days))
        })
        .collect();
    let expect = [("R1", "P1", 1, Some(50)), ("R2", "P2", 2, None), ("R3", "P2", 40, Some(80)), ("S1", "Q1", 70, None)];
    let expect: Vec<_> = expect.iter().map(|&(r, p, a, b)| (r.to_owned(), p.to_owned(), a, b)).collect();
    assert_eq!(referrals, expect, "in the order first read, each as last sent");
    assert_eq!(data.referral_count(), 4);
    for (i, r) in data.referrals().enumerate() {
        assert_eq!(data.referral(i), r, "referral {i} by index is the one walked to");
    }

    let persons: Vec<(String, String, i32, i32)> = data
        .persons()
        .map(|p| {
            let id = data.local_patient_id(p).to_owned();
            (data.provider_code(p.provider).to_owned(), id, p.record.birth_date.days() - 15_430, p.period_end.days())
        })
        .collect();
    let expect = [
        ("RA", "P1", -9_001, d(61)),
        ("RA", "P2", -8_000, d(91)),
        ("RA", "P3", -7_000, d(91)),
        ("RB", "Q1", -9_001, d(91)),
    ];
    let expect: Vec<_> = expect.iter().map(|&(a, b, c, e)| (a.to_owned(), b.to_owned(), c, e.days())).collect();
    assert_eq!(persons, expect, "each person's last version, with the period it came from");
    for (i, p) in data.persons().enumerate() {
        assert_eq!(data.person(i), p);
    }
    // P1 and Q1 share an NHS number: one human being, whose referrals are R1 and S1.
    assert_eq!(data.people, 3);
    let identity = |r: usize| data.identity_of(data.referral(r)).unwrap();
    assert_eq!(identity(0), identity(3));
    assert_ne!(identity(0), identity(1));
    assert_eq!(identity(1), identity(2));
}

#[test]
fn the_referrals_are_known_before_merging_only_when_no_provider_sent_two_versions() {
    let one_each = || {
        vec![
            version("RA", 30, &[("P1", None, -9_000)], &[("R1", "P1", 1, None), ("R2", "P1", 2, None)]),
            version("RB", 30, &[("Q1", None, -9_000)], &[("S1", "Q1", 3, None)]),
        ]
    };
    assert_eq!(Dataset::referrals_before_merging(&one_each()), Some(3));
    assert_eq!(Dataset::merge(one_each()).referral_count(), 3);
    let mut two_from_ra = one_each();
    two_from_ra.push(version("RA", 61, &[("P1", None, -9_000)], &[("R1", "P1", 1, Some(40))]));
    assert_eq!(Dataset::referrals_before_merging(&two_from_ra), None, "R1 is sent twice");
    assert_eq!(Dataset::referrals_before_merging(&[]), Some(0));
}

#[test]
fn two_versions_for_one_period_are_named_with_the_one_used() {
    let ra = |end: i32, ended: Option<i32>| version("RA", end, &[("P1", None, -9_000)], &[("R1", "P1", 1, ended)]);
    // Inputs 1 and 3 are RA's for one period; input 0 is RA's earlier month, input 2 another provider.
    let subs = vec![ra(30, None), ra(61, Some(40)), version("RB", 61, &[], &[]), ra(61, Some(50))];
    assert_eq!(Dataset::same_period(&subs), vec![(1, 3)], "the later input is used: only its place decides");
    let data = Dataset::merge(subs);
    assert_eq!(data.referral(0).record.end_date, Some(d(50)), "as said: input 3's R1");
    assert!(Dataset::same_period(&[ra(30, None), ra(61, None)]).is_empty(), "monthly versions are no tie");
    let three = [ra(61, None), ra(30, None), ra(61, Some(40)), ra(61, Some(50))];
    assert_eq!(Dataset::same_period(&three), vec![(0, 3), (2, 3)], "each set aside is paired with the one used");
}
