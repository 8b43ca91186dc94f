//! `cargo xtask calibrate [--scale F] [--write]`: the national figures the outcome engine
//! derives from a synthetic year, beside the published 2012-13 figures.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use iapt_outcomes::{Dataset, OutcomeRules, Period, derive, pct};
use iapt_schema::{Date, Schema};

/// One line of the comparison: a count (scaled to England) or a rate.
pub struct Line {
    pub measure: String,
    pub target: f64,
    pub derived: f64,
    pub is_rate: bool,
}

impl Line {
    /// Percentage points for a rate, per cent of the target for a count.
    #[must_use]
    pub fn difference(&self) -> f64 {
        if self.is_rate { self.derived - self.target } else { 100.0 * (self.derived - self.target) / self.target }
    }

    /// Within 1 point (rates) or 2% (counts): the targets of a run at scale 1.0.
    #[must_use]
    pub fn within(&self) -> bool {
        self.within_by(1.0, 2.0)
    }

    /// Within `points` (rates) or `percent` of the target (counts). A figure that is not a
    /// number is never within.
    #[must_use]
    pub fn within_by(&self, points: f64, percent: f64) -> bool {
        let d = self.difference().abs();
        if self.is_rate { d <= points } else { d <= percent }
    }

    /// The difference with its unit, as the calibration table writes it.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.is_rate {
            format!(
                "{}: {:.1} published, {:.1} derived, {:+.1} pt",
                self.measure,
                self.target,
                self.derived,
                self.difference()
            )
        } else {
            format!(
                "{}: {:.0} published, {:.0} derived, {:+.2}%",
                self.measure,
                self.target,
                self.derived,
                self.difference()
            )
        }
    }
}

fn published() -> HashMap<String, f64> {
    let text = include_str!("../../schemas/reference/published-2012-13-national.csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records().flatten().filter_map(|r| Some((r[0].to_owned(), r[1].parse().ok()?))).collect()
}

/// Generates a synthetic year at `scale` and compares what the engine derives with the publication.
///
/// # Errors
/// When generating fails or the synthetic year is not clean.
pub fn compare(scale: f64, seed: u64, out: &Path) -> Result<(Vec<Line>, Vec<Line>), String> {
    let (a, h, referrals) = derive_year(scale, seed, out)?;
    let mut rates: Vec<f64> =
        a.area_teams.iter().filter(|t| !t.unknown).filter_map(|t| t.counts.recovery_rate()).collect();
    rates.sort_by(f64::total_cmp);
    let lines = national(&h, scale);
    #[allow(clippy::print_stdout)]
    let () = println!(
        "scale {scale}, seed {seed}: {referrals} referrals; area-team recovery rates from {:.1}% to {:.1}%",
        rates.first().copied().unwrap_or(0.0),
        rates.last().copied().unwrap_or(0.0)
    );
    Ok((lines, demographics(&a)))
}

/// A synthetic year generated, validated, derived and aggregated as `iapt report` would.
fn derive_year(
    scale: f64,
    seed: u64,
    out: &Path,
) -> Result<(iapt_report::Aggregates, iapt_report::facts::Headline, u64), String> {
    let config = iapt_synth::Config { scale, seed, ..iapt_synth::Config::default() };
    let _ = std::fs::remove_dir_all(out);
    let summary = iapt_synth::generate(&config, out).map_err(|e| e.to_string())?;
    let schema = Schema::builtin();
    let today = Date::from_ymd(2026, 1, 1).unwrap_or(Date::from_days(0));
    let validations =
        iapt_validate::validate_all(&summary.submissions, &schema, today, iapt_validate::Limits::default())
            .map_err(|e| e.to_string())?;
    let problems: usize = validations.iter().map(|v| v.findings.len()).sum();
    if problems > 0 {
        return Err(format!("the synthetic year has {problems} validation findings"));
    }
    let subs: Vec<_> = validations.into_iter().filter_map(|v| v.submission).collect();
    let data = Dataset::merge(subs);
    let rules = OutcomeRules::from_schema(&schema).map_err(|e| e.to_string())?;
    let period = Period {
        start: Date::from_ymd(2012, 4, 1).unwrap_or(today),
        end: Date::from_ymd(2013, 3, 31).unwrap_or(today),
    };
    let outcomes = derive(&data, period, &rules);
    // The report's own aggregation: what is calibrated is what `iapt report` publishes.
    let reference = iapt_report::Reference::from_dir(&out.join("reference")).map_err(|e| e.to_string())?;
    let a = iapt_report::aggregate(&data, &outcomes, &rules, &schema, &reference).map_err(|e| e.to_string())?;
    let h = iapt_report::facts::national_headline(&a, &schema).map_err(|e| e.to_string())?;
    Ok((a, h, summary.referrals))
}

/// The published national figures, and how derived ones are set beside them.
struct Beside {
    published: HashMap<String, f64>,
    scale: f64,
}

impl Beside {
    fn get(&self, key: &str) -> f64 {
        self.published.get(key).copied().unwrap_or(f64::NAN)
    }

    fn rate(&self, measure: &str, target: f64, derived: Option<f64>) -> Line {
        Line { measure: measure.to_owned(), target, derived: derived.unwrap_or(f64::NAN), is_rate: true }
    }

    /// A published ratio of two published figures, beside the same ratio derived.
    fn share(&self, measure: &str, part: &str, whole: &str, p: u64, w: u64) -> Line {
        self.rate(measure, 100.0 * self.get(part) / self.get(whole), pct(p, w))
    }

    /// A count, scaled up to England from the synthetic year's scale.
    fn count(&self, measure: &str, key: &str, v: u64) -> Line {
        Line { measure: measure.to_owned(), target: self.get(key), derived: v as f64 / self.scale, is_rate: false }
    }
}

/// The national lines: each derived figure beside the published one.
fn national(h: &iapt_report::facts::Headline, scale: f64) -> Vec<Line> {
    let b = Beside { published: published(), scale };
    let mut lines = referral_lines(&b, h);
    lines.extend(people_lines(&b, h));
    lines
}

/// The people referred: by sex, age and ethnicity, as shares of people.
fn people_lines(b: &Beside, h: &iapt_report::facts::Headline) -> Vec<Line> {
    let n = h.people;
    vec![
        b.share("male, % of people", "people_male", "people_referred", h.male, n),
        b.share("female, % of people", "people_female", "people_referred", h.female, n),
        b.rate("aged 20-49, % of people", b.get("people_aged_20_to_49_pct"), pct(h.aged_20_to_49, n)),
        b.rate("ethnicity not known, % of people", b.get("ethnicity_unknown_pct"), pct(h.unknown_ethnicity, n)),
        b.rate(
            "White British, % of known ethnicity",
            b.get("white_british_pct_of_known"),
            pct(h.white_british, h.known_ethnicity),
        ),
    ]
}

/// Referrals from received to recovered, and the area teams at the target.
fn referral_lines(b: &Beside, h: &iapt_report::facts::Headline) -> Vec<Line> {
    let c = h.counts;
    let people = h.people;
    let (count, share, rate, get) = (
        |m: &str, k: &str, v: u64| b.count(m, k, v),
        |m: &str, p: &str, w: &str, x: u64, y: u64| b.share(m, p, w, x, y),
        |m: &str, t: f64, d: Option<f64>| b.rate(m, t, d),
        |k: &str| b.get(k),
    );
    vec![
        count("referrals received", "referrals_received", c.received),
        count("people referred", "people_referred", people),
        count("entered treatment", "entered_treatment", c.entered_treatment),
        share(
            "entered treatment, % of referrals",
            "entered_treatment",
            "referrals_received",
            c.entered_treatment,
            c.received,
        ),
        count("waited <= 28 days", "entered_treatment_within_28_days", c.waited_28),
        share(
            "waited <= 28 days, % of entered",
            "entered_treatment_within_28_days",
            "entered_treatment",
            c.waited_28,
            c.entered_treatment,
        ),
        count("waited <= 90 days", "entered_treatment_within_90_days", c.waited_90),
        share(
            "waited <= 90 days, % of entered",
            "entered_treatment_within_90_days",
            "entered_treatment",
            c.waited_90,
            c.entered_treatment,
        ),
        count("referrals ended", "referrals_ended", c.ended),
        count("declined or dropped out", "ended_declined_or_dropped_out", c.declined_or_dropped_out),
        share(
            "declined or dropped out, % of ended",
            "ended_declined_or_dropped_out",
            "referrals_ended",
            c.declined_or_dropped_out,
            c.ended,
        ),
        count("finished a course", "finished_course", c.finished),
        share("finished, % of received", "finished_course", "referrals_received", c.finished, c.received),
        share("finished, % of ended", "finished_course", "referrals_ended", c.finished, c.ended),
        count("at caseness", "at_caseness", c.at_caseness),
        count("recovered", "recovered", c.recovered),
        rate("recovery rate", 100.0 * get("recovered") / get("at_caseness"), c.recovery_rate()),
        count("reliable improvement", "reliable_improvement", c.reliable_improvement),
        share(
            "reliable improvement, % of finished",
            "reliable_improvement",
            "finished_course",
            c.reliable_improvement,
            c.finished,
        ),
        count("reliable deterioration", "reliable_deterioration", c.reliable_deterioration),
        share(
            "reliable deterioration, % of finished",
            "reliable_deterioration",
            "finished_course",
            c.reliable_deterioration,
            c.finished,
        ),
        count("reliable recovery", "reliable_recovery", c.reliable_recovery),
        rate(
            "reliable recovery rate",
            100.0 * get("reliable_recovery") / get("at_caseness"),
            c.reliable_recovery_rate(),
        ),
        Line {
            measure: "area teams at or above 50% recovery".into(),
            target: get("area_teams_meeting_50pct_recovery"),
            derived: h.area_teams_meeting_target as f64,
            is_rate: true,
        },
    ]
}

/// The people referred by the 2012-13 publication's age bands and by ethnic category, as shares
/// of people, beside the published tables (`published-2012-13-age.csv`, `-ethnicity.csv`).
fn demographics(a: &iapt_report::Aggregates) -> Vec<Line> {
    let read = |text: &'static str, value: usize| -> Vec<(String, f64)> {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        rdr.records().flatten().filter_map(|r| Some((r[0].to_owned(), r[value].parse().ok()?))).collect()
    };
    let ages = read(include_str!("../../schemas/reference/published-2012-13-age.csv"), 1);
    let age_total: f64 = ages.iter().map(|(_, n)| n).sum();
    let slots: Vec<u64> =
        (0..iapt_report::aggregate::AGE_SLOTS).map(|age| a.people.by_gender_age.iter().map(|g| g[age]).sum()).collect();
    let known_age: u64 = slots[..slots.len() - 1].iter().sum();
    let mut lines = Vec::new();
    for (band, low, high) in iapt_report::aggregate::PUBLISHED_AGE_BANDS {
        let published = ages.iter().find(|(b, _)| b == band).map_or(f64::NAN, |(_, n)| *n);
        let derived = iapt_report::aggregate::band_sum(&slots, low, high);
        lines.push(Line {
            measure: band.into(),
            target: 100.0 * published / age_total,
            derived: pct(derived, known_age).unwrap_or(f64::NAN),
            is_rate: true,
        });
    }
    let ethnic = read(include_str!("../../schemas/reference/published-2012-13-ethnicity.csv"), 2);
    let ethnic_total: f64 = ethnic.iter().map(|(_, n)| n).sum();
    let schema = Schema::builtin();
    let list = schema.code_list("ethnic-category").map(|l| l.codes.clone()).unwrap_or_default();
    for (i, code) in list.iter().enumerate().filter(|(_, c)| c.code != "Z" && c.code != "99") {
        let published = ethnic.iter().find(|(c, _)| *c == code.code).map_or(f64::NAN, |(_, n)| *n);
        lines.push(Line {
            measure: format!("{} {}", code.code, code.label),
            target: 100.0 * published / ethnic_total,
            derived: pct(a.people.by_ethnicity[i], a.people.total).unwrap_or(f64::NAN),
            is_rate: true,
        });
    }
    lines
}

#[must_use]
pub fn table(lines: &[Line]) -> String {
    let mut s = String::from("| measure | published | derived | difference | within |\n|---|---:|---:|---:|---|\n");
    for l in lines {
        let (t, d, diff) = if l.is_rate {
            (format!("{:.1}", l.target), format!("{:.1}", l.derived), format!("{:+.1} pt", l.difference()))
        } else {
            (format!("{:.0}", l.target), format!("{:.0}", l.derived), format!("{:+.2}%", l.difference()))
        };
        let _ = writeln!(s, "| {} | {t} | {d} | {diff} | {} |", l.measure, if l.within() { "yes" } else { "**no**" });
    }
    s
}

/// `cargo xtask calibrate`.
///
/// # Errors
/// On a bad option, or when generating or writing fails.
#[allow(clippy::print_stdout)]
pub fn run(args: &[String]) -> Result<(), String> {
    let mut scale = 0.1;
    let mut write = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scale" => scale = it.next().and_then(|v| v.parse().ok()).ok_or("--scale takes a number")?,
            "--write" => write = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    let out = crate::root().join("target/calibrate");
    let started = std::time::Instant::now();
    let (lines, people) = compare(scale, 2013, &out)?;
    let national = table(&lines);
    println!("{national}");
    println!("({:.1} s)", started.elapsed().as_secs_f64());
    if write {
        let mut doc = String::from("# Calibration of the synthetic year\n\n");
        let _ = writeln!(
            doc,
            "Generated by `cargo xtask calibrate --scale {scale} --write`: a synthetic 2012-13 (seed 2013) is"
        );
        let _ =
            writeln!(doc, "validated, its outcomes derived by the engine and counted by the report's aggregation (the");
        let _ = writeln!(
            doc,
            "figures `iapt report` publishes), and the national figures set beside the published ones\n(`schemas/reference/published-2012-13-national.csv`). Counts are scaled to"
        );
        let _ = writeln!(
            doc,
            "England (divided by the scale); the targets are 1 percentage point for rates and 2% for counts.\n"
        );
        doc.push_str(&national);
        doc.push_str("\nThe published \"no reliable change\" (34,050) does not equal finished less improvement and\n");
        doc.push_str("deterioration (52,480), so it is not a target here; the engine's is finished less both.\n");
        doc.push_str("\n## People referred, beside the publication's age and ethnicity tables\n\n");
        doc.push_str(
            "Shares of people referred (percentages), not targets: the published age table counts people with\n",
        );
        doc.push_str("gender recorded, and the derived shares are of people with a known age; ethnic categories are\n");
        doc.push_str("shares of all people referred. These are table T6's publication bands and table T7's rows.\n\n");
        doc.push_str(&table(&people));
        std::fs::write(crate::root().join("docs/calibration.md"), doc).map_err(|e| e.to_string())?;
        println!("wrote docs/calibration.md");
    }
    Ok(())
}
