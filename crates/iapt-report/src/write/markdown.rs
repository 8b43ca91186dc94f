//! `summary.md`: the key facts as sentences, the charts, the notes and every table.

use std::fmt::Write as _;

use crate::facts::thousands;
use crate::model::{Cell, NOT_FOR_PUBLICATION, Report, Table};
use crate::write::chart_file;

/// A cell as people read it: thousands separators, one decimal.
#[must_use]
pub fn display(cell: &Cell) -> String {
    match cell {
        Cell::Count(n) => thousands(*n),
        other => other.plain(),
    }
}

fn pipe_safe(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table_md(out: &mut String, t: &Table) {
    let _ = writeln!(out, "### {}: {}\n", t.id, t.title);
    let _ = writeln!(out, "{}\n", t.description);
    let headers: Vec<String> = t.columns.iter().map(|c| pipe_safe(&c.header)).collect();
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let aligns: Vec<&str> =
        t.columns.iter().map(|c| if c.kind == crate::model::Kind::Text { "---" } else { "---:" }).collect();
    let _ = writeln!(out, "|{}|", aligns.join("|"));
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(|c| pipe_safe(&display(c))).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// The key facts alone, one sentence a line, as the snapshot tests lock them.
#[must_use]
pub fn key_facts_text(report: &Report) -> String {
    let mut s = String::new();
    for f in &report.key_facts {
        let _ = writeln!(s, "- {f}");
    }
    s
}

#[must_use]
pub fn markdown(report: &Report) -> String {
    let mut s = String::new();
    if report.not_for_publication {
        let _ = writeln!(s, "> **{NOT_FOR_PUBLICATION}**\n");
    }
    let _ = writeln!(s, "# {}\n", report.title);
    let _ = writeln!(s, "Period covered: {}.\n", report.period);
    let _ = writeln!(s, "## Key facts\n");
    s.push_str(&key_facts_text(report));
    s.push('\n');
    let _ = writeln!(s, "## Charts\n");
    for (i, c) in report.charts.iter().enumerate() {
        let _ = writeln!(s, "![{}: {} (figures in table {})]({})\n", c.title, c.unit, c.source, chart_file(i));
    }
    let _ = writeln!(s, "## Notes\n");
    for (i, (title, text)) in report.notes.iter().enumerate() {
        let _ = writeln!(s, "{}. **{title}.** {text}", i + 1);
    }
    s.push('\n');
    let _ = writeln!(s, "## Tables\n");
    let _ = writeln!(s, "`[c]` withheld to protect privacy; `[z]` not applicable; `[x]` not available.\n");
    for t in &report.tables {
        table_md(&mut s, t);
    }
    s
}
