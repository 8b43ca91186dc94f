//! Running `iapt` as a hostile file's tests do (bounded in memory and time) and making
//! crafted files: zip surgery on a clean workbook, CSV submissions with one file changed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{root, scratch, sheets_from_csv, write_workbook};

/// The memory a run may use: the bound.
pub const MEMORY: u64 = 1 << 30;
pub const TIME: Duration = Duration::from_secs(120);

/// Runs `iapt` bounded in memory and time; fails the test on a hang, a crash or a panic.
pub fn run(args: &[&str]) -> Output {
    let mut cmd = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg(format!("--data={MEMORY}")).arg("--").arg(env!("CARGO_BIN_EXE_iapt"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_iapt"))
    };
    let mut child = cmd
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes on threads so that a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).unwrap();
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).unwrap();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIME {
            child.kill().unwrap();
            panic!("iapt {args:?} ran over {TIME:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = Output { status, stdout: out_thread.join().unwrap(), stderr: err_thread.join().unwrap() };
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0..=2)), "iapt {args:?}: {:?}\n{stderr}", o.status);
    assert!(!stderr.contains("panicked"), "iapt {args:?}: {stderr}");
    o
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `iapt validate PATH --format json`: exit code and the parsed report.
pub fn validate_json(path: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["validate", path.to_str().unwrap(), "--format", "json", "--today", "2026-11-26"];
    args.extend_from_slice(extra);
    let o = run(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (o.status.code().unwrap(), v)
}

/// The (rule, message) of every diagnostic.
pub fn diagnostics(v: &serde_json::Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap().to_owned(), d["message"].as_str().unwrap().to_owned()))
        .collect()
}

pub fn has_rule(v: &serde_json::Value, rule: &str, words: &str) -> bool {
    diagnostics(v).iter().any(|(r, m)| r == rule && m.contains(words))
}

// ---- generators ---------------------------------------------------------------------------

/// The clean CSV submission's files, by name.
pub fn clean_csv() -> BTreeMap<String, Vec<u8>> {
    let dir = root().join("tests/fixtures/clean");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

pub fn write_csv_folder(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// A CSV submission: the clean one with `edit` applied.
pub fn csv_submission(name: &str, edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> PathBuf {
    let dir = scratch(&format!("hostile-{name}")).join(name);
    let mut files = clean_csv();
    edit(&mut files);
    write_csv_folder(&dir, &files);
    dir
}

/// The clean submission as an `.xlsx` workbook's bytes (made once: tests run in parallel).
pub fn clean_xlsx() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES
        .get_or_init(|| {
            let path = scratch("hostile-clean-xlsx").join("clean.xlsx");
            write_workbook(&path, &sheets_from_csv(&root().join("tests/fixtures/clean")));
            std::fs::read(path).unwrap()
        })
        .clone()
}

/// The entries of a zip archive, in order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zin.len())
        .map(|i| {
            let mut f = zin.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

pub fn zip_entries(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().large_file(false);
    for (name, data) in entries {
        out.start_file(name.as_str(), opts).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The clean workbook with one entry's text changed.
pub fn xlsx_with(entry: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut entries = unzip(&clean_xlsx());
    let e = entries.iter_mut().find(|(n, _)| n == entry).unwrap_or_else(|| panic!("no {entry}"));
    e.1 = edit(String::from_utf8(std::mem::take(&mut e.1)).unwrap()).into_bytes();
    zip_entries(&entries)
}

/// The name of the worksheet part that holds `sheet`.
pub fn sheet_part(sheet: &str) -> String {
    let entries = unzip(&clean_xlsx());
    let wb = String::from_utf8(entries.iter().find(|(n, _)| n == "xl/workbook.xml").unwrap().1.clone()).unwrap();
    let position = wb.split("<sheet ").skip(1).position(|s| s.contains(&format!("name=\"{sheet}\""))).unwrap();
    format!("xl/worksheets/sheet{}.xml", position + 1)
}

/// Rewrites the size a zip part declares for its inflated content, in its local header and
/// in the central directory (what a crafted bomb does).
pub fn declare_size(zip: &mut [u8], entry: &str, size: u32) {
    let name = entry.as_bytes();
    for (signature, name_at, size_at) in [(b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)] {
        let at = (0..zip.len() - name_at)
            .find(|&i| &zip[i..i + 4] == signature && zip[i + name_at..].starts_with(name))
            .unwrap();
        zip[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
    }
}

pub fn save(name: &str, file: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch(&format!("hostile-{name}")).join(file);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A zip entry of `len` bytes of one repeated byte, deflated (a bomb of honest size).
pub fn deflated_run(name: &str, head: &[u8], fill: &[u8], len: usize, tail: &[u8]) -> (String, Vec<u8>) {
    let mut data = Vec::with_capacity(len + head.len() + tail.len());
    data.extend_from_slice(head);
    while data.len() < head.len() + len {
        data.extend_from_slice(fill);
    }
    data.extend_from_slice(tail);
    (name.to_owned(), data)
}

/// The Person sheet's header row as the data set names it.
pub const PERSON_HEADER: &str =
    "LOCAL_PATIENT_ID,NHS_NUMBER,NHS_NUMBER_STATUS,PERSON_BIRTH_DATE,POSTCODE,GENDER,ETHNIC_CATEGORY,GP_PRACTICE_CODE";
