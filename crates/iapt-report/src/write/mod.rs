//! Writers: the report as files. They format what [`crate::build`] gives them and compute
//! nothing; every text cell bound for a spreadsheet or CSV passes [`neutralise`].

mod csv_out;
mod html;
mod markdown;
pub mod svg;
mod xlsx;

use std::path::{Path, PathBuf};

use crate::model::Report;

pub use csv_out::table_csv;
pub use html::html;
pub use markdown::{key_facts_text, markdown};
pub use xlsx::workbook;

/// Text a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
/// before one) gets a leading apostrophe: provider names and codes come from submitted files.
#[must_use]
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// A failure to render one output, with its path inside the report folder.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write `{}`: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for WriteError {}

/// The chart files `summary.md` shows, by chart position.
#[must_use]
pub fn chart_file(index: usize) -> String {
    format!("charts/chart-{}.svg", index + 1)
}

/// What [`files`] puts at the top of the report folder: files, and the folders of the rest.
pub const ENTRIES: [&str; 5] = ["annual-tables.xlsx", "tables", "charts", "summary.md", "report.html"];

/// The report's files, rendered in memory: `annual-tables.xlsx`, `tables/<id>.csv`,
/// `charts/*.svg`, `summary.md` and `report.html`, each with its path inside the report folder.
/// Writing them is the caller's, so that it can put them in place all or nothing.
///
/// # Errors
/// When the workbook or a table cannot be rendered.
pub fn files(report: &Report) -> Result<Vec<(PathBuf, Vec<u8>)>, WriteError> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| WriteError { path: path.to_owned(), message: e.to_string() };
    let xlsx = PathBuf::from("annual-tables.xlsx");
    // The workbook (two thirds of the writing) is made on a core of its own beside the rest.
    let (workbook, rest) = std::thread::scope(|scope| {
        let made = scope.spawn(|| workbook(report).and_then(|mut wb| wb.save_to_buffer()));
        let rest = (|| {
            let mut files = Vec::new();
            for t in &report.tables {
                let path = Path::new("tables").join(format!("{}.csv", t.id));
                let text = table_csv(t, report.not_for_publication).map_err(|e| fail(&path, &e))?;
                files.push((path, text.into_bytes()));
            }
            for (i, chart) in report.charts.iter().enumerate() {
                files.push((PathBuf::from(chart_file(i)), svg::bar_chart(chart, i).into_bytes()));
            }
            for (name, text) in [("summary.md", markdown(report)), ("report.html", html(report))] {
                files.push((PathBuf::from(name), text.into_bytes()));
            }
            Ok::<_, WriteError>(files)
        })();
        (made.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
    });
    let mut files = vec![(xlsx.clone(), workbook.map_err(|e| fail(&xlsx, &e))?)];
    files.extend(rest?);
    debug_assert!(files.iter().all(|(p, _)| ENTRIES.iter().any(|e| p.starts_with(e))));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_and_other_text_is_not() {
        for f in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(f), format!("'{f}"));
        }
        for ok in ["YS001", "Synthetic CCG 99A", "", "a=b", "'quoted"] {
            assert_eq!(neutralise(ok), ok);
        }
    }
}
