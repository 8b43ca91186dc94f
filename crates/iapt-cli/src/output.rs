//! Where results go: standard output, or files replaced whole or not at all.
//!
//! A file is written to a temporary file beside it, synced, then renamed over its target, so a
//! failed or killed run never leaves a truncated file where the last complete one was. Nothing
//! is written through a symbolic link, and no output may be (or lie inside) an input.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::Fatal;

/// Numbers temporary names, so that two in one folder from one process never collide.
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name for a temporary sibling of `target`: `.name.tmp-<pid>-<n>`.
fn temporary(target: &Path) -> PathBuf {
    let name = target.file_name().map_or_else(Default::default, |n| n.to_string_lossy());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

fn cannot_write(path: &Path, e: &io::Error) -> Fatal {
    Fatal::new(format!("cannot write `{}`: {e}", path.display()))
}

/// Refuses `path` when it is a symbolic link: its target is somebody else's file.
pub fn refuse_symlink(path: &Path) -> Result<(), Fatal> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Fatal {
            message: format!("`{}` is a symbolic link; iapt does not write through one", path.display()),
            hint: Some("remove the link, or choose another path".into()),
        });
    }
    Ok(())
}

/// A file being written: the bytes go to a temporary file that replaces the target on
/// [`AtomicFile::commit`]. Dropped uncommitted (an error, a panic), it is removed.
pub struct AtomicFile {
    file: BufWriter<File>,
    /// `None` for a device or pipe, written in place.
    temp: Option<PathBuf>,
    target: PathBuf,
    committed: bool,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<AtomicFile, Fatal> {
        // `/dev/null`, `/dev/stdout` or a pipe holds no file to protect, and must not be replaced.
        if fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = OpenOptions::new().write(true).open(target).map_err(|e| cannot_write(target, &e))?;
            return Ok(AtomicFile {
                file: BufWriter::new(file),
                temp: None,
                target: target.to_owned(),
                committed: false,
            });
        }
        refuse_symlink(target)?;
        if target.file_name().is_none() {
            return Err(Fatal::new(format!("`{}` is not a file name", target.display())));
        }
        // `create_new` never opens an existing file, nor follows a link planted at the name.
        let (file, temp) = loop {
            let temp = temporary(target);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => break (file, temp),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(cannot_write(target, &e)),
            }
        };
        // A replaced file keeps its permissions (a private output stays private).
        if let Ok(meta) = fs::metadata(target) {
            let _ = file.set_permissions(meta.permissions());
        }
        Ok(AtomicFile { file: BufWriter::new(file), temp: Some(temp), target: target.to_owned(), committed: false })
    }

    /// Flushes and syncs the temporary file, then renames it over the target.
    pub fn commit(mut self) -> Result<(), Fatal> {
        let flushed = self.file.flush();
        let done = match &self.temp {
            None => flushed,
            Some(temp) => {
                flushed.and_then(|()| self.file.get_ref().sync_all()).and_then(|()| fs::rename(temp, &self.target))
            }
        };
        done.map_err(|e| cannot_write(&self.target, &e))?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (Some(temp), false) = (&self.temp, self.committed) {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Fatal> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| cannot_write(path, &e))?;
    file.commit()
}

/// The destination of a command's results.
pub enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(AtomicFile),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

impl Output {
    /// Flushes standard output, or puts the finished file in place.
    pub fn finish(self) -> Result<(), Fatal> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(|e| write_err(&e)),
            Output::File(f) => f.commit(),
        }
    }
}

/// Opens the destination of a command's results: standard output, or `--output FILE`.
pub fn open(path: Option<&Path>) -> Result<Output, Fatal> {
    Ok(match path {
        // `-` is standard output, as it is for most command-line tools.
        None => Output::Stdout(BufWriter::new(io::stdout().lock())),
        Some(p) if p == Path::new("-") => Output::Stdout(BufWriter::new(io::stdout().lock())),
        Some(p) => Output::File(AtomicFile::create(p)?),
    })
}

/// Maps a write failure to a fatal error; a closed pipe (`| head`) is not one.
pub fn write_err(e: &io::Error) -> Fatal {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Fatal::new(format!("cannot write the output: {e}"))
}

/// `path` with symbolic links and `..` resolved as far as it exists (an output may not yet).
fn resolve(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut rest = Vec::new();
    let mut base = path.as_path();
    loop {
        if let Ok(found) = base.canonicalize() {
            return rest.iter().rev().fold(found, |p, part| p.join(part));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                base = parent;
            }
            _ => return path,
        }
    }
}

/// Refuses an output (a flag and its path, if given) that is one of the `inputs` (files and
/// submission folders as discovered), lies inside one, or holds one: writing it would change a
/// submission.
pub fn refuse_inputs(outputs: &[(&str, Option<&Path>)], inputs: &[PathBuf]) -> Result<(), Fatal> {
    let inputs: Vec<(&PathBuf, PathBuf)> = inputs.iter().map(|p| (p, resolve(p))).collect();
    for &(flag, output) in outputs {
        // `--output -` is standard output (see [`open`]), never the folder `.` holds.
        let Some(output) = output.filter(|o| !(flag == "--output" && *o == Path::new("-"))) else { continue };
        let resolved = resolve(output);
        for (input, at) in &inputs {
            let clash = if resolved == *at {
                "is"
            } else if resolved.starts_with(at) {
                "is inside"
            } else if at.starts_with(&resolved) {
                "holds"
            } else {
                continue;
            };
            return Err(Fatal {
                message: format!("{flag} `{}` {clash} the input `{}`", output.display(), input.display()),
                hint: Some("write the output somewhere else: iapt never changes a submission".into()),
            });
        }
    }
    Ok(())
}

/// Checks that every file of `files` (paths relative to `dir`) can replace what is there:
/// no symbolic link on the way, a folder where a folder is needed and a file where a file is.
fn check_targets(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Fatal> {
    refuse_symlink(dir)?;
    if dir.exists() && !dir.is_dir() {
        return Err(Fatal::new(format!("`{}` is not a folder", dir.display())));
    }
    for (file, _) in files {
        let mut path = dir.to_owned();
        let mut parts = file.components().peekable();
        while let Some(part) = parts.next() {
            path.push(part);
            let Ok(meta) = fs::symlink_metadata(&path) else { break };
            refuse_symlink(&path)?;
            let last = parts.peek().is_none();
            if meta.is_dir() == last {
                let what = if last { "a folder where a file is to go" } else { "not a folder" };
                return Err(Fatal::new(format!("cannot replace `{}`: it is {what}", path.display())));
            }
        }
    }
    Ok(())
}

/// Makes `dir` and any missing parents; returns those it made, innermost first.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>, Fatal> {
    let missing: Vec<PathBuf> =
        dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).map(Path::to_owned).collect();
    fs::create_dir_all(dir).map_err(|e| {
        remove_dirs(&missing);
        Fatal::new(format!("cannot make the folder `{}`: {e}", dir.display()))
    })?;
    Ok(missing)
}

/// Removes folders [`create_dirs`] made; one holding anything stays.
fn remove_dirs(made: &[PathBuf]) {
    for d in made {
        let _ = fs::remove_dir(d);
    }
}

/// The process id in a name [`temporary`] made (`.name.tmp-<pid>-<n>`).
fn temporary_pid(name: &str) -> Option<u32> {
    let (_, rest) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    let (pid, n) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok())?
}

/// How long a dead run's leftovers stay: a process of another machine or container writing into
/// the same folder is not seen in this `/proc`, and no write of ours takes an hour.
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes from `dir` the temporary files and staging folders of runs that were killed before
/// they could (their process is gone, and an hour has passed), so that they do not pile up beside
/// the outputs. Only where `/proc` tells which processes live.
fn sweep_killed_runs(dir: &Path) {
    let (proc, own) = (Path::new("/proc"), std::process::id());
    if !proc.join(own.to_string()).exists() {
        return;
    }
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_pid) else { continue };
        if pid == own || proc.join(pid.to_string()).exists() {
            continue;
        }
        let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if age.is_none_or(|a| a < LEFTOVER_AGE) {
            continue;
        }
        // Neither call follows a symbolic link: a link is removed, never its target.
        let _ = match entry.file_type() {
            Ok(t) if t.is_dir() => fs::remove_dir_all(entry.path()),
            _ => fs::remove_file(entry.path()),
        };
    }
}

/// Writes `files` into a fresh staging folder inside `dir`; returns it.
fn stage(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<PathBuf, Fatal> {
    sweep_killed_runs(dir);
    let staging = loop {
        let staging = temporary(&dir.join("iapt"));
        match fs::create_dir(&staging) {
            Ok(()) => break staging,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(cannot_write(&staging, &e)),
        }
    };
    let written = files.iter().try_for_each(|(file, bytes)| {
        let path = staging.join(file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| cannot_write(parent, &e))?;
        }
        write_file(&path, bytes)
    });
    match written {
        Ok(()) => Ok(staging),
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Renames everything in `from` into `to`: a folder `to` lacks as a whole, others file by file.
fn move_into(from: &Path, to: &Path, moved: &mut usize) -> io::Result<()> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(from)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() && target.is_dir() {
            move_into(&entry.path(), &target, moved)?;
        } else {
            fs::rename(entry.path(), &target)?;
            *moved += 1;
        }
    }
    Ok(())
}

/// Writes `files` (paths relative to `dir`) all or nothing: every one into a staging folder
/// inside `dir` first, and only when all are written are they renamed into place.
pub fn replace_all(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Fatal> {
    let nothing = |f: Fatal| Fatal { message: format!("{}; no files were written", f.message), hint: f.hint };
    check_targets(dir, files).map_err(nothing)?;
    let made = create_dirs(dir).map_err(nothing)?;
    let staged = stage(dir, files).and_then(|staging| {
        // Checked again: the folder may have changed while the files were written.
        let checked = check_targets(dir, files);
        if checked.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        checked.map(|()| staging)
    });
    let staging = match staged {
        Ok(staging) => staging,
        Err(e) => {
            remove_dirs(&made);
            return Err(nothing(e));
        }
    };
    let mut moved = 0;
    let result = move_into(&staging, dir, &mut moved);
    let _ = fs::remove_dir_all(&staging);
    result.map_err(|e| {
        let done = if moved == 0 { "no files were written" } else { "some files were already replaced" };
        Fatal::new(format!("cannot move the new files into `{}`: {e}; {done}", dir.display()))
    })
}

/// Text from a submitted file can start with `=`, `+`, `-` or `@`; a spreadsheet would run it
/// as a formula, so such a cell is prefixed with an apostrophe.
pub fn csv_safe(s: &str) -> String {
    iapt_report::write::neutralise(s).into_owned()
}
