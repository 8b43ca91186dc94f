//! Many submissions as one record set: later reporting periods supersede earlier versions of
//! the same person, referral, appointment and pause; people are matched across providers by
//! a valid NHS number.
//!
//! Identifiers stay in the table of the provider that sent them: a provider's first submission
//! lends the dataset its interner as it is, so a national year (one submission a provider) is
//! merged without interning an identifier again. Its persons and referrals are its own
//! tables, moved in whole (see [`Chunks`]); its appointments are its own table too.

use iapt_schema::Date;
use iapt_validate::Submission;
use iapt_validate::records::{self, Interner, Sym};
use rustc_hash::FxHashMap;

use crate::chunks::Chunks;

/// A provider's place in [`Dataset::providers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(pub u32);

impl ProviderId {
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One provider's identifiers.
#[derive(Debug, Default)]
pub struct Provider {
    /// The ODS code its Header gives.
    pub code: String,
    /// Its local patient ids and referral ids (and whatever else its submissions interned).
    pub ids: Interner,
}

/// A person as last recorded by one provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Person<'a> {
    pub provider: ProviderId,
    /// The same number for every record of one human being (by NHS number, else provider + id).
    pub identity: u32,
    /// End of the reporting period of the submission this version came from.
    pub period_end: Date,
    /// The row as the provider sent it; `id` is in the provider's [`Provider::ids`].
    pub record: &'a records::Person,
}

/// A referral as last recorded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Referral<'a> {
    pub provider: ProviderId,
    /// Index of its person ([`Dataset::person`]); `None` only for records that validation
    /// would reject.
    pub person: Option<u32>,
    /// The row as the provider sent it: `id` and `person` are in the provider's
    /// [`Provider::ids`], `diagnosis` and `commissioner` in [`Dataset::codes`].
    pub record: &'a records::Referral,
}

/// The de-duplicated records of one or more submissions. Persons and referrals are numbered
/// from 0 in the order first read; read them with [`Dataset::person`] and
/// [`Dataset::referral`].
#[derive(Debug, Default)]
pub struct Dataset {
    pub providers: Vec<Provider>,
    /// Diagnosis and commissioner codes, shared by every provider.
    pub codes: Interner,
    /// The submissions' own tables, each tagged with its provider.
    persons: Chunks<records::Person>,
    /// Each person's identity and the period end of its version, by index.
    identity: Vec<u32>,
    period_end: Vec<Date>,
    referrals: Chunks<records::Referral>,
    /// Each referral's person, [`NONE`] for none.
    referral_person: Vec<u32>,
    /// The appointments, one table for each provider that sent one version (its submission's
    /// own, moved, not copied) and one for all that sent several; each grouped by referral in
    /// date then time order (no time first), an appointment's `referral` its referral's index.
    /// Read them with [`Dataset::appointments_of`].
    appointment_tables: Vec<Vec<records::Appointment>>,
    /// Each provider's table in `appointment_tables`.
    appointment_table: Vec<u32>,
    /// Each referral's run in its provider's table: (start, end).
    appointment_runs: Vec<(u32, u32)>,
    /// As the appointments: grouped by referral in start order, `referral` an index.
    pub pauses: Vec<records::Pause>,
    pub pause_offsets: Vec<u32>,
    /// Number of distinct people (identities).
    pub people: u32,
}

/// "No record yet" in the tables of places by identifier.
const NONE: u32 = u32::MAX;

impl Dataset {
    /// How many referrals there are.
    #[must_use]
    pub fn referral_count(&self) -> usize {
        self.referrals.len()
    }

    /// Referral `i` (`i` < [`Dataset::referral_count`]).
    #[must_use]
    #[inline]
    pub fn referral(&self, i: usize) -> Referral<'_> {
        let (record, provider) = self.referrals.get(i);
        let person = self.referral_person[i];
        Referral { provider: ProviderId(provider), person: (person != NONE).then_some(person), record }
    }

    /// Every referral, in index order.
    pub fn referrals(&self) -> impl Iterator<Item = Referral<'_>> {
        self.referrals.iter().zip(&self.referral_person).map(|((record, provider), &person)| Referral {
            provider: ProviderId(provider),
            person: (person != NONE).then_some(person),
            record,
        })
    }

    /// How many Person records there are.
    #[must_use]
    pub fn person_count(&self) -> usize {
        self.persons.len()
    }

    /// Person record `i` (`i` < [`Dataset::person_count`]).
    #[must_use]
    #[inline]
    pub fn person(&self, i: usize) -> Person<'_> {
        let (record, provider) = self.persons.get(i);
        Person { provider: ProviderId(provider), identity: self.identity[i], period_end: self.period_end[i], record }
    }

    /// Every Person record, in index order.
    pub fn persons(&self) -> impl Iterator<Item = Person<'_>> {
        self.persons.iter().zip(self.identity.iter().zip(&self.period_end)).map(
            |((record, provider), (&identity, &period_end))| Person {
                provider: ProviderId(provider),
                identity,
                period_end,
                record,
            },
        )
    }

    /// A referral's appointments, in order.
    #[must_use]
    pub fn appointments_of(&self, referral: usize) -> &[records::Appointment] {
        let (start, end) = self.appointment_runs[referral];
        let table = self.appointment_table[self.referrals.get(referral).1 as usize];
        self.appointment_tables.get(table as usize).map_or(&[], |t| &t[start as usize..end as usize])
    }

    /// Every appointment, grouped by referral.
    pub fn appointments(&self) -> impl Iterator<Item = &records::Appointment> {
        self.appointment_tables.iter().flatten()
    }

    /// A referral's pauses.
    #[must_use]
    pub fn pauses_of(&self, referral: usize) -> &[records::Pause] {
        &self.pauses[self.pause_offsets[referral] as usize..self.pause_offsets[referral + 1] as usize]
    }

    /// The provider's ODS code.
    #[must_use]
    pub fn provider_code(&self, provider: ProviderId) -> &str {
        &self.providers[provider.index()].code
    }

    /// Every provider's index in `providers`, in the order of their codes (the order tables and
    /// rows are published in).
    #[must_use]
    pub fn providers_by_code(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.providers.len()).collect();
        order.sort_unstable_by_key(|&i| self.providers[i].code.as_str());
        order
    }

    /// A referral's service request id.
    #[must_use]
    pub fn referral_id(&self, r: Referral<'_>) -> &str {
        self.providers[r.provider.index()].ids.resolve(r.record.id)
    }

    /// A person's local patient id.
    #[must_use]
    pub fn local_patient_id(&self, p: Person<'_>) -> &str {
        self.providers[p.provider.index()].ids.resolve(p.record.id)
    }

    /// The identity of the person a referral is for.
    #[must_use]
    #[inline]
    pub fn identity_of(&self, r: Referral<'_>) -> Option<u32> {
        r.person.map(|i| self.identity[i as usize])
    }

    /// The person a referral is for.
    #[must_use]
    pub fn person_of(&self, r: Referral<'_>) -> Option<Person<'_>> {
        r.person.map(|i| self.person(i as usize))
    }

    /// The order in which [`Dataset::merge`] reads submissions: a version read later supersedes
    /// one read earlier (a later reporting period end, then start, then position).
    #[must_use]
    pub fn merge_order(submissions: &[Submission]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..submissions.len()).collect();
        order.sort_by_key(|&i| (submissions[i].period_end, submissions[i].period_start, i));
        order
    }

    /// Submissions of one provider for one reporting period, as (superseded, used) pairs in
    /// merge order, each paired with the one read last: only their places in `submissions`
    /// decide which is used where they share records, so the user must hear of them.
    #[must_use]
    pub fn same_period(submissions: &[Submission]) -> Vec<(usize, usize)> {
        let order = Dataset::merge_order(submissions);
        let key = |i: usize| (&submissions[i].provider, submissions[i].period_start, submissions[i].period_end);
        // The one used is the last read of its key: each earlier one is paired with it.
        let mut last: FxHashMap<_, usize> = FxHashMap::default();
        for &i in &order {
            last.insert(key(i), i);
        }
        order.into_iter().filter_map(|i| Some((i, last[&key(i)])).filter(|&(i, used)| i != used)).collect()
    }

    /// How many referrals merging `submissions` gives, when that is known before merging: each
    /// provider sent one submission, so no record supersedes another (a national year).
    #[must_use]
    pub fn referrals_before_merging(submissions: &[Submission]) -> Option<usize> {
        let providers: std::collections::HashSet<&str> = submissions.iter().map(|s| s.provider.as_str()).collect();
        (providers.len() == submissions.len()).then(|| submissions.iter().map(|s| s.referrals.len()).sum())
    }

    /// Merges submissions: a later reporting period (then a later position in `submissions`)
    /// supersedes an earlier version of the same record. Each submission is freed once read.
    #[must_use]
    pub fn merge(mut submissions: Vec<Submission>) -> Dataset {
        let order = Dataset::merge_order(&submissions);
        let mut versions: FxHashMap<&str, u32> = FxHashMap::default();
        for s in &submissions {
            *versions.entry(s.provider.as_str()).or_default() += 1;
        }
        let versioned = versions.into_iter().filter(|&(_, n)| n > 1).map(|(p, _)| p.to_owned()).collect();
        let mut merge = Merge {
            data: Dataset::default(),
            by_code: FxHashMap::default(),
            places: Vec::new(),
            versioned,
            appointment_at: FxHashMap::default(),
            shared_table: None,
            pause_at: FxHashMap::default(),
        };
        for i in order {
            merge.read(std::mem::take(&mut submissions[i]));
        }
        merge.finish()
    }
}

/// Where a provider's records sit in the dataset, by the provider's id of them.
struct Places {
    person: Vec<u32>,
    referral: Vec<u32>,
    /// The provider sent more than one version, so appointments and pauses need keys too.
    versioned: bool,
}

/// The state of [`Dataset::merge`].
struct Merge {
    data: Dataset,
    by_code: FxHashMap<String, ProviderId>,
    places: Vec<Places>,
    versioned: Vec<String>,
    /// Versioned providers only: (referral, date, time) and (referral, start) to index.
    appointment_at: FxHashMap<(u32, i32, u32), u32>,
    /// The appointment table of all versioned providers.
    shared_table: Option<u32>,
    pause_at: FxHashMap<(u32, i32), u32>,
}

impl Merge {
    /// Reads one version into the dataset, in place of what it supersedes.
    fn read(&mut self, mut sub: Submission) {
        let period_end = sub.period_end.unwrap_or(Date::from_days(0));
        let provider = self.provider(&mut sub);
        let p = provider.index();
        let Dataset {
            providers,
            codes,
            persons,
            identity,
            period_end: period_ends,
            referrals,
            referral_person,
            pauses,
            appointment_tables: tables,
            appointment_table,
            ..
        } = &mut self.data;
        // A later version's ids, as the provider's; a first version's are the provider's.
        let ids = &mut providers[p].ids;
        let map: Vec<Sym> = (0..sub.ids.len()).map(|s| ids.intern(sub.ids.resolve(index(s)))).collect();
        let id = |s: Sym| map.get(s as usize).copied().unwrap_or(s);
        let places = &mut self.places[p];
        places.person.resize(ids.len(), NONE);
        places.referral.resize(ids.len(), NONE);
        // Each table is the submission's own, less the records that replace an earlier version.
        let key = |record: &mut records::Person| {
            record.id = id(record.id);
            record.id
        };
        append_versions(persons, sub.persons, provider, &mut places.person, key, |at| period_ends[at] = period_end);
        identity.resize(persons.len(), 0);
        period_ends.resize(persons.len(), period_end);
        let mut code_of: FxHashMap<Sym, Sym> = FxHashMap::default();
        let mut code = |s: Sym| *code_of.entry(s).or_insert_with(|| codes.intern(ids.resolve(id(s))));
        let key = |record: &mut records::Referral| {
            record.diagnosis = record.diagnosis.map(&mut code);
            record.commissioner = record.commissioner.map(&mut code);
            (record.id, record.person) = (id(record.id), id(record.person));
            record.id
        };
        append_versions(referrals, sub.referrals, provider, &mut places.referral, key, |_| {});
        referral_person.resize(referrals.len(), NONE);
        let mut appointments = sub.appointments;
        // Validation guarantees the referral is in the same submission.
        appointments.retain_mut(|a| {
            a.referral = places.referral[id(a.referral) as usize];
            a.referral != NONE
        });
        if places.versioned {
            let shared = *self.shared_table.get_or_insert_with(|| {
                tables.push(Vec::new());
                index(tables.len() - 1)
            });
            appointment_table[p] = shared;
            let table = &mut tables[shared as usize];
            for a in appointments {
                let key = (a.referral, a.date.days(), a.time.map_or(u32::MAX, |t| t.0));
                put(table, self.appointment_at.entry(key).or_insert(NONE), a);
            }
        } else {
            appointment_table[p] = index(tables.len());
            tables.push(appointments);
        }
        for mut pause in sub.pauses {
            pause.referral = places.referral[id(pause.referral) as usize];
            if pause.referral == NONE {
                continue;
            }
            if places.versioned {
                let at = self.pause_at.entry((pause.referral, pause.start.days())).or_insert(NONE);
                put(pauses, at, pause);
            } else {
                pauses.push(pause);
            }
        }
    }

    /// The provider of a submission, taking the submission's ids as its own when it is new.
    fn provider(&mut self, sub: &mut Submission) -> ProviderId {
        if let Some(&p) = self.by_code.get(&sub.provider) {
            return p;
        }
        let p = ProviderId(index(self.data.providers.len()));
        self.by_code.insert(sub.provider.clone(), p);
        let ids = std::mem::take(&mut sub.ids);
        // Sized to the provider's ids as each version is read.
        self.places.push(Places {
            person: Vec::new(),
            referral: Vec::new(),
            versioned: self.versioned.contains(&sub.provider),
        });
        self.data.providers.push(Provider { code: std::mem::take(&mut sub.provider), ids });
        self.data.appointment_table.push(NONE);
        p
    }

    /// People numbered, referrals given their person, appointments and pauses in order.
    fn finish(self) -> Dataset {
        let Merge { mut data, places, .. } = self;
        let n = data.referrals.len();
        let Dataset {
            persons,
            identity,
            referrals,
            referral_person,
            appointment_tables,
            appointment_runs,
            pauses,
            pause_offsets,
            ..
        } = &mut data;
        // People and the sorts (then each referral's runs in the sorted tables) touch different
        // tables: on two cores at once.
        data.people = std::thread::scope(|scope| {
            let sorting = scope.spawn(|| {
                *appointment_runs = vec![(0, 0); n];
                for table in appointment_tables.iter_mut() {
                    sort_by_referral(table, appointment_runs);
                }
                // Keys are unique once superseded versions are replaced, so an unstable sort gives one order.
                pauses.sort_unstable_by_key(|p| (p.referral, p.start));
                *pause_offsets = offsets(n, pauses.iter().map(|p| p.referral));
            });
            let people = crate::identity::identify(persons.iter().map(|(p, _)| p.nhs_number), identity);
            for ((r, provider), person) in referrals.iter().zip(referral_person.iter_mut()) {
                *person = places[provider as usize].person.get(r.person as usize).copied().unwrap_or(NONE);
            }
            sorting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            people
        });
        data
    }
}

/// Sorts appointments by (referral, date, time), a missing time first. Referrals are dense
/// indexes, so each appointment is placed in its referral's run by counting (a national year's
/// tables sorted by comparison were two thirds of merging), then each run (a few appointments)
/// is sorted. Keys are unique, so the order is the one sort of them. Each referral's run is
/// noted in `runs` as (start, end).
fn sort_by_referral(table: &mut [records::Appointment], runs: &mut [(u32, u32)]) {
    let key = |a: &records::Appointment| (a.date, a.time.map_or(0, |t| t.0 + 1));
    // A submission written out referral by referral (as most are) needs no placing: its runs
    // are sorted where they lie.
    if !table.is_sorted_by_key(|a| a.referral) {
        place_by_referral(table);
    }
    let mut start = 0;
    for run in table.chunk_by_mut(|a, b| a.referral == b.referral) {
        // A referral's appointments usually come in date order already.
        if !run.is_sorted_by_key(key) {
            run.sort_unstable_by_key(key);
        }
        let end = start + index(run.len());
        runs[run[0].referral as usize] = (start, end);
        start = end;
    }
}

/// Groups appointments by referral, in referral order, by counting.
fn place_by_referral(table: &mut [records::Appointment]) {
    let (Some(lo), Some(hi)) = (table.iter().map(|a| a.referral).min(), table.iter().map(|a| a.referral).max()) else {
        return;
    };
    // Each appointment's place, then each moved there in place (a new table would be fresh
    // pages to fault in, which cost more than the sort saved).
    let mut next = offsets((hi - lo) as usize + 1, table.iter().map(|a| a.referral - lo));
    let mut place: Vec<u32> = table
        .iter()
        .map(|a| {
            let slot = &mut next[(a.referral - lo) as usize];
            *slot += 1;
            *slot - 1
        })
        .collect();
    for i in 0..table.len() {
        while place[i] as usize != i {
            let j = place[i] as usize;
            table.swap(i, j);
            place.swap(i, j);
        }
    }
}

/// Appends a submission's table to `table` as it is, less the records that replace an earlier
/// version: `key` gives a record's id (as the provider's), `places` each id's index in `table`
/// ([`NONE`] for a new one); a replacing record is written at its index, which `replaced` is
/// told. The table left gives back its room when that is most of it (a monthly version repeats
/// most of the one before).
fn append_versions<T: Clone>(
    table: &mut Chunks<T>,
    mut records: Vec<T>,
    provider: ProviderId,
    places: &mut [u32],
    mut key: impl FnMut(&mut T) -> Sym,
    mut replaced: impl FnMut(usize),
) {
    let mut next = index(table.len());
    records.retain_mut(|record| {
        let at = &mut places[key(record) as usize];
        if *at == NONE {
            *at = next;
            next += 1;
            return true;
        }
        *table.get_mut(*at as usize) = record.clone();
        replaced(*at as usize);
        false
    });
    if records.len() < records.capacity() / 2 {
        records.shrink_to_fit();
    }
    table.push(records, provider.0);
}

/// Keeps `value` at `*at` (an index into `items`, or [`NONE`] for a new record).
fn put<T>(items: &mut Vec<T>, at: &mut u32, value: T) {
    if *at == NONE {
        *at = index(items.len());
        items.push(value);
    } else {
        items[*at as usize] = value;
    }
}

pub(crate) fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

/// Start offsets (plus the end) of each owner's run in a list sorted by owner (or where each
/// run would start, were the list sorted).
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

#[cfg(test)]
mod tests {
    use super::*;
    use iapt_schema::TimeOfDay;
    use iapt_validate::records::{Appointment, SCORE_SLOTS, Score};

    /// Appointments of referrals 40 to 339 in no order, with unique keys as in a merged table.
    fn shuffled_appointments() -> Vec<Appointment> {
        let mut table = Vec::new();
        let mut keys = std::collections::HashSet::new();
        let mut seed = 12_345u64;
        for row in 0..2_000u32 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let referral = 40 + (seed >> 33) as u32 % 300;
            let date = Date::from_days(15_000 + (seed >> 20) as i32 % 400);
            let time = (!(seed >> 50).is_multiple_of(3)).then_some(TimeOfDay(row));
            if !keys.insert((referral, date, time)) {
                continue;
            }
            let (kind, attendance, scores) = (None, 5, [Score::NONE; SCORE_SLOTS]);
            table.push(Appointment { row, referral, date, time, kind, attendance, scores });
        }
        table
    }

    /// Sorts `table` and checks the order and each referral's run against a plain sort.
    fn sorts_as_a_plain_sort(mut table: Vec<Appointment>) {
        let mut expect = table.clone();
        expect.sort_unstable_by_key(|a| (a.referral, a.date, a.time.map_or(0, |t| t.0 + 1)));
        let mut runs = vec![(0, 0); 400];
        sort_by_referral(&mut table, &mut runs);
        assert_eq!(table, expect);
        for (referral, &(start, end)) in runs.iter().enumerate() {
            let want: Vec<usize> = (0..expect.len()).filter(|&i| expect[i].referral as usize == referral).collect();
            let got: Vec<usize> = (start as usize..end as usize).collect();
            assert_eq!(got, want, "referral {referral}");
        }
    }

    #[test]
    fn counting_by_referral_gives_the_sorted_order() {
        let table = shuffled_appointments();
        assert!(!table.is_sorted_by_key(|a| a.referral));
        sorts_as_a_plain_sort(table);
        sorts_as_a_plain_sort(Vec::new());
    }

    #[test]
    fn a_table_already_by_referral_is_sorted_within_each_referral() {
        // As a submission is usually written: referral by referral, the days of one referral
        // not always in order.
        let mut table = shuffled_appointments();
        table.sort_by_key(|a| a.referral);
        assert!(!table.is_sorted_by_key(|a| (a.referral, a.date)));
        sorts_as_a_plain_sort(table);
    }
}
