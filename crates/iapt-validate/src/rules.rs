//! The rule catalogue: each rule defined once. Diagnostics, `iapt rules` and `docs/rules.md`
//! all read these definitions.

use std::fmt;

/// How much of the submission a finding rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The submission cannot be accepted.
    File,
    /// The row is rejected; the rest stand.
    Record,
    /// Accepted, reported, counted in data quality.
    Warning,
}

impl Severity {
    /// The name used in machine-readable output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::File => "file",
            Severity::Record => "record",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, such as `IAPT-R014`.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    /// What the rule checks, in one line.
    pub summary: &'static str,
    /// The diagnostic message; `{column}`, `{value}` and `{detail}` are filled in per finding.
    pub message: &'static str,
    /// How to fix it.
    pub hint: &'static str,
    /// A value or situation that breaks the rule.
    pub example: &'static str,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

macro_rules! rules {
    ($($ident:ident = $id:literal $name:literal $sev:ident
        summary: $summary:literal message: $message:literal hint: $hint:literal example: $example:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $ident: &Rule = &Rule {
                id: $id, name: $name, severity: Severity::$sev,
                summary: $summary, message: $message, hint: $hint, example: $example,
            };
        )*
        /// Every rule, in id order.
        pub const ALL: &[&Rule] = &[$($ident),*];
    };
}

rules! {
    UNREADABLE_FILE = "IAPT-F001" "unreadable-file" File
        summary: "The file cannot be opened as a workbook or a folder of CSV files."
        message: "the submission {detail}"
        hint: "save it again from Excel as an Excel Workbook (.xlsx), or export each sheet as CSV UTF-8 into one folder"
        example: "a text file renamed to `.xlsx`; a truncated download";
    ENCRYPTED_WORKBOOK = "IAPT-F002" "encrypted-workbook" File
        summary: "The workbook is protected with a password."
        message: "the workbook is password-protected, so its contents cannot be read"
        hint: "remove the password (File > Info > Protect Workbook > Encrypt with Password, clear it) and save again"
        example: "a workbook saved with \"Encrypt with Password\"";
    CSV_NOT_UTF8 = "IAPT-F003" "csv-not-utf8" File
        summary: "A CSV file is not encoded as UTF-8."
        message: "the CSV file {detail}"
        hint: "save it as UTF-8 (in Excel: Save As > CSV UTF-8 (Comma delimited))"
        example: "a name with `é` saved as Windows-1252";
    MISSING_SHEET = "IAPT-F004" "missing-sheet" File
        summary: "A sheet the data set requires is not in the submission."
        message: "the submission has no {value}sheet{detail}"
        hint: "add the sheet with its header row; sheet names are not case-sensitive; `iapt template` writes a workbook with every sheet"
        example: "a workbook without a `Referral` sheet";
    MISSING_MANDATORY_COLUMN = "IAPT-F005" "missing-mandatory-column" File
        summary: "A mandatory column is not in its sheet's header row."
        message: "the mandatory column `{column}` is missing{detail}"
        hint: "add the column to row 1 of the sheet, spelt as the data set spells it"
        example: "`Person` without `PERSON_BIRTH_DATE`";
    DUPLICATE_COLUMN = "IAPT-F006" "duplicate-column" File
        summary: "Two header cells name the same column."
        message: "the column `{column}` appears more than once in the header row{detail}"
        hint: "keep one column of each name"
        example: "`GENDER` in columns F and K";
    BAD_HEADER_ROW = "IAPT-F007" "bad-header-row" File
        summary: "Row 1 of a sheet does not hold the column names."
        message: "the header row is not row 1{detail}"
        hint: "put the column names in row 1 and the first record in row 2, with nothing above"
        example: "a title in A1 and the header in row 3";
    HEADER_ROW_COUNT = "IAPT-F008" "header-record-count" File
        summary: "The Header sheet does not hold exactly one record."
        message: "the Header sheet must hold exactly one record{detail}"
        hint: "fill in one row under the Header sheet's column names: provider, period start, period end, version"
        example: "an empty Header sheet in a workbook with referrals";
    HEADER_VALUE = "IAPT-F009" "header-value" File
        summary: "A value of the Header sheet is missing or invalid."
        message: "`{column}` {value}is not valid: {detail}"
        hint: "the Header gives the provider's ODS code, the first and last day of the reporting period, and version 1.0"
        example: "REPORTING_PERIOD_START `2012-04-15` (not the first of a month)";
    REPORTING_PERIOD = "IAPT-F010" "reporting-period" File
        summary: "The reporting period ends before it starts or is longer than 12 months."
        message: "the reporting period is not valid: {detail}"
        hint: "a reporting period runs from the first day of a month to the last day of the same or a later month, at most 12 months"
        example: "2012-04-01 to 2014-03-31";

    LIMIT_EXCEEDED = "IAPT-F011" "limit-exceeded" File
        summary: "The file holds or declares more than a limit allows, so reading stopped."
        message: "the submission {detail}"
        hint: "no real submission comes near the limits: save the file again from Excel; if it is genuine, raise the limit with the flag named"
        example: "a 5 KB workbook that declares a trillion shared strings";
    DUPLICATE_SHEET = "IAPT-F012" "duplicate-sheet" File
        summary: "Two sheets (or CSV files) have the name of the same data-set sheet."
        message: "the sheets {value}both read as `{detail}`; neither is read, so that nothing is dropped unseen"
        hint: "keep one sheet of each name: merge the two, or rename the one that is not part of the submission"
        example: "`Person` and ` PERSON `";
    MISSING_MANDATORY = "IAPT-R001" "missing-mandatory-value" Record
        summary: "A mandatory value is empty."
        message: "`{column}` is mandatory and is empty"
        hint: "fill in the value; a record without it cannot be accepted"
        example: "a Referral with no REFERRAL_RECEIVED_DATE";
    INVALID_DATE = "IAPT-R002" "invalid-date" Record
        summary: "A mandatory date is not a valid date in an accepted form."
        message: "`{column}` {value}is not a valid date{detail}"
        hint: "write dates as YYYY-MM-DD or DD/MM/YYYY, or use a cell formatted as a date"
        example: "`03/31/2013` (MM/DD/YYYY)";
    INVALID_CODE = "IAPT-R003" "invalid-code" Record
        summary: "A mandatory coded value is not in its code list."
        message: "`{column}` {value}is not a valid code{detail}"
        hint: "use a code from the list (`iapt template` has drop-down lists); codes keep their leading zeros"
        example: "ATTENDANCE `8`";
    INVALID_TEXT = "IAPT-R004" "invalid-text" Record
        summary: "A mandatory text value is too long or not in the required format."
        message: "`{column}` {value}is not valid: {detail}"
        hint: "check the value's length and format against the data set"
        example: "a SERVICE_REQUEST_ID of 25 characters";
    INVALID_NUMBER = "IAPT-R005" "invalid-number" Record
        summary: "A mandatory number is not a number or is out of range."
        message: "`{column}` {value}is not valid: {detail}"
        hint: "write a plain number within the range the data set gives"
        example: "PHQ9_SCORE `30` (0 to 27)";
    INVALID_TIME = "IAPT-R006" "invalid-time" Record
        summary: "A mandatory time is not a 24-hour time."
        message: "`{column}` {value}is not a valid time{detail}"
        hint: "write times as HH:MM or HH:MM:SS on the 24-hour clock, or use a cell formatted as a time"
        example: "`2:30 pm`";
    DUPLICATE_KEY = "IAPT-R010" "duplicate-key" Record
        summary: "A second record has the same key as an earlier one."
        message: "the key {value}is already used in row {detail}"
        hint: "each key appears once in a submission; remove the repeated row or correct its key"
        example: "two Person rows with LOCAL_PATIENT_ID `P001`";
    UNKNOWN_PERSON = "IAPT-R011" "unknown-person" Record
        summary: "A referral's LOCAL_PATIENT_ID is not in the Person sheet."
        message: "`{column}` {value}is not in the Person sheet{detail}"
        hint: "add the person to the Person sheet, or correct the id"
        example: "a Referral for patient `P999` with no such Person row";
    UNKNOWN_REFERRAL = "IAPT-R012" "unknown-referral" Record
        summary: "A row's SERVICE_REQUEST_ID is not in the Referral sheet."
        message: "`{column}` {value}is not in the Referral sheet{detail}"
        hint: "add the referral to the Referral sheet, or correct the id"
        example: "an Appointment for referral `R999` with no such Referral row";
    BIRTH_DATE = "IAPT-R013" "birth-date" Record
        summary: "A birth date is in the future, after the period end, or gives an age outside 0 to 120."
        message: "`{column}` {value}is not possible: {detail}"
        hint: "check the date of birth, day and month in the right order"
        example: "a birth date in 2031";
    END_DATE_ORDER = "IAPT-R014" "end-date-order" Record
        summary: "A referral's END_DATE is before its REFERRAL_RECEIVED_DATE or after the period end."
        message: "`{column}` {value}is out of order: {detail}"
        hint: "a referral ends on or after the day it was received, and within the reporting period"
        example: "END_DATE 2012-05-01 for a referral received 2012-06-01";
    END_DATE_CODE_PAIR = "IAPT-R015" "end-date-code-pair" Record
        summary: "A referral has an END_DATE without an END_CODE, or an END_CODE without an END_DATE."
        message: "`{column}` is empty while {detail}"
        hint: "give both the end date and the end code of a referral that has ended, or neither"
        example: "END_CODE `46` with no END_DATE";
    REFERRAL_DATE = "IAPT-R016" "referral-date-order" Record
        summary: "A referral is received after the period end or not after the person's birth."
        message: "`{column}` {value}is out of order: {detail}"
        hint: "the referral date falls within or before the reporting period, and after the date of birth"
        example: "a referral received 2013-05-02 in a return for March 2013";
    APPOINTMENT_DATE = "IAPT-R017" "appointment-date-order" Record
        summary: "An appointment is before its referral, after the referral's end, or after the period end."
        message: "`{column}` {value}is out of order: {detail}"
        hint: "an appointment falls between its referral's received date and its end date, within the reporting period"
        example: "an appointment a week before the referral was received";
    PAUSE_DATES = "IAPT-R018" "pause-date-order" Record
        summary: "A pause starts before its referral or ends before it starts."
        message: "`{column}` {value}is out of order: {detail}"
        hint: "a pause starts on or after the referral date and ends on or after its start"
        example: "PAUSE_END_DATE before PAUSE_START_DATE";
    PAUSE_OVERLAP = "IAPT-R019" "pause-overlap" Record
        summary: "Two pauses of one referral overlap."
        message: "the pause starting {value}overlaps the pause in row {detail}"
        hint: "merge overlapping pauses into one, or correct their dates"
        example: "pauses 1-10 May and 5-20 May of the same referral";

    MULTI_LINE_RECORD = "IAPT-R020" "multi-line-record" Record
        summary: "A CSV record runs over several lines: a quoted value holds a line break."
        message: "the record runs over lines {detail}: a value opened with a quote holds the line breaks, so those lines are read as part of it"
        hint: "look for a stray or unclosed quote (\") at the start of a value on the first line; no value of the data set holds a line break"
        example: "`\"A81001` with its closing quote two lines further down";
    MISSING_REQUIRED = "IAPT-W001" "missing-required-value" Warning
        summary: "A required value is empty: a completeness failure."
        message: "`{column}` is required and is empty{detail}"
        hint: "fill in the value; where it is genuinely not known, use the list's not-known code if it has one"
        example: "a Person with no ETHNIC_CATEGORY";
    INVALID_DATE_OPTIONAL = "IAPT-W002" "invalid-date-value" Warning
        summary: "A required or optional date is not a valid date; it is not used."
        message: "`{column}` {value}is not a valid date{detail}"
        hint: "write dates as YYYY-MM-DD or DD/MM/YYYY, or use a cell formatted as a date"
        example: "END_DATE `31.03.2013`";
    INVALID_CODE_OPTIONAL = "IAPT-W003" "invalid-code-value" Warning
        summary: "A required or optional coded value is not in its code list; it is not used."
        message: "`{column}` {value}is not a valid code{detail}"
        hint: "use a code from the list (`iapt template` has drop-down lists); codes keep their leading zeros"
        example: "GENDER `M`";
    INVALID_TEXT_OPTIONAL = "IAPT-W004" "invalid-text-value" Warning
        summary: "A required or optional text value is too long, in the wrong format, or fails its check; it is not used."
        message: "`{column}` {value}is not valid: {detail}"
        hint: "check the value's length and format against the data set"
        example: "NHS_NUMBER failing the modulus-11 check";
    INVALID_NUMBER_OPTIONAL = "IAPT-W005" "invalid-number-value" Warning
        summary: "A required or optional number is not a number or is out of range; it is not used."
        message: "`{column}` {value}is not valid: {detail}"
        hint: "write a plain number within the range the data set gives"
        example: "GAD7_SCORE `22` (0 to 21)";
    INVALID_TIME_OPTIONAL = "IAPT-W006" "invalid-time-value" Warning
        summary: "A required or optional time is not a 24-hour time; it is not used."
        message: "`{column}` {value}is not a valid time{detail}"
        hint: "write times as HH:MM or HH:MM:SS on the 24-hour clock, or use a cell formatted as a time"
        example: "APPOINTMENT_TIME `25:00`";
    UNKNOWN_COLUMN = "IAPT-W010" "unknown-column" Warning
        summary: "A header names a column that is not in the data set; its values are ignored."
        message: "the column {value}is not part of the data set and is ignored{detail}"
        hint: "remove the column, or rename it to the data set's name if it is one misspelt"
        example: "`NHS_NUMBR`";
    UNKNOWN_SHEET = "IAPT-W011" "unknown-sheet" Warning
        summary: "A sheet that is not part of the data set; it is ignored."
        message: "the sheet {value}is not part of the data set and is ignored"
        hint: "remove the sheet, or rename it if it holds one of the data set's tables"
        example: "a sheet `Notes`";
    EMPTY_ROW = "IAPT-W012" "empty-row" Warning
        summary: "An empty row between records."
        message: "the row is empty, but records follow it{detail}"
        hint: "delete empty rows between records"
        example: "row 7 blank, rows 8 onwards filled";
    RAGGED_ROW = "IAPT-W013" "ragged-row" Warning
        summary: "A CSV record has a different number of fields from its header."
        message: "the record has {value}fields where the header has {detail}"
        hint: "check for a missing or extra comma, or a comma inside an unquoted value"
        example: "`P1,9434765919` under a header of eight columns";
    PERSON_WITHOUT_REFERRAL = "IAPT-W014" "person-without-referral" Warning
        summary: "A person has no referral in the submission."
        message: "the person {value}has no referral in this submission"
        hint: "send only people with a referral, or add the referral"
        example: "a Person row whose LOCAL_PATIENT_ID no Referral uses";
    TEST_NHS_NUMBER = "IAPT-W015" "test-nhs-number" Warning
        summary: "An NHS number in the test range (starting 999) in a live submission."
        message: "`{column}` {value}is a test NHS number"
        hint: "use the patient's real NHS number"
        example: "`999 000 0018`";
    CODE_WITHOUT_LEADING_ZERO = "IAPT-W016" "code-without-leading-zero" Warning
        summary: "A code was written without its leading zero; it is read with it."
        message: "`{column}` {value}was read as {detail}"
        hint: "format the column as text so that codes keep their leading zeros (`01`, not `1`)"
        example: "SOURCE_OF_REFERRAL `1` for `01`";
    NUMBER_AS_TEXT = "IAPT-W017" "number-as-text" Warning
        summary: "A number is stored as text in a workbook; it is read as a number."
        message: "`{column}` {value}is a number stored as text"
        hint: "store numbers as numbers (Excel's green triangle: Convert to Number)"
        example: "PHQ9_SCORE `'12`";
    DATE_AS_TEXT = "IAPT-W018" "date-as-text" Warning
        summary: "A date or time is stored as text in a workbook; it is read from the text."
        message: "`{column}` {value}is a date or time stored as text"
        hint: "format the column as a date (or time) and enter the values again, so that Excel stores real dates"
        example: "`2012-05-14` typed into a text-formatted cell";
    NHS_STATUS_WITHOUT_NUMBER = "IAPT-W019" "nhs-status-without-number" Warning
        summary: "NHS_NUMBER_STATUS is 01 (present and verified) without a valid NHS_NUMBER."
        message: "`{column}` is `01` (verified) but the NHS number is {detail}"
        hint: "give the verified NHS number, or the status that matches what is known"
        example: "status `01` with an empty NHS_NUMBER";
    VALUE_ON_MISSED_APPOINTMENT = "IAPT-W020" "value-on-missed-appointment" Warning
        summary: "A score or therapy type on an appointment that was not attended; it is not used."
        message: "`{column}` {value}is given for an appointment that was not attended"
        hint: "record scores and therapies only on attended appointments, or correct ATTENDANCE"
        example: "a PHQ9_SCORE on a did-not-attend appointment";
    HIDDEN_SHEET = "IAPT-W021" "hidden-sheet" Warning
        summary: "A sheet of the data set is hidden in the workbook; it is read all the same."
        message: "the sheet is hidden; its records are read all the same"
        hint: "unhide the sheet (right-click a sheet tab > Unhide) so that reviewers see what is submitted"
        example: "a hidden `WaitingTimePause` sheet";
    EMPTY_SUBMISSION = "IAPT-W022" "empty-submission" Warning
        summary: "The submission holds no records."
        message: "the submission holds no records"
        hint: "fill in the Header row and the records of the period"
        example: "an untouched template";
    VALUE_WITHOUT_HEADER = "IAPT-W023" "value-without-header" Warning
        summary: "A value in a column with no header; it is ignored."
        message: "the value {value}is in a column with no header and is ignored"
        hint: "give the column a header from the data set, or clear the cell"
        example: "a note typed to the right of a table";
    MISSING_COLUMN = "IAPT-W024" "missing-column" Warning
        summary: "A required column is not in the header row: every record lacks it."
        message: "the required column `{column}` is missing, so every record lacks it{detail}"
        hint: "add the column to row 1 of the sheet"
        example: "`Person` without `POSTCODE`";
}

/// The rule with this id (`IAPT-R014`), name (`end-date-order`), or bare id (`R014`).
#[must_use]
pub fn find(key: &str) -> Option<&'static Rule> {
    let key = key.trim();
    ALL.iter().copied().find(|r| {
        r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key) || r.id[5..].eq_ignore_ascii_case(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_prefixes_match_severity() {
        let mut ids: Vec<_> = ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        let mut names: Vec<_> = ALL.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for r in ALL {
            let letter = match r.severity {
                Severity::File => 'F',
                Severity::Record => 'R',
                Severity::Warning => 'W',
            };
            assert_eq!(r.id.as_bytes()[5] as char, letter, "{}", r.id);
            assert!(r.hint.len() > 10 && r.summary.ends_with('.'), "{}", r.id);
        }
        assert!(ALL.windows(2).all(|w| w[0].id < w[1].id), "rules are listed in id order");
    }

    #[test]
    fn finds_by_id_name_or_short_id() {
        assert_eq!(find("IAPT-R014").unwrap().name, "end-date-order");
        assert_eq!(find("r014").unwrap().id, "IAPT-R014");
        assert_eq!(find("end-date-order").unwrap().id, "IAPT-R014");
        assert!(find("R999").is_none());
    }
}
