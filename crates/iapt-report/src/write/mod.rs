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

/// A failure to write one output, with its path.
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

fn fail(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> WriteError + '_ {
    move |e| WriteError { path: path.to_owned(), message: e.to_string() }
}

/// The chart files `summary.md` shows, by chart position.
#[must_use]
pub fn chart_file(index: usize) -> String {
    format!("charts/chart-{}.svg", index + 1)
}

/// Writes `annual-tables.xlsx`, `tables/<id>.csv`, `summary.md`, `charts/*.svg` and
/// `report.html` into `dir`, and returns their paths.
///
/// # Errors
/// When a folder cannot be made or a file written.
pub fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let mut written = Vec::new();
    for sub in [dir.join("tables"), dir.join("charts")] {
        std::fs::create_dir_all(&sub).map_err(|e| fail(&sub)(&e))?;
    }
    let xlsx = dir.join("annual-tables.xlsx");
    workbook(report).and_then(|mut wb| wb.save(&xlsx)).map_err(|e| fail(&xlsx)(&e))?;
    written.push(xlsx);
    for t in &report.tables {
        let path = dir.join("tables").join(format!("{}.csv", t.id));
        let text = table_csv(t, report.not_for_publication).map_err(|e| fail(&path)(&e))?;
        std::fs::write(&path, text).map_err(|e| fail(&path)(&e))?;
        written.push(path);
    }
    for (i, chart) in report.charts.iter().enumerate() {
        let path = dir.join(chart_file(i));
        std::fs::write(&path, svg::bar_chart(chart, i)).map_err(|e| fail(&path)(&e))?;
        written.push(path);
    }
    for (name, text) in [("summary.md", markdown(report)), ("report.html", html(report))] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| fail(&path)(&e))?;
        written.push(path);
    }
    Ok(written)
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
