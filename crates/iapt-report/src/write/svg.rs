//! Horizontal bar charts as standalone SVG: no script, no fonts to fetch, a title and a
//! description for screen readers, and a `[c]` where a figure is withheld.

use std::fmt::Write as _;

use crate::model::Chart;

const WIDTH: f64 = 760.0;
const LABEL: f64 = 300.0;
const BAR: f64 = 18.0;
const GAP: f64 = 6.0;
const TOP: f64 = 46.0;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A tidy axis maximum: 100 for percentages near it, else the next 1, 2 or 5 times a power of 10.
fn axis_max(max: f64, percent: bool) -> f64 {
    if percent && max <= 100.0 {
        return 100.0;
    }
    let mag = 10f64.powf(max.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|&v| v >= max).unwrap_or(10.0 * mag)
}

/// The chart as an SVG document; `index` keeps element ids unique within one HTML page.
#[must_use]
pub fn bar_chart(chart: &Chart, index: usize) -> String {
    let percent = chart.unit.starts_with('%');
    let max =
        chart.bars.iter().filter_map(|(_, v)| v.number()).fold(chart.target.as_ref().map_or(0.0, |t| t.0), f64::max);
    let top = axis_max(max, percent);
    let plot = WIDTH - LABEL - 60.0;
    let height = TOP + chart.bars.len() as f64 * (BAR + GAP) + 40.0;
    let x = |v: f64| LABEL + plot * v / top;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart{index}-title chart{index}-desc" font-family="Arial, Helvetica, sans-serif" font-size="12">"#
    );
    let _ = write!(
        s,
        r#"<title id="chart{index}-title">{}</title><desc id="chart{index}-desc">Bar chart of {}; the figures are in table {}.</desc>"#,
        escape(&chart.title),
        escape(&chart.unit),
        chart.source
    );
    let _ = write!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = write!(
        s,
        r##"<text x="0" y="18" font-size="15" font-weight="bold" fill="#0b0c0c">{}</text>"##,
        escape(&chart.title)
    );
    let _ = write!(s, r##"<text x="0" y="36" fill="#505a5f">{}</text>"##, escape(&chart.unit));
    // Grid lines and axis labels at fifths of the axis.
    let bottom = height - 34.0;
    for k in 0..=5 {
        let v = top * f64::from(k) / 5.0;
        let gx = x(v);
        let _ = write!(s, r##"<line x1="{gx:.1}" y1="{TOP}" x2="{gx:.1}" y2="{bottom:.1}" stroke="#dddddd"/>"##);
        let _ = write!(
            s,
            r##"<text x="{gx:.1}" y="{:.1}" text-anchor="middle" fill="#505a5f">{}</text>"##,
            bottom + 16.0,
            format_value(v)
        );
    }
    // The target line goes under the bars and their labels.
    if let Some((t, label)) = &chart.target {
        let tx = x(*t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{:.1}" x2="{tx:.1}" y2="{bottom:.1}" stroke="#d4351c" stroke-width="2" stroke-dasharray="6 4"/>"##,
            TOP - 4.0
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#d4351c" font-weight="bold">{}</text>"##,
            tx + 4.0,
            TOP - 6.0,
            escape(label)
        );
    }
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        let y = TOP + i as f64 * (BAR + GAP) + GAP / 2.0;
        let ty = y + BAR * 0.72;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{ty:.1}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            LABEL - 8.0,
            escape(&truncate(label, 44))
        );
        match value.number() {
            Some(v) => {
                let w = (x(v) - LABEL).max(0.0);
                let _ = write!(
                    s,
                    r##"<rect x="{LABEL}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="#1d70b8"><title>{}: {}</title></rect>"##,
                    escape(label),
                    format_value(v)
                );
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{ty:.1}" fill="#0b0c0c" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
                    LABEL + w + 4.0,
                    format_value(v)
                );
            }
            None => {
                let symbol = value.symbol().unwrap_or("[x]");
                let _ = write!(s, r##"<text x="{:.1}" y="{ty:.1}" fill="#505a5f">{symbol}</text>"##, LABEL + 4.0);
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

fn format_value(v: f64) -> String {
    if v >= 100.0 {
        crate::facts::thousands(v.round() as u64)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_owned() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cell;

    #[test]
    fn axis_and_withheld_bars() {
        assert!((axis_max(62.0, true) - 100.0).abs() < 1e-9);
        assert!((axis_max(1_830.0, false) - 2_000.0).abs() < 1e-9);
        assert!((axis_max(430.0, false) - 500.0).abs() < 1e-9);
        let chart = Chart {
            title: "Recovery <rate>".into(),
            unit: "% of referrals".into(),
            bars: vec![
                ("Team A".into(), Cell::Percent(48.5)),
                ("Team B".into(), Cell::Suppressed),
                ("Unknown".into(), Cell::NotApplicable),
            ],
            target: Some((50.0, "50% target".into())),
            source: "T4",
        };
        let svg = bar_chart(&chart, 0);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("Recovery &lt;rate&gt;"), "titles are escaped");
        assert!(svg.contains("[c]") && svg.contains("[z]") && svg.contains("48.5") && svg.contains("50% target"));
        assert!(!svg.contains("http://") || svg.matches("http://").count() == 1, "only the SVG namespace");
    }
}
