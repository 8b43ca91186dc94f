//! Outputs are written whole or not at all: never over an input, never through a symbolic
//! link, and a failed report leaves its folder exactly as it was.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::{iapt, root, scratch};

/// Every entry below `dir` (not following links): a file's bytes, a link's target, or a folder.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            let what = if kind.is_symlink() {
                format!("link to {}", std::fs::read_link(&path).unwrap().display())
            } else if kind.is_dir() {
                pending.push(path.clone());
                "folder".to_owned()
            } else {
                format!("{:?}", std::fs::read(&path).unwrap())
            };
            found.insert(path.strip_prefix(dir).unwrap().to_owned(), what);
        }
    }
    found
}

/// A copy of the clean CSV submission at `dir/sub`.
fn submission(dir: &Path) -> PathBuf {
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    for entry in std::fs::read_dir(root().join("tests/fixtures/clean")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, sub.join(path.file_name().unwrap())).unwrap();
    }
    sub
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    // miette wraps long lines at the terminal width.
    String::from_utf8_lossy(&o.stderr).replace("\n  │ ", " ")
}

fn refused(o: &Output, why: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(why), "{}", stderr(o));
}

const PERIOD: &str = "2012-04-01..2013-03-31";

#[test]
fn an_output_that_is_or_lies_inside_an_input_is_refused() {
    let dir = scratch("writes-inputs");
    let sub = submission(&dir);
    let workbook = dir.join("clean.ods");
    std::fs::copy(root().join("tests/fixtures/clean.ods"), &workbook).unwrap();
    let untouched = tree(&dir);
    let person = sub.join("Person.csv");
    let roundabout = sub.join("../sub/Person.csv");
    for output in [&person, &roundabout, &sub] {
        refused(&iapt(&["validate", s(&sub), "--output", s(output)]), "the input");
        refused(&iapt(&["quality", s(&sub), "--output", s(output)]), "the input");
        refused(&iapt(&["quality", s(&sub), "--html", s(output)]), "the input");
        refused(&iapt(&["outcomes", s(&sub), "--period", PERIOD, "--output", s(output)]), "the input");
    }
    // A folder of submissions: each one in it is an input too.
    refused(&iapt(&["validate", s(&dir), "--output", s(&workbook)]), "is the input");
    refused(&iapt(&["quality", s(&dir), "--format", "csv", "--output", s(&person)]), "is inside the input");
    refused(&iapt(&["report", s(&sub), "--out", s(&sub)]), "is inside the input");
    assert_eq!(tree(&dir), untouched, "no input changed, nothing written");
    // A report folder holding an input where the report writes.
    let tables = dir.join("r/tables");
    std::fs::create_dir_all(&tables).unwrap();
    std::fs::copy(&workbook, tables.join("clean.ods")).unwrap();
    let before = tree(&dir);
    refused(&iapt(&["report", s(&tables.join("clean.ods")), "--out", s(&dir.join("r"))]), "holds the input");
    assert_eq!(tree(&dir), before);
    // Beside the inputs is fine.
    let beside = dir.join("validation.txt");
    assert_eq!(iapt(&["validate", s(&dir), "--output", s(&beside)]).status.code(), Some(0));
    assert!(beside.is_file());
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_refused_and_their_targets_untouched() {
    use std::os::unix::fs::symlink;
    let dir = scratch("writes-symlinks");
    let sub = submission(&dir);
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.join("link.txt");
    symlink(&victim, &link).unwrap();
    refused(&iapt(&["validate", s(&sub), "--output", s(&link)]), "is a symbolic link");
    refused(&iapt(&["quality", s(&sub), "--output", s(&link)]), "is a symbolic link");
    refused(&iapt(&["quality", s(&sub), "--html", s(&link)]), "is a symbolic link");
    refused(&iapt(&["outcomes", s(&sub), "--period", PERIOD, "--output", s(&link)]), "is a symbolic link");
    refused(&iapt(&["template", "--out", s(&link)]), "is a symbolic link");

    // A link planted in a report folder, at a file or at a subfolder the report replaces.
    let out = dir.join("report");
    assert!(iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]).status.success());
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_file(out.join("summary.md")).unwrap();
    symlink(&victim, out.join("summary.md")).unwrap();
    let before = tree(&dir);
    refused(&iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]), "is a symbolic link");
    assert_eq!(tree(&dir), before);
    std::fs::remove_file(out.join("summary.md")).unwrap();
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    symlink(&elsewhere, out.join("charts")).unwrap();
    let before_charts = tree(&dir);
    refused(&iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]), "is a symbolic link");
    assert_eq!(tree(&dir), before_charts);
    // The report folder itself.
    let out_link = dir.join("report-link");
    symlink(&elsewhere, &out_link).unwrap();
    refused(&iapt(&["report", s(&sub), "--out", s(&out_link), "--quiet"]), "is a symbolic link");

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(tree(&elsewhere).is_empty());
}

#[test]
fn a_failed_report_leaves_the_folder_as_it_was() {
    let dir = scratch("writes-failed-report");
    let sub = submission(&dir);
    let out = dir.join("report");
    assert!(iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]).status.success());
    // A folder where the report writes a table: found only once the report is made.
    std::fs::remove_file(out.join("tables/T3.csv")).unwrap();
    std::fs::create_dir(out.join("tables/T3.csv")).unwrap();
    std::fs::write(out.join("tables/T3.csv/keep.txt"), "mine").unwrap();
    let before = tree(&out);
    let o = iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]);
    refused(&o, "no files were written");
    assert!(stderr(&o).contains("T3.csv"), "{}", stderr(&o));
    assert_eq!(tree(&out), before, "not one file replaced, no temporary file left");

    // Bad reference data, into a folder that does not exist yet: it is not made.
    let bad = dir.join("reference");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("census-2011-england.csv"), "dimension,group,code,population\ntotal,All,,lots\n").unwrap();
    let fresh = dir.join("new/report");
    refused(&iapt(&["report", s(&sub), "--out", s(&fresh), "--reference", s(&bad)]), "`lots`");
    assert!(!dir.join("new").exists());
    refused(&iapt(&["report", s(&sub), "--out", s(&out), "--reference", s(&bad)]), "`lots`");
    assert_eq!(tree(&out), before);
}

#[test]
fn a_report_replaces_the_old_files_and_leaves_no_temporary_ones() {
    let dir = scratch("writes-replace");
    let sub = submission(&dir);
    let (fresh, out) = (dir.join("fresh"), dir.join("new/report"));
    assert!(iapt(&["report", s(&sub), "--out", s(&fresh), "--quiet"]).status.success());
    let expected = tree(&fresh);
    assert!(expected.contains_key(Path::new("tables/T1.csv")) && expected.contains_key(Path::new("quality.csv")));
    assert!(expected.keys().all(|p| !p.to_string_lossy().contains(".tmp")), "{:?}", expected.keys());

    // An older run, cut short: stale and truncated files, and one of the user's own.
    std::fs::create_dir_all(out.join("tables")).unwrap();
    for stale in ["summary.md", "tables/T1.csv", "quality.csv", "annual-tables.xlsx"] {
        std::fs::write(out.join(stale), "old").unwrap();
    }
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    assert!(iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]).status.success());
    let mut got = tree(&out);
    assert_eq!(got.remove(Path::new("notes.txt")).as_deref(), Some(format!("{:?}", b"mine").as_str()));
    // The workbook records when it was made; every other file is the fresh run's byte for byte.
    let xlsx = Path::new("annual-tables.xlsx");
    assert!(std::fs::read(out.join(xlsx)).unwrap().starts_with(b"PK"));
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (path, bytes) in expected.iter().filter(|(p, _)| *p != xlsx) {
        assert_eq!(&got[path], bytes, "{} replaced by the new run's", path.display());
    }

    // --output, --html and template --out replace an old file and leave nothing beside it.
    let files = dir.join("files");
    std::fs::create_dir(&files).unwrap();
    let (text, html, xlsx) = (files.join("quality.txt"), files.join("quality.html"), files.join("template.xlsx"));
    for f in [&text, &html, &xlsx] {
        std::fs::write(f, "old").unwrap();
    }
    assert!(iapt(&["quality", s(&sub), "--output", s(&text), "--html", s(&html)]).status.success());
    assert!(iapt(&["template", "--out", s(&xlsx)]).status.success());
    let names: Vec<PathBuf> = tree(&files).into_keys().collect();
    assert_eq!(names, ["quality.html", "quality.txt", "template.xlsx"].map(PathBuf::from));
    assert!(std::fs::read_to_string(&text).unwrap().starts_with("RX4: data-quality score"));
    assert!(std::fs::read_to_string(&html).unwrap().starts_with("<!DOCTYPE html>"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[test]
fn what_a_killed_run_left_is_swept_by_the_next() {
    let dir = scratch("writes-killed");
    let sub = submission(&dir);
    let out = dir.join("report");
    // A process that has ended: its pid names no live process (as a run killed with -9).
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let staging = out.join(format!(".iapt.tmp-{dead}-0"));
    std::fs::create_dir_all(staging.join("tables")).unwrap();
    std::fs::write(staging.join("tables/T1.csv"), "half").unwrap();
    let half = out.join(format!(".summary.md.tmp-{dead}-3"));
    std::fs::write(&half, "half").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for old in [&staging, &half] {
        std::fs::File::open(old).unwrap().set_modified(two_hours_ago).unwrap();
    }
    // What stays: a live process's (pid 1), a dead one's written in the last hour (another
    // container's run may be writing it), and names of the user's that only look alike.
    let live = out.join(".iapt.tmp-1-0");
    std::fs::create_dir(&live).unwrap();
    let recent = format!(".iapt.tmp-{dead}-1");
    std::fs::create_dir(out.join(&recent)).unwrap();
    let plus = format!(".n.tmp-+{dead}-1");
    for name in [".notes.tmp-mine", ".notes.tmp-abc-1", &plus] {
        std::fs::write(out.join(name), "mine").unwrap();
        std::fs::File::open(out.join(name)).unwrap().set_modified(two_hours_ago).unwrap();
    }
    assert!(iapt(&["report", s(&sub), "--out", s(&out), "--quiet"]).status.success());
    let names: Vec<String> = tree(&out).into_keys().map(|p| p.display().to_string()).collect();
    let mut hidden: Vec<&str> =
        names.iter().filter(|n| n.starts_with('.')).map(|n| n.split('/').next().unwrap()).collect();
    hidden.dedup();
    if Path::new("/proc/1").exists() {
        let mut expected = vec![".iapt.tmp-1-0", &recent, plus.as_str(), ".notes.tmp-abc-1", ".notes.tmp-mine"];
        expected.sort_unstable();
        assert_eq!(hidden, expected, "{names:?}");
    }
    assert!(names.contains(&"tables/T1.csv".to_owned()));
}

#[test]
fn a_failed_write_leaves_no_temporary_file() {
    let dir = scratch("writes-failed-output");
    let sub = submission(&dir);
    // --output in a folder that does not exist: nothing is made, the error names the path.
    let missing = dir.join("no/such/folder/out.csv");
    let o = iapt(&["validate", s(&sub), "--output", s(&missing)]);
    refused(&o, "out.csv");
    // A folder where the heat map would go: the scores went to --output, the folder stays.
    let (text, html) = (dir.join("quality.txt"), dir.join("quality.html"));
    std::fs::create_dir(&html).unwrap();
    let before = tree(&dir);
    refused(&iapt(&["quality", s(&sub), "--html", s(&html), "--output", s(&text)]), "quality.html");
    let mut after = tree(&dir);
    assert!(after.remove(Path::new("quality.txt")).is_some());
    assert_eq!(after, before, "no temporary file left");
}

#[cfg(target_os = "linux")]
#[test]
fn a_device_is_written_in_place_not_replaced() {
    // `/dev/stdout` is a link to the pipe the test reads: written through, as `/dev/null` is.
    let o = iapt(&["validate", "tests/fixtures/clean", "--output", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(support::stdout(&o).contains("accepted"));
}
