//! Human output: the validation report (summary first, then findings grouped by rule and
//! capped), the rule catalogue, fatal errors, and the progress bar.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use iapt_schema::Schema;
use iapt_validate::{Finding, Rule, Severity, Validation, rules};
use indicatif::{ProgressBar, ProgressStyle};
use miette::{GraphicalReportHandler, GraphicalTheme, MietteDiagnostic};

use crate::{Fatal, Format, RulesArgs};

fn handler(colour: bool) -> GraphicalReportHandler {
    let theme = if colour && std::env::var_os("NO_COLOR").is_none() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false)
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::File | Severity::Record => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    }
}

/// Where a finding is, as a user would look for it: `Referral!F14`.
fn place(schema: &Schema, f: &Finding) -> String {
    let sheet = f.sheet_name(schema).unwrap_or("");
    match (sheet, f.cell()) {
        ("", None) => String::new(),
        (s, None) => s.to_owned(),
        ("", Some(c)) => c,
        (s, Some(c)) => format!("{s}!{c}"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The whole human report for a validate run.
pub fn validation_report(
    out: &mut dyn Write,
    schema: &Schema,
    results: &[Validation],
    show_values: bool,
    cap: usize,
) -> std::io::Result<()> {
    let colour = crate::stderr_is_terminal() && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let h = handler(colour);
    for v in results {
        let (files, records, warnings) =
            (v.count(Severity::File), v.count(Severity::Record), v.count(Severity::Warning));
        writeln!(out, "{}", crate::inputs::printable(&v.path.display().to_string()))?;
        let verdict = if files > 0 {
            "rejected: the submission cannot be accepted"
        } else if records > 0 {
            "accepted in part: some records are rejected"
        } else {
            "accepted"
        };
        writeln!(
            out,
            "  {verdict} ({}, {}, {})",
            plural(files, "file-level problem", "file-level problems"),
            plural(records, "record-level problem", "record-level problems"),
            plural(warnings, "warning", "warnings")
        )?;
        writeln!(out, "\n  {:<18} {:>10} {:>10}", "sheet", "rows read", "rejected")?;
        for s in &v.sheets {
            let name = &schema.sheets[s.sheet].name;
            if s.found_as.is_none() {
                writeln!(out, "  {name:<18} {:>10} {:>10}", "absent", "")?;
            } else {
                writeln!(out, "  {name:<18} {:>10} {:>10}", s.rows_read, s.rows_rejected)?;
            }
        }
        // Group by rule, in the order the findings are sorted (file, record, warning; then place).
        let mut groups: Vec<(&'static Rule, Vec<&Finding>)> = Vec::new();
        for f in &v.findings {
            match groups.iter_mut().find(|(r, _)| *r == f.rule) {
                Some((_, list)) => list.push(f),
                None => groups.push((f.rule, vec![f])),
            }
        }
        groups.sort_by_key(|(r, _)| (r.severity, r.id));
        if !groups.is_empty() {
            writeln!(out, "\n  {:<10} {:<28} {:>8}  severity", "rule", "name", "count")?;
            for (rule, _) in &groups {
                writeln!(out, "  {:<10} {:<28} {:>8}  {}", rule.id, rule.name, v.count_rule(rule), rule.severity)?;
            }
        }
        writeln!(out)?;
        for (rule, list) in &groups {
            let mut body = format!("{} {}: {}", rule.id, rule.name, rule.summary);
            for f in list.iter().take(cap) {
                let at = place(schema, f);
                let msg = f.message(schema, show_values);
                if at.is_empty() {
                    let _ = write!(body, "\n{msg}");
                } else {
                    let _ = write!(body, "\n{at}: {msg}");
                }
            }
            let not_kept = v.count_rule(rule) - list.len() as u64;
            if list.len() > cap && not_kept == 0 {
                let _ = write!(body, "\n+{} more (all are in --format json or csv)", list.len() - cap);
            } else if not_kept > 0 {
                let _ = write!(
                    body,
                    "\n+{} more ({} in --format json or csv; the other {not_kept} were counted, not kept: --max-findings raises the cap)",
                    v.count_rule(rule) - list.len().min(cap) as u64,
                    list.len().saturating_sub(cap)
                );
            }
            let diag = MietteDiagnostic::new(body).with_severity(miette_severity(rule.severity)).with_help(rule.hint);
            let mut text = String::new();
            let _ = h.render_report(&mut text, &diag);
            out.write_all(text.as_bytes())?;
            writeln!(out)?;
        }
    }
    if results.len() > 1 {
        let rejected = results.iter().filter(|v| v.submission.is_none()).count();
        writeln!(out, "{} checked, {} rejected", plural(results.len(), "submission", "submissions"), rejected)?;
    }
    Ok(())
}

/// `iapt rules`: the catalogue, or one rule in full.
pub fn rules(args: &RulesArgs) -> Result<u8, Fatal> {
    let selected: Vec<&'static Rule> = match &args.rule {
        Some(key) => vec![rules::find(key).ok_or_else(|| Fatal {
            message: format!("no rule `{key}`"),
            hint: Some("`iapt rules` lists every rule".into()),
        })?],
        None => rules::ALL.to_vec(),
    };
    let mut out = crate::output::open(args.output.as_deref())?;
    let written = match args.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct RuleJson {
                id: &'static str,
                name: &'static str,
                severity: &'static str,
                summary: &'static str,
                hint: &'static str,
                example: &'static str,
            }
            let list: Vec<RuleJson> = selected
                .iter()
                .map(|r| RuleJson {
                    id: r.id,
                    name: r.name,
                    severity: r.severity.as_str(),
                    summary: r.summary,
                    hint: r.hint,
                    example: r.example,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list).map_err(std::io::Error::other).and_then(|()| writeln!(out))
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let mut r = w.write_record(["id", "name", "severity", "summary", "hint", "example"]);
            for rule in &selected {
                r = r.and_then(|()| {
                    w.write_record([rule.id, rule.name, rule.severity.as_str(), rule.summary, rule.hint, rule.example])
                });
            }
            r.and_then(|()| w.flush().map_err(Into::into)).map_err(std::io::Error::other)
        }
        Format::Human if args.rule.is_some() => {
            let r = selected[0];
            writeln!(
                out,
                "{} {} ({})\n\n{}\n\nexample: {}\nhint: {}",
                r.id, r.name, r.severity, r.summary, r.example, r.hint
            )
        }
        Format::Human => selected
            .iter()
            .try_for_each(|r| writeln!(out, "{:<10} {:<8} {:<28} {}", r.id, r.severity.as_str(), r.name, r.summary)),
    };
    written.map_err(|e| crate::output::write_err(&e))?;
    out.finish()?;
    Ok(0)
}

/// Prints an error that ends the command (exit code 2).
pub fn fatal(f: &Fatal) {
    let mut diag = MietteDiagnostic::new(f.message.clone());
    if let Some(h) = &f.hint {
        diag = diag.with_help(h.clone());
    }
    let mut text = String::new();
    // Not wrapped: a `file:line: column: problem` line is for copying into an editor whole.
    let _ = handler(crate::stderr_is_terminal()).with_wrap_lines(false).render_report(&mut text, &diag);
    eprint!("{text}");
}

/// A progress bar on standard error, drawn only on a terminal and only once work is under way.
pub struct Progress {
    enabled: bool,
    bar: RefCell<Option<ProgressBar>>,
    label: RefCell<String>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled: enabled && crate::stderr_is_terminal(),
            bar: RefCell::new(None),
            label: RefCell::new(String::new()),
        }
    }

    pub fn start(&self, path: &Path) {
        *self.label.borrow_mut() = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    }

    /// Rows read so far in the current input; the bar appears at the first call.
    pub fn rows(&self, rows: u64) {
        if !self.enabled {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        let bar = bar.get_or_insert_with(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {human_pos} rows ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        bar.set_message(self.label.borrow().clone());
        bar.set_position(rows);
    }

    pub fn finish(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

/// A bar of submissions read, drawn on a terminal only; `None` when none is drawn.
pub fn files_bar(total: usize, enabled: bool) -> Option<ProgressBar> {
    (enabled && crate::stderr_is_terminal()).then(|| {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} submissions read ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.enable_steady_tick(Duration::from_millis(200));
        b
    })
}
