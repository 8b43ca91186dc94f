//! Record rules: what a row's values mean together and against other records (keys,
//! references, date order), and the typed records of the rows that stand.

use iapt_schema::{Date, OLDEST_AGE, Schema, SchemaMismatch};

use crate::appointment_keys::AppointmentKeys;
use crate::columns::Columns;
use crate::field::Value;
use crate::finding::Finding;
use crate::records::{Appointment, Interner, Pause, Person, Referral, SCORE_SLOTS, Score, Submission, Sym, same_text};
use crate::rules::{self, Rule};
use crate::sheet::{RowScope, SheetKind, SheetReader};

mod sheet_rules;

fn date(r: &SheetReader<'_>, i: usize) -> Option<Date> {
    match r.slots[i].value {
        Value::Date(d) => Some(d),
        _ => None,
    }
}

fn code(r: &SheetReader<'_>, i: usize) -> Option<u8> {
    match r.slots[i].value {
        Value::Code(c) => Some(c),
        _ => None,
    }
}

/// A referral as its appointments and pauses are checked against it: id, received, ended.
type ReferralDates = (Sym, Date, Option<Date>);

/// No row: a field of [`IdUse`] not yet set.
const NONE: u32 = u32::MAX;

/// What the rows of a submission have said of one id. Ids are interned densely from 0, so one
/// `Vec` indexed by id answers what five hash maps did (a look-up per key and reference).
#[derive(Clone, Copy)]
struct IdUse {
    /// The accepted Person row with this id, and its index in the submission's persons.
    person: (u32, u32),
    /// The first rejected Person row with this id.
    rejected_person: u32,
    /// Whether a Referral row names this person.
    referred: bool,
    /// The accepted Referral row with this id, and its index in the submission's referrals.
    referral: (u32, u32),
    /// The first rejected Referral row with this id.
    rejected_referral: u32,
}

impl IdUse {
    const UNUSED: IdUse = IdUse {
        person: (NONE, NONE),
        rejected_person: NONE,
        referred: false,
        referral: (NONE, NONE),
        rejected_referral: NONE,
    };
}

/// The position in `records` of the one whose id is `text`, when it is `records[last]` or the
/// one after: rows name persons and referrals mostly in the order they were read, so most are
/// found here without hashing `text` (an id's record is unique: a second is rejected).
fn near<T>(ids: &Interner, records: &[T], id: impl Fn(&T) -> Sym, last: u32, text: &str) -> Option<u32> {
    [last, last.wrapping_add(1)]
        .into_iter()
        .find(|&k| records.get(k as usize).is_some_and(|record| same_text(ids.resolve(id(record)), text)))
}

fn use_of(uses: &mut Vec<IdUse>, id: Sym) -> &mut IdUse {
    let i = id as usize;
    if i >= uses.len() {
        uses.resize(i + 1, IdUse::UNUSED);
    }
    &mut uses[i]
}

/// A worker thread's tables from its last submission, emptied. A national year is 150
/// submissions a thread works through one by one: tables built afresh for each grew by
/// rehashing into newly mapped memory, tens of thousands of page faults a year.
struct Spare {
    uses: Vec<IdUse>,
    appointment_keys: AppointmentKeys,
    /// The records' tables, when the last submission's records were not kept.
    records: Option<Submission>,
}

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

/// Builds the submission's records sheet by sheet, in the schema's order (Header first).
pub(crate) struct Assembler {
    cols: Columns,
    today: Date,
    attended: Vec<bool>,
    treatment: Vec<bool>,
    /// The NHS number status that says "present and verified" (`01`).
    nhs_verified: Option<u8>,
    pub sub: Submission,
    /// Whether the records are kept for the caller; the rules need all but the appointments,
    /// which are then not kept at all.
    records: bool,
    header_rows: u32,
    /// What the rows so far have said of each interned id, indexed by the id.
    uses: Vec<IdUse>,
    appointment_keys: AppointmentKeys,
    /// The last person a referral named and the last referral an appointment or pause named,
    /// as indexes in the submission's persons and referrals (see [`near`]).
    last_person: u32,
    last_referral: u32,
    /// The last birth date older than [`OLDEST_AGE`] at the reporting period's end.
    born_by_too_old: Option<Date>,
}

impl Assembler {
    pub(crate) fn new(schema: &Schema, today: Date, records: bool) -> Result<Assembler, SchemaMismatch> {
        Ok(Assembler {
            cols: Columns::resolve(schema)?,
            today,
            attended: schema.require_list("attendance")?.flags("attended")?,
            treatment: schema.require_list("appointment-type")?.flags("treatment")?,
            nhs_verified: schema.require_list("nhs-number-status")?.find("01"),
            sub: Submission::default(),
            records,
            header_rows: 0,
            uses: Vec::new(),
            appointment_keys: AppointmentKeys::default(),
            last_person: NONE,
            last_referral: NONE,
            born_by_too_old: None,
        }
        .with_spare_tables())
    }

    /// Takes this thread's tables left by its last submission (see [`Spare`]).
    fn with_spare_tables(mut self) -> Assembler {
        if let Some(spare) = SPARE.take() {
            (self.uses, self.appointment_keys) = (spare.uses, spare.appointment_keys);
            // An empty submission: no provider or period, only the tables' memory.
            if let Some(records) = spare.records {
                self.sub = records;
            }
        }
        self
    }

    /// The submission read, with its records when they are kept; the tables it no longer needs
    /// are left, emptied, to the thread's next submission.
    pub(crate) fn into_submission(self) -> Submission {
        let Assembler { mut uses, mut appointment_keys, mut sub, records, .. } = self;
        uses.clear();
        appointment_keys.clear();
        let spare_records = (!records).then(|| {
            let header = Submission {
                provider: std::mem::take(&mut sub.provider),
                period_start: sub.period_start,
                period_end: sub.period_end,
                ..Submission::default()
            };
            let mut tables = std::mem::replace(&mut sub, header);
            tables.clear();
            tables
        });
        SPARE.set(Some(Spare { uses, appointment_keys, records: spare_records }));
        sub
    }

    /// Which scoped columns apply to the current row.
    pub(crate) fn scope(&self, r: &SheetReader<'_>) -> RowScope {
        if r.kind != SheetKind::Appointment {
            return RowScope::ALL;
        }
        let flag = |flags: &[bool], i| code(r, i).is_none_or(|c| flags.get(usize::from(c)).copied().unwrap_or(false));
        RowScope {
            attended: flag(&self.attended, self.cols.a_attendance),
            treatment: flag(&self.treatment, self.cols.a_type),
        }
    }

    /// Applies the record rules to the current row of `r`; returns whether the row is rejected.
    pub(crate) fn row(&mut self, r: &SheetReader<'_>, row: u32, rejected: bool, out: &mut Vec<Finding>) -> bool {
        match r.kind {
            SheetKind::Header => self.header(r, row, rejected, out),
            SheetKind::Person => self.person(r, row, rejected, out),
            SheetKind::Referral => self.referral(r, row, rejected, out),
            SheetKind::Appointment => self.appointment(r, row, rejected, out),
            SheetKind::Pause => self.pause(r, row, rejected, out),
            SheetKind::Other => rejected,
        }
    }

    fn header(&mut self, r: &SheetReader<'_>, row: u32, rejected: bool, out: &mut Vec<Finding>) -> bool {
        self.header_rows += 1;
        if self.header_rows > 1 {
            return true;
        }
        let c = &self.cols;
        self.sub.provider = r.text(c.provider).unwrap_or_default().to_owned();
        let (start, end) = (date(r, c.period_start), date(r, c.period_end));
        if let (Some(s), Some(e)) = (start, end) {
            let (ys, ms, _) = s.ymd();
            let (ye, me, _) = e.ymd();
            let months = (ye - ys) * 12 + me as i32 - ms as i32 + 1;
            let problem = if e < s {
                Some("it ends before it starts".to_owned())
            } else if months > 12 {
                Some(format!("it covers {months} months; at most 12 are allowed"))
            } else {
                None
            };
            if let Some(p) = problem {
                let mut f = r.finding(rules::REPORTING_PERIOD, row, Some(c.period_end));
                f.detail = Some(format!("{s} to {e}: {p}").into());
                out.push(f);
                return true;
            }
        }
        self.sub.period_start = start;
        self.sub.period_end = end;
        self.born_by_too_old = end.and_then(|e| e.born_by_for_age(OLDEST_AGE + 1));
        rejected
    }

    /// Header problems found once every sheet is read.
    pub(crate) fn finish_header(&mut self, header_sheet: Option<u8>, total_rows: u64, out: &mut Vec<Finding>) {
        let Some(sheet) = header_sheet else { return };
        if self.header_rows == 1 {
            return;
        }
        let mut f = Finding::new(if self.header_rows == 0 && total_rows == 0 {
            rules::EMPTY_SUBMISSION
        } else {
            rules::HEADER_ROW_COUNT
        });
        f.sheet = Some(sheet);
        if f.rule == rules::HEADER_ROW_COUNT {
            f.detail = Some(format!("; it holds {}", self.header_rows).into());
        }
        out.push(f);
        self.sub.period_end = None;
    }

    fn seen(&self, id: Sym) -> IdUse {
        self.uses.get(id as usize).copied().unwrap_or(IdUse::UNUSED)
    }

    fn reject(r: &SheetReader<'_>, rule: &'static Rule, row: u32, col: usize, detail: String, out: &mut Vec<Finding>) {
        let mut f = r.value_finding(rule, row, col);
        f.detail = Some(detail.into());
        out.push(f);
    }

    /// The row's key, interned; `Err(())` when an accepted row already has it (reported).
    fn key(
        &mut self,
        r: &SheetReader<'_>,
        row: u32,
        col: usize,
        rejected: bool,
        accepted_row: fn(IdUse) -> u32,
        out: &mut Vec<Finding>,
    ) -> Result<Option<Sym>, ()> {
        let id = r.text(col).map(|s| self.sub.ids.intern(s));
        if let (Some(id), false) = (id, rejected)
            && let first = accepted_row(self.seen(id))
            && first != NONE
        {
            Self::reject(r, rules::DUPLICATE_KEY, row, col, first.to_string(), out);
            return Err(());
        }
        Ok(id)
    }

    fn person(&mut self, r: &SheetReader<'_>, row: u32, mut rejected: bool, out: &mut Vec<Finding>) -> bool {
        let Ok(id) = self.key(r, row, self.cols.p_id, rejected, |u| u.person.0, out) else { return true };
        let c = &self.cols;
        let nhs = r.text(c.p_nhs).and_then(|s| s.parse::<u64>().ok());
        if self.nhs_verified.is_some() && code(r, c.p_nhs_status) == self.nhs_verified && nhs.is_none() {
            let mut f = r.finding(rules::NHS_STATUS_WITHOUT_NUMBER, row, Some(c.p_nhs_status));
            f.detail = Some(if r.slots[c.p_nhs].present { "not valid" } else { "missing" }.into());
            out.push(f);
        }
        if let Some(birth) = date(r, c.p_birth) {
            let problem = if birth > self.today {
                Some("it is in the future".to_owned())
            } else if let Some(end) = self.sub.period_end {
                // Older than the oldest age: born by a day found once, not an age per person.
                let too_old = match self.born_by_too_old {
                    Some(last) => birth <= last,
                    None => end.years_since(birth) > OLDEST_AGE,
                };
                if birth > end {
                    Some(format!("it is after the reporting period end ({end})"))
                } else if too_old {
                    Some(format!("the age at the period end would be {}", end.years_since(birth)))
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(p) = problem {
                Self::reject(r, rules::BIRTH_DATE, row, c.p_birth, p, out);
                rejected = true;
            }
        }
        match (id, rejected, date(r, c.p_birth)) {
            (Some(id), false, Some(birth_date)) => {
                let index = u32::try_from(self.sub.persons.len()).unwrap_or(NONE);
                use_of(&mut self.uses, id).person = (row, index);
                self.sub.persons.push(Person {
                    row,
                    id,
                    nhs_number: nhs,
                    birth_date,
                    gender: code(r, c.p_gender),
                    ethnic_category: code(r, c.p_ethnic),
                });
                false
            }
            (Some(id), _, _) => {
                let first = &mut use_of(&mut self.uses, id).rejected_person;
                *first = (*first).min(row);
                true
            }
            _ => true,
        }
    }

    fn referral(&mut self, r: &SheetReader<'_>, row: u32, mut rejected: bool, out: &mut Vec<Finding>) -> bool {
        let Ok(id) = self.key(r, row, self.cols.r_id, rejected, |u| u.referral.0, out) else { return true };
        let c = &self.cols;
        let mut person = None;
        let mut birth = None;
        if let Some(s) = r.text(c.r_person) {
            let sub = &mut self.sub;
            let (p, index) = match near(&sub.ids, &sub.persons, |p| p.id, self.last_person, s) {
                Some(k) => (sub.persons[k as usize].id, k),
                None => {
                    let p = sub.ids.intern(s);
                    (p, self.seen(p).person.1)
                }
            };
            person = Some(p);
            use_of(&mut self.uses, p).referred = true;
            if let Some(found) = self.sub.persons.get(index as usize) {
                self.last_person = index;
                birth = Some((found.birth_date, found.row));
            } else {
                let seen = self.seen(p);
                let detail = Some(seen.rejected_person).filter(|&r| r != NONE).map_or(String::new(), |prow| {
                    format!(" (orphaned because Person row {prow} with this id was rejected)")
                });
                Self::reject(r, rules::UNKNOWN_PERSON, row, c.r_person, detail, out);
                rejected = true;
            }
        }
        let received = date(r, c.r_received);
        if let Some(rec) = received {
            if let Some(end) = self.sub.period_end.filter(|&e| rec > e) {
                Self::reject(
                    r,
                    rules::REFERRAL_DATE,
                    row,
                    c.r_received,
                    format!("it is after the reporting period end ({end})"),
                    out,
                );
                rejected = true;
            } else if let Some((_, prow)) = birth.filter(|&(b, _)| rec <= b) {
                Self::reject(
                    r,
                    rules::REFERRAL_DATE,
                    row,
                    c.r_received,
                    format!("it is not after the date of birth (Person row {prow})"),
                    out,
                );
                rejected = true;
            }
        }
        let (has_date, has_code) = (r.slots[c.r_end_date].present, r.slots[c.r_end_code].present);
        if has_date != has_code {
            let (missing, other) =
                if has_date { (c.r_end_code, "END_DATE is given") } else { (c.r_end_date, "END_CODE is given") };
            let mut f = r.finding(rules::END_DATE_CODE_PAIR, row, Some(missing));
            f.detail = Some(other.into());
            out.push(f);
            rejected = true;
        }
        let end_date = date(r, c.r_end_date);
        if let (Some(end), Some(rec)) = (end_date, received) {
            let problem = if end < rec {
                Some(format!("it is before REFERRAL_RECEIVED_DATE ({rec})"))
            } else {
                self.sub
                    .period_end
                    .filter(|&pe| end > pe)
                    .map(|pe| format!("it is after the reporting period end ({pe})"))
            };
            if let Some(p) = problem {
                Self::reject(r, rules::END_DATE_ORDER, row, c.r_end_date, p, out);
                rejected = true;
            }
        }
        match (id, person, received) {
            (Some(id), Some(person), Some(received)) if !rejected => {
                let index = u32::try_from(self.sub.referrals.len()).unwrap_or(NONE);
                use_of(&mut self.uses, id).referral = (row, index);
                // Codes no rule reads: interned only for records the caller keeps.
                let (keep, ids) = (self.records, &mut self.sub.ids);
                let mut interned = |i| r.text(i).filter(|_| keep).map(|s| ids.intern(s));
                let (diagnosis, commissioner) = (interned(c.r_diagnosis), interned(c.r_commissioner));
                self.sub.referrals.push(Referral {
                    row,
                    id,
                    person,
                    received,
                    source: code(r, c.r_source),
                    diagnosis,
                    commissioner,
                    end_date,
                    end_code: code(r, c.r_end_code),
                });
                false
            }
            (Some(id), ..) => {
                let first = &mut use_of(&mut self.uses, id).rejected_referral;
                *first = (*first).min(row);
                true
            }
            _ => true,
        }
    }

    /// The referral a row points at, or the reason it is an orphan.
    fn referral_of(
        &mut self,
        r: &SheetReader<'_>,
        row: u32,
        col: usize,
        out: &mut Vec<Finding>,
    ) -> Option<ReferralDates> {
        let text = r.text(col)?;
        let sub = &self.sub;
        let (index, seen) = match near(&sub.ids, &sub.referrals, |r| r.id, self.last_referral, text) {
            Some(k) => (k, IdUse::UNUSED),
            None => {
                let seen = sub.ids.get(text).map_or(IdUse::UNUSED, |id| self.seen(id));
                (seen.referral.1, seen)
            }
        };
        if let Some(rf) = sub.referrals.get(index as usize) {
            self.last_referral = index;
            return Some((rf.id, rf.received, rf.end_date));
        }
        let detail = Some(seen.rejected_referral)
            .filter(|&r| r != NONE)
            .map_or(String::new(), |rrow| format!(" (orphaned because Referral row {rrow} with this id was rejected)"));
        Self::reject(r, rules::UNKNOWN_REFERRAL, row, col, detail, out);
        None
    }

    fn appointment(&mut self, r: &SheetReader<'_>, row: u32, mut rejected: bool, out: &mut Vec<Finding>) -> bool {
        let (a_referral, a_date, a_time) = (self.cols.a_referral, self.cols.a_date, self.cols.a_time);
        let referral = self.referral_of(r, row, a_referral, out);
        let c = &self.cols;
        rejected |= referral.is_none() && r.text(a_referral).is_some();
        let day = date(r, a_date);
        let time = match r.slots[a_time].value {
            Value::Time(t) => Some(t),
            _ => None,
        };
        if let (Some((id, received, end)), Some(d)) = (referral, day) {
            let problem = if d < received {
                Some(format!("it is before the referral was received ({received})"))
            } else if let Some(e) = end.filter(|&e| d > e) {
                Some(format!("it is after the referral ended ({e})"))
            } else {
                self.sub
                    .period_end
                    .filter(|&pe| d > pe)
                    .map(|pe| format!("it is after the reporting period end ({pe})"))
            };
            if let Some(p) = problem {
                Self::reject(r, rules::APPOINTMENT_DATE, row, a_date, p, out);
                rejected = true;
            }
            if !rejected {
                let first = self.appointment_keys.first_or_insert(id, d.days(), time.map_or(u32::MAX, |t| t.0), row);
                if let Some(first) = first {
                    let mut f = r.finding(rules::DUPLICATE_KEY, row, Some(a_referral));
                    let time = time.map_or(String::new(), |t| t.to_string());
                    f.value = Some(format!("{} {d} {time}", r.texts[a_referral]).trim_end().into());
                    f.detail = Some(first.to_string().into());
                    out.push(f);
                    return true;
                }
            }
        }
        if rejected {
            return true;
        }
        let (Some((referral, ..)), Some(date), Some(attendance)) = (referral, day, code(r, c.a_attendance)) else {
            return true;
        };
        if !self.records {
            return false;
        }
        let kind = code(r, c.a_type);
        let scores = [Score::NONE; SCORE_SLOTS];
        self.sub.appointments.push(Appointment { row, referral, date, time, kind, attendance, scores });
        // The scores are written where the record lies: an array built apart and copied in was
        // read back before its two-byte stores had landed (a store-forwarding stall a record).
        if let Some(appointment) = self.sub.appointments.last_mut() {
            for (slot, &i) in appointment.scores.iter_mut().zip(&c.a_scores) {
                match r.slots[i].value {
                    Value::Int(v) => *slot = Score::from_whole(v),
                    Value::Decimal(v) => *slot = Score::from_f64(v),
                    _ => {}
                }
            }
        }
        false
    }

    fn pause(&mut self, r: &SheetReader<'_>, row: u32, mut rejected: bool, out: &mut Vec<Finding>) -> bool {
        let (w_referral, w_start, w_end) = (self.cols.w_referral, self.cols.w_start, self.cols.w_end);
        let referral = self.referral_of(r, row, w_referral, out);
        let c = &self.cols;
        rejected |= referral.is_none() && r.text(w_referral).is_some();
        let (start, end) = (date(r, w_start), date(r, w_end));
        if let (Some((_, received, _)), Some(s)) = (referral, start)
            && s < received
        {
            Self::reject(
                r,
                rules::PAUSE_DATES,
                row,
                w_start,
                format!("it is before the referral was received ({received})"),
                out,
            );
            rejected = true;
        }
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            Self::reject(r, rules::PAUSE_DATES, row, w_end, format!("it is before PAUSE_START_DATE ({s})"), out);
            rejected = true;
        }
        match (referral, start) {
            (Some((referral, ..)), Some(start)) if !rejected => {
                let reason = code(r, c.w_reason);
                self.sub.pauses.push(Pause { row, referral, start, end, reason });
                false
            }
            _ => true,
        }
    }
}
