//! The synthetic generator: deterministic, clean when asked, and every injected defect found
//! by the validator with nothing else (recall and precision of 100%).

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use iapt_schema::{Date, Schema};
use iapt_synth::{Config, OutputFormat};
use iapt_validate::Options;
use support::scratch;

fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    support::files_below(dir).into_iter().collect()
}

fn validate_all(out: &Path) -> Vec<(String, String, u32, &'static str)> {
    let schema = Schema::builtin();
    let opts = Options::new(Date::parse_iso("2026-11-26").unwrap());
    let mut found = Vec::new();
    for path in iapt_ingest::discover(&out.join("submissions")).submissions {
        let v = iapt_validate::validate(&path, &schema, &opts).unwrap();
        let file = path.strip_prefix(out).unwrap().display().to_string();
        for f in &v.findings {
            let sheet = f.sheet_name(&schema).unwrap_or_default().to_owned();
            found.push((file.clone(), sheet, f.row, f.rule.id));
        }
    }
    found
}

#[test]
fn same_seed_same_bytes() {
    let config = Config { scale: 0.002, seed: 11, monthly: true, defects: 0.01, ..Config::default() };
    let (a, b) = (scratch("synth-a"), scratch("synth-b"));
    iapt_synth::generate(&config, &a).unwrap();
    iapt_synth::generate(&config, &b).unwrap();
    assert_eq!(all_files(&a), all_files(&b));
    let other = scratch("synth-c");
    iapt_synth::generate(&Config { seed: 12, ..config }, &other).unwrap();
    assert_ne!(all_files(&a), all_files(&other), "another seed gives another world");
}

#[test]
fn clean_output_has_no_finding() {
    for (format, monthly) in [(OutputFormat::Csv, false), (OutputFormat::Xlsx, false), (OutputFormat::Csv, true)] {
        let out = scratch(&format!("synth-clean-{format:?}-{monthly}"));
        let summary =
            iapt_synth::generate(&Config { scale: 0.004, seed: 3, format, monthly, ..Config::default() }, &out)
                .unwrap();
        assert!(summary.referrals > 3000 && summary.appointments > summary.referrals);
        let found = validate_all(&out);
        assert!(found.is_empty(), "{format:?} monthly={monthly}: {:?}", &found[..found.len().min(5)]);
        assert!(out.join("reference/ccg-area-team.csv").exists() && out.join("README.md").exists());
    }
}

#[test]
fn every_injected_defect_is_found_and_nothing_else() {
    for format in [OutputFormat::Csv, OutputFormat::Xlsx] {
        let out = scratch(&format!("synth-defects-{format:?}"));
        let summary =
            iapt_synth::generate(&Config { scale: 0.01, seed: 5, format, defects: 0.02, ..Config::default() }, &out)
                .unwrap();
        let injected: BTreeSet<(String, String, u32, &str)> =
            summary.defects.iter().map(|d| (d.file.clone(), d.sheet.to_owned(), d.row, d.rule)).collect();
        assert!(injected.len() > 300, "{}", injected.len());
        let kinds: BTreeSet<&str> = summary.defects.iter().map(|d| d.rule).collect();
        assert!(kinds.len() >= 14, "defects of many kinds: {kinds:?}");
        let found: BTreeSet<_> = validate_all(&out).into_iter().collect();
        let missed: Vec<_> = injected.difference(&found).collect();
        let extra: Vec<_> = found.difference(&injected).collect();
        assert!(missed.is_empty(), "recall below 100%: {:?}", &missed[..missed.len().min(5)]);
        assert!(extra.is_empty(), "precision below 100%: {:?}", &extra[..extra.len().min(5)]);
        // defects.csv lists the same defects.
        let listed = std::fs::read_to_string(out.join("defects.csv")).unwrap().lines().count() - 1;
        assert_eq!(listed, summary.defects.len());
    }
}
