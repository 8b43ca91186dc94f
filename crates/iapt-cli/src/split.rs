//! `iapt validate --split DIR`: each sheet's rows as CSV into `DIR/accepted/` and
//! `DIR/rejected/`, every data row in exactly one, values as submitted. The accepted part is what
//! the statistics use; the rejected part carries the rules and messages that rejected each row.

use std::collections::BTreeMap;
use std::path::Path;

use iapt_schema::Schema;
use iapt_validate::Validation;

use crate::Fatal;
use crate::copy;

/// The CSV files of one split: (path relative to the split folder, bytes).
pub fn files(schema: &Schema, v: &Validation, limits: iapt_ingest::Limits) -> Result<Vec<(String, Vec<u8>)>, Fatal> {
    let file_level = copy::file_level(v);
    // Per sheet: the accepted and rejected writers, opened at the header row, and its width.
    type Writers = (csv::Writer<Vec<u8>>, csv::Writer<Vec<u8>>, copy::Marks, usize);
    let mut out: BTreeMap<usize, Writers> = BTreeMap::new();
    let mut failed: Option<csv::Error> = None;
    // The split is held in memory until it is written whole, and a workbook's shared string can
    // be repeated in every row: a few kilobytes may stand for gigabytes, so it is bounded as one
    // part of a workbook is. What is counted is what the writers hold, padding and messages
    // included, not the values alone.
    let mut too_big = false;
    copy::read_sheets(v, limits, &mut |sheet, row| {
        if failed.is_some() || too_big {
            return;
        }
        let mut cells: Vec<String> = (0..row.len()).map(|i| copy::text(row.get(i))).collect();
        let result = if let Some((accepted, rejected, marks, width)) = out.get_mut(&sheet) {
            if cells.iter().all(|c| c.trim().is_empty()) {
                return;
            }
            let mut why: Vec<usize> = marks.rejected.get(&row.number).cloned().unwrap_or_default();
            why.extend(&file_level);
            if why.is_empty() {
                accepted.write_record(&cells)
            } else {
                // A rejected record is padded to the widest row, so that the added columns line up.
                if cells.len() < *width {
                    cells.resize(*width, String::new());
                }
                let rules: Vec<&str> = why.iter().map(|&k| v.findings[k].rule.id).collect();
                let messages: Vec<String> = why.iter().map(|&k| v.findings[k].message(schema, true)).collect();
                rejected.write_record(
                    cells.iter().map(String::as_str).chain([rules.join(" ").as_str(), messages.join(" | ").as_str()]),
                )
            }
        } else {
            let writer = || csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            let (mut accepted, mut rejected) = (writer(), writer());
            // The rule columns go after the widest row, so that no value sits under them.
            let marks = copy::marks(v, sheet);
            let width = copy::width(v, sheet, &marks, cells.len());
            let mut header = cells.clone();
            header.resize(width, String::new());
            let written = accepted.write_record(&cells).and_then(|()| {
                rejected.write_record(header.iter().map(String::as_str).chain(["iapt_rules", "iapt_messages"]))
            });
            out.insert(sheet, (accepted, rejected, marks, width));
            written
        };
        // Flushed into the Vec, so that the writers' own buffers are counted too.
        let flushed = out.get_mut(&sheet).map_or(Ok(()), |(a, r, ..)| a.flush().and_then(|()| r.flush()));
        if let Err(e) = result.and_then(|()| Ok(flushed?)) {
            failed = Some(e);
        }
        let held: usize = out.values().map(|(a, r, ..)| a.get_ref().len() + r.get_ref().len()).sum();
        too_big = held as u64 > limits.entry_bytes;
    })?;
    if let Some(e) = failed {
        return Err(Fatal::new(format!("cannot write the split: {e}")));
    }
    if too_big {
        return Err(Fatal {
            message: format!(
                "the split of `{}` would hold more than {} bytes; no split file was written",
                crate::inputs::printable(&v.path.display().to_string()),
                iapt_ingest::thousands(limits.entry_bytes)
            ),
            hint: Some("a value repeated in many rows can make it so; --max-entry-bytes raises the limit".into()),
        });
    }
    let mut files = Vec::new();
    for (sheet, (accepted, rejected, ..)) in out {
        let name = &schema.sheets[sheet].name;
        for (folder, w) in [("accepted", accepted), ("rejected", rejected)] {
            let bytes = w.into_inner().map_err(|e| Fatal::new(format!("cannot write the split: {e}")))?;
            files.push((format!("{folder}/{name}.csv"), bytes));
        }
    }
    Ok(files)
}

/// Writes the split of one submission into `dir`, all files or none; a sheet's CSV left from an
/// earlier split that this one does not write is removed, so that no other submission's rows stay.
pub fn write(dir: &Path, files: Vec<(String, Vec<u8>)>, schema: &Schema) -> Result<(), Fatal> {
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let owned: Vec<(std::path::PathBuf, Vec<u8>)> = files.into_iter().map(|(n, b)| (n.into(), b)).collect();
    crate::output::replace_all(dir, &owned)?;
    for folder in ["accepted", "rejected"] {
        for sheet in &schema.sheets {
            let name = format!("{folder}/{}.csv", sheet.name);
            let stale = dir.join(&name);
            if !names.contains(&name) && stale.is_file() {
                std::fs::remove_file(&stale).map_err(|e| {
                    Fatal::new(format!("cannot remove `{}` left from an earlier split: {e}", stale.display()))
                })?;
            }
        }
    }
    Ok(())
}
