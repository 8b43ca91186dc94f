//! Hand-made submissions for the engine's tests: one provider, one person, referrals and
//! appointments added by code.
#![allow(dead_code)]

use iapt_outcomes::{Dataset, OutcomeRules, Period, ReferralOutcome, derive};
use iapt_schema::{Date, Schema, TimeOfDay};
use iapt_validate::Submission;
use iapt_validate::records::{Appointment, Person, Referral, SCORE_SLOTS, Score};

pub fn d(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

pub fn code(list: &str, c: &str) -> u8 {
    Schema::builtin().code_list(list).unwrap().find(c).unwrap()
}

pub const YEAR: (&str, &str) = ("2012-04-01", "2013-03-31");

pub fn period() -> Period {
    Period { start: d(YEAR.0), end: d(YEAR.1) }
}

/// A one-provider submission built by hand.
pub struct Sub(pub Submission);

impl Sub {
    pub fn new() -> Sub {
        let mut s = Submission {
            provider: "RX4".into(),
            period_start: Some(d(YEAR.0)),
            period_end: Some(d(YEAR.1)),
            ..Submission::default()
        };
        let id = s.ids.intern("P1");
        s.persons.push(Person {
            row: 2,
            id,
            nhs_number: Some(9_434_765_919),
            birth_date: d("1980-01-01"),
            gender: Some(1),
            ethnic_category: Some(0),
        });
        Sub(s)
    }

    pub fn referral(
        &mut self,
        id: &str,
        received: &str,
        end: Option<(&str, &str)>,
        diagnosis: Option<&str>,
    ) -> &mut Self {
        let rid = self.0.ids.intern(id);
        let person = self.0.ids.intern("P1");
        let diagnosis = diagnosis.map(|x| self.0.ids.intern(x));
        self.0.referrals.push(Referral {
            row: 2,
            id: rid,
            person,
            received: d(received),
            source: None,
            diagnosis,
            commissioner: None,
            end_date: end.map(|(e, _)| d(e)),
            end_code: end.map(|(_, c)| code("end-code", c)),
        });
        self
    }

    /// An appointment: type and attendance codes, time, and (column, score) pairs.
    pub fn appt(
        &mut self,
        referral: &str,
        date: &str,
        time: Option<&str>,
        kind: &str,
        attendance: &str,
        scores: &[(&str, f64)],
    ) -> &mut Self {
        let schema = Schema::builtin();
        let cols: Vec<&str> =
            schema.sheet("Appointment").columns.iter().filter(|c| c.score).map(|c| c.name.as_str()).collect();
        let mut slots = [Score::NONE; SCORE_SLOTS];
        for (c, v) in scores {
            slots[cols.iter().position(|x| x == c).unwrap()] = Score::from_f64(*v);
        }
        let referral = self.0.ids.intern(referral);
        self.0.appointments.push(Appointment {
            row: 2,
            referral,
            date: d(date),
            time: time.map(|t| TimeOfDay::parse(t).unwrap()),
            kind: Some(code("appointment-type", kind)),
            attendance: code("attendance", attendance),
            scores: slots,
        });
        self
    }

    /// An attended treatment session with PHQ-9 and GAD-7.
    pub fn session(&mut self, referral: &str, date: &str, phq: f64, gad: f64) -> &mut Self {
        self.appt(referral, date, Some("10:00"), "02", "5", &[("PHQ9_SCORE", phq), ("GAD7_SCORE", gad)])
    }

    pub fn outcomes(&self) -> Vec<ReferralOutcome> {
        let data = Dataset::merge(vec![self.0.clone()]);
        derive(&data, period(), &OutcomeRules::from_schema(&Schema::builtin()).unwrap())
    }

    pub fn one(&self) -> ReferralOutcome {
        let o = self.outcomes();
        assert_eq!(o.len(), 1);
        o[0].clone()
    }
}
