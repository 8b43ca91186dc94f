//! `iapt report` end to end on the fixed-seed synthetic year: every table and the key facts
//! locked by snapshots, disclosure control checked cell by cell, the workbook read back as a
//! statistician would, formula neutralisation, and the unrounded stamp.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx, open_workbook};
use sha2::Digest as _;
use support::{iapt, root, scratch, stdout};

const TABLES: [&str; 7] = ["T1", "T2", "T3", "T4", "T5", "T6", "T7"];

/// The synthetic year of `cargo xtask demo` (scale 0.01, seed 2013), generated once.
fn year() -> &'static Path {
    static YEAR: OnceLock<PathBuf> = OnceLock::new();
    YEAR.get_or_init(|| {
        let dir = scratch("report-year");
        iapt_synth::generate(&iapt_synth::DEMO, &dir).unwrap();
        dir
    })
}

/// Runs the report into a fresh folder with `extra` flags; returns the folder.
fn report(name: &str, extra: &[&str]) -> PathBuf {
    let out = scratch(name);
    let (data, o) = (year().join("submissions"), out.to_str().unwrap().to_owned());
    let mut args = vec!["report", data.to_str().unwrap(), "--out", &o, "--quiet"];
    args.extend(extra);
    let run = iapt(&args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(csv_text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_text.as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[test]
fn every_table_and_the_key_facts_are_locked() {
    let out = report("report-default", &[]);
    insta::with_settings!({ snapshot_path => "../snapshots/report", prepend_module_to_snapshot => false }, {
        for id in TABLES {
            insta::assert_snapshot!(id, read(&out.join(format!("tables/{id}.csv"))));
        }
        let summary = read(&out.join("summary.md"));
        let facts = summary.split("## Key facts\n\n").nth(1).unwrap().split("\n\n").next().unwrap();
        insta::assert_snapshot!("key-facts", facts);
    });
}

/// Counts of a table's sub-national rows, column by column: (column header, cells by row).
fn sub_national_counts(table: &[Vec<String>], level: &str, count_columns: &[usize]) -> Vec<(String, Vec<String>)> {
    count_columns
        .iter()
        .map(|&c| (table[0][c].clone(), table.iter().filter(|r| r[0] == level).map(|r| r[c].clone()).collect()))
        .collect()
}

/// A table's rows without the stamp an unrounded run's CSV starts with.
fn unstamped(csv_text: &str) -> Vec<Vec<String>> {
    let mut table = rows(csv_text);
    assert!(table[0][0].starts_with("NOT FOR PUBLICATION"), "{:?}", table[0]);
    table.remove(0);
    table
}

/// Whatever the seed: every England row of T1-T4 and every row of the national tables T5-T7
/// in `out` is the unrounded run's, cell for cell.
fn national_rows_are_unrounded(out: &Path) {
    let unrounded = report("report-unrounded-national", &["--unrounded"]);
    for id in TABLES {
        let published = rows(&read(&out.join(format!("tables/{id}.csv"))));
        let exact = unstamped(&read(&unrounded.join(format!("tables/{id}.csv"))));
        assert_eq!(published[0], exact[0], "{id}: the same columns");
        let national = |table: &[Vec<String>]| -> Vec<Vec<String>> {
            let by_geography = table[0][0] == "Geography level";
            table.iter().skip(1).filter(|r| !by_geography || r[0] == "England").cloned().collect()
        };
        let (published, exact) = (national(&published), national(&exact));
        assert!(!published.is_empty(), "{id} has national rows");
        assert_eq!(published, exact, "{id}: national rows are unrounded");
    }
}

/// England's referrals received in 2012-13, and of those the ones that entered treatment, ended
/// in the year and finished a course, counted from `iapt outcomes` rows.
struct England {
    received: u64,
    entered: u64,
    ended: u64,
    finished: u64,
}

fn england_from_outcomes() -> England {
    let data = year().join("submissions");
    let o = iapt(&["outcomes", data.to_str().unwrap(), "--year", "2012-13", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let header = r.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (received, entered, ended, finished) =
        (at("received_in_period"), at("entered_treatment"), at("ended_in_period"), at("finished_course"));
    let mut e = England { received: 0, entered: 0, ended: 0, finished: 0 };
    for row in r.records().map(Result::unwrap).filter(|row| &row[received] == "true") {
        e.received += 1;
        e.entered += u64::from(&row[entered] == "true");
        e.ended += u64::from(&row[ended] == "true");
        e.finished += u64::from(&row[finished] == "true");
    }
    e
}

#[test]
fn sub_national_counts_are_suppressed_rounded_and_never_given_away() {
    let out = report("report-disclosure", &[]);
    let t1 = rows(&read(&out.join("tables/T1.csv")));
    let england = &t1[1];
    assert_eq!(england[0], "England");
    national_rows_are_unrounded(&out);
    // And England's counts are those of `iapt outcomes` on the same year.
    let counted = england_from_outcomes();
    for (c, expected) in [(3, counted.received), (5, counted.entered), (7, counted.ended), (8, counted.finished)] {
        assert_eq!(england[c], expected.to_string(), "England {}: T1 against iapt outcomes", t1[0][c]);
    }
    // Additive columns: referrals received, entered, ended, finished.
    let mut suppressed_somewhere = false;
    for level in ["Commissioning region", "Area team", "CCG", "Provider"] {
        for (header, cells) in sub_national_counts(&t1, level, &[3, 4, 5, 7, 8]) {
            for cell in &cells {
                if cell == "[c]" {
                    suppressed_somewhere = true;
                    continue;
                }
                let n: u64 = cell.parse().unwrap_or_else(|_| panic!("{level} {header}: `{cell}`"));
                assert!(
                    n == 0 || (n >= 5 && n.is_multiple_of(5)),
                    "{level} {header}: {n} is neither 0 nor a rounded count"
                );
            }
            if header != "People referred" {
                let hidden = cells.iter().filter(|c| *c == "[c]").count();
                assert_ne!(hidden, 1, "{level} {header}: one suppressed cell could be recovered from England's total");
            }
        }
    }
    assert!(suppressed_somewhere, "a 1% year has small CCGs: something must be suppressed");
    // A percentage is withheld with its count.
    for r in t1.iter().filter(|r| r[0] != "England" && r[0] != "Geography level") {
        if r[5] == "[c]" || r[3] == "[c]" {
            assert_eq!(r[6], "[c]", "{r:?}");
        }
    }
    // Row groups: the four wait bands make up entered treatment, so of the five never exactly
    // one is hidden.
    let t2 = rows(&read(&out.join("tables/T2.csv")));
    for r in t2.iter().skip(2) {
        let hidden = [3, 4, 6, 8, 10].iter().filter(|&&c| r[c] == "[c]").count();
        assert_ne!(hidden, 1, "{r:?}");
    }
}

#[test]
fn the_nhs_2018_preset_suppresses_up_to_seven() {
    let out = report("report-nhs-2018", &["--disclosure", "nhs-2018"]);
    let t1 = rows(&read(&out.join("tables/T1.csv")));
    for (header, cells) in sub_national_counts(&t1, "CCG", &[3, 4, 5, 7, 8]) {
        for cell in cells.iter().filter(|c| *c != "[c]") {
            let n: u64 = cell.parse().unwrap();
            assert!(n == 0 || n >= 10, "{header}: {n} shown under nhs-2018");
        }
    }
    let notes = read(&out.join("summary.md"));
    assert!(notes.contains("Rule `nhs-2018`") && notes.contains("from 1 to 7"));
}

#[test]
fn unrounded_runs_are_stamped_and_unknown_commissioners_are_kept() {
    // A CCG mapping with only the first ten CCGs: every other referral goes to Unknown.
    let reference = scratch("report-reference-small");
    let full = read(&year().join("reference/ccg-area-team.csv"));
    let small: String = full.lines().take(11).map(|l| format!("{l}\n")).collect();
    std::fs::write(reference.join("ccg-area-team.csv"), small).unwrap();
    let out = report("report-unrounded", &["--unrounded", "--reference", reference.to_str().unwrap()]);
    let t1_text = read(&out.join("tables/T1.csv"));
    assert!(t1_text.starts_with("NOT FOR PUBLICATION"));
    for file in ["summary.md", "report.html", "quality.csv"] {
        assert!(read(&out.join(file)).contains("NOT FOR PUBLICATION"), "{file}");
    }
    let mut wb: Xlsx<_> = open_workbook(out.join("annual-tables.xlsx")).unwrap();
    let cover = wb.worksheet_range("Cover").unwrap();
    let cover_text: Vec<String> = cover.rows().flat_map(|r| r.iter().map(ToString::to_string)).collect();
    assert!(cover_text.iter().any(|c| c.contains("NOT FOR PUBLICATION")));
    let t1 = wb.worksheet_range("T1").unwrap();
    assert!(t1.get((0, 0)).unwrap().to_string().starts_with("NOT FOR PUBLICATION"));

    let table = rows(&t1_text);
    let col =
        |level: &str| -> Vec<u64> { table.iter().filter(|r| r[0] == level).map(|r| r[3].parse().unwrap()).collect() };
    let england = col("England")[0];
    for level in ["Commissioning region", "Area team", "CCG", "Provider"] {
        assert_eq!(col(level).iter().sum::<u64>(), england, "{level} rows add up to England: nothing dropped");
    }
    // The Unknown row at every level holds the same referrals.
    let unknown_at = |level: &str| -> u64 {
        table.iter().find(|r| r[0] == level && r[1] == "Unknown").unwrap_or_else(|| panic!("{level}"))[3]
            .parse()
            .unwrap()
    };
    let unknown = unknown_at("CCG");
    assert_eq!(unknown_at("Area team"), unknown);
    assert_eq!(unknown_at("Commissioning region"), unknown);
    assert!(unknown > england / 2, "most referrals have a commissioner outside the ten CCGs: {unknown} of {england}");
}

#[test]
fn the_workbook_reads_back_as_an_accessible_publication() {
    let out = report("report-xlsx", &[]);
    let mut wb: Xlsx<_> = open_workbook(out.join("annual-tables.xlsx")).unwrap();
    let names = wb.sheet_names();
    let mut expected = vec!["Cover", "Contents", "Notes"];
    expected.extend(TABLES);
    assert_eq!(names, expected);
    for sheet in &names {
        assert!(wb.merge_cells_by_sheet_name(sheet).unwrap().is_empty(), "{sheet} has merged cells");
    }
    wb.load_tables().unwrap();
    let tables = wb.table_names().into_iter().cloned().collect::<Vec<_>>();
    for id in TABLES {
        assert!(tables.contains(&format!("Table_{id}")), "{id} is an Excel table: {tables:?}");
    }
    let cover = wb.worksheet_range("Cover").unwrap();
    assert!(cover.get((0, 0)).unwrap().to_string().starts_with("Psychological Therapies"));
    let cover_text = cover.rows().map(|r| r[0].to_string()).collect::<Vec<_>>().join("\n");
    for part in ["Period covered", "Source", "Contact", "Experimental statistics"] {
        assert!(cover_text.contains(part), "cover lacks {part}");
    }
    let contents = wb.worksheet_range("Contents").unwrap();
    let listed: Vec<String> = contents.rows().skip(4).map(|r| r[0].to_string()).collect();
    assert_eq!(listed, TABLES);
    let notes = wb.worksheet_range("Notes").unwrap();
    let note_titles: Vec<String> = notes.rows().skip(4).map(|r| r[1].to_string()).collect();
    assert!(note_titles.iter().any(|t| t == "Disclosure control") && note_titles.iter().any(|t| t == "Definitions"));

    for id in TABLES {
        let sheet = wb.worksheet_range(id).unwrap();
        let title = sheet.get((0, 0)).unwrap().to_string();
        assert!(!title.is_empty() && title.contains("England"), "{id}: A1 says what the table shows: {title}");
        let csv = rows(&read(&out.join(format!("tables/{id}.csv"))));
        let header: Vec<String> = (0..csv[0].len()).map(|c| sheet.get((3, c)).unwrap().to_string()).collect();
        assert_eq!(header, csv[0], "{id}: one header row, the CSV's");
        assert_eq!(sheet.end().unwrap().0 as usize, 3 + csv.len() - 1, "{id}: no rows below the table");
        for (i, csv_row) in csv.iter().enumerate().skip(1) {
            for (c, value) in csv_row.iter().enumerate() {
                let cell = sheet.get((3 + i, c)).unwrap();
                match cell {
                    Data::Float(f) => {
                        let expected: f64 = value.parse().unwrap_or_else(|_| panic!("{id} {i},{c}: `{value}` vs {f}"));
                        assert!((f - expected).abs() < 1e-9, "{id} {i},{c}: {f} vs {value}");
                    }
                    Data::String(s) => {
                        assert_eq!(s, value, "{id} {i},{c}");
                        assert!(s.parse::<f64>().is_err() || c < 3, "{id} {i},{c}: number `{s}` stored as text");
                    }
                    Data::Empty => panic!("{id} {i},{c}: a blank cell inside the table"),
                    other => panic!("{id} {i},{c}: unexpected {other:?}"),
                }
            }
        }
    }
}

#[test]
fn text_that_looks_like_a_formula_is_neutralised() {
    // Hostile names in the reference data, which reach every output.
    let reference = scratch("report-reference-hostile");
    let providers = read(&root().join("schemas/reference/providers.csv")).replacen(
        "Synthetic IAPT service 1,",
        "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",",
        1,
    );
    let providers = providers.replacen("Synthetic IAPT service 2,", "@SUM(1+1),", 1);
    std::fs::write(reference.join("providers.csv"), providers).unwrap();
    let out = report("report-hostile", &["--reference", reference.to_str().unwrap()]);
    let t1 = rows(&read(&out.join("tables/T1.csv")));
    let names: Vec<&str> = t1.iter().filter(|r| r[0] == "Provider").map(|r| r[2].as_str()).collect();
    assert!(names.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")"), "{:?}", &names[..3]);
    assert!(names.contains(&"'@SUM(1+1)"));
    let mut wb: Xlsx<_> = open_workbook(out.join("annual-tables.xlsx")).unwrap();
    for sheet in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&sheet).unwrap();
        assert!(formulas.used_cells().next().is_none(), "{sheet} holds a formula");
    }
    let range = wb.worksheet_range("T1").unwrap();
    let hostile = range.rows().find(|r| r[1] == "YS001").unwrap();
    assert!(hostile[2].to_string().starts_with("'="), "{}", hostile[2]);
    let html = read(&out.join("report.html"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"), "self-contained HTML");
    assert!(!html.contains("href=\"http"), "the hostile link is text, not a link");
}

#[test]
fn the_command_prints_the_key_facts_and_refuses_bad_settings() {
    let out = scratch("report-stdout");
    let data = year().join("submissions");
    let o = iapt(&["report", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("new referrals were received by IAPT services in England"), "{text}");
    assert!(text.contains("annual-tables.xlsx") && text.contains("report.html"));

    let o = iapt(&["report", data.to_str().unwrap(), "--out", out.to_str().unwrap(), "--disclosure", "none"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nhs-2018"), "the hint lists the presets");

    let bad = scratch("report-reference-bad");
    std::fs::write(bad.join("census-2011-england.csv"), "dimension,group,code,population\ntotal,All,,lots\n").unwrap();
    let o =
        iapt(&["report", data.to_str().unwrap(), "--out", out.to_str().unwrap(), "--reference", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // miette wraps long lines at the terminal width.
    let err = String::from_utf8_lossy(&o.stderr).replace("\n  │ ", "");
    assert!(err.contains("census-2011-england.csv:2") && err.contains("`lots`"), "{err}");
}

#[test]
fn the_built_in_reference_data_is_the_generators() {
    // The default run needs no --reference for synthetic data: the two must not drift apart.
    for file in ["ccg-area-team.csv", "providers.csv", "area-teams-2013.csv"] {
        let built_in = read(&root().join("schemas/reference").join(file));
        assert_eq!(read(&year().join("reference").join(file)), built_in, "{file}");
    }
}

#[test]
fn the_real_geography_puts_every_referral_in_a_region() {
    // The demo year spreads referrals over CCGs of all four regions; taking five CCGs out of the
    // lookup makes their codes unmapped, so the Unknown rows are exercised too.
    let reference = scratch("report-regions-reference");
    let full = read(&year().join("reference/ccg-area-team.csv"));
    let kept: String =
        full.lines().enumerate().filter(|(i, _)| !(1..=5).contains(i)).map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(reference.join("ccg-area-team.csv"), kept).unwrap();
    let out = report("report-regions", &["--unrounded", "--reference", reference.to_str().unwrap()]);
    let table = rows(&read(&out.join("tables/T1.csv")));
    let level = |name: &str| -> Vec<(String, u64)> {
        table.iter().filter(|r| r[0] == name).map(|r| (r[1].clone(), r[3].parse().unwrap())).collect()
    };
    let england: u64 = table.iter().find(|r| r[0] == "England").unwrap()[3].parse().unwrap();
    let regions = level("Commissioning region");
    let codes: Vec<&str> = regions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["Y54", "Y55", "Y56", "Y57", "Unknown"]);
    assert!(regions.iter().all(|(_, n)| *n > 0), "every region and Unknown has referrals: {regions:?}");
    for name in ["Commissioning region", "Area team", "CCG"] {
        let rows = level(name);
        assert_eq!(rows.iter().map(|(_, n)| n).sum::<u64>(), england, "{name} rows add up to England");
        assert_eq!(rows.last().unwrap().0, "Unknown", "{name} ends with Unknown");
        assert_eq!(rows.last().unwrap().1, regions[4].1, "{name}: the same referrals are Unknown at every level");
    }
    // Area teams are real (Q44-Q70) and 99M is Wessex's, as the April 2013 lookup has it.
    let teams = level("Area team");
    assert_eq!(teams.len(), 28);
    assert_eq!((teams[0].0.as_str(), teams[26].0.as_str()), ("Q44", "Q70"));
    assert!(full.lines().any(|l| l.starts_with("99M,") && l.contains(",Q70,")), "99M is in Q70");
}

#[test]
fn year_and_period_give_the_same_report_and_a_quarter_is_titled_by_its_dates() {
    let by_year = report("report-by-year", &["--year", "2012-13"]);
    let by_period = report("report-by-period", &["--period", "2012-04-01..2013-03-31"]);
    for file in TABLES.iter().map(|t| format!("tables/{t}.csv")).chain(["summary.md".into(), "quality.csv".into()]) {
        assert_eq!(read(&by_year.join(&file)), read(&by_period.join(&file)), "{file}");
    }
    let quarter = report("report-quarter", &["--period", "2012-04-01..2012-06-30"]);
    let t1 = read(&quarter.join("tables/T1.csv"));
    let summary = read(&quarter.join("summary.md"));
    assert!(summary.contains("England, 1 April 2012 to 30 June 2012\n"), "every table is titled by the dates");
    for text in [&t1, &summary] {
        assert!(!text.contains("2012-13") || text.contains("2012-13 publication"), "a quarter is never titled 2012-13");
    }
    assert!(summary.contains("Report on the use of IAPT services, England, 1 April 2012 to 30 June 2012"));
}

#[test]
fn two_runs_are_byte_identical_and_the_manifest_hashes_every_file() {
    let first = support::files_below(&report("report-repeat-1", &[]));
    let second = support::files_below(&report("report-repeat-2", &[]));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        assert!(bytes == &second[name], "{name} differs between two runs of the same inputs");
    }
    let manifest: serde_json::Value = serde_json::from_slice(&first["manifest.json"]).unwrap();
    let sha = |b: &[u8]| -> String { sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect() };
    let outputs = manifest["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), first.len() - 1, "every file but the manifest itself");
    for o in outputs {
        let name = o["name"].as_str().unwrap();
        assert_eq!(o["sha256"].as_str().unwrap(), sha(&first[name]), "{name}");
    }
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 150, "one per submission of the demo year");
    let file = &inputs[0]["files"][0];
    let path = file["name"].as_str().unwrap();
    assert_eq!(file["sha256"].as_str().unwrap(), sha(&std::fs::read(path).unwrap()));
    assert!(inputs.iter().all(|i| i["rows_read"].as_u64().unwrap() > 0));
    let reference: Vec<&str> =
        manifest["reference"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(reference.contains(&"ccg-area-team.csv") && reference.contains(&"regions-2013.csv"), "{reference:?}");
    assert_eq!(manifest["options"]["period_start"], "2012-04-01");
    assert_eq!(manifest["schema"]["sha256"].as_str().unwrap().len(), 64);
    // The Notes summarise the sources instead of listing the machine's paths.
    let summary = String::from_utf8(first["summary.md"].clone()).unwrap();
    assert!(summary.contains("150 submissions (0 rejected whole) from 150 providers"), "summary");
    assert!(!summary.contains("test-scratch"), "no local path in the Notes");
}

#[test]
fn format_json_prints_the_manifest() {
    let out = scratch("report-format-json");
    let data = year().join("submissions");
    let o = iapt(&["report", data.to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", "json", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), read(&out.join("manifest.json")), "standard output is the manifest, byte for byte");
    let manifest: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(manifest["tool"]["name"], "iapt");
    // The tool's version: the package's, which `iapt --version` prints and CHANGELOG.md's latest
    // release names.
    let version = manifest["tool"]["version"].as_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert_eq!(stdout(&iapt(&["--version"])), format!("iapt {version}\n"));
    let changelog = read(&root().join("CHANGELOG.md"));
    let latest = changelog
        .lines()
        .filter_map(|l| l.strip_prefix("## ["))
        .find(|l| !l.starts_with("Unreleased"))
        .and_then(|l| l.split(']').next());
    assert_eq!(latest, Some(version), "CHANGELOG.md's latest release is the tool's version");
}

#[test]
fn t7_gives_each_broad_group_and_the_key_facts_name_the_highest_rates_from_it() {
    let out = report("report-broad-groups", &[]);
    let t7 = rows(&read(&out.join("tables/T7.csv")));
    let groups: Vec<&Vec<String>> = t7.iter().filter(|r| r[0] == "Broad group").collect();
    let names: Vec<&str> = groups.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["White", "Mixed", "Asian or Asian British", "Black or Black British", "Other Ethnic Groups"]);
    // The groups add up to the people with a known ethnicity (the categories A to S).
    let known: u64 = t7
        .iter()
        .filter(|r| r[0].len() == 1 && r[0].chars().all(|c| c.is_ascii_uppercase()) && r[0] != "Z")
        .map(|r| r[3].parse::<u64>().unwrap())
        .sum();
    assert_eq!(groups.iter().map(|r| r[3].parse::<u64>().unwrap()).sum::<u64>(), known);
    // The key fact is computed from the published rates.
    let mut rates: Vec<(f64, &str)> = groups.iter().map(|r| (r[6].parse().unwrap(), r[1].as_str())).collect();
    rates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let summary = read(&out.join("summary.md"));
    let fact = format!("the {} group had the highest rate of people referred", rates[0].1);
    assert!(summary.contains(&fact), "{fact}");
    assert!(summary.contains(&format!("then {} (", rates[1].1)));
}

#[test]
fn unknown_commissioners_are_counted_on_the_terminal_and_in_the_notes() {
    let reference = scratch("report-reference-unknown");
    let full = read(&year().join("reference/ccg-area-team.csv"));
    let small: String = full.lines().take(11).map(|l| format!("{l}\n")).collect();
    std::fs::write(reference.join("ccg-area-team.csv"), small).unwrap();
    let out = scratch("report-unknown-terminal");
    let data = year().join("submissions");
    let run = iapt(&[
        "report",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("have a commissioner code not in the reference data"), "{stderr}");
    assert!(stderr.contains("the commonest were `"), "{stderr}");
    assert!(stderr.contains("warning: over 1% of referrals have an unknown commissioner"), "{stderr}");
    let summary = read(&out.join("summary.md"));
    assert!(
        summary.contains("counted in the Unknown rows of every level; the commonest were `"),
        "the Notes say it too"
    );
}
