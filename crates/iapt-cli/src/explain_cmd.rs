//! `iapt explain`: one referral's versions, person, appointments and every outcome fact with the
//! definition it met or missed. The facts and their reasons come from the outcome engine's own
//! trace (`iapt_outcomes::explain`); this file only gathers and prints them.

#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use iapt_outcomes::{Counted, Dataset, OutcomeRules};
use iapt_schema::Schema;
use iapt_validate::{Severity, Validation};
use serde::Serialize;

use crate::outcomes_cmd::{OutcomeRow, Shown};
use crate::{ExplainArgs, Fatal, SummaryFormat, output};

/// Sheets whose rows belong to a referral by SERVICE_REQUEST_ID.
const REFERRAL_SHEETS: [&str; 3] = ["Referral", "Appointment", "WaitingTimePause"];

#[derive(Serialize)]
struct Version {
    file: String,
    period: String,
    /// Whether this version is the one used (read last, as the merge reads them).
    used: bool,
}

#[derive(Serialize)]
struct PersonView {
    local_patient_id: String,
    nhs_number: Option<String>,
    /// The same person under other providers' ids, matched by NHS number.
    also: Vec<String>,
}

#[derive(Serialize)]
struct AppointmentView {
    date: String,
    time: Option<String>,
    appointment_type: Option<String>,
    attendance: String,
    scores: Vec<(String, String)>,
    counts: bool,
    treatment: bool,
    why: &'static str,
}

#[derive(Serialize)]
struct LeftOut {
    file: String,
    sheet: String,
    row: u32,
    rules: Vec<String>,
}

#[derive(Serialize)]
struct StepView {
    fact: &'static str,
    holds: Option<bool>,
    why: String,
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    facts: OutcomeRow<'a>,
    steps: Vec<StepView>,
    versions: Vec<Version>,
    /// `None` only for a referral whose person is not among the records (validation rejects it).
    person: Option<PersonView>,
    appointments: Vec<AppointmentView>,
    left_out: Vec<LeftOut>,
}

pub fn run(args: &ExplainArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.io.schema.as_ref())?;
    let period = args.when.period(None)?;
    let rules = OutcomeRules::from_schema(&schema)
        .map_err(|e| Fatal::new(format!("the schema does not fit the outcome engine: {e}")))?;
    let (provider, id) = args.referral.trim().split_once('/').ok_or_else(|| Fatal {
        message: format!("`{}` does not name a referral", crate::inputs::printable(&args.referral)),
        hint: Some("write it as PROVIDER/SERVICE_REQUEST_ID, e.g. RX4/R001".into()),
    })?;
    let paths = crate::inputs::expand(&args.inputs.paths, args.io.chatter.quiet)?.paths;
    output::refuse_inputs(&[("--output", args.io.output.as_deref())], &paths)?;
    let limits = args.io.limits.limits();
    let mut validations =
        crate::inputs::validate_all(&paths, &schema, crate::inputs::today(), limits, true, args.io.chatter.progress())?;
    // The file of each accepted submission, in the order they are merged from.
    let files: Vec<PathBuf> = validations.iter().filter(|v| v.submission.is_some()).map(|v| v.path.clone()).collect();
    let submissions: Vec<_> = validations.iter_mut().filter_map(|v| v.submission.take()).collect();
    let versions = versions(&files, &submissions, provider, id);
    let data = Dataset::merge(submissions);
    let shown = Shown { show: args.show_values };
    let Some(index) = find(&data, provider, id) else {
        // A referral whose rows validation rejected is named with the rules that rejected it.
        let rejected = left_out(&schema, &validations, provider, id, limits);
        let hint = if rejected.is_empty() {
            nearest(&data, provider, id, shown)
        } else {
            let rows: Vec<String> =
                rejected.iter().map(|l| format!("{} row {}: {}", l.sheet, l.row, l.rules.join("; "))).collect();
            format!("validation rejected it: {}", rows.join(" | "))
        };
        return Err(Fatal {
            message: format!("no referral `{}` in the accepted records", crate::inputs::printable(&args.referral)),
            hint: Some(hint),
        });
    };
    let explanation = iapt_outcomes::explain(&data, index, period, &rules);

    let person = person(&data, index, shown);
    let appointments = appointments(&schema, &data, index, &explanation.appointments);
    let left_out = left_out(&schema, &validations, provider, id, limits);
    let facts = OutcomeRow::new(&schema, &data, &rules, &explanation.outcome, shown);
    let view = ExplainJson {
        facts,
        steps: explanation
            .steps
            .iter()
            .map(|s| StepView { fact: s.fact, holds: s.holds, why: s.why.clone() })
            .collect(),
        versions,
        person,
        appointments,
        left_out,
    };
    let mut out = output::open(args.io.output.as_deref())?;
    let written = match args.format {
        SummaryFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &view).map_err(std::io::Error::other).and_then(|()| writeln!(out))
        }
        SummaryFormat::Human => human(&mut out, &args.referral, period, &view),
    };
    written.map_err(|e| output::write_err(&e))?;
    out.finish()?;
    Ok(0)
}

fn find(data: &Dataset, provider: &str, id: &str) -> Option<usize> {
    let p = provider_id(data, provider)?;
    let i = data.providers[p.index()].ids.get(id)?;
    data.referrals().position(|r| r.provider == p && r.record.id == i)
}

fn provider_id(data: &Dataset, code: &str) -> Option<iapt_outcomes::ProviderId> {
    let i = data.providers.iter().position(|p| p.code == code)?;
    Some(iapt_outcomes::ProviderId(u32::try_from(i).ok()?))
}

/// The known referral ids closest to `id` (of the same provider when it is known), as a hint.
fn nearest(data: &Dataset, provider: &str, id: &str, shown: Shown) -> String {
    let p = provider_id(data, provider);
    let mut known: Vec<(usize, String)> = data
        .referrals()
        .filter(|r| p.is_none_or(|p| r.provider == p))
        .map(|r| {
            let name = format!("{}/{}", data.provider_code(r.provider), shown.id(data.referral_id(r)));
            (distance(data.referral_id(r), id), name)
        })
        .collect();
    known.sort();
    known.truncate(5);
    if known.is_empty() {
        return "no referral was accepted from these inputs".into();
    }
    let names: Vec<String> = known.into_iter().map(|(_, n)| n).collect();
    format!("the nearest known: {}", names.join(", "))
}

/// Edit distance (Levenshtein), for the nearest ids.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

fn versions(files: &[PathBuf], submissions: &[iapt_validate::Submission], provider: &str, id: &str) -> Vec<Version> {
    let mut out: Vec<Version> = Vec::new();
    for i in Dataset::merge_order(submissions) {
        let s = &submissions[i];
        let holds = s.provider == provider && s.ids.get(id).is_some_and(|sym| s.referrals.iter().any(|r| r.id == sym));
        if holds {
            let file = files.get(i).map_or_else(String::new, |p| crate::inputs::printable(&p.display().to_string()));
            let period = match (s.period_start, s.period_end) {
                (Some(a), Some(b)) => format!("{a}..{b}"),
                _ => String::new(),
            };
            out.push(Version { file, period, used: false });
        }
    }
    if let Some(last) = out.last_mut() {
        last.used = true;
    }
    out
}

fn person(data: &Dataset, index: usize, shown: Shown) -> Option<PersonView> {
    let p = data.person_of(data.referral(index))?;
    let nhs = p
        .record
        .nhs_number
        .map(|n| if shown.show { format!("{n:010}") } else { iapt_validate::mask(&format!("{n:010}")) });
    let also = data
        .persons()
        .filter(|q| q.identity == p.identity && (q.provider != p.provider || q.record.id != p.record.id))
        .map(|q| format!("{}/{}", data.provider_code(q.provider), shown.id(data.local_patient_id(q))))
        .collect();
    Some(PersonView { local_patient_id: shown.id(data.local_patient_id(p)).into_owned(), nhs_number: nhs, also })
}

fn appointments(schema: &Schema, data: &Dataset, index: usize, counted: &[Counted]) -> Vec<AppointmentView> {
    let code =
        |list: &str, i: u8| schema.code_list(list).map_or_else(String::new, |l| l.codes[usize::from(i)].code.clone());
    let score_names: Vec<&str> = schema
        .sheet_index("Appointment")
        .map(|s| {
            schema.sheets[s].columns.iter().filter(|c| c.score).map(|c| c.name.trim_end_matches("_SCORE")).collect()
        })
        .unwrap_or_default();
    data.appointments_of(index)
        .iter()
        .zip(counted)
        .map(|(a, c)| {
            let (counts, treatment, why) = match c {
                Counted::BeforeReferral => (false, false, "before the referral was received"),
                Counted::AfterEnd => (false, false, "after the referral's END_DATE"),
                Counted::AfterPeriod => (false, false, "after the end of the period"),
                Counted::NotAttended => (false, false, "not attended"),
                Counted::Attended { treatment: true } => (true, true, "attended, a treatment appointment"),
                Counted::Attended { treatment: false } => (true, false, "attended, not a treatment type"),
            };
            let scores = a
                .scores
                .iter()
                .zip(&score_names)
                .filter_map(|(s, name)| {
                    s.hundredths().map(|h| ((*name).to_owned(), iapt_outcomes::explain::score(u32::from(h))))
                })
                .collect();
            AppointmentView {
                date: a.date.to_string(),
                time: a.time.map(|t| t.to_string()),
                appointment_type: a.kind.map(|k| code("appointment-type", k)),
                attendance: code("attendance", a.attendance),
                scores,
                counts,
                treatment,
                why,
            }
        })
        .collect()
}

/// The rows of this referral that validation rejected, with their record-level rules.
fn left_out(
    schema: &Schema,
    validations: &[Validation],
    provider: &str,
    id: &str,
    limits: iapt_ingest::Limits,
) -> Vec<LeftOut> {
    let mut out = Vec::new();
    for v in validations.iter().filter(|v| v.provider == provider) {
        for sheet in REFERRAL_SHEETS {
            let Some(si) = schema.sheet_index(sheet) else { continue };
            let rejected: Vec<&iapt_validate::Finding> = v
                .findings
                .iter()
                .filter(|f| f.severity() == Severity::Record && f.sheet.map(usize::from) == Some(si))
                .collect();
            if rejected.is_empty() {
                continue;
            }
            // The sheet under the name the file gives it, as the validator matched it.
            let Some(found) = v.sheets.iter().find(|r| r.sheet == si).and_then(|r| r.found_as.as_deref()) else {
                continue;
            };
            let Ok(rows) = iapt_validate::rows_where(&v.path, limits, found, "SERVICE_REQUEST_ID", id) else {
                continue;
            };
            for row in rows {
                let mut rules: Vec<String> = rejected
                    .iter()
                    .filter(|f| f.row == row)
                    .map(|f| format!("{} {}", f.rule.id, f.rule.name))
                    .collect();
                rules.dedup();
                if !rules.is_empty() {
                    let file = crate::inputs::printable(&v.path.display().to_string());
                    out.push(LeftOut { file, sheet: sheet.to_owned(), row, rules });
                }
            }
        }
    }
    out
}

fn human(
    out: &mut dyn Write,
    referral: &str,
    period: iapt_outcomes::Period,
    v: &ExplainJson<'_>,
) -> std::io::Result<()> {
    writeln!(out, "Referral {}, {} to {}\n", crate::inputs::printable(referral), period.start, period.end)?;
    writeln!(out, "Versions (a later reporting period supersedes an earlier one):")?;
    for x in &v.versions {
        writeln!(out, "  {}  {}  {}", if x.used { "used      " } else { "superseded" }, x.period, x.file)?;
    }
    match &v.person {
        Some(p) => {
            write!(out, "\nPerson: {}", p.local_patient_id)?;
            if let Some(n) = &p.nhs_number {
                write!(out, ", NHS number {n}")?;
            }
            writeln!(out)?;
            if !p.also.is_empty() {
                writeln!(out, "  the same person (by NHS number) as {}", p.also.join(", "))?;
            }
        }
        None => writeln!(out, "\nPerson: not among the records")?,
    }
    writeln!(out, "\nAppointments (* counts for the referral):")?;
    for a in &v.appointments {
        let scores: Vec<String> = a.scores.iter().map(|(n, s)| format!("{n} {s}")).collect();
        writeln!(
            out,
            "  {} {} {:<8} type {:<2} attendance {:<2} {:<24} {}",
            if a.counts { '*' } else { ' ' },
            a.date,
            a.time.as_deref().unwrap_or(""),
            a.appointment_type.as_deref().unwrap_or("-"),
            a.attendance,
            scores.join(", "),
            a.why
        )?;
    }
    if !v.left_out.is_empty() {
        writeln!(out, "\nLeft out by validation:")?;
        for l in &v.left_out {
            writeln!(out, "  {} row {} of {}: {}", l.sheet, l.row, l.file, l.rules.join("; "))?;
        }
    }
    writeln!(out, "\nFacts:")?;
    for s in &v.steps {
        let mark = match s.holds {
            Some(true) => "yes",
            Some(false) => "no ",
            None => "   ",
        };
        writeln!(out, "  {:<24} {mark}  {}", s.fact, s.why)?;
    }
    Ok(())
}
