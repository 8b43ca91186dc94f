//! A synthetic England 2012-13 for demos, tests and benchmarks.
//!
//! [`generate`] builds a world ([`world`]: 27 area teams, 211 CCGs, about 150 providers,
//! people whose gender, age and ethnicity follow the published shares) and lives each
//! referral through events: assessment, treatment and missed appointments, scores, pauses,
//! an end. It writes them as v1.0 submissions (one per provider for the year, or one per
//! provider and month), plus the reference tables the report needs. It writes no derived
//! fact: the published rates emerge when the outcome engine derives them. The same seed and
//! options give byte-identical output.

#![forbid(unsafe_code)]

mod defects;
mod rng;
pub mod world;
mod write;

use std::path::{Path, PathBuf};

pub use defects::Defect;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// 1.0 is the national year (883,968 referrals).
    pub scale: f64,
    pub seed: u64,
    pub format: OutputFormat,
    /// One submission per provider per month instead of one per provider for the year.
    pub monthly: bool,
    /// Share of rows given a data-quality defect (listed in `defects.csv`).
    pub defects: f64,
    /// Only the first N providers.
    pub providers: Option<usize>,
    /// Every referral goes to one provider: a provider-year file for benchmarks.
    pub single_provider: bool,
}

/// The year of `cargo xtask demo` and the report's snapshot tests: 1% of England, fixed seed.
pub const DEMO: Config = Config {
    scale: 0.01,
    seed: 2013,
    format: OutputFormat::Csv,
    monthly: false,
    defects: 0.0,
    providers: None,
    single_provider: false,
};

impl Default for Config {
    fn default() -> Config {
        DEMO
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Csv,
    Xlsx,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub people: u64,
    pub referrals: u64,
    pub appointments: u64,
    pub submissions: Vec<PathBuf>,
    pub defects: Vec<Defect>,
}

/// A failure to write the output, naming the path.
#[derive(Debug)]
pub struct SynthError(pub String);

impl std::fmt::Display for SynthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SynthError {}

/// Generates the world and writes it under `out` (`submissions/`, `reference/`, `README.md`,
/// and `defects.csv` when defects are asked for).
pub fn generate(config: &Config, out: &Path) -> Result<Summary, SynthError> {
    write::generate(config, out)
}
