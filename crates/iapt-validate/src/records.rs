//! The typed records a submission holds once validated: only accepted rows, codes as list
//! positions, identifiers interned to integers.

use iapt_schema::{Date, TimeOfDay};
use std::hash::BuildHasher as _;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;

/// An interned identifier (patient id, referral id, code).
pub type Sym = u32;

/// Interns strings so that records hold 4-byte ids and keys hash as integers. The strings
/// sit end to end in one buffer and the table holds only ids: about 13 bytes an id beside
/// its text, where a map of boxed strings took about 100 (a national year has two million).
#[derive(Default, Clone)]
pub struct Interner {
    text: String,
    /// Where each id's text ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
    table: HashTable<Sym>,
}

impl Interner {
    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        let hash = FxBuildHasher.hash_one(s);
        let (text, ends) = (&self.text, &self.ends);
        match self.table.entry(
            hash,
            |&id| same_text(slice(text, ends, id), s),
            |&id| FxBuildHasher.hash_one(slice(text, ends, id)),
        ) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let id = Sym::try_from(self.ends.len()).unwrap_or(Sym::MAX);
                e.insert(id);
                self.text.push_str(s);
                self.ends.push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
                id
            }
        }
    }

    /// Forgets every string, keeping the memory.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.table.clear();
    }

    /// The id of `s` if it was interned.
    #[must_use]
    pub fn get(&self, s: &str) -> Option<Sym> {
        let hash = FxBuildHasher.hash_one(s);
        self.table.find(hash, |&id| same_text(self.resolve(id), s)).copied()
    }

    /// The string of an id.
    #[must_use]
    #[inline]
    pub fn resolve(&self, id: Sym) -> &str {
        slice(&self.text, &self.ends, id)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries((0..self.len()).map(|i| self.resolve(i as Sym))).finish()
    }
}

/// `a == b`, with ids of 8 to 16 bytes (most) compared as two words rather than by a call to
/// `memcmp`.
#[inline]
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a == b
}

#[inline]
fn slice<'a>(text: &'a str, ends: &[u32], id: Sym) -> &'a str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &text[start..ends[i] as usize]
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

    /// A whole-number score, without the float rounding of [`Score::from_f64`] (the same
    /// value: a whole number times 100 is exact).
    #[must_use]
    pub fn from_whole(v: i64) -> Score {
        match v.checked_mul(100).map(u16::try_from) {
            Some(Ok(h)) if h < u16::MAX => Score(h),
            _ => Score::NONE,
        }
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

impl Submission {
    /// Empties the submission, keeping its tables' memory.
    pub fn clear(&mut self) {
        self.provider.clear();
        (self.period_start, self.period_end) = (None, None);
        self.ids.clear();
        self.persons.clear();
        self.referrals.clear();
        self.appointments.clear();
        self.pauses.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Score;

    #[test]
    fn same_text_is_equality() {
        let texts = [
            "",
            "a",
            "R0000001",
            "R0000002",
            "S0000001",
            "R000000100000001",
            "R000000100000002",
            "R00000010000000",
            "R0000001000000012",
            "é1234567",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(super::same_text(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_whole_score_is_the_float_score() {
        let edges = [i64::MIN, -1_000, -1, 0, 1, 27, 100, 654, 655, 656, 1_000, i64::MAX / 100, i64::MAX];
        for v in (-10..=700).chain(edges) {
            assert_eq!(Score::from_whole(v), Score::from_f64(v as f64), "{v}");
        }
    }
}
