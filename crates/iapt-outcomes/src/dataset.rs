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
        let mut persons: Vec<Person> = Vec::with_capacity(n_persons);
        let mut person_at: FxHashMap<(Sym, Sym), u32> = FxHashMap::default();
        person_at.reserve(n_persons);
        let mut referrals: Vec<(Referral, Sym)> = Vec::with_capacity(n_referrals);
        let mut referral_at: FxHashMap<(Sym, Sym), u32> = FxHashMap::default();
        referral_at.reserve(n_referrals);
        // (referral index, input sequence, appointment)
        let mut appointments: Vec<(u32, u64, Appointment)> = Vec::with_capacity(n_appointments);
        let mut appointment_at: FxHashMap<(u32, i32, u32), usize> = FxHashMap::default();
        appointment_at.reserve(n_appointments);
        let mut pauses: Vec<(u32, Pause)> = Vec::new();
        let mut pause_at: FxHashMap<(u32, i32), usize> = FxHashMap::default();
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
                match person_at.get(&(provider, local_id)) {
                    Some(&i) => persons[i as usize] = rec,
                    None => {
                        person_at.insert((provider, local_id), u32::try_from(persons.len()).unwrap_or(u32::MAX));
                        persons.push(rec);
                    }
                }
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
                match referral_at.get(&(provider, id)) {
                    Some(&i) => referrals[i as usize] = (rec, patient),
                    None => {
                        referral_at.insert((provider, id), u32::try_from(referrals.len()).unwrap_or(u32::MAX));
                        referrals.push((rec, patient));
                    }
                }
            }
            for a in &sub.appointments {
                let id = global(&mut strings, a.referral);
                // Validation guarantees the referral is in the same submission.
                let Some(&ri) = referral_at.get(&(provider, id)) else { continue };
                let key = (ri, a.date.days(), a.time.map_or(u32::MAX, |t| t.0));
                let rec = Appointment {
                    date: a.date,
                    time: a.time,
                    kind: a.kind,
                    attendance: a.attendance,
                    scores: a.scores,
                };
                seq += 1;
                match appointment_at.get(&key) {
                    Some(&i) => appointments[i] = (ri, seq, rec),
                    None => {
                        appointment_at.insert(key, appointments.len());
                        appointments.push((ri, seq, rec));
                    }
                }
            }
            for p in &sub.pauses {
                let id = global(&mut strings, p.referral);
                let Some(&ri) = referral_at.get(&(provider, id)) else { continue };
                let rec = Pause { start: p.start, end: p.end };
                match pause_at.get(&(ri, p.start.days())) {
                    Some(&i) => pauses[i] = (ri, rec),
                    None => {
                        pause_at.insert((ri, p.start.days()), pauses.len());
                        pauses.push((ri, rec));
                    }
                }
            }
        }
        // People: one identity per valid NHS number, else per provider record.
        let mut by_nhs: FxHashMap<u64, u32> = FxHashMap::default();
        let mut people = 0u32;
        for p in &mut persons {
            p.identity = match p.nhs_number {
                Some(n) => *by_nhs.entry(n).or_insert_with(|| {
                    people += 1;
                    people - 1
                }),
                None => {
                    people += 1;
                    people - 1
                }
            };
        }
        let referrals: Vec<Referral> = referrals
            .into_iter()
            .map(|(mut r, patient)| {
                r.person = person_at.get(&(r.provider, patient)).copied().unwrap_or(u32::MAX);
                r
            })
            .collect();
        // Input sequence numbers are unique, so an unstable sort gives one order.
        appointments.sort_unstable_by_key(|a| (a.0, a.2.date, a.2.time.map_or(0, |t| t.0 + 1), a.1));
        let appointment_offsets = offsets(referrals.len(), appointments.iter().map(|a| a.0));
        pauses.sort_by_key(|p| (p.0, p.1.start));
        let pause_offsets = offsets(referrals.len(), pauses.iter().map(|p| p.0));
        Dataset {
            strings,
            persons,
            referrals,
            appointments: appointments.into_iter().map(|a| a.2).collect(),
            appointment_offsets,
            pauses: pauses.into_iter().map(|p| p.1).collect(),
            pause_offsets,
            people,
        }
    }
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
