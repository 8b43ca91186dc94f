//! Tables T1 to T5: referrals, waits, endings and outcomes, for England and for every area
//! team, CCG and provider, each sub-national block under disclosure control.

use crate::aggregate::{Aggregates, Unit};
use crate::disclosure::DisclosureRule;
use crate::model::{Cell, Column, Kind, Table};
use crate::protect::Protected;

/// A published column of a geography table, from the block's counts.
#[derive(Clone, Copy)]
enum Out {
    Count(usize),
    /// 100 × first / second.
    Percent(usize, usize),
    /// The median wait, withheld with the count in this column.
    MedianWait(usize),
    /// Whether the percentage reaches the 50% recovery target.
    MeetsTarget(usize, usize),
}

/// The counts a geography table takes from each unit, and what it publishes of them.
struct Spec {
    id: &'static str,
    title: &'static str,
    description: &'static str,
    counts: fn(&Unit) -> Vec<u64>,
    /// Whether each count is a sum over units (people are not: a person may be in two).
    additive: &'static [bool],
    /// Sets of counts of which the first is the sum of the others.
    row_groups: &'static [&'static [usize]],
    columns: Vec<(&'static str, Kind, Out)>,
}

/// One published cell of unit `i` of a protected block.
fn publish(block: &Protected, i: usize, out: Out, median_wait: Option<f64>) -> Cell {
    match out {
        Out::Count(c) => block.count(i, c),
        Out::Percent(p, w) => block.percent(i, p, w),
        Out::MedianWait(c) => block.depends_on(i, c, median_wait, Cell::Days),
        Out::MeetsTarget(p, w) => match block.percent(i, p, w) {
            Cell::Percent(v) => Cell::Text(if v >= 50.0 { "Yes" } else { "No" }.into()),
            other => other,
        },
    }
}

/// The levels of a geography table as (name, national, units): England, the national level, is
/// unrounded; the others are under the disclosure rule.
fn levels(a: &Aggregates) -> [(&'static str, bool, &[Unit]); 5] {
    [
        ("England", true, std::slice::from_ref(&a.england)),
        ("Commissioning region", false, &a.regions),
        ("Area team", false, &a.area_teams),
        ("CCG", false, &a.ccgs),
        ("Provider", false, &a.providers),
    ]
}

/// T4's recovery-rate column, which the recovery chart reads.
pub const RECOVERY_RATE: &str = "Recovery rate (%)";

const GEOGRAPHY: [(&str, Kind); 3] = [("Geography level", Kind::Text), ("Code", Kind::Text), ("Name", Kind::Text)];

fn geography_table(spec: &Spec, a: &Aggregates, rule: Option<DisclosureRule>) -> Table {
    let mut columns: Vec<Column> = GEOGRAPHY.iter().map(|&(h, kind)| Column { header: h.into(), kind }).collect();
    columns.extend(spec.columns.iter().map(|&(h, kind, _)| Column { header: h.into(), kind }));
    let mut rows = Vec::new();
    for (level, national, units) in levels(a) {
        let values: Vec<Vec<u64>> = units.iter().map(spec.counts).collect();
        let groups: Vec<Vec<usize>> = spec.row_groups.iter().map(|g| g.to_vec()).collect();
        let block = Protected::new(if national { None } else { rule }, &values, spec.additive, &groups);
        for (i, u) in units.iter().enumerate() {
            let mut row = vec![Cell::Text(level.into()), Cell::Text(u.code.clone()), Cell::Text(u.name.clone())];
            row.extend(spec.columns.iter().map(|&(_, _, out)| publish(&block, i, out, u.median_wait)));
            rows.push(row);
        }
    }
    Table { id: spec.id, title: spec.title.into(), description: spec.description.into(), columns, rows }
}

fn t1() -> Spec {
    Spec {
        id: "T1",
        title: "Referrals received, people referred, entered treatment and finished a course of treatment",
        description: "Referrals received in the year, by the area team and CCG of the commissioner and by provider. \
                      A person referred to two services is counted once in England and once in each.",
        counts: |u| {
            let c = &u.counts;
            vec![c.received, u.people, c.entered_treatment, c.ended, c.finished]
        },
        additive: &[true, false, true, true, true],
        row_groups: &[],
        columns: vec![
            ("Referrals received", Kind::Count, Out::Count(0)),
            ("People referred", Kind::Count, Out::Count(1)),
            ("Entered treatment", Kind::Count, Out::Count(2)),
            ("Entered treatment (% of referrals received)", Kind::Percent, Out::Percent(2, 0)),
            ("Referrals ended", Kind::Count, Out::Count(3)),
            ("Finished a course of treatment", Kind::Count, Out::Count(4)),
            ("Finished a course of treatment (% of referrals received)", Kind::Percent, Out::Percent(4, 0)),
            ("Finished a course of treatment (% of referrals ended)", Kind::Percent, Out::Percent(4, 3)),
        ],
    }
}

fn t2() -> Spec {
    Spec {
        id: "T2",
        title: "Waiting time from referral to first treatment, referrals that entered treatment",
        description: "Days from the referral being received to the first treatment appointment, for referrals received \
                      and entering treatment in the year.",
        counts: |u| {
            let c = &u.counts;
            vec![c.entered_treatment, u.waits[0], u.waits[1], u.waits[2], u.waits[3], c.waited_90]
        },
        additive: &[true; 6],
        // The four bands make up entered treatment; so do 90 days or less and over 90 days.
        row_groups: &[&[0, 1, 2, 3, 4], &[0, 4, 5]],
        columns: vec![
            ("Entered treatment", Kind::Count, Out::Count(0)),
            ("Waited 28 days or less", Kind::Count, Out::Count(1)),
            ("Waited 28 days or less (% of entered treatment)", Kind::Percent, Out::Percent(1, 0)),
            ("Waited 29 to 56 days", Kind::Count, Out::Count(2)),
            ("Waited 29 to 56 days (% of entered treatment)", Kind::Percent, Out::Percent(2, 0)),
            ("Waited 57 to 90 days", Kind::Count, Out::Count(3)),
            ("Waited 57 to 90 days (% of entered treatment)", Kind::Percent, Out::Percent(3, 0)),
            ("Waited over 90 days", Kind::Count, Out::Count(4)),
            ("Waited over 90 days (% of entered treatment)", Kind::Percent, Out::Percent(4, 0)),
            ("Waited 90 days or less", Kind::Count, Out::Count(5)),
            ("Waited 90 days or less (% of entered treatment)", Kind::Percent, Out::Percent(5, 0)),
            ("Median wait (days)", Kind::Days, Out::MedianWait(0)),
        ],
    }
}

/// The outcome columns T4 and T5 share, over the counts of [`outcome_counts`].
fn outcome_columns() -> Vec<(&'static str, Kind, Out)> {
    vec![
        ("Finished a course of treatment", Kind::Count, Out::Count(0)),
        ("At caseness", Kind::Count, Out::Count(1)),
        ("Not at caseness", Kind::Count, Out::Count(2)),
        ("Recovered", Kind::Count, Out::Count(3)),
        (RECOVERY_RATE, Kind::Percent, Out::Percent(3, 1)),
        ("Reliable improvement", Kind::Count, Out::Count(4)),
        ("Reliable improvement (% of finished)", Kind::Percent, Out::Percent(4, 0)),
        ("Reliable deterioration", Kind::Count, Out::Count(5)),
        ("Reliable deterioration (% of finished)", Kind::Percent, Out::Percent(5, 0)),
        ("No reliable change", Kind::Count, Out::Count(6)),
        ("No reliable change (% of finished)", Kind::Percent, Out::Percent(6, 0)),
        ("Reliable recovery", Kind::Count, Out::Count(7)),
        ("Reliable recovery rate (%)", Kind::Percent, Out::Percent(7, 1)),
        ("Meets the 50% recovery target", Kind::Text, Out::MeetsTarget(3, 1)),
    ]
}

fn outcome_counts(c: &iapt_outcomes::Counts) -> Vec<u64> {
    vec![
        c.finished,
        c.at_caseness,
        c.not_at_caseness,
        c.recovered,
        c.reliable_improvement,
        c.reliable_deterioration,
        c.no_reliable_change,
        c.reliable_recovery,
    ]
}

const OUTCOME_ADDITIVE: [bool; 8] = [true; 8];
/// Caseness splits finished; so do improvement, deterioration and no change.
const OUTCOME_GROUPS: [&[usize]; 2] = [&[0, 1, 2], &[0, 4, 5, 6]];

const OUTCOMES_DESCRIPTION: &str = "Referrals received in the year that ended having had at least two treatment \
    appointments. Recovery rate: recovered as a percentage of those at caseness at the start (finished less not at \
    caseness).";

fn t4() -> Spec {
    Spec {
        id: "T4",
        title: "Outcomes of referrals that finished a course of treatment",
        description: OUTCOMES_DESCRIPTION,
        counts: |u| outcome_counts(&u.counts),
        additive: &OUTCOME_ADDITIVE,
        row_groups: &OUTCOME_GROUPS,
        columns: outcome_columns(),
    }
}

/// T5: the outcome columns by provisional diagnosis group, England only (unrounded).
fn t5(a: &Aggregates) -> Table {
    let mut columns = vec![Column { header: "Provisional diagnosis group".into(), kind: Kind::Text }];
    let outs = outcome_columns();
    columns.extend(outs.iter().map(|&(h, kind, _)| Column { header: h.into(), kind }));
    let mut units: Vec<(String, Vec<u64>)> = vec![("All diagnoses".into(), outcome_counts(&a.england.counts))];
    units.extend(a.diagnosis.iter().map(|(name, c)| (name.clone(), outcome_counts(c))));
    let values: Vec<Vec<u64>> = units.iter().map(|(_, v)| v.clone()).collect();
    let block = Protected::new(None, &values, &OUTCOME_ADDITIVE, &[]);
    let rows = units
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let mut row = vec![Cell::Text(name.clone())];
            row.extend(outs.iter().map(|&(_, _, out)| publish(&block, i, out, None)));
            row
        })
        .collect();
    Table {
        id: "T5",
        title: "Outcomes of referrals that finished a course of treatment, by provisional diagnosis group".into(),
        description: format!(
            "{OUTCOMES_DESCRIPTION} Diagnosis groups from PROVISIONAL_DIAGNOSIS (ICD-10) as measures.md groups them."
        ),
        columns,
        rows,
    }
}

/// T3: referrals ended, by end reason. England by each end code and by group; each area team
/// by group. Long form: one row per unit and reason.
fn t3(a: &Aggregates, rule: Option<DisclosureRule>, end_codes: &[(String, String)]) -> Table {
    let header = |h: &str, kind| Column { header: h.into(), kind };
    let columns = vec![
        header("Geography level", Kind::Text),
        header("Code", Kind::Text),
        header("Name", Kind::Text),
        header("Breakdown", Kind::Text),
        header("End reason", Kind::Text),
        header("Referrals ended", Kind::Count),
        header("Referrals ended (% of all ended)", Kind::Percent),
    ];
    let groups = a.end_groups.len();
    // Counts per unit: all ended, each group, not recorded, declined or dropped out.
    let counts = |u: &Unit| {
        let mut v = vec![u.counts.ended];
        v.extend(&u.ended_by_group);
        v.push(u.counts.declined_or_dropped_out);
        v
    };
    let width = groups + 3;
    let group_members: Vec<usize> = (0..=groups + 1).collect();
    let label = |g: &str| {
        let s = g.replace('-', " ");
        let mut c = s.chars();
        c.next().map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
    };
    let mut rows = Vec::new();
    let blocks = [("England", true, std::slice::from_ref(&a.england)), ("Area team", false, a.area_teams.as_slice())];
    for (level, national, units) in blocks {
        let values: Vec<Vec<u64>> = units.iter().map(counts).collect();
        let rule = if national { None } else { rule };
        let block = Protected::new(rule, &values, &vec![true; width], std::slice::from_ref(&group_members));
        for (i, u) in units.iter().enumerate() {
            let mut push = |breakdown: &str, reason: String, cell: Cell, pct: Cell| {
                rows.push(vec![
                    Cell::Text(level.into()),
                    Cell::Text(u.code.clone()),
                    Cell::Text(u.name.clone()),
                    Cell::Text(breakdown.into()),
                    Cell::Text(reason),
                    cell,
                    pct,
                ]);
            };
            push("All", "All ended referrals".into(), block.count(i, 0), block.percent(i, 0, 0));
            if national {
                // National figures are unrounded: every end code is shown.
                for (k, n) in a.ended_by_code.iter().enumerate() {
                    let reason = end_codes.get(k).map_or("End code not recorded".into(), |(c, l)| format!("{c} {l}"));
                    let pct = iapt_outcomes::pct(*n, u.counts.ended).map_or(Cell::NotApplicable, Cell::Percent);
                    push("End code", reason, Cell::Count(*n), pct);
                }
            }
            for g in 0..=groups {
                let reason = a.end_groups.get(g).map_or("End code not recorded".into(), |x| label(x));
                push("End group", reason, block.count(i, 1 + g), block.percent(i, 1 + g, 0));
            }
            push(
                "Declined or dropped out",
                "Declined treatment or dropped out".into(),
                block.count(i, width - 1),
                block.percent(i, width - 1, 0),
            );
        }
    }
    Table {
        id: "T3",
        title: "Referrals ended, by end reason".into(),
        description: "Referrals received in the year that also ended in it, by END_CODE (England) and by end group \
                      (England and area teams). Declined or dropped out: the end codes the data set marks so (Notes)."
            .into(),
        columns,
        rows,
    }
}

/// Tables T1 to T5, in order.
#[must_use]
pub fn referral_tables(a: &Aggregates, rule: Option<DisclosureRule>, end_codes: &[(String, String)]) -> Vec<Table> {
    vec![
        geography_table(&t1(), a, rule),
        geography_table(&t2(), a, rule),
        t3(a, rule, end_codes),
        geography_table(&t4(), a, rule),
        t5(a),
    ]
}
