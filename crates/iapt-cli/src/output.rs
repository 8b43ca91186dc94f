//! Where results go: standard output or `--output FILE`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Fatal;

/// Opens the destination of a command's results.
pub fn open(path: Option<&Path>) -> Result<Box<dyn Write>, Fatal> {
    Ok(match path {
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
        Some(p) => Box::new(BufWriter::new(
            File::create(p).map_err(|e| Fatal::new(format!("cannot write `{}`: {e}", p.display())))?,
        )),
    })
}

/// Maps a write failure to a fatal error; a closed pipe (`| head`) is not one.
pub fn write_err(e: &std::io::Error) -> Fatal {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Fatal::new(format!("cannot write the output: {e}"))
}
