//! The key facts, as sentences in the style of the published summary, and the charts, drawn
//! from the published tables.

use iapt_outcomes::{Counts, pct};

use crate::aggregate::{Aggregates, band_sum};
use crate::model::{Cell, Chart, Table};

/// 883968 as "883,968" (one definition, shared with the readers' messages).
pub use iapt_ingest::thousands;

/// The broad ethnic groups with the highest and next-highest rate of people referred per
/// 100,000 of the same group, read from T7's published rows.
#[must_use]
pub fn broad_group_rates(tables: &[Table]) -> Option<String> {
    let t7 = tables.iter().find(|t| t.id == "T7")?;
    let mut rates: Vec<(&str, f64)> = t7
        .rows
        .iter()
        .filter(|r| r.first() == Some(&Cell::Text(crate::people::BROAD_GROUP.into())))
        .filter_map(|r| match (r.get(1), r.last()) {
            (Some(Cell::Text(name)), Some(Cell::Rate(v))) => Some((name.as_str(), *v)),
            _ => None,
        })
        .collect();
    rates.sort_by(|a, b| b.1.total_cmp(&a.1));
    let [(first, r1), (second, r2), ..] = rates.as_slice() else { return None };
    Some(format!(
        "Relative to its population, the {first} group had the highest rate of people referred ({r1:.0} per 100,000 \
         of the group in the 2011 Census), then {second} ({r2:.0} per 100,000)."
    ))
}

/// The commonest unknown commissioner codes, as a clause: "; the commonest were `5A9` (12)".
#[must_use]
pub fn unknown_codes(codes: &[(String, u64)]) -> String {
    if codes.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = codes
        .iter()
        .take(5)
        .map(|(c, n)| {
            // A code from a submission: printable and short, whatever was sent.
            let c: String = c.chars().filter(|c| !c.is_control()).take(12).collect();
            if c.is_empty() { format!("no code ({})", thousands(*n)) } else { format!("`{c}` ({})", thousands(*n)) }
        })
        .collect();
    format!("; the commonest were {}", shown.join(", "))
}

fn per_cent(v: Option<f64>) -> String {
    v.map_or("[z]".into(), |v| format!("{v:.1} per cent"))
}

/// The national figures the key facts quote, beyond the tables' own rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    pub counts: Counts,
    pub people: u64,
    pub median_wait: Option<f64>,
    /// Area teams (the Unknown row aside) at or above a 50% recovery rate, and how many have a rate.
    pub area_teams_meeting_target: usize,
    pub area_teams: usize,
    pub male: u64,
    pub female: u64,
    pub gender_not_known: u64,
    pub aged_20_to_49: u64,
    pub white_british: u64,
    pub known_ethnicity: u64,
    pub unknown_ethnicity: u64,
}

/// The headline figures of `a`. `male`, `female`: code positions in the gender list;
/// `white_british`: in the ethnic list; `known`/`unknown`: people by known ethnicity.
#[must_use]
pub fn headline(
    a: &Aggregates,
    male: Option<usize>,
    female: Option<usize>,
    white_british: Option<usize>,
    ethnicity: (u64, u64),
) -> Headline {
    let named = a.area_teams.iter().filter(|t| !t.unknown);
    let rates: Vec<f64> = named.filter_map(|t| t.counts.recovery_rate()).collect();
    let gender_total = |g: Option<usize>| g.and_then(|g| a.people.by_gender_age.get(g)).map_or(0, |s| s.iter().sum());
    let (male, female) = (gender_total(male), gender_total(female));
    let all_ages: Vec<u64> = (0..a.people.by_gender_age.first().map_or(0, Vec::len))
        .map(|age| a.people.by_gender_age.iter().map(|g| g[age]).sum())
        .collect();
    Headline {
        counts: a.england.counts,
        people: a.people.total,
        median_wait: a.england.median_wait,
        area_teams_meeting_target: rates.iter().filter(|&&r| r >= 50.0).count(),
        area_teams: a.area_teams.iter().filter(|t| !t.unknown).count(),
        male,
        female,
        gender_not_known: a.people.total - male - female,
        aged_20_to_49: band_sum(&all_ages, 20, 49),
        white_british: white_british.and_then(|i| a.people.by_ethnicity.get(i)).copied().unwrap_or(0),
        known_ethnicity: ethnicity.0,
        unknown_ethnicity: ethnicity.1,
    }
}

/// The headline figures of `a`, finding the codes they need (male, female, White British, the
/// unknown ethnic categories) in the schema's code lists.
///
/// # Errors
/// When the schema lacks the gender or ethnic-category list.
pub fn national_headline(
    a: &Aggregates,
    schema: &iapt_schema::Schema,
) -> Result<Headline, iapt_schema::SchemaMismatch> {
    let (genders, ethnic) = (schema.require_list("gender")?, schema.require_list("ethnic-category")?);
    let at = |l: &iapt_schema::CodeList, code: &str| l.find(code).map(usize::from);
    let ethnicity = crate::people::known_ethnicity(&a.people, ethnic);
    Ok(headline(a, at(genders, "1"), at(genders, "2"), at(ethnic, "A"), ethnicity))
}

/// The key-facts sentences.
#[must_use]
pub fn key_facts(h: &Headline, year: &str) -> Vec<String> {
    let c = &h.counts;
    let n = thousands;
    vec![
        format!(
            "A total of {} new referrals were received by IAPT services in England in {year}, representing {} people.",
            n(c.received),
            n(h.people)
        ),
        format!(
            "{} referrals entered treatment in the year: {} of the referrals received.",
            n(c.entered_treatment),
            per_cent(pct(c.entered_treatment, c.received))
        ),
        format!(
            "Of the referrals that entered treatment, {} ({}) waited 28 days or less from referral to their first \
             treatment and {} ({}) waited 90 days or less; the median wait was {} days.",
            n(c.waited_28),
            per_cent(pct(c.waited_28, c.entered_treatment)),
            n(c.waited_90),
            per_cent(pct(c.waited_90, c.entered_treatment)),
            h.median_wait.map_or("[z]".into(), |m| format!("{m:.0}"))
        ),
        format!(
            "{} referrals ended in the year; {} of them ({}) ended because the patient declined treatment or dropped out.",
            n(c.ended),
            n(c.declined_or_dropped_out),
            per_cent(pct(c.declined_or_dropped_out, c.ended))
        ),
        format!(
            "{} referrals finished a course of treatment (two or more treatment appointments): {} of referrals \
             received and {} of referrals ended.",
            n(c.finished),
            per_cent(pct(c.finished, c.received)),
            per_cent(pct(c.finished, c.ended))
        ),
        format!(
            "Of the referrals that finished a course of treatment, {} were at caseness at the start of treatment and {} \
             of them recovered: a recovery rate of {}.",
            n(c.at_caseness),
            n(c.recovered),
            per_cent(c.recovery_rate())
        ),
        format!(
            "{} of the {} area teams reached the 50 per cent recovery target.",
            h.area_teams_meeting_target, h.area_teams
        ),
        format!(
            "{} referrals ({} of those that finished a course of treatment) showed reliable improvement, and {} \
             ({} of those at caseness) reliable recovery.",
            n(c.reliable_improvement),
            per_cent(pct(c.reliable_improvement, c.finished)),
            n(c.reliable_recovery),
            per_cent(c.reliable_recovery_rate())
        ),
        format!(
            "Of the people referred, {} were female and {} male; gender was not recorded or not known for {}.",
            per_cent(pct(h.female, h.people)),
            per_cent(pct(h.male, h.people)),
            per_cent(pct(h.gender_not_known, h.people))
        ),
        format!("{} of the people referred were aged 20 to 49.", capital(&per_cent(pct(h.aged_20_to_49, h.people)))),
        format!(
            "Where ethnicity was known, {} of the people referred were White British; ethnicity was not stated or not \
             known for {} of people.",
            per_cent(pct(h.white_british, h.known_ethnicity)),
            per_cent(pct(h.unknown_ethnicity, h.people))
        ),
    ]
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
}

fn find<'t>(tables: &'t [Table], id: &str) -> Option<&'t Table> {
    tables.iter().find(|t| t.id == id)
}

/// The three charts, from the published cells of T2, T4 and T7; the recovery chart groups the
/// area teams under their commissioning regions (from `reference`).
#[must_use]
pub fn charts(tables: &[Table], reference: &crate::Reference) -> Vec<Chart> {
    let mut out = Vec::new();
    if let Some(t2) = find(tables, "T2")
        && let Some(england) = t2.rows.first()
    {
        let bars = ["28 days or less", "29 to 56 days", "57 to 90 days", "over 90 days"]
            .iter()
            .map(|b| {
                let col = t2.column(&format!("Waited {b} (% of entered treatment)"));
                ((*b).to_owned(), col.map_or(Cell::NotAvailable, |c| england[c].clone()))
            })
            .collect();
        out.push(Chart {
            title: "Waiting time from referral to first treatment, England".into(),
            unit: "% of referrals that entered treatment".into(),
            bars,
            target: None,
            source: "T2",
        });
    }
    if let Some(t4) = find(tables, "T4")
        && let Some(rate) = t4.column(crate::tables::RECOVERY_RATE)
    {
        let level =
            |name: &str| -> Vec<&Vec<Cell>> { t4.rows.iter().filter(|r| r[0] == Cell::Text(name.into())).collect() };
        let (regions, teams) = (level("Commissioning region"), level("Area team"));
        let code = |r: &Vec<Cell>| r[1].plain();
        let mut bars = Vec::new();
        // Each region's own rate, then its area teams; the Unknown rows last.
        for (i, region) in reference.regions.iter().enumerate() {
            if let Some(row) = regions.iter().find(|r| code(r) == region.code) {
                bars.push((format!("{} (region)", region.name), row[rate].clone()));
            }
            for team in reference.area_teams.iter().filter(|t| t.region == i) {
                if let Some(row) = teams.iter().find(|r| code(r) == team.code) {
                    bars.push((row[2].plain(), row[rate].clone()));
                }
            }
        }
        let known = |c: &str| reference.area_teams.iter().any(|t| t.code == c);
        bars.extend(teams.iter().filter(|r| !known(&code(r))).map(|r| (r[2].plain(), r[rate].clone())));
        out.push(Chart {
            title: "Recovery rate by commissioning region and area team, against the 50% target".into(),
            unit: "% of referrals at caseness that recovered".into(),
            bars,
            target: Some((50.0, "50% target".into())),
            source: "T4",
        });
    }
    if let Some(t7) = find(tables, "T7")
        && let Some(rate) = t7.column("People referred per 100,000 population")
    {
        let bars =
            t7.rows.iter().filter(|r| r[rate].number().is_some()).map(|r| (r[1].plain(), r[rate].clone())).collect();
        out.push(Chart {
            title: "People referred per 100,000 population, by ethnic category, England".into(),
            unit: "people referred per 100,000 usual residents (2011 Census)".into(),
            bars,
            target: None,
            source: "T7",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(883_968), "883,968");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
