//! Data-quality defects injected into generated submissions, each listed with the rule it
//! breaks, so that a test can hold the validator to 100% recall and precision.
//!
//! Defects that reject a record go only on rows nothing else depends on (appointments, and
//! referrals with no appointment or pause), so that no defect cascades into findings that are
//! not listed.

use std::collections::BTreeSet;
use std::path::Path;

use crate::SynthError;
use crate::rng::Rng;
use crate::write::{COLUMNS, Tables, Value};

/// One injected defect: where it is and which rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defect {
    pub file: String,
    pub sheet: &'static str,
    /// Spreadsheet row (header = 1).
    pub row: u32,
    pub column: &'static str,
    pub kind: &'static str,
    pub rule: &'static str,
}

pub(crate) struct Injector {
    rate: f64,
    rng: Rng,
}

const PERSON: usize = 1;
const REFERRAL: usize = 2;
const APPOINTMENT: usize = 3;
const PAUSE: usize = 4;

fn col(sheet: usize, name: &str) -> usize {
    COLUMNS[sheet].1.iter().position(|c| *c == name).unwrap_or(0)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        _ => String::new(),
    }
}

/// A date written as text in the American order: only days after the 12th are unambiguous.
fn mm_dd(v: &Value) -> Option<Value> {
    let Value::Date(d) = v else { return None };
    let (y, m, dd) = d.ymd();
    (dd > 12).then(|| text(&format!("{m:02}/{dd:02}/{y:04}")))
}

/// Makes the listed defect of one row of one sheet.
type Record<'a> = dyn Fn(usize, usize, &'static str, &'static str, &'static str) -> Defect + 'a;

impl Injector {
    pub(crate) fn new(rate: f64, rng: Rng) -> Injector {
        Injector { rate, rng }
    }

    pub(crate) fn inject(&mut self, t: &mut Tables, file: &str, xlsx: bool, out: &mut Vec<Defect>) {
        if self.rate <= 0.0 {
            return;
        }
        let first = out.len();
        let record = |sheet: usize, row: usize, column: &'static str, kind: &'static str, rule: &'static str| Defect {
            file: file.to_owned(),
            sheet: COLUMNS[sheet].0,
            row: u32::try_from(row + 1).unwrap_or(u32::MAX),
            column,
            kind,
            rule,
        };
        let mut found = Vec::new();
        // Referrals that rows of other sheets point at: rejecting them would cascade.
        let mut depended: BTreeSet<String> = BTreeSet::new();
        for sheet in [APPOINTMENT, PAUSE] {
            depended.extend(t.sheets[sheet].iter().skip(1).map(|r| as_text(&r[0])));
        }
        let received: std::collections::HashMap<String, Value> = t.sheets[REFERRAL]
            .iter()
            .skip(1)
            .map(|r| (as_text(&r[0]), r[col(REFERRAL, "REFERRAL_RECEIVED_DATE")].clone()))
            .collect();

        self.person_defects(t, &record, &mut found);
        self.referral_defects(t, &depended, &record, &mut found);
        let duplicates = self.appointment_defects(t, &received, xlsx, &record, &mut found);
        for i in 1..t.sheets[PAUSE].len() {
            if self.rng.chance(self.rate) {
                t.sheets[PAUSE][i][col(PAUSE, "PAUSE_REASON")] = text("9");
                found.push(record(PAUSE, i, "PAUSE_REASON", "invalid-code", "IAPT-W003"));
            }
        }
        self.insert_rows(t, &duplicates, &record, &mut found);
        found.sort_by(|a, b| (a.sheet, a.row).cmp(&(b.sheet, b.row)));
        out.extend(found);
        debug_assert!(out.len() >= first);
    }

    fn person_defects(&mut self, t: &mut Tables, record: &Record<'_>, found: &mut Vec<Defect>) {
        for i in 1..t.sheets[PERSON].len() {
            if !self.rng.chance(self.rate) {
                continue;
            }
            let row = &mut t.sheets[PERSON][i];
            let (c, kind, rule, value) = match self.rng.range(0, 6) {
                0 => ("GENDER", "missing-required-value", "IAPT-W001", Value::Empty),
                1 => ("GENDER", "invalid-code", "IAPT-W003", text("M")),
                2 => {
                    let mut nhs = as_text(&row[col(PERSON, "NHS_NUMBER")]).into_bytes();
                    let Some(last) = nhs.last_mut() else { continue };
                    *last = b'0' + (*last - b'0' + 1) % 10;
                    // A verified status would add a second finding for the same defect.
                    row[col(PERSON, "NHS_NUMBER_STATUS")] = text("02");
                    ("NHS_NUMBER", "bad-nhs-check-digit", "IAPT-W004", text(&String::from_utf8_lossy(&nhs)))
                }
                3 => ("NHS_NUMBER", "test-nhs-number", "IAPT-W015", text("999 000 0018")),
                4 => ("POSTCODE", "invalid-postcode", "IAPT-W004", text("NOT KNOWN")),
                5 => ("GP_PRACTICE_CODE", "invalid-gp-practice", "IAPT-W004", text("12345")),
                _ => ("NHS_NUMBER_STATUS", "code-without-leading-zero", "IAPT-W016", text("1")),
            };
            if c == "NHS_NUMBER_STATUS" && as_text(&row[col(PERSON, c)]) != "01" {
                continue;
            }
            row[col(PERSON, c)] = value;
            found.push(record(PERSON, i, c, kind, rule));
        }
    }

    fn referral_defects(
        &mut self,
        t: &mut Tables,
        depended: &BTreeSet<String>,
        record: &Record<'_>,
        found: &mut Vec<Defect>,
    ) {
        for i in 1..t.sheets[REFERRAL].len() {
            if !self.rng.chance(self.rate) {
                continue;
            }
            let row = &mut t.sheets[REFERRAL][i];
            let leaf = !depended.contains(&as_text(&row[0]));
            let ended = row[col(REFERRAL, "END_CODE")] != Value::Empty;
            let pick = self.rng.range(0, 5);
            let (c, kind, rule, value) = match pick {
                0 => ("PROVISIONAL_DIAGNOSIS", "invalid-diagnosis", "IAPT-W004", text("G20")),
                1 => ("COMMISSIONER_CODE", "invalid-commissioner", "IAPT-W004", text("ABCDEFG")),
                2 => {
                    let v = as_text(&row[col(REFERRAL, "SOURCE_OF_REFERRAL")]);
                    let Some(stripped) = v.strip_prefix('0').map(str::to_owned) else {
                        continue;
                    };
                    ("SOURCE_OF_REFERRAL", "code-without-leading-zero", "IAPT-W016", text(&stripped))
                }
                3 if leaf && ended => ("END_CODE", "end-date-without-code", "IAPT-R015", Value::Empty),
                4 if leaf => {
                    let Some(v) = mm_dd(&row[col(REFERRAL, "REFERRAL_RECEIVED_DATE")]) else {
                        continue;
                    };
                    ("REFERRAL_RECEIVED_DATE", "mm-dd-date", "IAPT-R002", v)
                }
                _ => continue,
            };
            row[col(REFERRAL, c)] = value;
            found.push(record(REFERRAL, i, c, kind, rule));
        }
    }

    /// Defects of the Appointment sheet; the rows picked to be copied or emptied, for `insert_rows`.
    fn appointment_defects(
        &mut self,
        t: &mut Tables,
        received: &std::collections::HashMap<String, Value>,
        xlsx: bool,
        record: &Record<'_>,
        found: &mut Vec<Defect>,
    ) -> Vec<usize> {
        let attended = |r: &Vec<Value>| matches!(as_text(&r[col(APPOINTMENT, "ATTENDANCE")]).as_str(), "5" | "6");
        let mut duplicates = Vec::new();
        for i in 1..t.sheets[APPOINTMENT].len() {
            if !self.rng.chance(self.rate) {
                continue;
            }
            let row = &mut t.sheets[APPOINTMENT][i];
            let att = attended(row);
            let has_phq = row[col(APPOINTMENT, "PHQ9_SCORE")] != Value::Empty;
            let pick = self.rng.range(0, 11);
            let (c, kind, rule, value) = match pick {
                0 if att && has_phq => ("ATTENDANCE", "missing-mandatory-value", "IAPT-R001", Value::Empty),
                1 if att && has_phq => ("ATTENDANCE", "invalid-code", "IAPT-R003", text("8")),
                2 => {
                    let Some(v) = mm_dd(&row[col(APPOINTMENT, "APPOINTMENT_DATE")]) else {
                        continue;
                    };
                    ("APPOINTMENT_DATE", "mm-dd-date", "IAPT-R002", v)
                }
                3 => {
                    let Some(Value::Date(rec)) = received.get(&as_text(&row[0])) else {
                        continue;
                    };
                    ("APPOINTMENT_DATE", "appointment-before-referral", "IAPT-R017", Value::Date(rec.add_days(-5)))
                }
                4 => ("SERVICE_REQUEST_ID", "unknown-referral", "IAPT-R012", text("RX9999999")),
                5 if att && has_phq => ("PHQ9_SCORE", "score-out-of-range", "IAPT-W005", Value::Number(35.0)),
                6 if !att => ("PHQ9_SCORE", "score-on-missed-appointment", "IAPT-W020", Value::Number(12.0)),
                7 => ("APPOINTMENT_TIME", "invalid-time", "IAPT-W006", text("25:61")),
                8 if att && has_phq => ("PHQ9_SCORE", "missing-required-value", "IAPT-W001", Value::Empty),
                9 if xlsx => {
                    let Value::Date(d) = row[col(APPOINTMENT, "APPOINTMENT_DATE")] else {
                        continue;
                    };
                    ("APPOINTMENT_DATE", "date-as-text", "IAPT-W018", text(&d.to_string()))
                }
                10 if xlsx && has_phq => {
                    let Value::Number(n) = row[col(APPOINTMENT, "PHQ9_SCORE")] else {
                        continue;
                    };
                    ("PHQ9_SCORE", "number-as-text", "IAPT-W017", text(&n.to_string()))
                }
                11 => {
                    duplicates.push(i);
                    continue;
                }
                _ => continue,
            };
            row[col(APPOINTMENT, c)] = value;
            found.push(record(APPOINTMENT, i, c, kind, rule));
        }
        duplicates
    }

    fn insert_rows(&mut self, t: &mut Tables, duplicates: &[usize], record: &Record<'_>, found: &mut Vec<Defect>) {
        // Inserted rows last, from the bottom up, moving the defects listed below them.
        let defective: BTreeSet<u32> = found.iter().filter(|d| d.sheet == "Appointment").map(|d| d.row).collect();
        for &i in duplicates.iter().rev() {
            if defective.contains(&u32::try_from(i + 1).unwrap_or(0)) {
                continue;
            }
            // An empty row at the very end is not "between records": it is not a defect.
            let last = i + 1 == t.sheets[APPOINTMENT].len();
            let (copy, kind, rule, column) = if last || self.rng.chance(0.5) {
                (t.sheets[APPOINTMENT][i].clone(), "duplicate-key", "IAPT-R010", "SERVICE_REQUEST_ID")
            } else {
                (vec![Value::Empty; COLUMNS[APPOINTMENT].1.len()], "empty-row", "IAPT-W012", "")
            };
            t.sheets[APPOINTMENT].insert(i + 1, copy);
            for d in found.iter_mut().filter(|d| d.sheet == "Appointment" && d.row as usize > i + 1) {
                d.row += 1;
            }
            found.push(record(APPOINTMENT, i + 1, column, kind, rule));
        }
    }
}

pub(crate) fn write_list(defects: &[Defect], path: &Path) -> Result<(), SynthError> {
    let fail = |e: csv::Error| SynthError(format!("cannot write `{}`: {e}", path.display()));
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    w.write_record(["file", "sheet", "row", "column", "kind", "rule"]).map_err(fail)?;
    for d in defects {
        w.write_record([d.file.as_str(), d.sheet, &d.row.to_string(), d.column, d.kind, d.rule]).map_err(fail)?;
    }
    w.flush().map_err(|e| SynthError(format!("cannot write `{}`: {e}", path.display())))
}
