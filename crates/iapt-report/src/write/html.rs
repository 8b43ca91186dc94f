//! `report.html`: one self-contained page (inline style and SVG, no script, nothing fetched)
//! with the key facts, the charts, every table and the notes.

use std::fmt::Write as _;

use crate::model::{Kind, NOT_FOR_PUBLICATION, Report};
use crate::write::markdown::display;
use crate::write::svg::{bar_chart, escape};

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{font-size:1.8em}h2{margin-top:2em;border-bottom:1px solid #b1b4b6}\
.stamp{background:#d4351c;color:#fff;font-weight:bold;padding:.6em 1em;font-size:1.2em}\
.facts li{margin:.4em 0}.chart{margin:1.5em 0}\
.scroll{overflow-x:auto;max-height:32em;border:1px solid #b1b4b6;margin-bottom:1em}\
table{border-collapse:collapse;font-size:.85em}caption{text-align:left;font-weight:bold;padding:.4em 0}\
th,td{padding:.25em .6em;border-bottom:1px solid #e0e0e0;vertical-align:top}\
th{background:#f3f2f1;position:sticky;top:0;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\
nav ul{columns:2}";

#[must_use]
pub fn html(report: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&report.title)
    );
    if report.not_for_publication {
        let _ = writeln!(s, "<p class=\"stamp\" role=\"alert\">{}</p>", escape(NOT_FOR_PUBLICATION));
    }
    let _ = writeln!(s, "<h1>{}</h1><p>Period covered: {}.</p>", escape(&report.title), escape(&report.period));
    let _ = writeln!(
        s,
        "<nav aria-label=\"Contents\"><h2>Contents</h2><ul><li><a href=\"#facts\">Key facts</a></li><li><a href=\"#charts\">Charts</a></li>"
    );
    for t in &report.tables {
        let _ = writeln!(s, "<li><a href=\"#{}\">{}: {}</a></li>", t.id, t.id, escape(&t.title));
    }
    let _ = writeln!(s, "<li><a href=\"#notes\">Notes</a></li></ul></nav>");
    let _ = writeln!(s, "<h2 id=\"facts\">Key facts</h2><ul class=\"facts\">");
    for f in &report.key_facts {
        let _ = writeln!(s, "<li>{}</li>", escape(f));
    }
    let _ = writeln!(s, "</ul><h2 id=\"charts\">Charts</h2>");
    for (i, c) in report.charts.iter().enumerate() {
        let _ = writeln!(
            s,
            "<figure class=\"chart\">{}<figcaption>Source: table <a href=\"#{}\">{}</a>.</figcaption></figure>",
            bar_chart(c, i),
            c.source,
            c.source
        );
    }
    for t in &report.tables {
        let _ = writeln!(s, "<h2 id=\"{}\">{}: {}</h2><p>{}</p>", t.id, t.id, escape(&t.title), escape(&t.description));
        let _ = writeln!(
            s,
            "<div class=\"scroll\" tabindex=\"0\"><table><caption>{}</caption><thead><tr>",
            escape(&t.title)
        );
        for c in &t.columns {
            let _ = write!(s, "<th scope=\"col\">{}</th>", escape(&c.header));
        }
        let _ = writeln!(s, "</tr></thead><tbody>");
        for row in &t.rows {
            s.push_str("<tr>");
            for (cell, col) in row.iter().zip(&t.columns) {
                let class = if col.kind == Kind::Text { "" } else { " class=\"n\"" };
                let _ = write!(s, "<td{class}>{}</td>", escape(&display(cell)));
            }
            s.push_str("</tr>\n");
        }
        let _ = writeln!(s, "</tbody></table></div>");
    }
    let _ = writeln!(s, "<h2 id=\"notes\">Notes</h2><ol>");
    for (title, text) in &report.notes {
        let _ = writeln!(s, "<li><strong>{}.</strong> {}</li>", escape(title), escape(text));
    }
    let _ = writeln!(
        s,
        "</ol><p>[c] withheld to protect privacy; [z] not applicable; [x] not available.</p></body></html>"
    );
    s
}
