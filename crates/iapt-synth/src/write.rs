//! Writing the world as submissions: CSV folders or workbooks, per year or per month.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use iapt_schema::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::defects::Injector;
use crate::rng::Rng;
use crate::world::{self, AreaTeam, Person, Referral};
use crate::{Config, OutputFormat, Summary, SynthError};

const REGIONS: &str = include_str!("../../../schemas/reference/regions-2013.csv");
const AREA_TEAMS: &str = include_str!("../../../schemas/reference/area-teams-2013.csv");
const CCGS: &str = include_str!("../../../schemas/reference/ccg-area-team.csv");
const PEOPLE: f64 = 761_848.0;
const REFERRALS: f64 = 883_968.0;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SynthError + '_ {
    move |e| SynthError(format!("cannot write `{}`: {e}", path.display()))
}

/// The rows of a built-in reference file as maps from column name to value.
fn reference_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().cloned().unwrap_or_default();
    rdr.records()
        .flatten()
        .map(|r| header.iter().map(str::to_owned).zip(r.iter().map(str::to_owned)).collect())
        .collect()
}

fn area_teams() -> Vec<AreaTeam> {
    reference_rows(AREA_TEAMS)
        .into_iter()
        .map(|r| AreaTeam { code: r["code"].clone(), name: r["name"].clone() })
        .collect()
}

/// The real CCGs of April 2013, with their area teams and registered patients.
fn ccgs(teams: &[AreaTeam]) -> Vec<world::Ccg> {
    reference_rows(CCGS)
        .into_iter()
        .map(|r| world::Ccg {
            code: r["ccg_code"].clone(),
            name: r["ccg_name"].clone(),
            area_team: teams.iter().position(|t| t.code == r["area_team_code"]).unwrap_or(0),
            patients: r["registered_patients"].parse().unwrap_or(0.0),
        })
        .collect()
}

/// The sheets' columns, in the order the generator writes them.
pub(crate) const COLUMNS: [(&str, &[&str]); 5] = [
    ("Header", &["ORG_CODE_PROVIDER", "REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "DATASET_VERSION"]),
    (
        "Person",
        &[
            "LOCAL_PATIENT_ID",
            "NHS_NUMBER",
            "NHS_NUMBER_STATUS",
            "PERSON_BIRTH_DATE",
            "POSTCODE",
            "GENDER",
            "ETHNIC_CATEGORY",
            "GP_PRACTICE_CODE",
        ],
    ),
    (
        "Referral",
        &[
            "SERVICE_REQUEST_ID",
            "LOCAL_PATIENT_ID",
            "REFERRAL_RECEIVED_DATE",
            "SOURCE_OF_REFERRAL",
            "PROVISIONAL_DIAGNOSIS",
            "COMMISSIONER_CODE",
            "END_DATE",
            "END_CODE",
        ],
    ),
    (
        "Appointment",
        &[
            "SERVICE_REQUEST_ID",
            "APPOINTMENT_DATE",
            "APPOINTMENT_TIME",
            "APPOINTMENT_TYPE",
            "ATTENDANCE",
            "THERAPY_TYPE_1",
            "THERAPY_TYPE_2",
            "THERAPY_TYPE_3",
            "THERAPY_TYPE_4",
            "PHQ9_SCORE",
            "GAD7_SCORE",
            "WSAS_SCORE",
            "SPIN_SCORE",
            "MI_ALONE_SCORE",
            "PDSS_SCORE",
            "OCI_SCORE",
            "IESR_SCORE",
            "HAI_SCORE",
        ],
    ),
    ("WaitingTimePause", &["SERVICE_REQUEST_ID", "PAUSE_START_DATE", "PAUSE_END_DATE", "PAUSE_REASON"]),
];

/// One cell as the generator writes it; the writer decides how each type is stored.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Empty,
    Text(String),
    Date(Date),
    Time(u32),
    Number(f64),
}

/// A submission's rows, sheet by sheet, before they are written.
pub(crate) struct Tables {
    pub sheets: [Vec<Vec<Value>>; 5],
}

fn text(s: &str) -> Value {
    if s.is_empty() { Value::Empty } else { Value::Text(s.to_owned()) }
}

pub(crate) fn generate(config: &Config, out: &Path) -> Result<Summary, SynthError> {
    let mut rng = Rng::new(config.seed);
    let teams = area_teams();
    let real_ccgs = ccgs(&teams);
    let geo = world::geography(teams, real_ccgs, &mut rng);
    let everywhere: Vec<f64> = geo.ccgs.iter().map(|c| c.patients).collect();
    let n_people = ((PEOPLE * config.scale).round() as u64).max(1);
    let n_referrals = ((REFERRALS * config.scale).round() as u64).max(n_people);

    let weights: Vec<f64> = geo.providers.iter().map(|p| p.weight).collect();
    let mut people = Vec::with_capacity(usize::try_from(n_people).unwrap_or(0));
    // (provider, person) for every referral, in person order.
    let mut referrals: Vec<(u32, u32)> = Vec::with_capacity(usize::try_from(n_referrals).unwrap_or(0));
    let mut home = Vec::with_capacity(people.capacity());
    for i in 0..n_people {
        let mut prng = rng.fork(i);
        people.push(world::person(i, &mut prng));
        let p = if config.single_provider { 0 } else { u32::try_from(rng.weighted(&weights)).unwrap_or(0) };
        home.push(p);
        referrals.push((p, u32::try_from(i).unwrap_or(u32::MAX)));
    }
    // Further referrals: mostly to the same service, some to another in the same area team.
    for _ in n_people..n_referrals {
        let i = rng.next_u64() % n_people;
        let mut p = home[usize::try_from(i).unwrap_or(0)];
        if rng.chance(0.2) && !config.single_provider {
            let team = geo.providers[p as usize].area_team;
            let others: Vec<u32> = (0..geo.providers.len())
                .filter(|&q| geo.providers[q].area_team == team)
                .filter_map(|q| u32::try_from(q).ok())
                .collect();
            p = others[rng.range(0, i32::try_from(others.len()).unwrap_or(1) - 1) as usize];
        }
        referrals.push((p, u32::try_from(i).unwrap_or(u32::MAX)));
    }

    let subs_dir = out.join("submissions");
    std::fs::create_dir_all(&subs_dir).map_err(io_err(&subs_dir))?;
    write_reference(&geo, &out.join("reference"))?;
    let mut summary = Summary { people: n_people, ..Summary::default() };
    let mut injector = Injector::new(config.defects, rng.fork(u64::MAX));
    let limit = if config.single_provider { 1 } else { config.providers.unwrap_or(usize::MAX) };
    let mut next_referral_id = 0u64;
    let (year_start, year_end) = world::year();
    for (pi, provider) in geo.providers.iter().enumerate().take(limit) {
        let mut prng = rng.fork(1_000_000 + pi as u64);
        let mine: Vec<u32> = referrals.iter().filter(|(p, _)| *p as usize == pi).map(|&(_, person)| person).collect();
        let served: Vec<f64> = provider.ccgs.iter().map(|&c| geo.ccgs[c].patients).collect();
        let mut list: Vec<(String, Referral)> = Vec::with_capacity(mine.len());
        for person in mine {
            // Commissioners in proportion to their registered patients; a few from anywhere.
            let ccg =
                if prng.chance(0.03) { prng.weighted(&everywhere) } else { provider.ccgs[prng.weighted(&served)] };
            next_referral_id += 1;
            list.push((format!("R{next_referral_id:07}"), world::referral(person, ccg, provider.effect, &mut prng)));
        }
        summary.referrals += list.len() as u64;
        let periods: Vec<(Date, Date)> = if config.monthly {
            let mut v = Vec::new();
            let mut m = year_start;
            while m <= year_end {
                v.push((m, m.last_of_month()));
                m = m.last_of_month().add_days(1);
            }
            v
        } else {
            vec![(year_start, year_end)]
        };
        for (start, end) in periods {
            let tables = tables(&provider.code, start, end, &list, &people, &geo, config.monthly);
            summary.appointments += tables.sheets[3].len().saturating_sub(1) as u64;
            let name = if config.monthly {
                format!("{}-{}", provider.code, &start.to_string()[..7])
            } else {
                provider.code.clone()
            };
            let mut tables = tables;
            let path = match config.format {
                OutputFormat::Csv => subs_dir.join(&name),
                OutputFormat::Xlsx => subs_dir.join(format!("{name}.xlsx")),
            };
            let file_label = path.strip_prefix(out).unwrap_or(&path).display().to_string();
            injector.inject(&mut tables, &file_label, config.format == OutputFormat::Xlsx, &mut summary.defects);
            match config.format {
                OutputFormat::Csv => write_csv(&tables, &path)?,
                OutputFormat::Xlsx => write_xlsx(&tables, &path)?,
            }
            summary.submissions.push(path);
        }
    }
    if config.defects > 0.0 {
        crate::defects::write_list(&summary.defects, &out.join("defects.csv"))?;
    }
    write_readme(config, &summary, out)?;
    Ok(summary)
}

/// The rows of one provider's submission for one period: what the provider knew at its end.
fn tables(
    provider: &str,
    start: Date,
    end: Date,
    list: &[(String, Referral)],
    people: &[Person],
    geo: &world::Geography,
    monthly: bool,
) -> Tables {
    let mut sheets: [Vec<Vec<Value>>; 5] = Default::default();
    for (i, (_, cols)) in crate::write::COLUMNS.iter().enumerate() {
        sheets[i].push(cols.iter().map(|c| text(c)).collect());
    }
    sheets[0].push(vec![text(provider), Value::Date(start), Value::Date(end), text("1.0")]);
    let mut persons_seen = std::collections::BTreeSet::new();
    let mut person_rows = Vec::new();
    for (id, r) in list {
        if r.received > end {
            continue;
        }
        let in_period = |d: Date| d >= start && d <= end;
        let changed = !monthly
            || in_period(r.received)
            || r.appointments.iter().any(|a| in_period(a.date))
            || r.end.is_some_and(|(d, _)| in_period(d))
            || r.pauses.iter().any(|p| in_period(p.start) || in_period(p.end));
        if !changed {
            continue;
        }
        let local = format!("P{:07}", r.person);
        if persons_seen.insert(r.person) {
            person_rows.push((local.clone(), r.person));
        }
        let ended = r.end.filter(|(d, _)| *d <= end);
        sheets[2].push(vec![
            text(id),
            text(&local),
            Value::Date(r.received),
            text(r.source),
            text(r.diagnosis.unwrap_or("")),
            text(&geo.ccgs[r.ccg].code),
            ended.map_or(Value::Empty, |(d, _)| Value::Date(d)),
            ended.map_or(Value::Empty, |(_, c)| text(c)),
        ]);
        let mut slots = std::collections::BTreeSet::new();
        for a in r.appointments.iter().filter(|a| in_period(a.date) && ended.is_none_or(|(d, _)| a.date <= d)) {
            // Two appointments of a referral never share a date and time (the key).
            let mut time = a.time;
            while !slots.insert((a.date, time)) {
                time += 900;
            }
            let mut row = vec![text(id), Value::Date(a.date), Value::Time(time), text(a.kind), text(a.attendance)];
            row.push(a.therapy.map_or(Value::Empty, text));
            row.extend([Value::Empty, Value::Empty, Value::Empty]);
            let num = |v: Option<u8>| v.map_or(Value::Empty, |v| Value::Number(f64::from(v)));
            row.extend([num(a.phq9), num(a.gad7), num(a.wsas)]);
            let mut adsm = vec![Value::Empty; 6];
            if let Some((col, v)) = a.adsm {
                adsm[col - 3] = Value::Number(v);
            }
            row.extend(adsm);
            sheets[3].push(row);
        }
        // A pause is sent when it starts, and again when its end becomes known.
        for p in r.pauses.iter().filter(|p| in_period(p.start) || (monthly && in_period(p.end))) {
            let pend = (p.end <= end).then_some(p.end);
            sheets[4].push(vec![
                text(id),
                Value::Date(p.start),
                pend.map_or(Value::Empty, Value::Date),
                text(p.reason),
            ]);
        }
    }
    for (local, i) in person_rows {
        let p = &people[i as usize];
        let nhs = p.nhs_number.map_or(String::new(), |n| n.to_string());
        sheets[1].push(vec![
            text(&local),
            text(&nhs),
            text(if p.nhs_number.is_some() { "01" } else { "07" }),
            Value::Date(p.birth),
            text(&p.postcode),
            text(p.gender),
            text(p.ethnic),
            text(&p.gp),
        ]);
    }
    Tables { sheets }
}

fn csv_field(v: &Value, out: &mut String) {
    match v {
        Value::Empty => {}
        Value::Text(s) => {
            if s.contains([',', '"', '\n']) {
                let _ = write!(out, "\"{}\"", s.replace('"', "\"\""));
            } else {
                out.push_str(s);
            }
        }
        Value::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Time(t) => {
            let _ = write!(out, "{:02}:{:02}", t / 3600, t / 60 % 60);
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
    }
}

fn write_csv(tables: &Tables, dir: &Path) -> Result<(), SynthError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    for (i, (name, _)) in COLUMNS.iter().enumerate() {
        if i == 4 && tables.sheets[4].len() == 1 {
            continue;
        }
        let path = dir.join(format!("{name}.csv"));
        let mut w = BufWriter::with_capacity(1 << 16, File::create(&path).map_err(io_err(&path))?);
        let mut line = String::new();
        for row in &tables.sheets[i] {
            line.clear();
            for (c, v) in row.iter().enumerate() {
                if c > 0 {
                    line.push(',');
                }
                csv_field(v, &mut line);
            }
            line.push('\n');
            w.write_all(line.as_bytes()).map_err(io_err(&path))?;
        }
        w.flush().map_err(io_err(&path))?;
    }
    Ok(())
}

fn write_xlsx(tables: &Tables, path: &Path) -> Result<(), SynthError> {
    let fail = |e: rust_xlsxwriter::XlsxError| SynthError(format!("cannot write `{}`: {e}", path.display()));
    let mut wb = Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&ExcelDateTime::from_ymd(2013, 4, 1).map_err(fail)?),
    );
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    for (i, (name, _)) in COLUMNS.iter().enumerate() {
        if i == 4 && tables.sheets[4].len() == 1 {
            continue;
        }
        let ws = wb.add_worksheet_with_constant_memory().map_err(fail)?;
        ws.set_name(*name).map_err(fail)?;
        for (r, row) in tables.sheets[i].iter().enumerate() {
            let r = u32::try_from(r).map_err(|_| SynthError("too many rows for a sheet".into()))?;
            for (c, v) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(0);
                match v {
                    Value::Empty => {}
                    Value::Text(s) => drop(ws.write_string(r, c, s).map_err(fail)?),
                    Value::Date(d) => {
                        let (y, m, dd) = d.ymd();
                        let x = ExcelDateTime::from_ymd(
                            u16::try_from(y).unwrap_or(1900),
                            u8::try_from(m).unwrap_or(1),
                            u8::try_from(dd).unwrap_or(1),
                        )
                        .map_err(fail)?;
                        ws.write_datetime_with_format(r, c, x, &date).map_err(fail)?;
                    }
                    Value::Time(t) => {
                        let x = ExcelDateTime::from_hms(
                            u16::try_from(t / 3600).unwrap_or(0),
                            u8::try_from(t / 60 % 60).unwrap_or(0),
                            0,
                        )
                        .map_err(fail)?;
                        ws.write_datetime_with_format(r, c, x, &time).map_err(fail)?;
                    }
                    Value::Number(n) => drop(ws.write_number(r, c, *n).map_err(fail)?),
                }
            }
        }
    }
    wb.save(path).map_err(fail)
}

fn write_reference(geo: &world::Geography, dir: &Path) -> Result<(), SynthError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let write = |name: &str, body: String| -> Result<(), SynthError> {
        let path = dir.join(name);
        std::fs::write(&path, body).map_err(io_err(&path))
    };
    // The real geography, as built in.
    write("regions-2013.csv", REGIONS.to_owned())?;
    write("area-teams-2013.csv", AREA_TEAMS.to_owned())?;
    write("ccg-area-team.csv", CCGS.to_owned())?;
    let mut providers = String::from("provider_code,provider_name,area_team_code\n");
    for p in &geo.providers {
        let _ = writeln!(providers, "{},{},{}", p.code, p.name, geo.area_teams[p.area_team].code);
    }
    write("providers.csv", providers)
}

fn write_readme(config: &Config, summary: &Summary, out: &Path) -> Result<(), SynthError> {
    let mut s = String::new();
    let _ = writeln!(s, "# Synthetic IAPT submissions, 2012-13\n");
    let _ = writeln!(s, "**Synthetic data.** Every person, NHS number, provider (`YS...`) and event here is");
    let _ = writeln!(s, "made up by `cargo xtask synth`; provider codes follow the real format but name no real");
    let _ = writeln!(s, "service. The geography is real: the 211 CCGs, 27 area teams and 4 regions of April");
    let _ = writeln!(s, "2013, and referrals are spread over the CCGs by their registered patients.\n");
    let _ = writeln!(
        s,
        "- scale {}, seed {}, {} submissions{}, defect rate {}",
        config.scale,
        config.seed,
        summary.submissions.len(),
        if config.monthly { " (monthly)" } else { " (one per provider for the year)" },
        config.defects
    );
    let _ = writeln!(
        s,
        "- {} people, {} referrals, {} appointment rows",
        summary.people, summary.referrals, summary.appointments
    );
    let _ =
        writeln!(s, "- `submissions/`: the returns; `reference/`: regions, area teams, CCG-to-area-team and providers");
    if config.defects > 0.0 {
        let _ = writeln!(s, "- `defects.csv`: every injected data-quality defect (file, sheet, row, column, kind)");
    }
    let path = out.join("README.md");
    std::fs::write(&path, s).map_err(io_err(&path))
}

#[cfg(test)]
mod tests {
    use super::COLUMNS;

    #[test]
    fn the_generator_writes_the_schema_columns_in_order() {
        // The generator builds rows by position; this keeps its table in step with schemas/.
        let schema = iapt_schema::Schema::builtin();
        for (sheet, columns) in COLUMNS {
            let names: Vec<&str> = schema.sheet(sheet).columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, columns, "{sheet}");
        }
        assert_eq!(COLUMNS.len(), schema.sheets.len());
    }
}
