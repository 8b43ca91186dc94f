//! The synthetic world: geography, people, and each referral's life as events.
//!
//! Only events are modelled (appointments, attendance, scores, pauses, an end); no derived
//! fact (entered treatment, recovered, ...) is decided here. The published rates emerge when
//! the outcome engine derives them, and `Params` holds the knobs that were tuned for that.

use iapt_schema::Date;

use crate::rng::Rng;

/// Knobs of the event model, tuned so that the derived 2012-13 national figures match the
/// publication (see `docs/calibration.md`).
pub struct Params {
    /// Share of referrals that go on to treatment at some point (before or after year end).
    pub treated: f64,
    /// Wait to first treatment: weights of 0-28, 29-90 and 91-300 days.
    pub wait_mix: [f64; 3],
    /// Share of treated referrals that stop after one treatment appointment.
    pub single_session: f64,
    /// Mean number of treatment sessions after the first, for those who continue.
    pub extra_sessions: f64,
    /// Days between sessions.
    pub session_gap: (i32, i32),
    /// Of those finishing with two or more sessions, the share ending early (code 47).
    pub early_termination: f64,
    /// Of untreated referrals: share assessed then ended, share never assessed (code 50).
    pub assessed_then_ended: f64,
    pub not_assessed: f64,
    /// Of assessed-then-ended referrals: share declining or dropping out (14, 16).
    pub declined: f64,
    /// Share of symptoms lost over a course: a mixture of responders (share, mean, spread)
    /// and non-responders (mean, spread), as treatment response tends to be.
    pub responders: (f64, f64, f64),
    pub non_responders: (f64, f64),
    /// How far each measure's improvement strays from the referral's.
    pub measure_spread: f64,
    /// Spread of providers' effect on improvement.
    pub provider_effect: f64,
    /// Chance a session is missed (did not attend or cancelled).
    pub missed: f64,
}

pub const PARAMS: Params = Params {
    treated: 0.57,
    wait_mix: [0.57, 0.30, 0.13],
    single_session: 0.33,
    extra_sessions: 7.0,
    session_gap: (7, 28),
    early_termination: 0.27,
    assessed_then_ended: 0.59,
    not_assessed: 0.20,
    declined: 0.47,
    responders: (0.545, 0.695, 0.20),
    non_responders: (0.0, 0.25),
    measure_spread: 0.10,
    provider_effect: 0.05,
    missed: 0.12,
};

pub const YEAR_START: (i32, u32, u32) = (2012, 4, 1);
pub const YEAR_END: (i32, u32, u32) = (2013, 3, 31);

pub fn year() -> (Date, Date) {
    let d = |(y, m, dd): (i32, u32, u32)| Date::from_ymd(y, m, dd).unwrap_or(Date::from_days(0));
    (d(YEAR_START), d(YEAR_END))
}

pub struct AreaTeam {
    pub code: String,
    pub name: String,
}

pub struct Ccg {
    pub code: String,
    pub name: String,
    pub area_team: usize,
    /// GP-registered patients, April-June 2013: the weight of the CCG's share of referrals.
    pub patients: f64,
}

pub struct Provider {
    pub code: String,
    pub name: String,
    pub area_team: usize,
    pub ccgs: Vec<usize>,
    pub weight: f64,
    /// Added to every referral's improvement: some services do better than others.
    pub effect: f64,
}

pub struct Geography {
    pub area_teams: Vec<AreaTeam>,
    pub ccgs: Vec<Ccg>,
    pub providers: Vec<Provider>,
}

/// About 150 synthetic providers spread over the real area teams, each serving one to three
/// of its team's real CCGs.
pub fn geography(area_teams: Vec<AreaTeam>, ccgs: Vec<Ccg>, rng: &mut Rng) -> Geography {
    const PROVIDERS: usize = 150;
    let n = area_teams.len().max(1);
    let mut providers = Vec::with_capacity(PROVIDERS);
    for i in 0..PROVIDERS {
        let area_team = i % n;
        let own: Vec<usize> = (0..ccgs.len()).filter(|&c| ccgs[c].area_team == area_team).collect();
        let take = rng.range(1, 3) as usize;
        let start = rng.range(0, i32::try_from(own.len()).unwrap_or(1) - 1) as usize;
        let served = (0..take.min(own.len())).map(|k| own[(start + k) % own.len()]).collect();
        providers.push(Provider {
            code: format!("YS{:03}", i + 1),
            name: format!("Synthetic IAPT service {}", i + 1),
            area_team,
            ccgs: served,
            weight: (0.8 * rng.normal()).exp(),
            effect: PARAMS.provider_effect * rng.normal(),
        });
    }
    // Area teams differ too: a shared effect for every provider of the team.
    let team_effect: Vec<f64> = (0..n).map(|_| 0.040 * rng.normal()).collect();
    for p in &mut providers {
        p.effect += team_effect[p.area_team];
    }
    Geography { area_teams, ccgs, providers }
}

/// A person, as every provider that sees them records them.
pub struct Person {
    pub nhs_number: Option<u64>,
    pub birth: Date,
    pub gender: &'static str,
    pub ethnic: &'static str,
    pub postcode: String,
    pub gp: String,
}

/// The published people by age band (under 16, 16-17, 18-35, 36-64, 65+), as weights.
const AGE_BANDS: [(i32, i32, f64); 5] =
    [(5, 15, 429.0), (16, 17, 8468.0), (18, 35, 328_323.0), (36, 64, 371_124.0), (65, 90, 41_028.0)];

const ETHNIC: [(&str, f64); 18] = [
    ("A", 446_968.0),
    ("B", 4312.0),
    ("C", 22425.0),
    ("D", 3782.0),
    ("E", 969.0),
    ("F", 1668.0),
    ("G", 4638.0),
    ("H", 9357.0),
    ("J", 6812.0),
    ("K", 1694.0),
    ("L", 4914.0),
    ("M", 8337.0),
    ("N", 5909.0),
    ("P", 2973.0),
    ("R", 1223.0),
    ("S", 6973.0),
    ("99", 137_336.0),
    ("Z", 91_558.0),
];

/// A valid NHS number for the i-th person: unique, and passing the modulus-11 check.
pub fn nhs_number(i: u64) -> u64 {
    let mut stem = 400_000_000 + i * 7;
    loop {
        let digits: Vec<u64> = stem.to_string().bytes().map(|b| u64::from(b - b'0')).collect();
        let sum: u64 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        if check != 10 {
            return stem * 10 + check;
        }
        stem += 1;
    }
}

pub fn person(i: u64, rng: &mut Rng) -> Person {
    let (_, end) = year();
    let band = rng.weighted(&AGE_BANDS.map(|b| b.2));
    let (lo, hi, _) = AGE_BANDS[band];
    // Within 36-64 the ages lean young, as referrals do (71% aged 20-49 published).
    let age = if band == 3 {
        let w: Vec<f64> = (lo..=hi).map(|a| f64::from(72 - a)).collect();
        lo + i32::try_from(rng.weighted(&w)).unwrap_or(0)
    } else {
        rng.range(lo, hi)
    };
    let birth = end.add_days(-(age * 365 + rng.range(60, 300)));
    let gender = match rng.weighted(&[36.02, 62.34, 0.1, 1.54]) {
        0 => "1",
        1 => "2",
        2 => "9",
        _ => "X",
    };
    let ethnic = ETHNIC[rng.weighted(&ETHNIC.map(|e| e.1))].0;
    let areas = ["B", "BD", "LS", "M", "NE", "SW", "E", "N", "S", "L", "CR", "BS"];
    let area = areas[rng.range(0, 11) as usize];
    let letter = |rng: &mut Rng| char::from(b'A' + u8::try_from(rng.range(0, 25)).unwrap_or(0));
    let postcode = format!("{area}{} {}{}{}", rng.range(1, 20), rng.range(0, 9), letter(rng), letter(rng));
    let gp =
        if rng.chance(0.02) { "V81999".to_owned() } else { format!("{}{:05}", letter(rng), rng.range(81_000, 89_999)) };
    let nhs_number = Some(nhs_number(i));
    Person { nhs_number, birth, gender, ethnic, postcode, gp }
}

/// One appointment as the provider records it.
pub struct Appointment {
    pub date: Date,
    pub time: u32,
    pub kind: &'static str,
    pub attendance: &'static str,
    pub therapy: Option<&'static str>,
    pub phq9: Option<u8>,
    pub gad7: Option<u8>,
    pub wsas: Option<u8>,
    /// The diagnosis-specific anxiety measure: column index among the score columns, value.
    pub adsm: Option<(usize, f64)>,
}

pub struct Pause {
    pub start: Date,
    pub end: Date,
    pub reason: &'static str,
}

pub struct Referral {
    pub person: u32,
    pub received: Date,
    pub source: &'static str,
    pub diagnosis: Option<&'static str>,
    pub ccg: usize,
    pub end: Option<(Date, &'static str)>,
    pub appointments: Vec<Appointment>,
    pub pauses: Vec<Pause>,
}

/// Provisional diagnoses (working shares), with the anxiety measure column each calls for.
/// The anxiety measure a diagnosis calls for: score column (0-based among the score
/// columns), mean and spread of its first score.
type AnxietyMeasure = Option<(usize, f64, f64)>;

const DIAGNOSES: [(&str, f64, AnxietyMeasure); 16] = [
    ("F32", 20.0, None),
    ("F33", 5.0, None),
    ("F411", 12.0, None),
    ("F412", 22.0, None),
    ("F410", 3.0, Some((5, 14.0, 5.0))),
    ("F400", 1.0, Some((4, 3.2, 0.7))),
    ("F401", 2.0, Some((3, 40.0, 12.0))),
    ("F402", 1.0, None),
    ("F42", 2.0, Some((6, 70.0, 25.0))),
    ("F431", 3.0, Some((7, 50.0, 15.0))),
    ("F432", 3.0, None),
    ("F452", 1.0, Some((8, 28.0, 8.0))),
    ("F50", 1.5, None),
    ("F99", 0.5, None),
    ("Z63", 1.0, None),
    ("F419", 22.0, None),
];

const SOURCES: [(&str, f64); 6] = [("00", 55.0), ("01", 30.0), ("07", 6.0), ("02", 3.0), ("04", 2.0), ("13", 4.0)];
const HIGH: [&str; 6] = ["16", "16", "12", "18", "10", "17"];
const LOW: [&str; 4] = ["01", "03", "05", "08"];

fn clamp_score(v: f64, max: f64) -> f64 {
    v.round().clamp(0.0, max)
}

/// The wait to first treatment, in days.
fn wait(rng: &mut Rng) -> i32 {
    match rng.weighted(&PARAMS.wait_mix) {
        0 => rng.range(0, 28),
        1 => rng.range(29, 90),
        _ => rng.range(91, 300),
    }
}

/// One referral's events. `provider_effect` shifts how much treatment helps.
pub fn referral(person: u32, ccg: usize, provider_effect: f64, rng: &mut Rng) -> Referral {
    let (start, _) = year();
    let received = start.add_days(rng.range(0, 364));
    let source = SOURCES[rng.weighted(&SOURCES.map(|s| s.1))].0;
    let (diagnosis, _, adsm_spec) = DIAGNOSES[rng.weighted(&DIAGNOSES.map(|d| d.1))];
    let diagnosis = Some(diagnosis);
    // The specific anxiety measure is recorded by most, not all, services.
    let adsm_spec = adsm_spec.filter(|_| rng.chance(0.7));
    let course = Course::new(adsm_spec, provider_effect, rng);
    let mut events = Events { appointments: Vec::new(), pauses: Vec::new() };
    let end = if rng.chance(PARAMS.treated) {
        course.treated(received, &mut events, rng)
    } else {
        course.untreated(received, &mut events, rng)
    };
    let Events { appointments, pauses } = events;
    Referral { person, received, source, diagnosis, ccg, end, appointments, pauses }
}

/// A referral's appointments and pauses, as they are made.
struct Events {
    appointments: Vec<Appointment>,
    pauses: Vec<Pause>,
}

/// A time of day on the quarter hour between 08:00 and 17:30, in seconds.
fn hour(rng: &mut Rng) -> u32 {
    u32::try_from(rng.range(8, 18)).unwrap_or(9) * 3600 + u32::try_from(rng.range(0, 3)).unwrap_or(0) * 900
}

fn missed_appt(date: Date, kind: &'static str, rng: &mut Rng) -> Appointment {
    let attendance = ["3", "2", "4", "7"][rng.weighted(&[60.0, 25.0, 10.0, 5.0])];
    Appointment {
        date,
        time: hour(rng),
        kind,
        attendance,
        therapy: None,
        phq9: None,
        gad7: None,
        wsas: None,
        adsm: None,
    }
}

/// One person's symptoms at the start and how treatment moves them.
struct Course {
    phq0: f64,
    gad0: f64,
    wsas0: f64,
    adsm0: Option<(usize, f64)>,
    improvement: f64,
    phq_dev: f64,
    gad_dev: f64,
}

impl Course {
    fn new(adsm_spec: Option<(usize, f64, f64)>, provider_effect: f64, rng: &mut Rng) -> Course {
        // Symptoms at the start: one severity drives every measure.
        let severity = rng.normal();
        let phq0 = clamp_score(15.5 + 6.5 * severity + 2.0 * rng.normal(), 27.0);
        let gad0 = clamp_score(14.0 + 5.0 * severity + 2.0 * rng.normal(), 21.0);
        let wsas0 = clamp_score(20.0 + 7.0 * severity + 3.0 * rng.normal(), 40.0);
        let adsm0 = adsm_spec.map(|(col, mean, sd)| (col, mean + sd * severity));
        let improvement = provider_effect
            + if rng.chance(PARAMS.responders.0) {
                PARAMS.responders.1 + PARAMS.responders.2 * rng.normal()
            } else {
                PARAMS.non_responders.0 + PARAMS.non_responders.1 * rng.normal()
            };
        // Depression and anxiety improve together, but not in lockstep.
        let (phq_dev, gad_dev) = (PARAMS.measure_spread * rng.normal(), PARAMS.measure_spread * rng.normal());
        Course { phq0, gad0, wsas0, adsm0, improvement, phq_dev, gad_dev }
    }

    /// The scores `progress` of the way through treatment.
    #[allow(clippy::type_complexity)]
    fn scored(&self, progress: f64, rng: &mut Rng) -> (Option<u8>, Option<u8>, Option<u8>, Option<(usize, f64)>) {
        let f = self.improvement * progress;
        let noise = |rng: &mut Rng, s: f64| s * rng.normal();
        let phq = clamp_score(self.phq0 * (1.0 - f - self.phq_dev * progress) + noise(rng, 1.1), 27.0) as u8;
        let gad = clamp_score(self.gad0 * (1.0 - f - self.gad_dev * progress) + noise(rng, 1.0), 21.0) as u8;
        let wsas = clamp_score(self.wsas0 * (1.0 - f) + noise(rng, 2.0), 40.0) as u8;
        let adsm = self.adsm0.map(|(col, v0)| {
            let max = [27.0, 21.0, 40.0, 68.0, 5.0, 28.0, 168.0, 88.0, 54.0][col];
            let v = (v0 * (1.0 - f) + noise(rng, v0.abs() * 0.08)).clamp(if col == 4 { 1.0 } else { 0.0 }, max);
            (col, if col == 4 { (v * 10.0).round() / 10.0 } else { v.round() })
        });
        (Some(phq), Some(gad), Some(wsas), adsm)
    }

    fn attended(
        &self,
        date: Date,
        kind: &'static str,
        therapy: Option<&'static str>,
        progress: f64,
        rng: &mut Rng,
    ) -> Appointment {
        let (phq9, gad7, wsas, adsm) = self.scored(progress, rng);
        let wsas = wsas.filter(|_| rng.chance(0.6));
        let attendance = if rng.chance(0.9) { "5" } else { "6" };
        Appointment { date, time: hour(rng), kind, attendance, therapy, phq9, gad7, wsas, adsm }
    }

    /// A course of treatment and how it ended.
    fn treated(&self, received: Date, ev: &mut Events, rng: &mut Rng) -> Option<(Date, &'static str)> {
        let first = received.add_days(wait(rng));
        let combined = rng.chance(0.3);
        if !combined {
            let assess = received.add_days((f64::from(first.days_since(received)) * (0.2 + 0.6 * rng.f64())) as i32);
            ev.appointments.push(self.attended(assess.min(first.add_days(-1)).max(received), "01", None, 0.0, rng));
        }
        if rng.chance(0.04) {
            let s = received.add_days(rng.range(1, 20));
            ev.pauses.push(Pause {
                start: s,
                end: s.add_days(rng.range(5, 21)),
                reason: ["01", "02", "03"][rng.range(0, 2) as usize],
            });
        }
        let sessions = if rng.chance(PARAMS.single_session) {
            1
        } else {
            2 + (-(PARAMS.extra_sessions) * rng.f64().max(1e-9).ln()).floor() as i32
        };
        let therapy = if rng.chance(0.55) { LOW[rng.range(0, 3) as usize] } else { HIGH[rng.range(0, 5) as usize] };
        let mut day = first;
        for k in 0..sessions {
            let kind = if k == 0 && combined { "03" } else { "02" };
            while k > 0 && rng.chance(PARAMS.missed) {
                ev.appointments.push(missed_appt(day, kind, rng));
                day = day.add_days(rng.range(PARAMS.session_gap.0, PARAMS.session_gap.1));
            }
            let progress = f64::from(k + 1) / f64::from(sessions.max(2));
            ev.appointments.push(self.attended(day, kind, Some(therapy), progress, rng));
            day = day.add_days(rng.range(PARAMS.session_gap.0, PARAMS.session_gap.1));
        }
        let last = ev.appointments.last().map_or(first, |a| a.date);
        let code = if sessions == 1 {
            ["47", "46", "48"][rng.weighted(&[55.0, 30.0, 15.0])]
        } else if rng.chance(PARAMS.early_termination) {
            "47"
        } else {
            ["46", "48", "96", "49"][rng.weighted(&[92.0, 5.0, 2.5, 0.5])]
        };
        // Services close a finished referral some weeks after the last session.
        Some((last.add_days(rng.range(0, 66)), code))
    }

    /// Assessed and ended, never assessed, or still waiting at the end of the record.
    fn untreated(&self, received: Date, ev: &mut Events, rng: &mut Rng) -> Option<(Date, &'static str)> {
        let r = rng.f64();
        if r < PARAMS.assessed_then_ended {
            let assess = received.add_days(wait(rng));
            if rng.chance(0.15) {
                ev.appointments.push(missed_appt(assess.add_days(-7).max(received), "01", rng));
            }
            ev.appointments.push(self.attended(assess, "01", None, 0.0, rng));
            let code = if rng.chance(PARAMS.declined) {
                ["14", "16"][rng.range(0, 1) as usize]
            } else {
                ["10", "11", "12", "13", "95", "17"][rng.weighted(&[20.0, 30.0, 25.0, 20.0, 4.5, 0.5])]
            };
            Some((assess.add_days(rng.range(0, 14)), code))
        } else if r < PARAMS.assessed_then_ended + PARAMS.not_assessed {
            if rng.chance(0.5) {
                ev.appointments.push(missed_appt(received.add_days(rng.range(7, 40)), "01", rng));
            }
            let last = ev.appointments.last().map_or(received, |a| a.date);
            Some((last.add_days(rng.range(7, 45)), "50"))
        } else {
            // Waiting, or assessed and waiting for treatment, at the end of the record.
            if rng.chance(0.5) {
                ev.appointments.push(self.attended(received.add_days(wait(rng)), "01", None, 0.0, rng));
            }
            None
        }
    }
}
