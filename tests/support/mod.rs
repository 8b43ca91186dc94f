//! Shared helpers of the end-to-end tests: running `iapt`, and building workbooks cell by cell.
#![allow(dead_code)]

pub mod crafted;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use iapt_schema::{Kind, Schema};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// The workspace root: tests run `iapt` from there so that paths in outputs are stable.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs `iapt` with `args` from the workspace root.
pub fn iapt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iapt")).args(args).current_dir(root()).env("NO_COLOR", "1").output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A fresh scratch folder under `target/test-scratch`, this call's own: `<name>-<pid>-<n>`, with
/// `n` counted across the process (as ripgrep's test `Dir::new` does). Tests run in parallel,
/// and test binaries may too: two calls never share a folder, so none deletes another's files.
/// A folder shared on purpose is made once per process (a `OnceLock`, as `year()` in
/// tests/report.rs). The first call also removes the folders of test processes that have ended.
pub fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static SWEPT: Once = Once::new();
    let base = root().join("target/test-scratch");
    SWEPT.call_once(|| sweep(&base));
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("{name}-{}-{n}", std::process::id()));
    // Left by an earlier process with the same id.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Removes the scratch folders (`<name>-<pid>-<n>`) of processes that are no longer running,
/// where `/proc` tells which are; elsewhere they stay until `cargo clean`.
fn sweep(base: &Path) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let mut parts = name.to_str().unwrap_or_default().rsplitn(3, '-');
        let (n, pid) = (parts.next().map(str::parse::<u64>), parts.next().map(str::parse::<u32>));
        let (Some(Ok(_)), Some(Ok(pid)), Some(_)) = (n, pid, parts.next()) else { continue };
        if pid != std::process::id() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Every file below `dir`, by its path relative to `dir`, in path order.
pub fn files_below(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// One cell of a test workbook.
#[derive(Clone, Debug)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A real date cell (a serial number with a date format).
    Date(u16, u8, u8),
    /// A real time cell.
    Time(u8, u8),
    /// A number with a date format, written as the raw serial (for the 1904 test).
    Serial(f64),
    /// A formula and the result Excel cached for it.
    Formula(String, String),
}

pub fn t(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) }
}

/// A sheet of a test workbook.
pub struct SheetSpec {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
    pub hidden: bool,
    /// (first row, first col, last row, last col), 0-based.
    pub merged: Vec<(u32, u16, u32, u16)>,
}

impl SheetSpec {
    pub fn new(name: &str, rows: Vec<Vec<Cell>>) -> SheetSpec {
        SheetSpec { name: name.to_owned(), rows, hidden: false, merged: Vec::new() }
    }

    /// The position of the column headed `column`.
    pub fn column(&self, column: &str) -> usize {
        self.rows[0]
            .iter()
            .position(|c| matches!(c, Cell::Text(s) if s == column))
            .unwrap_or_else(|| panic!("{}: no column {column}", self.name))
    }

    /// The cell in the row whose first column is `key` and the column headed `column`.
    pub fn set(&mut self, key: &str, column: &str, cell: Cell) {
        let col = self.column(column);
        let row = self.rows.iter_mut().find(|r| matches!(&r[0], Cell::Text(s) if s == key)).unwrap();
        row[col] = cell;
    }
}

/// Writes sheets to an `.xlsx` file.
pub fn write_workbook(path: &Path, sheets: &[SheetSpec]) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    for spec in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&spec.name).unwrap();
        for (r, row) in spec.rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap();
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap();
                if spec.merged.iter().any(|&(r0, c0, r1, c1)| (r0..=r1).contains(&r) && (c0..=c1).contains(&c)) {
                    continue;
                }
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    Cell::Number(n) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    Cell::Date(y, m, d) => {
                        ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
                            .unwrap();
                    }
                    Cell::Time(h, m) => {
                        ws.write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_hms(u16::from(*h), *m, 0).unwrap(),
                            &time,
                        )
                        .unwrap();
                    }
                    Cell::Serial(n) => {
                        ws.write_number_with_format(r, c, *n, &date).unwrap();
                    }
                    Cell::Formula(f, cached) => {
                        ws.write_formula(r, c, Formula::new(f).set_result(cached)).unwrap();
                    }
                }
            }
        }
        for &(r0, c0, r1, c1) in &spec.merged {
            let text = match &spec.rows[r0 as usize][c0 as usize] {
                Cell::Text(s) => s.clone(),
                _ => String::new(),
            };
            ws.merge_range(r0, c0, r1, c1, &text, &Format::new()).unwrap();
        }
        if spec.hidden {
            ws.set_hidden(true);
        }
    }
    wb.save(path).unwrap();
}

/// Reads a CSV submission folder into sheets whose cells are typed as Excel would store
/// them: dates and times as date cells, numbers as numbers, codes and text as text.
pub fn sheets_from_csv(dir: &Path) -> Vec<SheetSpec> {
    let schema = Schema::builtin();
    let mut out = Vec::new();
    for sheet in &schema.sheets {
        let path = dir.join(format!("{}.csv", sheet.name));
        if !path.exists() {
            continue;
        }
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(&path).unwrap();
        let mut rows = Vec::new();
        let mut header: Vec<String> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            if header.is_empty() {
                header = rec.iter().map(str::to_owned).collect();
                rows.push(header.iter().map(|h| t(h)).collect());
                continue;
            }
            let row = rec
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let kind = header.get(i).and_then(|h| sheet.columns.iter().find(|c| &c.name == h)).map(|c| &c.kind);
                    typed(v, kind)
                })
                .collect();
            rows.push(row);
        }
        out.push(SheetSpec::new(&sheet.name, rows));
    }
    out
}

fn typed(v: &str, kind: Option<&Kind>) -> Cell {
    if v.is_empty() {
        return Cell::Empty;
    }
    match kind {
        Some(Kind::Date) => match iapt_schema::Date::parse_iso(v) {
            Some(d) => {
                let (y, m, dd) = d.ymd();
                Cell::Date(u16::try_from(y).unwrap(), u8::try_from(m).unwrap(), u8::try_from(dd).unwrap())
            }
            None => t(v),
        },
        Some(Kind::Time) => match iapt_schema::TimeOfDay::parse(v) {
            Some(tm) => Cell::Time(u8::try_from(tm.0 / 3600).unwrap(), u8::try_from(tm.0 / 60 % 60).unwrap()),
            None => t(v),
        },
        Some(Kind::Integer { .. } | Kind::Decimal { .. }) => v.parse().map_or_else(|_| t(v), Cell::Number),
        _ => t(v),
    }
}

/// Switches a saved workbook to the 1904 date system (rust_xlsxwriter cannot write it).
pub fn set_1904(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/workbook.xml" {
            let xml = String::from_utf8(data).unwrap();
            let xml = if xml.contains("<workbookPr") {
                xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
            } else {
                xml.replacen("<sheets>", "<workbookPr date1904=\"1\"/><sheets>", 1)
            };
            data = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}
