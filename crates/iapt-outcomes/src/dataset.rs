//! Many submissions as one record set: later reporting periods supersede earlier versions of
//! the same person, referral, appointment and pause; people are matched across providers by
//! a valid NHS number.

use iapt_schema::{Date, TimeOfDay};
use iapt_validate::Submission;
use iapt_validate::records::{Interner, SCORE_SLOTS, Score, Sym};
use rustc_hash::FxHashMap;

/// A person as last recorded by one provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub provider: Sym,
    pub local_id: Sym,
    pub nhs_number: Option<u64>,
    pub birth_date: Date,
    pub gender: Option<u8>,
    pub ethnic_category: Option<u8>,
    /// The same number for every record of one human being (by NHS number, else provider + id).
    pub identity: u32,
    /// End of the reporting period of the submission this version came from.
    pub period_end: Date,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub provider: Sym,
    pub id: Sym,
    /// Index into [`Dataset::persons`].
    pub person: u32,
    pub received: Date,
    pub source: Option<u8>,
    pub diagnosis: Option<Sym>,
    pub commissioner: Option<Sym>,
    pub end_date: Option<Date>,
    pub end_code: Option<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    pub date: Date,
    pub time: Option<TimeOfDay>,
    pub kind: Option<u8>,
    pub attendance: u8,
    pub scores: [Score; SCORE_SLOTS],
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pause {
    pub start: Date,
    pub end: Option<Date>,
}

/// The de-duplicated records of one or more submissions.
#[derive(Debug, Default)]
pub struct Dataset {
    pub strings: Interner,
    pub persons: Vec<Person>,
    pub referrals: Vec<Referral>,
    /// Every appointment, grouped by referral in date, time, input order;
    /// referral `i` owns `appointments[appointment_offsets[i]..appointment_offsets[i + 1]]`.
    pub appointments: Vec<Appointment>,
    pub appointment_offsets: Vec<u32>,
    pub pauses: Vec<Pause>,
    pub pause_offsets: Vec<u32>,
    /// Number of distinct people (identities).
    pub people: u32,
}

impl Dataset {
    /// A referral's appointments, in order.
    #[must_use]
    pub fn appointments_of(&self, referral: usize) -> &[Appointment] {
        &self.appointments[self.appointment_offsets[referral] as usize..self.appointment_offsets[referral + 1] as usize]
    }

    /// A referral's pauses.
    #[must_use]
    pub fn pauses_of(&self, referral: usize) -> &[Pause] {
        &self.pauses[self.pause_offsets[referral] as usize..self.pause_offsets[referral + 1] as usize]
    }

    /// The order in which [`Dataset::merge`] reads submissions: a version read later supersedes
    /// one read earlier (a later reporting period end, then start, then position).
    #[must_use]
    pub fn merge_order(submissions: &[Submission]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..submissions.len()).collect();
        order.sort_by_key(|&i| (submissions[i].period_end, submissions[i].period_start, i));
        order
    }

    /// Merges submissions: a later reporting period (then a later position in `submissions`)
    /// supersedes an earlier version of the same record.
    #[must_use]
    pub fn merge(submissions: &[Submission]) -> Dataset {
        let order = Dataset::merge_order(submissions);
        // Sized for the worst case (nothing superseded) so that no table grows while filling.
        let n_persons: usize = submissions.iter().map(|s| s.persons.len()).sum();
        let n_referrals: usize = submissions.iter().map(|s| s.referrals.len()).sum();
        let n_appointments: usize = submissions.iter().map(|s| s.appointments.len()).sum();
        let mut strings = Interner::default();
        let mut persons: Latest<(Sym, Sym), Person> = Latest::with_capacity(n_persons);
        // A referral with the local id of its person, resolved once every person is known.
        let mut referrals: Latest<(Sym, Sym), (Referral, Sym)> = Latest::with_capacity(n_referrals);
        // (referral index, input sequence, appointment), by referral, date and time.
        let mut appointments: Latest<(u32, i32, u32), (u32, u64, Appointment)> = Latest::with_capacity(n_appointments);
        let mut pauses: Latest<(u32, i32), (u32, Pause)> = Latest::with_capacity(0);
        let mut seq = 0u64;
        for &si in &order {
            let sub = &submissions[si];
            let provider = strings.intern(&sub.provider);
            let period_end = sub.period_end.unwrap_or(Date::from_days(0));
            let mut map: Vec<Option<Sym>> = vec![None; sub.ids.len()];
            let mut global = |strings: &mut Interner, s: Sym| {
                *map[s as usize].get_or_insert_with(|| strings.intern(sub.ids.resolve(s)))
            };
            for p in &sub.persons {
                let local_id = global(&mut strings, p.id);
                let rec = Person {
                    provider,
                    local_id,
                    nhs_number: p.nhs_number,
                    birth_date: p.birth_date,
                    gender: p.gender,
                    ethnic_category: p.ethnic_category,
                    identity: 0,
                    period_end,
                };
                persons.put((provider, local_id), rec);
            }
            for r in &sub.referrals {
                let id = global(&mut strings, r.id);
                let patient = global(&mut strings, r.person);
                let rec = Referral {
                    provider,
                    id,
                    person: u32::MAX,
                    received: r.received,
                    source: r.source,
                    diagnosis: r.diagnosis.map(|d| global(&mut strings, d)),
                    commissioner: r.commissioner.map(|c| global(&mut strings, c)),
                    end_date: r.end_date,
                    end_code: r.end_code,
                };
                referrals.put((provider, id), (rec, patient));
            }
            for a in &sub.appointments {
                let id = global(&mut strings, a.referral);
                // Validation guarantees the referral is in the same submission.
                let Some(ri) = referrals.index(&(provider, id)) else { continue };
                let key = (ri, a.date.days(), a.time.map_or(u32::MAX, |t| t.0));
                let rec = Appointment {
                    date: a.date,
                    time: a.time,
                    kind: a.kind,
                    attendance: a.attendance,
                    scores: a.scores,
                };
                seq += 1;
                appointments.put(key, (ri, seq, rec));
            }
            for p in &sub.pauses {
                let id = global(&mut strings, p.referral);
                let Some(ri) = referrals.index(&(provider, id)) else { continue };
                pauses.put((ri, p.start.days()), (ri, Pause { start: p.start, end: p.end }));
            }
        }
        let people = identify(&mut persons.items);
        let referrals: Vec<Referral> = referrals
            .items
            .into_iter()
            .map(|(mut r, patient)| {
                r.person = persons.index(&(r.provider, patient)).unwrap_or(u32::MAX);
                r
            })
            .collect();
        let mut appointments = appointments.items;
        // Input sequence numbers are unique, so an unstable sort gives one order.
        appointments.sort_unstable_by_key(|a| (a.0, a.2.date, a.2.time.map_or(0, |t| t.0 + 1), a.1));
        let appointment_offsets = offsets(referrals.len(), appointments.iter().map(|a| a.0));
        let mut pauses = pauses.items;
        pauses.sort_by_key(|p| (p.0, p.1.start));
        let pause_offsets = offsets(referrals.len(), pauses.iter().map(|p| p.0));
        Dataset {
            strings,
            persons: persons.items,
            referrals,
            appointments: appointments.into_iter().map(|a| a.2).collect(),
            appointment_offsets,
            pauses: pauses.into_iter().map(|p| p.1).collect(),
            pause_offsets,
            people,
        }
    }
}

/// Records by key where a later version replaces an earlier one in place.
struct Latest<K, V> {
    at: FxHashMap<K, u32>,
    items: Vec<V>,
}

impl<K: std::hash::Hash + Eq, V> Latest<K, V> {
    fn with_capacity(n: usize) -> Self {
        let mut at = FxHashMap::default();
        at.reserve(n);
        Latest { at, items: Vec::with_capacity(n) }
    }

    /// Keeps `value` as the record of `key`, in the place of any earlier version.
    fn put(&mut self, key: K, value: V) {
        match self.at.get(&key) {
            Some(&i) => self.items[i as usize] = value,
            None => {
                self.at.insert(key, u32::try_from(self.items.len()).unwrap_or(u32::MAX));
                self.items.push(value);
            }
        }
    }

    fn index(&self, key: &K) -> Option<u32> {
        self.at.get(key).copied()
    }
}

/// Numbers the people: one identity per valid NHS number, else one per provider record.
/// Returns how many there are.
fn identify(persons: &mut [Person]) -> u32 {
    let mut by_nhs: FxHashMap<u64, u32> = FxHashMap::default();
    let mut people = 0u32;
    for p in persons {
        let mut next = || {
            people += 1;
            people - 1
        };
        p.identity = match p.nhs_number {
            Some(n) => *by_nhs.entry(n).or_insert_with(next),
            None => next(),
        };
    }
    people
}

/// Start offsets (plus the end) of each owner's run in a list sorted by owner.
fn offsets(owners: usize, sorted: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut counts = vec![0u32; owners + 1];
    for o in sorted {
        counts[o as usize + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    counts
}
