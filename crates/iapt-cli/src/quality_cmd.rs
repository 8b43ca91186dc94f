//! `iapt quality`: completeness and validity per provider, sheet and column.

use std::fmt::Write as _;
use std::io::Write;

use iapt_quality::{ItemScore, Quality, Score};
use iapt_schema::Schema;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::{Fatal, Format, QualityArgs, output};

const GREEN: f64 = 95.0;
const AMBER: f64 = 80.0;

pub fn run(args: &QualityArgs) -> Result<u8, Fatal> {
    let schema = crate::load_schema(args.common.io.schema.as_ref())?;
    let paths = crate::inputs::expand(&args.inputs.paths, args.common.io.chatter.quiet)?.paths;
    output::refuse_inputs(&[("--output", args.common.io.output.as_deref()), ("--html", args.html.as_deref())], &paths)?;
    let limits = args.common.io.limits.limits();
    let progress = args.common.io.chatter.progress();
    let validations = crate::inputs::validate_all(&paths, &schema, crate::inputs::today(), limits, false, progress)?;
    let quality = Quality::from_validations(&validations, &schema);
    let mut out = output::open(args.common.io.output.as_deref())?;
    let written = match args.common.format {
        Format::Human => write_human(&mut out, &quality),
        Format::Csv => write_csv(&mut out, &quality, &schema),
        Format::Json => write_json(&mut out, &quality, &schema),
    };
    written.map_err(|e| output::write_err(&e))?;
    out.finish()?;
    if let Some(path) = &args.html {
        output::write_file(path, html(&quality).as_bytes())?;
    }
    let below = args.min_score.is_some_and(|min| {
        quality.providers().iter().any(|p| quality.provider_score(p).is_none_or(|s| s.validity < min))
    });
    Ok(u8::from(below))
}

fn one(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:.1}"))
}

fn band(v: f64) -> &'static str {
    if v >= GREEN {
        "green"
    } else if v >= AMBER {
        "amber"
    } else {
        "red"
    }
}

fn paint(v: Option<f64>, colour: bool) -> String {
    let text = v.map_or("-".to_owned(), |v| format!("{v:5.1}%"));
    match (v, colour) {
        (Some(v), true) => {
            let code = match band(v) {
                "green" => 32,
                "amber" => 33,
                _ => 31,
            };
            format!("\x1b[{code}m{text}\x1b[0m")
        }
        _ => text,
    }
}

fn write_human(out: &mut dyn Write, q: &Quality) -> std::io::Result<()> {
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    for provider in q.providers() {
        let score = q.provider_score(provider);
        writeln!(
            out,
            "{provider}: data-quality score {} (completeness {})",
            paint(score.as_ref().map(|s| s.validity), colour),
            paint(score.as_ref().map(|s| s.completeness), colour)
        )?;
        writeln!(
            out,
            "  {:<18} {:<24} {:>6} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9}",
            "sheet", "column", "status", "rows", "valid", "default", "invalid", "complete", "valid %"
        )?;
        let mut items: Vec<&ItemScore> = q.items_of(provider).iter().filter(|i| i.rows > 0).collect();
        // Worst first; optional items nobody filled in are not failures and come last.
        items.sort_by(|a, b| {
            a.scored_validity().unwrap_or(f64::INFINITY).total_cmp(&b.scored_validity().unwrap_or(f64::INFINITY))
        });
        for i in items {
            writeln!(
                out,
                "  {:<18} {:<24} {:>6} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9}",
                i.sheet,
                i.column,
                i.status.map_or("", |s| s.letter()),
                i.rows,
                i.valid,
                i.default,
                i.invalid,
                paint(i.completeness(), colour),
                if i.scored_validity().is_none() { "   (none)".to_owned() } else { paint(i.validity(), colour) }
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "Scored over the rows each item applies to (scores on attended appointments, therapy type on attended"
    )?;
    writeln!(out, "treatment appointments). Score = validity weighted by status: mandatory 3, required 2, optional 1.")
}

pub fn write_csv(out: &mut dyn Write, q: &Quality, schema: &Schema) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "provider",
        "sheet",
        "column",
        "status",
        "rows",
        "valid",
        "default",
        "invalid",
        "missing",
        "completeness_pct",
        "validity_pct",
    ])?;
    for provider in q.providers() {
        let safe = crate::output::csv_safe(provider);
        for sheet in &schema.sheets {
            let items: Vec<&ItemScore> = q.items_of(provider).iter().filter(|i| i.sheet == sheet.name).collect();
            if items.is_empty() {
                continue;
            }
            for i in &items {
                w.write_record([
                    safe.as_str(),
                    &i.sheet,
                    &i.column,
                    i.status.map_or("", |s| s.letter()),
                    &i.rows.to_string(),
                    &i.valid.to_string(),
                    &i.default.to_string(),
                    &i.invalid.to_string(),
                    &i.missing.to_string(),
                    &one(i.completeness()),
                    &one(i.validity()),
                ])?;
            }
            score_row(&mut w, &safe, &sheet.name, q.sheet_score(provider, &sheet.name))?;
        }
        score_row(&mut w, &safe, "*", q.provider_score(provider))?;
    }
    w.flush()
}

/// A `*` row: a sheet's (or, with sheet `*`, the provider's) weighted scores.
fn score_row<W: Write>(w: &mut csv::Writer<W>, provider: &str, sheet: &str, s: Option<Score>) -> csv::Result<()> {
    let (c, v) = (one(s.as_ref().map(|s| s.completeness)), one(s.as_ref().map(|s| s.validity)));
    w.write_record([provider, sheet, "*", "", "", "", "", "", "", &c, &v])
}

fn write_json(out: &mut dyn Write, q: &Quality, schema: &Schema) -> std::io::Result<()> {
    use serde_json::json;
    let providers: Vec<serde_json::Value> = q
        .providers()
        .iter()
        .map(|p| {
            let score = q.provider_score(p);
            let sheets: Vec<serde_json::Value> = schema
                .sheets
                .iter()
                .filter_map(|sheet| {
                    let s = q.sheet_score(p, &sheet.name)?;
                    let items: Vec<serde_json::Value> = q
                        .items_of(p)
                        .iter()
                        .filter(|i| i.sheet == sheet.name)
                        .map(|i| {
                            json!({"column": i.column, "status": i.status.map(|s| s.letter()), "rows": i.rows, "valid": i.valid,
                                   "default": i.default, "invalid": i.invalid, "missing": i.missing,
                                   "completeness_pct": i.completeness(), "validity_pct": i.validity()})
                        })
                        .collect();
                    Some(json!({"sheet": sheet.name, "completeness_pct": s.completeness, "validity_pct": s.validity, "columns": items}))
                })
                .collect();
            json!({"provider": p, "completeness_pct": score.as_ref().map(|s| s.completeness),
                   "validity_pct": score.as_ref().map(|s| s.validity), "sheets": sheets})
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &json!({ "providers": providers }))?;
    writeln!(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A heat map of providers by data item, readable offline: inline CSS, no scripts.
fn html(q: &Quality) -> String {
    // Columns in order of first appearance; the set keeps this linear in items.
    let mut columns: Vec<(&str, &str)> = Vec::new();
    let mut seen: FxHashSet<(&str, &str)> = FxHashSet::default();
    for i in q.items.iter().filter(|i| i.rows > 0) {
        if seen.insert((&i.sheet, &i.column)) {
            columns.push((&i.sheet, &i.column));
        }
    }
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>IAPT data quality</title>\n<style>\
         body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111}table{border-collapse:collapse;font-size:12px;margin-top:1rem}\
         th,td{border:1px solid #ccc;padding:3px 5px;text-align:right}th{background:#f3f3f3}th.sheet{text-align:center}\
         th.item{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;white-space:nowrap;height:12rem;vertical-align:bottom}\
         td.p{text-align:left;font-weight:600}\
         .green{background:#c6efce}.amber{background:#ffeb9c}.red{background:#ffc7ce}.none{background:#eee;color:#777}</style></head><body>\n\
         <h1>Data quality by provider and item</h1>\n<p>Validity: the share of the rows an item applies to that hold a valid, known value \
         (for an optional item, of the rows that have one; <span class=\"none\">&ndash;</span> where none do). \
         Bands: <span class=\"green\">95% and over</span>, <span class=\"amber\">80% to 95%</span>, <span class=\"red\">below 80%</span>. \
         The score weights items by status (mandatory 3, required 2, optional 1).</p>\n<table>\n<thead><tr><th rowspan=\"2\">provider</th><th rowspan=\"2\">score</th>",
    );
    let mut k = 0;
    while k < columns.len() {
        let span = columns[k..].iter().take_while(|(sh, _)| *sh == columns[k].0).count();
        let _ = write!(s, "<th class=\"sheet\" colspan=\"{span}\" scope=\"colgroup\">{}</th>", escape(columns[k].0));
        k += span;
    }
    s.push_str("</tr><tr>");
    for (_, col) in &columns {
        let _ = write!(s, "<th class=\"item\" scope=\"col\">{}</th>", escape(col));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for p in q.providers() {
        let score = q.provider_score(p).map(|x| x.validity);
        let _ = write!(s, "<tr><td class=\"p\">{}</td>{}", escape(p), cell(score, "overall"));
        let mine: FxHashMap<(&str, &str), &ItemScore> =
            q.items_of(p).iter().map(|i| ((i.sheet.as_str(), i.column.as_str()), i)).collect();
        for &(sheet, col) in &columns {
            let v = mine.get(&(sheet, col)).and_then(|i| i.scored_validity());
            s.push_str(&cell(v, &format!("{sheet}.{col}")));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n</body></html>\n");
    s
}

fn cell(v: Option<f64>, what: &str) -> String {
    match v {
        Some(v) => format!("<td class=\"{}\" title=\"{}: {v:.1}%\">{v:.0}</td>", band(v), escape(what)),
        None => "<td class=\"none\">&ndash;</td>".to_owned(),
    }
}
