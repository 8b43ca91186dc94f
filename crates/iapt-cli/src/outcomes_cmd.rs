//! `iapt outcomes`: one row per referral with every derived fact.

use std::io::Write;

use iapt_outcomes::explain::push_score;
use iapt_outcomes::{Dataset, OutcomeRules, Period, ReferralOutcome};
use iapt_schema::{Date, Schema};
use serde::Serialize;

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

/// `2012-13` as the financial year, 1 April 2012 to 31 March 2013.
pub fn parse_year(s: &str) -> Result<Period, Fatal> {
    let bad = || Fatal {
        message: format!("`{s}` is not a financial year"),
        hint: Some("write it as YYYY-YY, e.g. 2012-13 (1 April 2012 to 31 March 2013)".into()),
    };
    let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
    let first: i32 = a.parse().map_err(|_| bad())?;
    let second: i32 = b.parse().map_err(|_| bad())?;
    if a.len() != 4 || b.len() != 2 || (first + 1).rem_euclid(100) != second {
        return Err(bad());
    }
    let start = Date::from_ymd(first, 4, 1).ok_or_else(bad)?;
    let end = Date::from_ymd(first + 1, 3, 31).ok_or_else(bad)?;
    Ok(Period { start, end })
}

impl crate::When {
    /// The period asked for, or `default` when neither flag is given.
    pub fn period(&self, default: Option<&str>) -> Result<Period, Fatal> {
        match (&self.year, &self.period, default) {
            (Some(y), _, _) => parse_year(y),
            (None, Some(p), _) => parse_period(p),
            (None, None, Some(y)) => parse_year(y),
            (None, None, None) => Err(Fatal {
                message: "give the reporting period".into(),
                hint: Some("--year 2012-13, or --period START..END".into()),
            }),
        }
    }
}

pub fn run(args: &OutcomesArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.io.schema.as_ref())?;
    let period = args.when.period(None)?;
    let rules = OutcomeRules::from_schema(&schema)
        .map_err(|e| Fatal::new(format!("the schema does not fit the outcome engine: {e}")))?;
    let paths = inputs::expand(&args.inputs.paths, args.io.chatter.quiet)?.paths;
    output::refuse_inputs(&[("--output", args.io.output.as_deref())], &paths)?;
    let accepted =
        inputs::read(&paths, &schema, crate::inputs::today(), args.io.limits.limits(), args.io.chatter.progress())?;
    if !args.io.chatter.quiet {
        inputs::report(&accepted);
    }
    let data = Dataset::merge(accepted.submissions);
    let outcomes = iapt_outcomes::derive(&data, period, &rules);
    let mut out = output::open(args.io.output.as_deref())?;
    let rows = Rows {
        end_codes: schema.code_list("end-code"),
        data: &data,
        rules: &rules,
        outcomes: &outcomes,
        shown: Shown { show: args.show_values },
    };
    let written = match args.format {
        OutputFormat::Csv => rows.csv(&mut out),
        OutputFormat::Json => rows.json(&mut out),
    };
    written.map_err(|e| output::write_err(&e))?;
    out.finish()?;
    Ok(0)
}

/// The rows in the contract's order: provider code, then service request id (then the order
/// derived, as a stable sort would leave ties), as (provider rank, id, index of the outcome).
/// Providers are ranked once, not compared by code at every step.
fn sorted<'d>(data: &'d Dataset, outcomes: &[ReferralOutcome]) -> Vec<(u32, &'d str, u32)> {
    let mut rank = vec![0u32; data.providers.len()];
    for (place, i) in data.providers_by_code().into_iter().enumerate() {
        rank[i] = u32::try_from(place).unwrap_or(u32::MAX);
    }
    let mut keys: Vec<(u32, &str, u32)> = outcomes
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let r = data.referral(o.referral as usize);
            (rank[r.provider.index()], data.referral_id(r), u32::try_from(k).unwrap_or(u32::MAX))
        })
        .collect();
    keys.sort_unstable();
    keys
}

/// Ids from the submission as they may be shown: a local patient id that has the shape of an
/// NHS number, a date or a postcode is masked, as `validate` masks it, unless `--show-values`.
#[derive(Clone, Copy)]
pub struct Shown {
    pub show: bool,
}

impl Shown {
    pub fn id(self, id: &str) -> std::borrow::Cow<'_, str> {
        if self.show { std::borrow::Cow::Borrowed(id) } else { iapt_validate::mask_shapes(id, true) }
    }
}

/// A date that serialises as its ISO text without being made a `String` first.
#[derive(Clone, Copy)]
pub struct IsoDate(Date);

impl Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A score as its column writes it: `12`, `2.3`; a whole score is an integer in JSON.
#[derive(Clone, Copy)]
pub struct Score(u32);

impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) {
            s.serialize_u32(self.0 / 100)
        } else {
            s.serialize_f64(f64::from(self.0) / 100.0)
        }
    }
}

/// One referral's row, typed: JSON keeps integers, booleans and nulls; CSV writes it as text.
/// Field order is [`COLUMNS`] order.
#[derive(Serialize)]
pub struct OutcomeRow<'a> {
    provider: &'a str,
    service_request_id: &'a str,
    /// Masked by shape unless asked: a provider may use the NHS number as its local id.
    local_patient_id: std::borrow::Cow<'a, str>,
    referral_received_date: IsoDate,
    received_in_period: bool,
    first_treatment_date: Option<IsoDate>,
    entered_treatment: bool,
    wait_days: Option<i32>,
    treatment_appointments: u32,
    end_date: Option<IsoDate>,
    end_code: Option<&'a str>,
    ended_in_period: bool,
    finished_course: bool,
    adsm: &'a str,
    first_phq9: Option<Score>,
    last_phq9: Option<Score>,
    first_anxiety: Option<Score>,
    last_anxiety: Option<Score>,
    caseness: bool,
    recovered: bool,
    reliable_improvement: bool,
    reliable_deterioration: bool,
    reliable_recovery: bool,
    wait_days_adjusted: Option<i32>,
}

impl<'a> OutcomeRow<'a> {
    pub fn new(
        schema: &'a Schema,
        data: &'a Dataset,
        rules: &'a OutcomeRules,
        o: &ReferralOutcome,
        shown: Shown,
    ) -> OutcomeRow<'a> {
        Self::with_end_codes(schema.code_list("end-code"), data, rules, o, shown)
    }

    /// As [`OutcomeRow::new`], with the end-code list found once for many rows.
    fn with_end_codes(
        end_codes: Option<&'a iapt_schema::CodeList>,
        data: &'a Dataset,
        rules: &'a OutcomeRules,
        o: &ReferralOutcome,
        shown: Shown,
    ) -> OutcomeRow<'a> {
        let r = data.referral(o.referral as usize);
        let local_patient_id = data.person_of(r).map_or("", |p| data.local_patient_id(p));
        let end_code = r.record.end_code.and_then(|c| end_codes.map(|l| l.codes[usize::from(c)].code.as_str()));
        let score = |h: Option<iapt_outcomes::Hundredths>| h.map(Score);
        OutcomeRow {
            provider: data.provider_code(r.provider),
            service_request_id: data.referral_id(r),
            local_patient_id: shown.id(local_patient_id),
            referral_received_date: IsoDate(r.record.received),
            received_in_period: o.received_in_period,
            first_treatment_date: o.first_treatment_date.map(IsoDate),
            entered_treatment: o.entered_treatment,
            wait_days: o.wait_days,
            treatment_appointments: o.treatment_appointments,
            end_date: r.record.end_date.map(IsoDate),
            end_code,
            ended_in_period: o.ended_in_period,
            finished_course: o.finished_course,
            adsm: rules.names[usize::from(o.adsm)].as_str(),
            first_phq9: score(o.first_phq9),
            last_phq9: score(o.last_phq9),
            first_anxiety: score(o.first_anxiety),
            last_anxiety: score(o.last_anxiety),
            caseness: o.caseness,
            recovered: o.recovered,
            reliable_improvement: o.reliable_improvement,
            reliable_deterioration: o.reliable_deterioration,
            reliable_recovery: o.reliable_recovery,
            wait_days_adjusted: o.wait_days_adjusted,
        }
    }

    /// Writes the row as CSV, in [`COLUMNS`] order, through one reused buffer (a national year
    /// has 21 million fields); text from the submission made safe for a spreadsheet.
    fn write_csv<W: Write>(&self, w: &mut csv::Writer<W>, buf: &mut String) -> csv::Result<()> {
        use std::fmt::Write as _;
        let mut field = |w: &mut csv::Writer<W>, fill: &dyn Fn(&mut String)| {
            buf.clear();
            fill(buf);
            w.write_field(buf.as_bytes())
        };
        let flag = |b: bool| if b { "true" } else { "false" };
        let date = |d: Option<IsoDate>| {
            move |out: &mut String| {
                if let Some(d) = d {
                    let _ = write!(out, "{}", d.0);
                }
            }
        };
        let number = |n: Option<i64>| {
            move |out: &mut String| {
                if let Some(n) = n {
                    let _ = write!(out, "{n}");
                }
            }
        };
        let score = |h: Option<Score>| move |out: &mut String| h.into_iter().for_each(|h| push_score(out, h.0));
        let safe = |w: &mut csv::Writer<W>, text: &str| w.write_field(iapt_report::write::neutralise(text).as_bytes());
        safe(w, self.provider)?;
        safe(w, self.service_request_id)?;
        safe(w, &self.local_patient_id)?;
        field(w, &date(Some(self.referral_received_date)))?;
        w.write_field(flag(self.received_in_period))?;
        field(w, &date(self.first_treatment_date))?;
        w.write_field(flag(self.entered_treatment))?;
        field(w, &number(self.wait_days.map(i64::from)))?;
        field(w, &number(Some(i64::from(self.treatment_appointments))))?;
        field(w, &date(self.end_date))?;
        w.write_field(self.end_code.unwrap_or(""))?;
        w.write_field(flag(self.ended_in_period))?;
        w.write_field(flag(self.finished_course))?;
        w.write_field(self.adsm)?;
        for s in [self.first_phq9, self.last_phq9, self.first_anxiety, self.last_anxiety] {
            field(w, &score(s))?;
        }
        for fact in [
            self.caseness,
            self.recovered,
            self.reliable_improvement,
            self.reliable_deterioration,
            self.reliable_recovery,
        ] {
            w.write_field(flag(fact))?;
        }
        field(w, &number(self.wait_days_adjusted.map(i64::from)))?;
        w.write_record(None::<&[u8]>)
    }
}

/// What the outcome rows are made from.
struct Rows<'a> {
    end_codes: Option<&'a iapt_schema::CodeList>,
    data: &'a Dataset,
    rules: &'a OutcomeRules,
    outcomes: &'a [ReferralOutcome],
    shown: Shown,
}

impl Rows<'_> {
    /// Every row, in the contract's order.
    fn each(&self) -> impl Iterator<Item = OutcomeRow<'_>> {
        sorted(self.data, self.outcomes).into_iter().map(|(_, _, k)| self.row(k))
    }

    /// The row of outcome `k`.
    fn row(&self, k: u32) -> OutcomeRow<'_> {
        OutcomeRow::with_end_codes(self.end_codes, self.data, self.rules, &self.outcomes[k as usize], self.shown)
    }

    /// Rows are made into text a block at a time, the block shared among the cores, and
    /// written in order: the same bytes as one writer would make, with little held at once.
    fn csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        // Small enough that the demo year (the identical-bytes test) spans several blocks.
        const ROWS_PER_PART: usize = 1 << 12;
        let text = |rows: &[(u32, &str, u32)]| -> std::io::Result<Vec<u8>> {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
            let mut buf = String::new();
            for &(_, _, k) in rows {
                self.row(k).write_csv(&mut w, &mut buf)?;
            }
            w.into_inner().map_err(|e| e.into_error())
        };
        let mut header = csv::Writer::from_writer(&mut *out);
        header.write_record(COLUMNS)?;
        header.flush()?;
        drop(header);
        let order = sorted(self.data, self.outcomes);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        for block in order.chunks(ROWS_PER_PART * cores) {
            let parts: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|scope| {
                let made: Vec<_> = block.chunks(ROWS_PER_PART).map(|rows| scope.spawn(move || text(rows))).collect();
                made.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
            });
            for part in parts {
                out.write_all(&part?)?;
            }
        }
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let rows: Vec<OutcomeRow<'_>> = self.each().collect();
        serde_json::to_writer(&mut *out, &rows)?;
        writeln!(out)
    }
}
