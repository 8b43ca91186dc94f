//! Finding the submissions in a command-line input: a workbook, a CSV folder, or a folder
//! holding them at any depth, laid out as people keep them (a README beside, a `reference/`
//! folder of other CSVs, one folder per provider). What is passed over is said, with why.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::csv_folder;
use crate::workbook::is_workbook_name;

/// What an input holds.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Workbooks and CSV folders, in name order, depth first.
    pub submissions: Vec<PathBuf>,
    /// What was passed over, with why.
    pub skipped: Vec<Skipped>,
}

/// A path that is not read as a submission.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: SkipReason,
}

/// Why a path is passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// A pipe, device or socket.
    NotARegularFile,
    /// A CSV file in a folder without `Header.csv`: not part of a submission.
    CsvOutsideSubmission,
    /// Neither a workbook nor a CSV file (a README, a PDF).
    NotASubmission,
    /// Excel's lock file (`~$name.xlsx`) beside an open workbook.
    LockFile,
    /// A folder already visited through a link, or too deep.
    LinkLoopOrTooDeep,
    /// A link to a folder: followed, it could lead outside the input.
    LinkedFolder,
    /// A hidden file or folder (its name starts with a dot).
    Hidden,
    /// The folder could not be listed.
    Unreadable,
}

impl SkipReason {
    /// Why, in words.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::NotARegularFile => "not a regular file (a pipe, device or socket)",
            SkipReason::CsvOutsideSubmission => {
                "a CSV file in a folder without Header.csv, so not part of a submission"
            }
            SkipReason::NotASubmission => "neither a workbook nor a CSV file",
            SkipReason::LockFile => "an Excel lock file",
            SkipReason::LinkLoopOrTooDeep => "a folder already visited through a link, or nested too deep",
            SkipReason::LinkedFolder => "a link to a folder, not followed (give the folder itself)",
            SkipReason::Hidden => "a hidden file or folder (its name starts with a dot)",
            SkipReason::Unreadable => "the folder could not be listed",
        }
    }
}

/// How deep folders are searched.
const MAX_DEPTH: usize = 32;

/// Expands a command-line input into submissions.
///
/// A file is one submission (opening it says whether it is a workbook). A folder holding
/// `Header.csv` is a CSV submission; any folder is also searched for workbooks and CSV
/// folders at any depth, so a stray `Header.csv` at the top of a batch never hides the
/// submissions below it.
#[must_use]
pub fn discover(path: &Path) -> Discovery {
    let mut found = Discovery::default();
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => walk(path, 0, &mut HashSet::new(), &mut found),
        Ok(m) if !m.is_file() => {
            found.skipped.push(Skipped { path: path.to_owned(), why: SkipReason::NotARegularFile });
        }
        // A missing file is reported when it is opened, with the system's reason.
        _ => found.submissions.push(path.to_owned()),
    }
    found
}

fn walk(dir: &Path, depth: usize, visited: &mut HashSet<PathBuf>, found: &mut Discovery) {
    let skip = |found: &mut Discovery, path: &Path, why| found.skipped.push(Skipped { path: path.to_owned(), why });
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    if depth > MAX_DEPTH || !visited.insert(canonical) {
        skip(found, dir, SkipReason::LinkLoopOrTooDeep);
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        skip(found, dir, SkipReason::Unreadable);
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let submission = csv_folder::is_submission(dir);
    if submission {
        found.submissions.push(dir.to_owned());
    }
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // Hidden files (`.DS_Store`, `.git`) are rarely submissions, but are named all the same.
        if name.starts_with('.') {
            skip(found, &path, SkipReason::Hidden);
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            skip(found, &path, SkipReason::Unreadable);
            continue;
        };
        let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if linked && meta.is_dir() {
            skip(found, &path, SkipReason::LinkedFolder);
            continue;
        }
        let is_csv = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if meta.is_dir() {
            walk(&path, depth + 1, visited, found);
        } else if submission && is_csv {
            // A sheet of this folder's submission.
        } else if name.starts_with("~$") {
            skip(found, &path, SkipReason::LockFile);
        } else if !meta.is_file() {
            skip(found, &path, SkipReason::NotARegularFile);
        } else if is_workbook_name(&path) {
            found.submissions.push(path);
        } else if is_csv {
            skip(found, &path, SkipReason::CsvOutsideSubmission);
        } else {
            skip(found, &path, SkipReason::NotASubmission);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_submissions_at_any_depth_and_says_what_it_skipped() {
        let root = std::env::temp_dir().join(format!("iapt-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mk = |p: &str| {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        };
        mk("README.md");
        mk("reference/ccg.csv");
        mk("submissions/a/Header.csv");
        mk("submissions/a/Person.csv");
        mk("submissions/deep/er/b.xlsx");
        mk("submissions/deep/er/~$b.xlsx");
        mk("Header.csv");
        let d = discover(&root);
        let rel: Vec<String> =
            d.submissions.iter().map(|p| p.strip_prefix(&root).unwrap().display().to_string()).collect();
        assert_eq!(rel, ["", "submissions/a", "submissions/deep/er/b.xlsx"]);
        let skipped: Vec<(String, SkipReason)> =
            d.skipped.iter().map(|s| (s.path.strip_prefix(&root).unwrap().display().to_string(), s.why)).collect();
        assert_eq!(
            skipped,
            [
                ("README.md".to_owned(), SkipReason::NotASubmission),
                ("reference/ccg.csv".to_owned(), SkipReason::CsvOutsideSubmission),
                ("submissions/deep/er/~$b.xlsx".to_owned(), SkipReason::LockFile),
            ]
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
