//! Each referral's facts, exactly as `measures.md` defines them.

use iapt_schema::{Date, Schema, SchemaMismatch};
use rustc_hash::FxHashMap;

use crate::dataset::Dataset;

/// The reporting period `[start, end]`, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    #[must_use]
    pub fn contains(self, d: Date) -> bool {
        self.start <= d && d <= self.end
    }
}

/// One measure's thresholds, in hundredths of a point.
#[derive(Clone, Debug)]
pub(crate) struct MeasureRule {
    /// The measure's score slot in an appointment.
    pub(crate) slot: usize,
    pub(crate) caseness: u32,
    pub(crate) reliable_change: u32,
}

/// Everything the engine is told by the schema: which codes mean attended, treatment,
/// declined; each measure's thresholds; the anxiety measure of each diagnosis.
#[derive(Clone, Debug)]
pub struct OutcomeRules {
    attended: Vec<bool>,
    treatment: Vec<bool>,
    /// Per end code: declined or dropped out.
    pub declined: Vec<bool>,
    /// Per end code: the code, for explanations.
    pub(crate) end_codes: Vec<String>,
    pub(crate) measures: Vec<MeasureRule>,
    /// Measure names, in the order of [`ReferralOutcome::adsm`].
    pub names: Vec<String>,
    pub(crate) depression: usize,
    pub(crate) default_anxiety: usize,
    pub(crate) schema_measures: iapt_schema::Measures,
}

fn hundredths(v: f64) -> u32 {
    (v * 100.0).round() as u32
}

impl OutcomeRules {
    /// Reads the rules from a schema.
    ///
    /// # Errors
    /// When the schema lacks a code list, attribute or measure the engine needs.
    pub fn from_schema(schema: &Schema) -> Result<OutcomeRules, SchemaMismatch> {
        let m = &schema.measures;
        let appointment = schema.require_sheet("Appointment")?;
        let score_columns: Vec<&str> =
            schema.sheets[appointment].columns.iter().filter(|c| c.score).map(|c| c.name.as_str()).collect();
        let mut measures = Vec::new();
        for measure in &m.measures {
            let slot = score_columns.iter().position(|c| *c == measure.column).ok_or_else(|| {
                SchemaMismatch::NoColumn { sheet: "Appointment".into(), column: measure.column.clone() }
            })?;
            measures.push(MeasureRule {
                slot,
                caseness: hundredths(measure.caseness),
                reliable_change: hundredths(measure.reliable_change),
            });
        }
        let index = |name: &str| m.index(name).ok_or_else(|| SchemaMismatch::NoMeasure(name.to_owned()));
        let end_codes = schema.require_list("end-code")?;
        Ok(OutcomeRules {
            attended: schema.require_list("attendance")?.flags("attended")?,
            treatment: schema.require_list("appointment-type")?.flags("treatment")?,
            declined: end_codes.flags("declined_or_dropped_out")?,
            end_codes: end_codes.codes.iter().map(|c| c.code.clone()).collect(),
            measures,
            names: m.measures.iter().map(|x| x.name.clone()).collect(),
            depression: index(&m.depression)?,
            default_anxiety: index(&m.default_anxiety)?,
            schema_measures: m.clone(),
        })
    }
}

/// A score in hundredths of a point (MI 2.3 is 230).
pub type Hundredths = u32;

/// The derived facts of one referral (the `outcomes` CSV, field by field). `Default` is only a
/// placeholder for a slot that `derive` fills.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralOutcome {
    /// Index into [`Dataset::referrals`].
    pub referral: u32,
    pub received_in_period: bool,
    pub first_treatment_date: Option<Date>,
    pub entered_treatment: bool,
    pub wait_days: Option<i32>,
    /// `wait_days` less the paused days before the first treatment.
    pub wait_days_adjusted: Option<i32>,
    pub treatment_appointments: u32,
    pub ended_in_period: bool,
    pub finished_course: bool,
    /// Index into [`OutcomeRules::names`] of the anxiety measure used.
    pub adsm: u8,
    pub first_phq9: Option<Hundredths>,
    pub last_phq9: Option<Hundredths>,
    pub first_anxiety: Option<Hundredths>,
    pub last_anxiety: Option<Hundredths>,
    pub caseness: bool,
    pub recovered: bool,
    pub reliable_improvement: bool,
    pub reliable_deterioration: bool,
    pub reliable_recovery: bool,
}

/// How an appointment counted for its referral, as the engine decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Before the referral was received.
    BeforeReferral,
    /// After the referral's END_DATE.
    AfterEnd,
    /// After the end of the period.
    AfterPeriod,
    /// In range, but its ATTENDANCE code is not an attended one.
    NotAttended,
    /// Attended and counted; `treatment` when its APPOINTMENT_TYPE is a treatment type.
    Attended { treatment: bool },
}

/// What the engine saw while it derived one referral. [`derive`] passes a sink that keeps
/// nothing (and compiles to nothing); `explain` passes one that records, so an explanation
/// comes from the same code path as the published figures.
pub trait Trace {
    /// Appointment `index` (of [`Dataset::appointments_of`]) and how it counted.
    fn appointment(&mut self, _index: usize, _counted: Counted) {}
    /// The anxiety measure the diagnosis called for (indexes into [`OutcomeRules::names`]).
    fn anxiety_measure(&mut self, _called_for: u8) {}
}

/// The sink of [`derive`]: keeps nothing.
pub struct NoTrace;

impl Trace for NoTrace {}

/// Derives every referral's outcome. Pure: the same records and period give the same result.
#[must_use]
pub fn derive(data: &Dataset, period: Period, rules: &OutcomeRules) -> Vec<ReferralOutcome> {
    let mut outcomes = Vec::new();
    derive_into(data, period, rules, &mut outcomes);
    outcomes
}

/// [`derive`], into `outcomes` (its entries replaced, one per referral). A caller with a core
/// free before deriving can make the slots then, as
/// `vec![ReferralOutcome::default(); data.referral_count()]`: a national year's are 67 MB of
/// fresh memory, written on one core.
pub fn derive_into(data: &Dataset, period: Period, rules: &OutcomeRules, outcomes: &mut Vec<ReferralOutcome>) {
    let anxiety = anxiety_by_diagnosis(data, rules);
    let n = data.referral_count();
    let one = |i: usize| derive_one(data, i, period, rules, &anxiety, &mut NoTrace);
    // Referrals are independent: a thread per core takes a run of them (a national year's
    // 0.35 s halves on two), and the runs are joined in order.
    // From 2,000 referrals on, so that the demo year (the identical-bytes test) is split too.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(n / 2_000 + 1);
    if threads == 1 {
        outcomes.clear();
        outcomes.extend((0..n).map(one));
        return;
    }
    // Each thread fills its own run of the result in place: no part is copied after.
    let run = n.div_ceil(threads);
    outcomes.resize(n, ReferralOutcome::default());
    std::thread::scope(|scope| {
        let runs: Vec<_> = outcomes
            .chunks_mut(run)
            .enumerate()
            .map(|(t, slots)| {
                let one = &one;
                scope.spawn(move || {
                    for (j, slot) in slots.iter_mut().enumerate() {
                        *slot = one(t * run + j);
                    }
                })
            })
            .collect();
        for handle in runs {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// One referral's outcome, telling `trace` what the engine saw.
#[must_use]
pub fn derive_traced(
    data: &Dataset,
    referral: usize,
    period: Period,
    rules: &OutcomeRules,
    trace: &mut impl Trace,
) -> ReferralOutcome {
    let mut anxiety = AnxietyMeasures { by_diagnosis: FxHashMap::default(), default: default_anxiety(rules) };
    if let Some(d) = data.referral(referral).record.diagnosis {
        anxiety.by_diagnosis.insert(d, anxiety_measure(data, rules, d));
    }
    derive_one(data, referral, period, rules, &anxiety, trace)
}

/// The anxiety measure of each distinct diagnosis, found once; and the default one.
struct AnxietyMeasures {
    by_diagnosis: FxHashMap<u32, u8>,
    default: u8,
}

fn anxiety_by_diagnosis(data: &Dataset, rules: &OutcomeRules) -> AnxietyMeasures {
    let mut by_diagnosis: FxHashMap<u32, u8> = FxHashMap::default();
    for r in data.referrals() {
        if let Some(d) = r.record.diagnosis {
            by_diagnosis.entry(d).or_insert_with(|| anxiety_measure(data, rules, d));
        }
    }
    AnxietyMeasures { by_diagnosis, default: default_anxiety(rules) }
}

fn anxiety_measure(data: &Dataset, rules: &OutcomeRules, diagnosis: u32) -> u8 {
    let name = rules.schema_measures.anxiety_for(Some(data.codes.resolve(diagnosis)));
    rules.names.iter().position(|n| n == name).and_then(|i| u8::try_from(i).ok()).unwrap_or(0)
}

fn default_anxiety(rules: &OutcomeRules) -> u8 {
    u8::try_from(rules.default_anxiety).unwrap_or(0)
}

fn derive_one(
    data: &Dataset,
    i: usize,
    period: Period,
    rules: &OutcomeRules,
    anxiety: &AnxietyMeasures,
    trace: &mut impl Trace,
) -> ReferralOutcome {
    let default_anxiety = anxiety.default;
    const MAX_MEASURES: usize = 16;
    let r = data.referral(i);
    let mut first_treatment = None;
    let mut treatments = 0u32;
    let mut first = [None::<u32>; MAX_MEASURES];
    let mut last = [None::<u32>; MAX_MEASURES];
    for (index, a) in data.appointments_of(i).iter().enumerate() {
        // Counted: on or after the referral, not after its end, not after the period.
        let out_of_range = if a.date < r.record.received {
            Some(Counted::BeforeReferral)
        } else if r.record.end_date.is_some_and(|e| a.date > e) {
            Some(Counted::AfterEnd)
        } else if a.date > period.end {
            Some(Counted::AfterPeriod)
        } else if !rules.attended.get(usize::from(a.attendance)).copied().unwrap_or(false) {
            Some(Counted::NotAttended)
        } else {
            None
        };
        if let Some(why) = out_of_range {
            trace.appointment(index, why);
            continue;
        }
        let treatment = a.kind.is_some_and(|k| rules.treatment.get(usize::from(k)).copied().unwrap_or(false));
        trace.appointment(index, Counted::Attended { treatment });
        if treatment {
            treatments += 1;
            first_treatment.get_or_insert(a.date);
        }
        for (m, rule) in rules.measures.iter().enumerate().take(MAX_MEASURES) {
            if let Some(h) = a.scores[rule.slot].hundredths() {
                first[m].get_or_insert(u32::from(h));
                last[m] = Some(u32::from(h));
            }
        }
    }
    let chosen = r.record.diagnosis.and_then(|d| anxiety.by_diagnosis.get(&d).copied()).unwrap_or(default_anxiety);
    trace.anxiety_measure(chosen);
    // The chosen measure falls back to GAD-7 when it was never scored.
    let adsm = if first[usize::from(chosen)].is_some() { chosen } else { default_anxiety };
    let dep = rules.depression;
    let anx = usize::from(adsm);
    let pair = [dep, anx];

    let ended_in_period = r.record.end_date.is_some_and(|e| period.contains(e));
    let finished_course = ended_in_period && treatments >= 2;
    let caseness = pair.iter().any(|&m| first[m].is_some_and(|s| s >= rules.measures[m].caseness));
    let below_at_end = pair.iter().all(|&m| last[m].is_none_or(|s| s < rules.measures[m].caseness));
    let change = |m: usize| first[m].zip(last[m]).map(|(f, l)| i64::from(l) - i64::from(f));
    let improved = pair.iter().any(|&m| change(m).is_some_and(|c| -c >= i64::from(rules.measures[m].reliable_change)));
    let worsened = pair.iter().any(|&m| change(m).is_some_and(|c| c >= i64::from(rules.measures[m].reliable_change)));
    let recovered = finished_course && caseness && below_at_end;
    let reliable_improvement = finished_course && improved && !worsened;
    let wait_days = first_treatment.map(|f| f.days_since(r.record.received));
    let wait_days_adjusted = first_treatment.map(|f| {
        let paused: i32 = data
            .pauses_of(i)
            .iter()
            .map(|p| {
                let from = p.start.max(r.record.received);
                let to = p.end.unwrap_or(f).min(f.add_days(-1));
                (to.days_since(from) + 1).max(0)
            })
            .sum();
        f.days_since(r.record.received) - paused
    });
    ReferralOutcome {
        referral: u32::try_from(i).unwrap_or(u32::MAX),
        received_in_period: period.contains(r.record.received),
        first_treatment_date: first_treatment,
        entered_treatment: first_treatment.is_some_and(|f| period.contains(f)),
        wait_days,
        wait_days_adjusted,
        treatment_appointments: treatments,
        ended_in_period,
        finished_course,
        adsm,
        first_phq9: first[dep],
        last_phq9: last[dep],
        first_anxiety: first[anx],
        last_anxiety: last[anx],
        caseness,
        recovered,
        reliable_improvement,
        reliable_deterioration: finished_course && worsened && !improved,
        reliable_recovery: recovered && reliable_improvement,
    }
}
