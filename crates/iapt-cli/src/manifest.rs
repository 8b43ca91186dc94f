//! `manifest.json`: what a report was made from and what it wrote, each file with its SHA-256,
//! so that a published table can be traced to its inputs and a run repeated and checked.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::inputs::InputSummary;

#[derive(Serialize)]
pub struct Manifest {
    pub tool: Tool,
    pub schema: Hashed,
    pub reference: Vec<Hashed>,
    pub inputs: Vec<Input>,
    pub options: Options,
    pub outputs: Vec<Hashed>,
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// A file (or a set of files, such as a schema folder) and its SHA-256.
#[derive(Serialize)]
pub struct Hashed {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub sha256: String,
}

#[derive(Serialize)]
pub struct Input {
    pub path: String,
    pub provider: String,
    pub accepted: bool,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub files: Vec<Hashed>,
}

#[derive(Serialize)]
pub struct Options {
    pub period_start: String,
    pub period_end: String,
    pub disclosure: String,
    pub unrounded: bool,
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of named texts taken together, in the order given (name, then text, each ended by
/// a NUL so that no two sets collide).
pub fn sha256_of_files(files: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (name, text) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

/// A submission's files: the workbook itself, or a CSV folder's `.csv` files in name order.
fn input_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => h.update(&buf[..n]),
        }
    }
    Ok(hex(&h.finalize()))
}

/// The inputs of `read` that `next` hands out, with their files hashed, each with its place in
/// `read`: threads that share `next` share the work. A file that cannot be read again is named
/// with the reason instead of a hash.
pub fn some_inputs(read: &[InputSummary], next: &AtomicUsize) -> Vec<(usize, Input)> {
    let mut hashed = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(s) = read.get(i) else { return hashed };
        hashed.push((i, input(s)));
    }
}

fn input(s: &InputSummary) -> Input {
    let files = input_files(&s.path)
        .unwrap_or_default()
        .into_iter()
        .map(|f| Hashed {
            name: crate::inputs::printable(&f.display().to_string()),
            source: None,
            sha256: hash_file(&f).unwrap_or_else(|e| format!("unreadable: {e}")),
        })
        .collect();
    Input {
        path: crate::inputs::printable(&s.path.display().to_string()),
        provider: crate::inputs::printable(&s.provider),
        accepted: s.accepted,
        rows_read: s.rows_read,
        rows_rejected: s.rows_rejected,
        files,
    }
}
