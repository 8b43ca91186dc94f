//! `iapt outcomes`: one row per referral with every derived fact.

use std::fmt::Write as _;
use std::io::Write;

use iapt_outcomes::{Dataset, Period, ReferralOutcome, Rules};
use iapt_schema::{Date, Schema};

use crate::{Fatal, OutcomesArgs, OutputFormat, inputs, output};

/// The contract's columns (`interfaces.md`), then the additions after them.
pub const COLUMNS: [&str; 24] = [
    "provider",
    "service_request_id",
    "local_patient_id",
    "referral_received_date",
    "received_in_period",
    "first_treatment_date",
    "entered_treatment",
    "wait_days",
    "treatment_appointments",
    "end_date",
    "end_code",
    "ended_in_period",
    "finished_course",
    "adsm",
    "first_phq9",
    "last_phq9",
    "first_anxiety",
    "last_anxiety",
    "caseness",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
    "wait_days_adjusted",
];

/// `START..END` as a period.
pub fn parse_period(s: &str) -> Result<Period, Fatal> {
    let bad = || Fatal {
        message: format!("`{s}` is not a period"),
        hint: Some("write it as START..END, e.g. 2012-04-01..2013-03-31".into()),
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let (start, end) = (Date::parse_iso(a.trim()).ok_or_else(bad)?, Date::parse_iso(b.trim()).ok_or_else(bad)?);
    if end < start {
        return Err(Fatal::new(format!("the period `{s}` ends before it starts")));
    }
    Ok(Period { start, end })
}

pub fn run(args: &OutcomesArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.io.schema.as_ref())?;
    let period = parse_period(&args.period)?;
    let rules = Rules::from_schema(&schema)
        .map_err(|e| Fatal::new(format!("the schema does not fit the outcome engine: {e}")))?;
    let paths = inputs::expand(&args.inputs, args.io.quiet)?.paths;
    output::refuse_inputs(&[("--output", args.io.output.as_deref())], &paths)?;
    let accepted = inputs::read(&paths, &schema, crate::validate_cmd::today(), args.io.limits.limits())?;
    if !args.io.quiet {
        inputs::report(&accepted);
    }
    let data = Dataset::merge(&accepted.submissions);
    drop(accepted);
    let outcomes = iapt_outcomes::derive(&data, period, &rules);
    let mut out = output::open(args.io.output.as_deref())?;
    let written = match args.format {
        OutputFormat::Csv => write_csv(&mut out, &schema, &data, &rules, &outcomes),
        OutputFormat::Json => write_json(&mut out, &schema, &data, &rules, &outcomes),
    };
    written.map_err(|e| output::write_err(&e))?;
    out.finish()?;
    Ok(0)
}

/// The rows in the contract's order: provider, then service request id.
fn sorted<'a>(data: &Dataset, outcomes: &'a [ReferralOutcome]) -> Vec<&'a ReferralOutcome> {
    let mut rows: Vec<&ReferralOutcome> = outcomes.iter().collect();
    let key = |o: &ReferralOutcome| {
        let r = &data.referrals[o.referral as usize];
        (data.strings.resolve(r.provider), data.strings.resolve(r.id))
    };
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
    rows
}

/// A score in hundredths as its column writes it: `12`, `2.3`.
fn score(h: Option<u32>, out: &mut String) {
    if let Some(h) = h {
        if h % 100 == 0 {
            let _ = write!(out, "{}", h / 100);
        } else {
            let s = format!("{}.{:02}", h / 100, h % 100);
            out.push_str(s.trim_end_matches('0'));
        }
    }
}

/// The fields of one row as text, in [`COLUMNS`] order.
fn fields(schema: &Schema, data: &Dataset, rules: &Rules, o: &ReferralOutcome) -> [String; 24] {
    let r = &data.referrals[o.referral as usize];
    let opt = |d: Option<Date>| d.map_or(String::new(), |d| d.to_string());
    let num = |n: Option<i32>| n.map_or(String::new(), |n| n.to_string());
    let sc = |h: Option<u32>| {
        let mut s = String::new();
        score(h, &mut s);
        s
    };
    let end_code = r
        .end_code
        .and_then(|c| schema.code_list("end-code").map(|l| l.codes[usize::from(c)].code.clone()))
        .unwrap_or_default();
    let patient = data.persons.get(r.person as usize).map_or("", |p| data.strings.resolve(p.local_id));
    [
        crate::validate_cmd::csv_safe(data.strings.resolve(r.provider)),
        crate::validate_cmd::csv_safe(data.strings.resolve(r.id)),
        crate::validate_cmd::csv_safe(patient),
        r.received.to_string(),
        o.received_in_period.to_string(),
        opt(o.first_treatment_date),
        o.entered_treatment.to_string(),
        num(o.wait_days),
        o.treatment_appointments.to_string(),
        opt(r.end_date),
        end_code,
        o.ended_in_period.to_string(),
        o.finished_course.to_string(),
        rules.names[usize::from(o.adsm)].clone(),
        sc(o.first_phq9),
        sc(o.last_phq9),
        sc(o.first_anxiety),
        sc(o.last_anxiety),
        o.caseness.to_string(),
        o.recovered.to_string(),
        o.reliable_improvement.to_string(),
        o.reliable_deterioration.to_string(),
        o.reliable_recovery.to_string(),
        num(o.wait_days_adjusted),
    ]
}

fn write_csv(
    out: &mut dyn Write,
    schema: &Schema,
    data: &Dataset,
    rules: &Rules,
    outcomes: &[ReferralOutcome],
) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().buffer_capacity(1 << 16).from_writer(out);
    w.write_record(COLUMNS)?;
    for o in sorted(data, outcomes) {
        w.write_record(fields(schema, data, rules, o))?;
    }
    w.flush()
}

fn write_json(
    out: &mut dyn Write,
    schema: &Schema,
    data: &Dataset,
    rules: &Rules,
    outcomes: &[ReferralOutcome],
) -> std::io::Result<()> {
    use serde_json::{Map, Value};
    let boolean = |s: &str| s == "true";
    let mut rows = Vec::with_capacity(outcomes.len());
    for o in sorted(data, outcomes) {
        let f = fields(schema, data, rules, o);
        let mut m = Map::new();
        for (name, v) in COLUMNS.iter().zip(f) {
            let value = if v.is_empty() {
                Value::Null
            } else if v == "true" || v == "false" {
                Value::Bool(boolean(&v))
            } else if matches!(
                *name,
                "wait_days"
                    | "treatment_appointments"
                    | "wait_days_adjusted"
                    | "first_phq9"
                    | "last_phq9"
                    | "first_anxiety"
                    | "last_anxiety"
            ) {
                v.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::String(v), Value::Number)
            } else {
                Value::String(v)
            };
            m.insert((*name).to_owned(), value);
        }
        rows.push(Value::Object(m));
    }
    serde_json::to_writer(&mut *out, &rows)?;
    writeln!(out)
}
