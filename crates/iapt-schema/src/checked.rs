//! Typed checks of the files a user hands in besides submissions (reference data, a schema
//! folder). Rows are deserialised into structs whose `validator` derives state the rules
//! (code patterns, lengths, ranges, min <= max); every problem is kept, at `file:line: column`.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::Pattern;

/// One problem in a file, at its line and column when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub problem: String,
}

impl FileProblem {
    #[must_use]
    pub fn new(file: &str, line: Option<u64>, column: Option<&str>, problem: impl Into<String>) -> FileProblem {
        FileProblem { file: file.to_owned(), line, column: column.map(str::to_owned), problem: problem.into() }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": {column}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Every problem found in one or more files: the error of a reference folder or schema folder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileProblems(pub Vec<FileProblem>);

/// How many problems the message lists before "+N more".
const LISTED: usize = 30;

impl fmt::Display for FileProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().take(LISTED).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        if self.0.len() > LISTED {
            write!(f, "\n+{} more", self.0.len() - LISTED)?;
        }
        Ok(())
    }
}

impl std::error::Error for FileProblems {}

impl FileProblems {
    pub fn push(&mut self, p: FileProblem) {
        self.0.push(p);
    }

    /// `Ok(value)` when nothing was found.
    ///
    /// # Errors
    /// When any problem was found.
    pub fn into_result<T>(mut self, value: T) -> Result<T, FileProblems> {
        if self.0.is_empty() {
            return Ok(value);
        }
        // Files in the order they were read, each from its top: checks across rows come last.
        let mut files: Vec<String> = Vec::new();
        for p in &self.0 {
            if !files.contains(&p.file) {
                files.push(p.file.clone());
            }
        }
        self.0.sort_by_key(|p| (files.iter().position(|f| *f == p.file), p.line));
        Err(self)
    }
}

/// A value quoted in a problem: at most 40 characters, control characters replaced.
#[must_use]
pub fn shown(value: &str) -> String {
    let mut out: String = value.chars().take(40).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if value.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A `validator` check that `value` has the shape of `pattern` (the schema's own patterns).
///
/// # Errors
/// When it does not.
pub fn shaped(value: &str, pattern: &str, what: &'static str) -> Result<(), ValidationError> {
    // Compiled once a thread, not once a row: building the automaton costs ~1,000 times a match
    // (the built-in reference data's ~3,000 checks were a fifth of a small report's work).
    thread_local! {
        static COMPILED: std::cell::RefCell<Vec<(String, Option<Pattern>)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let matches = COMPILED.with_borrow_mut(|compiled| {
        let at = compiled.iter().position(|(source, _)| source == pattern).unwrap_or_else(|| {
            compiled.push((pattern.to_owned(), Pattern::new(pattern).ok()));
            compiled.len() - 1
        });
        compiled[at].1.as_ref().is_some_and(|p| p.is_match(value))
    });
    if matches {
        return Ok(());
    }
    Err(ValidationError::new("pattern").with_message(format!("`{}` is not {what} ({pattern})", shown(value)).into()))
}

/// The words of one `validator` error: its message (every check here gives one), else its code.
#[must_use]
pub fn describe(e: &ValidationError) -> String {
    e.message.as_ref().map_or_else(|| format!("fails the check `{}`", e.code), ToString::to_string)
}

/// The problems `validator` found in the row at `line`, in the order of `columns` (its own map
/// has no order); struct-level problems name no column.
#[must_use]
pub fn row_problems(file: &str, line: Option<u64>, errors: &ValidationErrors, columns: &[&str]) -> Vec<FileProblem> {
    let mut out = Vec::new();
    collect(file, line, "", errors, &mut out);
    let rank = |p: &FileProblem| {
        p.column.as_deref().map_or(usize::MAX, |c| columns.iter().position(|k| *k == c).unwrap_or(columns.len()))
    };
    out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.column.cmp(&b.column)).then(a.problem.cmp(&b.problem)));
    out
}

fn collect(file: &str, line: Option<u64>, prefix: &str, errors: &ValidationErrors, out: &mut Vec<FileProblem>) {
    for (field, kind) in errors.errors() {
        let name: Cow<'_, str> = match (prefix, field.as_ref()) {
            (p, "__all__") => Cow::Borrowed(p),
            ("", f) => Cow::Borrowed(f),
            (p, f) => Cow::Owned(format!("{p}.{f}")),
        };
        let column = (!name.is_empty()).then_some(name.as_ref());
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FileProblem::new(file, line, column, describe(e))));
            }
            ValidationErrorsKind::Struct(inner) => collect(file, line, &name, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(file, line, &format!("{name}[{i}]"), inner, out);
                }
            }
        }
    }
}

/// Reads a CSV file into typed, checked rows. Header names match without regard to case or
/// surrounding space; `required` columns must be there; blank rows are passed over. Rows that
/// cannot be read or fail their checks add to `problems` and are left out.
pub fn read_csv<T: DeserializeOwned + Validate>(
    file: &str,
    text: &str,
    required: &[&str],
    problems: &mut FileProblems,
) -> Vec<(u64, T)> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = match rdr.headers() {
        Ok(h) => csv::StringRecord::from(h.iter().map(str::to_ascii_lowercase).collect::<Vec<_>>()),
        Err(e) => {
            problems.push(FileProblem::new(file, Some(1), None, e.to_string()));
            return Vec::new();
        }
    };
    let missing: Vec<&&str> = required.iter().filter(|c| !header.iter().any(|h| h == **c)).collect();
    for column in &missing {
        problems.push(FileProblem::new(file, Some(1), Some(column), "the header has no such column"));
    }
    if !missing.is_empty() {
        return Vec::new();
    }
    let columns: Vec<&str> = header.iter().collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                problems.push(FileProblem::new(file, e.position().map(csv::Position::line), None, e.to_string()));
                break;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        match record.deserialize::<T>(Some(&header)) {
            Ok(row) => match row.validate() {
                Ok(()) => rows.push((line, row)),
                Err(errors) => problems.0.extend(row_problems(file, Some(line), &errors, &columns)),
            },
            Err(e) => problems.push(unreadable(file, line, &e, &header, &record)),
        }
    }
    rows
}

fn unreadable(
    file: &str,
    line: u64,
    e: &csv::Error,
    header: &csv::StringRecord,
    record: &csv::StringRecord,
) -> FileProblem {
    let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
        return FileProblem::new(file, Some(line), None, e.to_string());
    };
    let field = err.field().and_then(|i| usize::try_from(i).ok());
    let column = field.and_then(|i| header.get(i));
    let value = field.and_then(|i| record.get(i)).map(shown).unwrap_or_default();
    let problem = match err.kind() {
        csv::DeserializeErrorKind::ParseInt(_) => format!("`{value}` is not a whole number"),
        csv::DeserializeErrorKind::ParseFloat(_) => format!("`{value}` is not a number"),
        csv::DeserializeErrorKind::ParseBool(_) => format!("`{value}` is not true or false"),
        csv::DeserializeErrorKind::Message(m) => m.clone(),
        other => other.to_string(),
    };
    FileProblem::new(file, Some(line), column, problem)
}

/// The line where a named object of a JSON file is defined: `"name": "<each of names>"`, found
/// in turn, each after the one before (serde_json keeps no positions of values).
#[must_use]
pub fn json_line(text: &str, names: &[&str]) -> Option<u64> {
    let mut at = 0;
    for name in names {
        at = find_name(text, at, name)?;
    }
    Some(1 + text.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() as u64)
}

fn find_name(text: &str, from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let key = at + text.get(at..)?.find("\"name\"")?;
        let rest = text[key + 6..].trim_start();
        let rest = rest.strip_prefix(':')?.trim_start();
        if rest.strip_prefix('"').and_then(|r| r.strip_prefix(name)).is_some_and(|r| r.starts_with('"')) {
            return Some(key);
        }
        at = key + 6;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_follow_the_names_in_turn() {
        let text = "{\n \"name\": \"a\",\n \"x\": [\n  {\"name\": \"b\"},\n  {\"name\": \"c\"}\n ]\n}";
        assert_eq!(json_line(text, &["a"]), Some(2));
        assert_eq!(json_line(text, &["a", "c"]), Some(5));
        assert_eq!(json_line(text, &["c", "b"]), None, "b comes before c");
    }

    #[test]
    fn a_problem_reads_file_line_column() {
        let p = FileProblem::new("x.csv", Some(3), Some("code"), "is empty");
        assert_eq!(p.to_string(), "x.csv:3: code: is empty");
        assert_eq!(FileProblem::new("x.csv", None, None, "is not a folder").to_string(), "x.csv: is not a folder");
        assert_eq!(shown(&"é".repeat(50)).chars().count(), 41);
    }

    #[test]
    fn shapes_are_checked_by_each_pattern_in_turn() {
        // Patterns compiled once are kept apart: each value is matched by its own.
        for _ in 0..3 {
            assert!(shaped("Q31", "Q[0-9]{2}", "a team").is_ok());
            assert!(shaped("Q31", "Y[0-9]{2}", "a region").is_err());
            assert!(shaped("Y56", "Y[0-9]{2}", "a region").is_ok());
        }
        let e = shaped("Q3", "Q[0-9]{2}", "an area team's ODS code").unwrap_err();
        assert_eq!(describe(&e), "`Q3` is not an area team's ODS code (Q[0-9]{2})");
        assert!(shaped("x", "(unclosed", "a thing").is_err(), "a pattern that does not compile admits nothing");
    }
}
