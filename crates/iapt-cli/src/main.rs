//! The `iapt` command. It parses flags, calls the library crates and prints their results;
//! it computes nothing itself. Only this crate (and the report writers) know output formats.

mod alloc;
mod annotate;
mod copy;
mod explain_cmd;
mod inputs;
mod manifest;
mod outcomes_cmd;
mod output;
mod quality_cmd;
mod render;
mod report_cmd;
mod split;
mod template;
mod validate_cmd;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use iapt_ingest::Limits;
use iapt_schema::Schema;

/// Check IAPT data set submissions and produce the annual statistics.
#[derive(Parser)]
#[command(name = "iapt", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check one or more submissions (workbooks or CSV folders) against the data set.
    Validate(ValidateArgs),
    /// Completeness and validity of every data item, per provider, sheet and column.
    Quality(QualityArgs),
    /// One row per referral with every derived outcome fact, for a reporting period.
    Outcomes(OutcomesArgs),
    /// The annual report: tables T1-T7 under disclosure control, as XLSX, CSV, Markdown and HTML.
    Report(ReportArgs),
    /// Why one referral counts the way it does: its versions, appointments and every fact's definition.
    Explain(ExplainArgs),
    /// List the validation rules, or explain one (`iapt rules R014`).
    Rules(RulesArgs),
    /// Write an empty submission workbook with headers, notes, formats and drop-down lists.
    Template(TemplateArgs),
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Csv,
}

/// The submissions a command reads.
#[derive(Args, Clone)]
pub struct Inputs {
    /// Submissions: workbook files, CSV folders, or folders holding several submissions.
    #[arg(required = true, value_name = "INPUT")]
    pub paths: Vec<PathBuf>,
}

/// Where results go, which schema, how chatty: flags every command shares.
#[derive(Args, Clone)]
pub struct Io {
    /// Write the output to FILE instead of standard output (`-` is standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Use the data set definition in DIR instead of the built-in v1.0 schema.
    #[arg(long, value_name = "DIR")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub chatter: Chatter,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What a command prints on standard error besides its results: every command takes both.
#[derive(Args, Clone, Copy)]
pub struct Chatter {
    /// Print nothing but the results (no progress, no summary on standard error).
    #[arg(long, short)]
    pub quiet: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl Chatter {
    /// Whether a progress bar may be drawn (it still needs a terminal).
    pub fn progress(self) -> bool {
        !self.quiet && !self.no_progress
    }
}

/// How much one submission may hold. The defaults are far above any real submission; a file
/// over one stops with finding IAPT-F011, which names the flag to raise it.
#[derive(Args, Clone)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Bytes one part of a workbook (a sheet, the shared strings) may inflate to; also the bytes
    /// one `--split` writes, messages included.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().entry_bytes)]
    pub max_entry_bytes: u64,
    /// Bytes all parts of one workbook may inflate to.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().workbook_bytes)]
    pub max_workbook_bytes: u64,
    /// Rows in one sheet.
    #[arg(long, value_name = "N", default_value_t = Limits::default().rows)]
    pub max_rows: u32,
    /// Columns in one sheet.
    #[arg(long, value_name = "N", default_value_t = Limits::default().columns)]
    pub max_columns: u32,
    /// Cells of one sheet held in memory (.xls, .xlsb and .ods sheets are read whole).
    #[arg(long, value_name = "N", default_value_t = Limits::default().cells)]
    pub max_cells: u64,
    /// Characters in one value.
    #[arg(long, value_name = "N", default_value_t = Limits::default().value_chars)]
    pub max_value_chars: u32,
    /// Entries in a workbook's shared-strings table.
    #[arg(long, value_name = "N", default_value_t = Limits::default().shared_strings)]
    pub max_shared_strings: u64,
    /// Bytes in one CSV record.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().record_bytes)]
    pub max_record_bytes: u64,
    /// Findings of one rule kept per submission (the rest are counted; 0 still keeps one of each
    /// file-level rule).
    #[arg(long, value_name = "N", default_value_t = Limits::default().findings_per_rule)]
    pub max_findings: u32,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            entry_bytes: self.max_entry_bytes,
            workbook_bytes: self.max_workbook_bytes,
            rows: self.max_rows,
            columns: self.max_columns,
            cells: self.max_cells,
            value_chars: self.max_value_chars,
            shared_strings: self.max_shared_strings,
            record_bytes: self.max_record_bytes,
            findings_per_rule: self.max_findings,
        }
    }
}

/// The shared flags of the commands whose default output is for people.
#[derive(Args, Clone)]
pub struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub io: Io,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub common: Common,
    /// Show values that identify a person (NHS number, birth date, postcode) unmasked.
    #[arg(long)]
    pub show_values: bool,
    /// Judge "not in the future" against this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true)]
    pub today: Option<String>,
    /// How many findings of each rule the human output lists before "+N more".
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_per_rule: usize,
    /// Also write each submission back as a workbook with every problem cell filled and noted and
    /// a first `Problems` sheet linking to each (OUT.xlsx for one input, else a folder with one
    /// workbook per input). The copy shows the submitter's own values unmasked: it is their data.
    #[arg(long, value_name = "OUT.xlsx|DIR")]
    pub annotate: Option<PathBuf>,
    /// Also write each sheet's rows as CSV into DIR/accepted/ and DIR/rejected/ (the rejected
    /// rows with the rules and messages that rejected them), every row in exactly one; values as
    /// submitted. With several inputs, one such folder per input inside DIR.
    #[arg(long, value_name = "DIR")]
    pub split: Option<PathBuf>,
}

#[derive(Args)]
pub struct QualityArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub common: Common,
    /// Exit 1 when a provider's data-quality score is below N (a percentage, 0 to 100).
    #[arg(long, value_name = "N", value_parser = percentage)]
    pub min_score: Option<f64>,
    /// Also write a heat map of providers by data item to FILE (HTML, readable offline).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Machine-readable output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Json,
}

/// The reporting period: a financial year, or any span.
#[derive(Args, Clone)]
pub struct When {
    /// The financial year, 1 April to 31 March (e.g. 2012-13).
    #[arg(long, value_name = "YYYY-YY", conflicts_with = "period")]
    pub year: Option<String>,
    /// Any other span, START..END (e.g. 2012-04-01..2012-06-30); outputs are titled by its dates.
    #[arg(long, value_name = "START..END")]
    pub period: Option<String>,
}

#[derive(Args)]
pub struct OutcomesArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub when: When,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
    /// Show a LOCAL_PATIENT_ID shaped like an NHS number, date or postcode unmasked.
    #[arg(long)]
    pub show_values: bool,
    #[command(flatten)]
    pub io: Io,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// The referral: its provider's code and SERVICE_REQUEST_ID (e.g. RX4/R001).
    #[arg(long, value_name = "PROVIDER/SERVICE_REQUEST_ID")]
    pub referral: String,
    #[command(flatten)]
    pub when: When,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub format: SummaryFormat,
    /// Show the NHS number unmasked.
    #[arg(long)]
    pub show_values: bool,
    #[command(flatten)]
    pub io: Io,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Where to write the report's files.
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: PathBuf,
    #[command(flatten)]
    pub when: When,
    /// Disclosure control preset: `default` (the 2012-13 rule) or `nhs-2018`.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub disclosure: String,
    /// Internal use: no suppression or rounding; every output is stamped NOT FOR PUBLICATION.
    #[arg(long)]
    pub unrounded: bool,
    /// Replace reference files (area teams, CCG mapping, providers, census) by those in DIR.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// What to print when the files are written: the key facts (`human`) or the manifest (`json`).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub format: SummaryFormat,
    /// Use the data set definition in DIR instead of the built-in v1.0 schema.
    #[arg(long, value_name = "DIR")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub chatter: Chatter,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What `iapt report` prints on standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Human,
    Json,
}

#[derive(Args)]
pub struct RulesArgs {
    /// A rule id (`IAPT-R014`, `R014`) or name (`end-date-order`) to explain.
    pub rule: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the output to FILE instead of standard output (`-` is standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Args)]
pub struct TemplateArgs {
    /// Where to write the workbook.
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// Use the data set definition in DIR instead of the built-in v1.0 schema.
    #[arg(long, value_name = "DIR")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub chatter: Chatter,
}

/// A failure that ends the command with exit code 2.
pub struct Fatal {
    pub message: String,
    pub hint: Option<String>,
}

impl Fatal {
    pub fn new(message: impl Into<String>) -> Fatal {
        Fatal { message: message.into(), hint: None }
    }
}

pub fn load_schema(dir: Option<&PathBuf>) -> Result<Schema, Fatal> {
    match dir {
        None => Ok(Schema::builtin()),
        Some(d) => Schema::from_dir(d).map_err(|e| Fatal {
            message: format!("the schema folder has {}:\n{e}", problems(e.0.len())),
            hint: Some(
                "a schema folder holds datapackage.json and codes/*.csv, laid out like schemas/iapt-v1.0/".into(),
            ),
        }),
    }
}

/// A percentage from 0 to 100; `NaN` fails every comparison, so no score is below it and every
/// file would pass.
fn percentage(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if (0.0..=100.0).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

/// "1 problem", "3 problems".
pub fn problems(n: usize) -> String {
    if n == 1 { "1 problem".into() } else { format!("{n} problems") }
}

/// Whether colours and progress may be drawn on standard error.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

fn main() -> ExitCode {
    alloc::return_large_blocks();
    // A reader that fails on a crafted file is caught at the file's boundary and reported as
    // a finding. The hook names only the place in the code: the message may quote a value.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        #[allow(clippy::print_stderr)]
        {
            eprintln!("iapt: a reader failed inside{at} (the file is reported, the rest read on)");
        }
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate_cmd::run(&args),
        Command::Quality(args) => quality_cmd::run(&args),
        Command::Outcomes(args) => outcomes_cmd::run(&args),
        Command::Report(args) => report_cmd::run(&args),
        Command::Explain(args) => explain_cmd::run(&args),
        Command::Rules(args) => render::rules(&args),
        Command::Template(args) => template::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(fatal) => {
            render::fatal(&fatal);
            ExitCode::from(2)
        }
    }
}
