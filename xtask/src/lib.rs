//! The parts of the maintainer tasks that tests use too.

pub mod calibrate;

use std::path::PathBuf;

/// The workspace root, from xtask's own manifest directory.
#[must_use]
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}
