//! Tables T6 and T7: people referred by gender and age band, and by ethnic category, with
//! rates per 100,000 population where the 2011 Census gives a denominator. England only.

use iapt_schema::CodeList;

use crate::aggregate::{AGE_BANDS, PUBLISHED_AGE_BANDS, People, band_sum};
use crate::model::{Cell, Column, Kind, Table};
use crate::reference::Census;

fn share(part: u64, whole: u64) -> Cell {
    if whole == 0 { Cell::NotApplicable } else { Cell::Percent(100.0 * part as f64 / whole as f64) }
}

fn per_100k(people: u64, population: Option<u64>) -> Cell {
    match population {
        Some(p) if p > 0 => Cell::Rate(100_000.0 * people as f64 / p as f64),
        _ => Cell::NotAvailable,
    }
}

fn columns(headers: &[(&str, Kind)]) -> Vec<Column> {
    headers.iter().map(|&(h, kind)| Column { header: h.into(), kind }).collect()
}

/// T6: a row per gender (all, each code, not recorded) and age band (all ages, five-year
/// bands, unknown, then the 2012-13 publication's bands).
#[must_use]
pub fn t6(people: &People, genders: &CodeList, census: &Census) -> Table {
    let total = people.total;
    let mut rows = Vec::new();
    let all_slots: Vec<u64> =
        (0..people.by_gender_age[0].len()).map(|a| people.by_gender_age.iter().map(|g| g[a]).sum()).collect();
    let mut genders_rows: Vec<(String, Vec<u64>, Option<u64>)> = vec![("All".into(), all_slots, Some(census.total))];
    for (i, slots) in people.by_gender_age.iter().enumerate() {
        let (label, population) = match genders.codes.get(i) {
            Some(c) => (c.label.clone(), census.sex(&c.code)),
            None => ("Not recorded".into(), None),
        };
        genders_rows.push((label, slots.clone(), population));
    }
    for (gender, slots, population) in &genders_rows {
        let n: u64 = slots.iter().sum();
        let mut push = |grouping: &str, band: &str, count: u64, rate: Cell| {
            rows.push(vec![
                Cell::Text(gender.clone()),
                Cell::Text(grouping.into()),
                Cell::Text(band.into()),
                Cell::Count(count),
                share(count, total),
                rate,
            ]);
        };
        push("All ages", "All ages", n, per_100k(n, *population));
        for &(band, low, high) in &AGE_BANDS {
            push("Five-year bands", band, band_sum(slots, low, high), Cell::NotAvailable);
        }
        push("Five-year bands", "Unknown", slots.last().copied().unwrap_or(0), Cell::NotAvailable);
        for &(band, low, high) in &PUBLISHED_AGE_BANDS {
            push("2012-13 publication bands", band, band_sum(slots, low, high), Cell::NotAvailable);
        }
    }
    Table {
        id: "T6",
        title: "People referred, by gender and age band".into(),
        description: "Distinct people with a referral received in the year. Gender from the latest Person record; age \
                      at the first referral in the year. Rates use 2011 Census usual residents; the census gives no \
                      age-band denominators here ([x])."
            .into(),
        columns: columns(&[
            ("Gender", Kind::Text),
            ("Age grouping", Kind::Text),
            ("Age band", Kind::Text),
            ("People referred", Kind::Count),
            ("People referred (% of all people referred)", Kind::Percent),
            ("People referred per 100,000 population", Kind::Rate),
        ]),
        rows,
    }
}

/// Whether an ethnic code means "not stated or not known".
fn unknown_ethnicity(list: &CodeList, index: usize) -> bool {
    let group = list.attribute("group");
    list.codes.get(index).is_none_or(|c| {
        group.is_some_and(|g| c.attributes[g].to_ascii_lowercase().contains("not stated"))
            || c.code == "Z"
            || c.code == "99"
    })
}

/// The people of known ethnicity, and those not stated, not known or not recorded.
#[must_use]
pub fn known_ethnicity(people: &People, list: &CodeList) -> (u64, u64) {
    let unknown: u64 =
        people.by_ethnicity.iter().enumerate().filter(|&(i, _)| unknown_ethnicity(list, i)).map(|(_, n)| n).sum();
    (people.total - unknown, unknown)
}

/// The code column of T7's broad-group rows.
pub const BROAD_GROUP: &str = "Broad group";

/// T7: a row for all people, then each ethnic category in code-list order, then not recorded,
/// then each broad group (White, Mixed, ...) with its rate per 100,000 of the same group.
#[must_use]
pub fn t7(people: &People, list: &CodeList, census: &Census) -> Table {
    let (known, _) = known_ethnicity(people, list);
    let group = list.attribute("group");
    let mut rows = vec![vec![
        Cell::Text("All".into()),
        Cell::Text("All people referred".into()),
        Cell::Text("All".into()),
        Cell::Count(people.total),
        share(people.total, people.total),
        Cell::NotApplicable,
        per_100k(people.total, Some(census.total)),
    ]];
    for (i, &n) in people.by_ethnicity.iter().enumerate() {
        let (code, label, broad) = match list.codes.get(i) {
            Some(c) => (c.code.clone(), c.label.clone(), group.map_or(String::new(), |g| c.attributes[g].clone())),
            None => ("Not recorded".into(), "Not recorded or not valid".into(), "Not stated or not known".into()),
        };
        let unknown = unknown_ethnicity(list, i);
        let population = list.codes.get(i).and_then(|c| census.ethnicity(&c.code));
        rows.push(vec![
            Cell::Text(code),
            Cell::Text(label),
            Cell::Text(broad),
            Cell::Count(n),
            share(n, people.total),
            if unknown { Cell::NotApplicable } else { share(n, known) },
            if unknown { Cell::NotApplicable } else { per_100k(n, population) },
        ]);
    }
    // Each broad group, with people per 100,000 of the same group in the 2011 Census.
    let mut groups: Vec<(String, u64, u64, bool)> = Vec::new();
    for (i, c) in list.codes.iter().enumerate() {
        if unknown_ethnicity(list, i) {
            continue;
        }
        let name = group.map_or(String::new(), |g| c.attributes[g].clone());
        let at = groups.iter().position(|(g, ..)| *g == name).unwrap_or_else(|| {
            groups.push((name, 0, 0, false));
            groups.len() - 1
        });
        groups[at].1 += people.by_ethnicity.get(i).copied().unwrap_or(0);
        if let Some(p) = census.ethnicity(&c.code) {
            groups[at].2 += p;
            groups[at].3 = true;
        }
    }
    for (name, n, population, counted) in groups {
        rows.push(vec![
            Cell::Text(BROAD_GROUP.into()),
            Cell::Text(name.clone()),
            Cell::Text(name),
            Cell::Count(n),
            share(n, people.total),
            share(n, known),
            per_100k(n, counted.then_some(population)),
        ]);
    }
    Table {
        id: "T7",
        title: "People referred, by ethnic category".into(),
        description: "Distinct people with a referral received in the year, by ETHNIC_CATEGORY of their latest Person \
                      record. Rates use 2011 Census usual residents mapped to the NHS 2001 categories."
            .into(),
        columns: columns(&[
            ("Ethnic category code", Kind::Text),
            ("Ethnic category", Kind::Text),
            ("Broad ethnic group", Kind::Text),
            ("People referred", Kind::Count),
            ("People referred (% of all people referred)", Kind::Percent),
            ("People referred (% of people with a known ethnicity)", Kind::Percent),
            ("People referred per 100,000 population", Kind::Rate),
        ]),
        rows,
    }
}
