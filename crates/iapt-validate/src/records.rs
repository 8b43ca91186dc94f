//! The typed records a submission holds once validated: only accepted rows, codes as list
//! positions, identifiers interned to integers.

use iapt_schema::{Date, TimeOfDay};
use rustc_hash::FxHashMap;

/// An interned identifier (patient id, referral id, code).
pub type Sym = u32;

/// Interns strings so that records hold 4-byte ids and keys hash as integers.
#[derive(Default, Debug, Clone)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = Sym::try_from(self.names.len()).unwrap_or(Sym::MAX);
        self.names.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    /// The id of `s` if it was interned.
    #[must_use]
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of an id.
    #[must_use]
    pub fn resolve(&self, id: Sym) -> &str {
        &self.names[id as usize]
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A score in hundredths of a point, or none; the measures' scores fit (MI is 1.0 to 5.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u16);

impl Score {
    pub const NONE: Score = Score(u16::MAX);

    /// A score from its value, or none when it cannot be held.
    #[must_use]
    pub fn from_f64(v: f64) -> Score {
        let h = (v * 100.0).round();
        if (0.0..65_535.0).contains(&h) { Score(h as u16) } else { Score::NONE }
    }

    /// The score, or `None`.
    #[must_use]
    pub fn get(self) -> Option<f64> {
        (self != Score::NONE).then(|| f64::from(self.0) / 100.0)
    }

    /// The score in hundredths, or `None`.
    #[must_use]
    pub fn hundredths(self) -> Option<u16> {
        (self != Score::NONE).then_some(self.0)
    }
}

/// How many score columns an appointment can hold.
pub const SCORE_SLOTS: usize = 12;

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub row: u32,
    pub id: Sym,
    /// A valid NHS number (passed the check digit).
    pub nhs_number: Option<u64>,
    pub birth_date: Date,
    /// Positions in the `gender` and `ethnic-category` code lists.
    pub gender: Option<u8>,
    pub ethnic_category: Option<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub row: u32,
    pub id: Sym,
    pub person: Sym,
    pub received: Date,
    pub source: Option<u8>,
    /// ICD-10 code without the dot.
    pub diagnosis: Option<Sym>,
    pub commissioner: Option<Sym>,
    pub end_date: Option<Date>,
    /// Position in the `end-code` list.
    pub end_code: Option<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    pub row: u32,
    pub referral: Sym,
    pub date: Date,
    pub time: Option<TimeOfDay>,
    /// Position in the `appointment-type` list.
    pub kind: Option<u8>,
    /// Position in the `attendance` list.
    pub attendance: u8,
    /// Scores in the order of the schema's score columns; only on attended appointments.
    pub scores: [Score; SCORE_SLOTS],
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pause {
    pub row: u32,
    pub referral: Sym,
    pub start: Date,
    pub end: Option<Date>,
    pub reason: Option<u8>,
}

/// The accepted records of one submission.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    pub provider: String,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    pub ids: Interner,
    pub persons: Vec<Person>,
    pub referrals: Vec<Referral>,
    pub appointments: Vec<Appointment>,
    pub pauses: Vec<Pause>,
}
