use std::fmt;
use std::path::PathBuf;

use crate::limits::{Limit, thousands};

/// A submission, or one of its sheets, that could not be read.
#[derive(Debug)]
pub struct IngestError {
    pub path: PathBuf,
    pub sheet: Option<String>,
    pub kind: IngestErrorKind,
}

/// Why a submission could not be read.
#[derive(Debug)]
pub enum IngestErrorKind {
    /// The file system refused (missing file, no permission).
    Io(std::io::Error),
    /// The extension is not one of the supported formats.
    UnsupportedFormat(String),
    /// The file is not the format its name says (a text file called `.xlsx`).
    NotAWorkbook(String),
    /// A password-protected workbook.
    Encrypted,
    /// The workbook's structure is broken (truncated zip, bad XML).
    Corrupt(String),
    /// A folder without any CSV file.
    NoCsvFiles,
    /// The named sheet is not in the file.
    SheetNotFound,
    /// A CSV file that is not UTF-8.
    NotUtf8 { line: u64, byte: u8 },
    /// A CSV file in UTF-16 (what Excel's "Unicode Text" writes).
    Utf16,
    /// The path is a folder, pipe, device or socket: reading one could block for ever.
    NotARegularFile,
    /// Two parts of the workbook's zip archive have the same name, or overlap.
    AmbiguousArchive(String),
    /// The file holds or declares more than a limit allows; `line` is where, when known.
    LimitExceeded { limit: Limit, found: u64, max: u64, line: Option<u64> },
    /// The reader failed inside (a panic caught at the submission's boundary).
    ReaderFailed(String),
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.path.display())?;
        if let Some(sheet) = &self.sheet {
            write!(f, " (sheet `{sheet}`)")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for IngestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestErrorKind::Io(e) => write!(f, "cannot be read: {e}"),
            IngestErrorKind::UnsupportedFormat(ext) => {
                write!(
                    f,
                    "`.{ext}` is not a supported format (use .xlsx, .xlsm, .xls, .xlsb, .ods or a folder of .csv files)"
                )
            }
            IngestErrorKind::NotAWorkbook(why) => write!(f, "is not a workbook: {why}"),
            IngestErrorKind::Encrypted => write!(f, "is a password-protected (encrypted) workbook"),
            IngestErrorKind::Corrupt(why) => write!(f, "is damaged and cannot be read: {why}"),
            IngestErrorKind::NoCsvFiles => write!(f, "is a folder with no .csv files"),
            IngestErrorKind::SheetNotFound => write!(f, "has no such sheet"),
            IngestErrorKind::NotUtf8 { line, byte } => {
                write!(
                    f,
                    "is not UTF-8: line {line} holds the byte 0x{byte:02X} (probably Windows-1252 or Latin-1 text)"
                )
            }
            IngestErrorKind::Utf16 => write!(f, "is UTF-16 or UTF-32 text, not UTF-8"),
            IngestErrorKind::NotARegularFile => {
                write!(f, "is not a regular file (a folder, pipe, device or socket), so it was not opened")
            }
            IngestErrorKind::AmbiguousArchive(why) => write!(f, "is not a well-formed workbook: {why}"),
            IngestErrorKind::LimitExceeded { limit, found, max, line } => {
                write!(f, "holds {} {}", thousands(*found), limit.what())?;
                if let Some(l) = line {
                    write!(f, " at line {}", thousands(*l))?;
                }
                write!(f, ", over the limit of {} ({} raises it)", thousands(*max), limit.flag())
            }
            IngestErrorKind::ReaderFailed(why) => write!(f, "could not be read: the reader failed inside ({why})"),
        }
    }
}

impl IngestErrorKind {
    /// A hint for the person who made the file.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            IngestErrorKind::Io(_) => "check the path and that the file is not open elsewhere",
            IngestErrorKind::UnsupportedFormat(_) | IngestErrorKind::NotAWorkbook(_) => {
                "open the file in Excel and save it as an Excel Workbook (.xlsx)"
            }
            IngestErrorKind::Encrypted => "remove the password (File > Info > Protect Workbook) and save again",
            IngestErrorKind::Corrupt(_) => "the file may be truncated: export or download it again",
            IngestErrorKind::NoCsvFiles => {
                "a CSV submission is a folder with Header.csv, Person.csv, Referral.csv, Appointment.csv"
            }
            IngestErrorKind::SheetNotFound => "check the sheet names",
            IngestErrorKind::NotUtf8 { .. } => "save the file as UTF-8 (in Excel: Save As > CSV UTF-8)",
            IngestErrorKind::Utf16 => "save the file as UTF-8 (in Excel: Save As > CSV UTF-8)",
            IngestErrorKind::NotARegularFile => "give the path of a saved workbook or a folder of CSV files",
            IngestErrorKind::AmbiguousArchive(_) => {
                "open the file in Excel and save it again as an Excel Workbook (.xlsx)"
            }
            IngestErrorKind::LimitExceeded { limit: Limit::ValueChars | Limit::RecordBytes, .. } => {
                "a value this long is usually a stray quote that swallowed the lines after it: check the quoting"
            }
            IngestErrorKind::LimitExceeded { .. } => {
                "no real submission comes near this: save the file again from Excel; if it is genuine, raise the limit"
            }
            IngestErrorKind::ReaderFailed(_) => "save the file again from Excel, and report the problem with iapt",
        }
    }
}

impl std::error::Error for IngestError {}
