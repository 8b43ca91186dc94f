//! The true (unrounded) figures of every unit the tables show: England, each area team, CCG
//! and provider, each diagnosis group, and the people referred by gender, age and ethnicity.
//! One pass over the referrals; units are indexed by integer, never looked up by name.

use iapt_outcomes::{Counts, Dataset, OutcomeRules, ReferralOutcome, people_referred};
use iapt_schema::{OLDEST_AGE, Schema};

use crate::reference::{AreaTeam, Reference};

/// Waiting-time bands, in days, as the published table splits them (upper bounds).
pub const WAIT_BANDS: [(&str, i32); 4] =
    [("28 days or less", 28), ("29 to 56 days", 56), ("57 to 90 days", 90), ("over 90 days", i32::MAX)];

/// The figures of one row of a geography table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub counts: Counts,
    /// Distinct people with a referral received in the period in this unit.
    pub people: u64,
    /// Entered treatment, by [`WAIT_BANDS`].
    pub waits: [u64; 4],
    pub median_wait: Option<f64>,
    /// Ended referrals by end group (in [`Aggregates::end_groups`] order), then not recorded.
    pub ended_by_group: Vec<u64>,
    /// The unit of referrals whose commissioner is not in the reference data.
    pub unknown: bool,
}

/// Everything the tables are made from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aggregates {
    pub england: Unit,
    /// Commissioning regions in reference order, then "Unknown".
    pub regions: Vec<Unit>,
    /// Reference order, then "Unknown" (commissioner not in the reference data).
    pub area_teams: Vec<Unit>,
    /// Reference order, then "Unknown".
    pub ccgs: Vec<Unit>,
    /// By provider code.
    pub providers: Vec<Unit>,
    /// End groups (`seen-not-treated`, ...) in code-list order.
    pub end_groups: Vec<String>,
    /// England's ended referrals by end code (code-list order), then not recorded.
    pub ended_by_code: Vec<u64>,
    /// Diagnosis groups in `measures.json` order, the last "not recorded", with their counts.
    pub diagnosis: Vec<(String, Counts)>,
    pub people: People,
    /// Commissioner codes not in the reference data (blank when none was given), with how many
    /// referrals received in the period carry each: most first, then by code.
    pub unknown_commissioners: Vec<(String, u64)>,
}

/// People referred in the period, by their demographics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct People {
    pub total: u64,
    /// [gender code index or the last slot for not recorded][age band index].
    pub by_gender_age: Vec<Vec<u64>>,
    /// Per ethnic-category code index, then not recorded.
    pub by_ethnicity: Vec<u64>,
}

/// Five-year age bands as the spec lists them: (label, lowest age, highest age).
pub const AGE_BANDS: [(&str, i32, i32); 18] = [
    ("Under 16", i32::MIN, 15),
    ("16 to 17", 16, 17),
    ("18 to 19", 18, 19),
    ("20 to 24", 20, 24),
    ("25 to 29", 25, 29),
    ("30 to 34", 30, 34),
    ("35 to 39", 35, 39),
    ("40 to 44", 40, 44),
    ("45 to 49", 45, 49),
    ("50 to 54", 50, 54),
    ("55 to 59", 55, 59),
    ("60 to 64", 60, 64),
    ("65 to 69", 65, 69),
    ("70 to 74", 70, 74),
    ("75 to 79", 75, 79),
    ("80 to 84", 80, 84),
    ("85 to 89", 85, 89),
    ("90 and over", 90, i32::MAX),
];

/// The bands the 2012-13 publication used, so figures can be set beside it.
pub const PUBLISHED_AGE_BANDS: [(&str, i32, i32); 5] = [
    ("Under 16", i32::MIN, 15),
    ("16 to 17", 16, 17),
    ("18 to 35", 18, 35),
    ("36 to 64", 36, 64),
    ("65 and over", 65, i32::MAX),
];

/// Ages outside this range come from a birth date that cannot be right: counted as unknown.
const PLAUSIBLE_AGE: std::ops::RangeInclusive<i32> = 0..=OLDEST_AGE;

/// Single years of age kept per gender; the bands are sums of these. The last is unknown.
pub const AGE_SLOTS: usize = OLDEST_AGE as usize + 2;

/// The slot of an age: its years, or [`AGE_SLOTS`] - 1 when unknown.
#[must_use]
pub fn age_slot(age: i32) -> usize {
    if PLAUSIBLE_AGE.contains(&age) { usize::try_from(age).unwrap_or(AGE_SLOTS - 1) } else { AGE_SLOTS - 1 }
}

/// Sum of the single-year slots in `[low, high]`.
#[must_use]
pub fn band_sum(slots: &[u64], low: i32, high: i32) -> u64 {
    (0..AGE_SLOTS - 1).filter(|&a| (low..=high).contains(&i32::try_from(a).unwrap_or(0))).map(|a| slots[a]).sum()
}

/// Median of a list of waits (mean of the middle two when the count is even).
fn median(waits: &mut [i32]) -> Option<f64> {
    if waits.is_empty() {
        return None;
    }
    // The middle found without sorting the rest; the one below it is the largest left of it.
    let n = waits.len();
    let (below, &mut middle, _) = waits.select_nth_unstable(n / 2);
    Some(if n % 2 == 1 {
        f64::from(middle)
    } else {
        f64::from(below.iter().copied().max().unwrap_or(middle) + middle) / 2.0
    })
}

/// One geography level being counted: a unit per referral, then waits per unit.
struct Level {
    units: Vec<Unit>,
    waits: Vec<Vec<i32>>,
}

impl Level {
    fn new(units: Vec<Unit>, groups: usize) -> Level {
        let n = units.len();
        let units = units.into_iter().map(|u| Unit { ended_by_group: vec![0; groups + 1], ..u }).collect();
        Level { units, waits: vec![Vec::new(); n] }
    }

    fn add(&mut self, unit: usize, o: &ReferralOutcome, group: Option<usize>, data: &Dataset, rules: &OutcomeRules) {
        let u = &mut self.units[unit];
        u.counts.add(o, data, rules);
        if o.entered_treatment {
            let w = o.wait_days.unwrap_or(i32::MAX);
            let band = WAIT_BANDS.iter().position(|&(_, up)| w <= up).unwrap_or(WAIT_BANDS.len() - 1);
            u.waits[band] += 1;
            self.waits[unit].push(w);
        }
        if o.ended_in_period {
            let last = u.ended_by_group.len() - 1;
            u.ended_by_group[group.unwrap_or(last)] += 1;
        }
    }

    /// Adds each unit of `parts` into the unit `parent` gives it: counts, wait bands, ended
    /// groups, and the waits themselves (a median depends only on which waits there are, not on
    /// their order). People are not added: one person may be in two parts.
    fn absorb(&mut self, parts: &Level, parent: impl Fn(usize) -> usize) {
        for (u, part) in parts.units.iter().enumerate() {
            let p = parent(u);
            let whole = &mut self.units[p];
            whole.counts.absorb(&part.counts);
            for (w, n) in whole.waits.iter_mut().zip(part.waits) {
                *w += n;
            }
            for (e, n) in whole.ended_by_group.iter_mut().zip(&part.ended_by_group) {
                *e += n;
            }
            self.waits[p].extend_from_slice(&parts.waits[u]);
        }
    }

    fn finish(mut self) -> Vec<Unit> {
        for (u, w) in self.units.iter_mut().zip(&mut self.waits) {
            u.median_wait = median(w);
        }
        self.units
    }
}

/// Counts the distinct people of each unit of each level from every referral's person and
/// units (England, region, area team, CCG, provider). A person with one referral is counted in
/// its units at once (most people); the referrals of the others are brought together, by
/// counting (identities are dense numbers; a sort was a quarter of aggregating), then compared
/// among themselves.
fn count_people(mut levels: [&mut Level; 5], seen: &[(u32, [u32; 5])]) {
    let people = seen.iter().map(|&(identity, _)| identity as usize + 1).max().unwrap_or(0);
    let mut referrals = vec![0u32; people];
    for &(identity, _) in seen {
        referrals[identity as usize] += 1;
    }
    // Where each person's run starts among the referrals of people with more than one.
    let mut starts = vec![0u32; people + 1];
    for (i, &n) in referrals.iter().enumerate() {
        starts[i + 1] = starts[i] + if n > 1 { n } else { 0 };
    }
    let mut next = starts.clone();
    let mut grouped = vec![[0u32; 5]; starts[people] as usize];
    for &(identity, units) in seen {
        let i = identity as usize;
        if referrals[i] == 1 {
            for (level, &u) in levels.iter_mut().zip(&units) {
                level.units[u as usize].people += 1;
            }
        } else {
            grouped[next[i] as usize] = units;
            next[i] += 1;
        }
    }
    let mut units = Vec::new();
    for run in starts.windows(2).filter(|run| run[1] > run[0]) {
        let person = &grouped[run[0] as usize..run[1] as usize];
        for (k, level) in levels.iter_mut().enumerate() {
            units.clear();
            units.extend(person.iter().map(|u| u[k]));
            units.sort_unstable();
            units.dedup();
            for &u in &units {
                level.units[u as usize].people += 1;
            }
        }
    }
}

fn unit(code: &str, name: &str) -> Unit {
    Unit { code: code.to_owned(), name: name.to_owned(), ..Unit::default() }
}

/// Counts every referral received in the period into its units.
///
/// # Errors
/// When the schema lacks a code list the tables need.
pub fn aggregate(
    data: &Dataset,
    outcomes: &[ReferralOutcome],
    rules: &OutcomeRules,
    schema: &Schema,
    reference: &Reference,
) -> Result<Aggregates, iapt_schema::SchemaMismatch> {
    let list = |name: &str| schema.require_list(name);
    let (end_codes, genders, ethnic) = (list("end-code")?, list("gender")?, list("ethnic-category")?);
    let (end_groups, group_of_code) = end_groups(end_codes)?;

    let units = SymbolUnits::new(data, schema, reference);
    let SymbolUnits { ccg_of_sym, diagnosis_of_sym, diagnosis_names, providers, place_of_provider } = units;
    let (unknown_ccg, unknown_team, unknown_region) =
        (reference.ccgs.len(), reference.area_teams.len(), reference.regions.len());

    let groups = end_groups.len();
    let mut england = Level::new(vec![unit("E92000001", "England")], groups);
    let with_unknown = |mut units: Vec<Unit>| {
        units.push(Unit { unknown: true, ..unit("Unknown", "Unknown (commissioner not in the reference data)") });
        Level::new(units, groups)
    };
    let mut regions = with_unknown(reference.regions.iter().map(|r| unit(&r.code, &r.name)).collect());
    let mut teams = with_unknown(reference.area_teams.iter().map(|t| unit(&t.code, &t.name)).collect());
    let mut ccgs = with_unknown(reference.ccgs.iter().map(|c| unit(&c.code, &c.name)).collect());
    // The first name listed for a code wins, as a search from the top would find it.
    let mut provider_names: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (code, name) in &reference.providers {
        provider_names.entry(code.as_str()).or_insert(name.as_str());
    }
    let mut provs =
        Level::new(providers.iter().map(|&p| unit(p, provider_names.get(p).copied().unwrap_or(p))).collect(), groups);
    let mut ended_by_code = vec![0u64; end_codes.codes.len() + 1];
    let mut diagnosis = vec![Counts::default(); diagnosis_names.len()];
    let mut unknown: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    // (person, their referral's unit at each level), counted into distinct people at the end.
    let mut seen: Vec<(u32, [u32; 5])> = Vec::new();
    let received = || outcomes.iter().filter(|o| o.received_in_period);
    let team_of = |ccg: usize| reference.ccgs.get(ccg).and_then(|c| c.area_team).unwrap_or(unknown_team);
    let region_of = |team: usize| reference.area_teams.get(team).map_or(unknown_region, |t: &AreaTeam| t.region);
    // A referral, its end group and its provider's place.
    let referral_of = |o: &ReferralOutcome| {
        let r = data.referral(o.referral as usize);
        (r, r.record.end_code.map(|c| group_of_code[usize::from(c)]), place_of_provider[r.provider.index()])
    };
    // A referral's end group, and its units: CCG, area team, region, provider.
    let units_of = |o: &ReferralOutcome| {
        let (r, group, provider) = referral_of(o);
        let ccg = r.record.commissioner.map_or(unknown_ccg, |c| ccg_of_sym[c as usize]);
        let team = team_of(ccg);
        (r, group, [ccg, team, region_of(team), provider])
    };

    // Two passes over the referrals at once, each counting into its own units.
    std::thread::scope(|scope| {
        let (provs, diagnosis) = (&mut provs, &mut diagnosis);
        let (diagnosis_of_sym, unknown_diagnosis) = (&diagnosis_of_sym, diagnosis_names.len() - 1);
        let referral_of = &referral_of;
        let other = scope.spawn(move || {
            for o in received() {
                let (r, group, provider) = referral_of(o);
                provs.add(provider, o, group, data, rules);
                let d = r.record.diagnosis.map_or(unknown_diagnosis, |d| diagnosis_of_sym[d as usize]);
                diagnosis[d].add(o, data, rules);
            }
        });
        for o in received() {
            let (r, group, [ccg, team, region, provider]) = units_of(o);
            if ccg == unknown_ccg {
                *unknown.entry(r.record.commissioner.map_or("", |c| data.codes.resolve(c))).or_default() += 1;
            }
            ccgs.add(ccg, o, group, data, rules);
            if let Some(identity) = data.identity_of(r) {
                let place = |u: usize| u32::try_from(u).unwrap_or(u32::MAX);
                seen.push((identity, [0, place(region), place(team), place(ccg), place(provider)]));
            }
            if o.ended_in_period {
                ended_by_code[r.record.end_code.map_or(end_codes.codes.len(), usize::from)] += 1;
            }
        }
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
    // Then, at once, the people referred by gender, age and ethnicity, and each level's distinct
    // people once the area teams, regions and England are summed from their CCGs (the people
    // need every level's units).
    let people = std::thread::scope(|scope| {
        let referred = scope.spawn(|| people(data, outcomes, genders, ethnic));
        teams.absorb(&ccgs, team_of);
        regions.absorb(&teams, region_of);
        england.absorb(&regions, |_| 0);
        count_people([&mut england, &mut regions, &mut teams, &mut ccgs, &mut provs], &seen);
        referred.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    drop(seen);

    let mut unknown_commissioners: Vec<(String, u64)> = unknown.into_iter().map(|(c, n)| (c.to_owned(), n)).collect();
    unknown_commissioners.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Aggregates {
        england: england.finish().remove(0),
        regions: regions.finish(),
        area_teams: teams.finish(),
        ccgs: ccgs.finish(),
        providers: provs.finish(),
        end_groups,
        ended_by_code,
        diagnosis: diagnosis_names.into_iter().zip(diagnosis).collect(),
        people,
        unknown_commissioners,
    })
}

/// Each code's unit, found once per distinct code: the CCG of a commissioner code, the
/// diagnosis group of a diagnosis code; and each provider's place in code order (only providers
/// with a referral).
struct SymbolUnits<'d> {
    ccg_of_sym: Vec<usize>,
    diagnosis_of_sym: Vec<usize>,
    diagnosis_names: Vec<String>,
    providers: Vec<&'d str>,
    place_of_provider: Vec<usize>,
}

impl<'d> SymbolUnits<'d> {
    fn new(data: &'d Dataset, schema: &Schema, reference: &Reference) -> SymbolUnits<'d> {
        let n_codes = data.codes.len();
        let unknown_ccg = reference.ccgs.len();
        let mut ccg_of_sym = vec![usize::MAX; n_codes];
        let ccg_index: std::collections::HashMap<&str, usize> =
            reference.ccgs.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
        let mut has_referrals = vec![false; data.providers.len()];
        let measures = &schema.measures;
        let mut diagnosis_names: Vec<String> = measures.diagnosis_groups.iter().map(|g| g.group.clone()).collect();
        diagnosis_names.push(measures.diagnosis_not_recorded.clone());
        // Both start unset (`usize::MAX`); each code is looked up the first time it is met.
        let mut diagnosis_of_sym = vec![usize::MAX; n_codes];
        for r in data.referrals() {
            has_referrals[r.provider.index()] = true;
            if let Some(c) = r.record.commissioner.filter(|&c| ccg_of_sym[c as usize] == usize::MAX) {
                let code = data.codes.resolve(c).trim();
                ccg_of_sym[c as usize] = ccg_index.get(code).copied().unwrap_or(unknown_ccg);
            }
            if let Some(d) = r.record.diagnosis.filter(|&d| diagnosis_of_sym[d as usize] == usize::MAX) {
                let g = measures.group_of(Some(data.codes.resolve(d)));
                diagnosis_of_sym[d as usize] =
                    diagnosis_names.iter().position(|n| n == g).unwrap_or(diagnosis_names.len() - 1);
            }
        }
        let in_order: Vec<usize> = data.providers_by_code().into_iter().filter(|&i| has_referrals[i]).collect();
        let providers: Vec<&str> = in_order.iter().map(|&i| data.providers[i].code.as_str()).collect();
        let mut place_of_provider = vec![0; data.providers.len()];
        for (place, &i) in in_order.iter().enumerate() {
            place_of_provider[i] = place;
        }
        SymbolUnits { ccg_of_sym, diagnosis_of_sym, diagnosis_names, providers, place_of_provider }
    }
}

/// The end codes' groups in list order, and each code's group.
fn end_groups(end_codes: &iapt_schema::CodeList) -> Result<(Vec<String>, Vec<usize>), iapt_schema::SchemaMismatch> {
    let group_column = end_codes.require_attribute("group")?;
    let mut groups: Vec<String> = Vec::new();
    let mut group_of_code = Vec::with_capacity(end_codes.codes.len());
    for c in &end_codes.codes {
        let g = &c.attributes[group_column];
        let at = groups.iter().position(|x| x == g).unwrap_or_else(|| {
            groups.push(g.clone());
            groups.len() - 1
        });
        group_of_code.push(at);
    }
    Ok((groups, group_of_code))
}

/// The people referred in the period by gender and age, and by ethnic category.
fn people(
    data: &Dataset,
    outcomes: &[ReferralOutcome],
    genders: &iapt_schema::CodeList,
    ethnic: &iapt_schema::CodeList,
) -> People {
    let mut people = People {
        total: 0,
        by_gender_age: vec![vec![0; AGE_SLOTS]; genders.codes.len() + 1],
        by_ethnicity: vec![0; ethnic.codes.len() + 1],
    };
    for p in people_referred(data, outcomes) {
        let person = data.person(p.person as usize);
        people.total += 1;
        let g = person.record.gender.map_or(genders.codes.len(), usize::from);
        people.by_gender_age[g][age_slot(p.age)] += 1;
        people.by_ethnicity[person.record.ethnic_category.map_or(ethnic.codes.len(), usize::from)] += 1;
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_counted_once_in_each_unit_they_were_referred_in() {
        let level = |n: usize| Level::new(vec![Unit::default(); n], 0);
        let mut levels = [level(1), level(2), level(3), level(5), level(4)];
        // Person 7 once; person 2 twice in one CCG, then in another CCG and provider; person 4
        // three times in the same units; identities need not start at 0 or be seen in order.
        let seen = [
            (2, [0, 1, 2, 3, 0]),
            (7, [0, 0, 1, 4, 3]),
            (4, [0, 1, 1, 2, 2]),
            (2, [0, 1, 2, 3, 0]),
            (4, [0, 1, 1, 2, 2]),
            (2, [0, 1, 2, 1, 1]),
            (4, [0, 1, 1, 2, 2]),
        ];
        let [a, b, c, d, e] = &mut levels;
        count_people([a, b, c, d, e], &seen);
        let people = |l: &Level| l.units.iter().map(|u| u.people).collect::<Vec<_>>();
        assert_eq!(people(&levels[0]), [3]);
        assert_eq!(people(&levels[1]), [1, 2]);
        assert_eq!(people(&levels[2]), [0, 2, 1]);
        assert_eq!(people(&levels[3]), [0, 1, 1, 1, 1]);
        assert_eq!(people(&levels[4]), [1, 1, 1, 1]);
    }

    #[test]
    fn medians_and_age_slots() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [10, 1, 4, 7]), Some(5.5));
        assert_eq!(median(&mut [3, 9, 3, 1]), Some(3.0));
        // As the middle of the sorted list, at every length.
        let mut seed = 7u64;
        for n in 1..200usize {
            let waits: Vec<i32> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (seed >> 40) as i32 % 97
                })
                .collect();
            let mut sorted = waits.clone();
            sorted.sort_unstable();
            let expect =
                if n % 2 == 1 { f64::from(sorted[n / 2]) } else { f64::from(sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
            assert_eq!(median(&mut waits.clone()), Some(expect), "{waits:?}");
        }
        assert_eq!(age_slot(34), 34);
        assert_eq!(age_slot(-1), AGE_SLOTS - 1);
        assert_eq!(age_slot(130), AGE_SLOTS - 1);
        let mut slots = vec![0u64; AGE_SLOTS];
        slots[15] = 2;
        slots[16] = 3;
        slots[90] = 1;
        slots[AGE_SLOTS - 1] = 7;
        assert_eq!(band_sum(&slots, i32::MIN, 15), 2);
        assert_eq!(band_sum(&slots, 90, i32::MAX), 1, "unknown ages are not in any band");
    }
}
