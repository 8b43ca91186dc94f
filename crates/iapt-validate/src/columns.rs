//! Where the columns the record rules read sit in the schema, resolved once.

use iapt_schema::{Schema, SchemaMismatch};

use crate::records::SCORE_SLOTS;

/// Column positions the record rules need, resolved once from the schema.
pub(crate) struct Columns {
    pub(crate) provider: usize,
    pub(crate) period_start: usize,
    pub(crate) period_end: usize,
    pub(crate) p_id: usize,
    pub(crate) p_nhs: usize,
    pub(crate) p_nhs_status: usize,
    pub(crate) p_birth: usize,
    pub(crate) p_gender: usize,
    pub(crate) p_ethnic: usize,
    pub(crate) r_id: usize,
    pub(crate) r_person: usize,
    pub(crate) r_received: usize,
    pub(crate) r_source: usize,
    pub(crate) r_diagnosis: usize,
    pub(crate) r_commissioner: usize,
    pub(crate) r_end_date: usize,
    pub(crate) r_end_code: usize,
    pub(crate) a_referral: usize,
    pub(crate) a_date: usize,
    pub(crate) a_time: usize,
    pub(crate) a_type: usize,
    pub(crate) a_attendance: usize,
    pub(crate) a_scores: Vec<usize>,
    pub(crate) w_referral: usize,
    pub(crate) w_start: usize,
    pub(crate) w_end: usize,
    pub(crate) w_reason: usize,
}

impl Columns {
    pub(crate) fn resolve(schema: &Schema) -> Result<Columns, SchemaMismatch> {
        let col = |sheet: &str, name: &str| schema.require_column(sheet, name);
        let appointment = schema.require_sheet("Appointment")?;
        let a_scores: Vec<usize> = (0..schema.sheets[appointment].columns.len())
            .filter(|&i| schema.sheets[appointment].columns[i].score)
            .collect();
        if a_scores.len() > SCORE_SLOTS {
            return Err(SchemaMismatch::Unsupported(format!(
                "the schema has {} score columns; at most {SCORE_SLOTS} are supported",
                a_scores.len()
            )));
        }
        Ok(Columns {
            provider: col("Header", "ORG_CODE_PROVIDER")?,
            period_start: col("Header", "REPORTING_PERIOD_START")?,
            period_end: col("Header", "REPORTING_PERIOD_END")?,
            p_id: col("Person", "LOCAL_PATIENT_ID")?,
            p_nhs: col("Person", "NHS_NUMBER")?,
            p_nhs_status: col("Person", "NHS_NUMBER_STATUS")?,
            p_birth: col("Person", "PERSON_BIRTH_DATE")?,
            p_gender: col("Person", "GENDER")?,
            p_ethnic: col("Person", "ETHNIC_CATEGORY")?,
            r_id: col("Referral", "SERVICE_REQUEST_ID")?,
            r_person: col("Referral", "LOCAL_PATIENT_ID")?,
            r_received: col("Referral", "REFERRAL_RECEIVED_DATE")?,
            r_source: col("Referral", "SOURCE_OF_REFERRAL")?,
            r_diagnosis: col("Referral", "PROVISIONAL_DIAGNOSIS")?,
            r_commissioner: col("Referral", "COMMISSIONER_CODE")?,
            r_end_date: col("Referral", "END_DATE")?,
            r_end_code: col("Referral", "END_CODE")?,
            a_referral: col("Appointment", "SERVICE_REQUEST_ID")?,
            a_date: col("Appointment", "APPOINTMENT_DATE")?,
            a_time: col("Appointment", "APPOINTMENT_TIME")?,
            a_type: col("Appointment", "APPOINTMENT_TYPE")?,
            a_attendance: col("Appointment", "ATTENDANCE")?,
            a_scores,
            w_referral: col("WaitingTimePause", "SERVICE_REQUEST_ID")?,
            w_start: col("WaitingTimePause", "PAUSE_START_DATE")?,
            w_end: col("WaitingTimePause", "PAUSE_END_DATE")?,
            w_reason: col("WaitingTimePause", "PAUSE_REASON")?,
        })
    }
}
