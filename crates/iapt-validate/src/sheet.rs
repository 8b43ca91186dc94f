//! Reading one sheet against its schema: the header row, then every row's cells parsed by
//! column type, with findings and per-column tallies. What the values mean across columns
//! and records is `assemble`'s business.

use iapt_ingest::Row;
use iapt_schema::{Column, Kind, Schema, Scope, Sheet, Status};

use crate::ColumnTally;
use crate::csv_cells::CsvCells;
use crate::field::{self, Outcome, Value};
use crate::finding::Finding;
use crate::row_shapes::{self, Counted, RowBits, RowShapes};
use crate::rules::{self, Rule};

/// Which rows a scoped column applies to, decided per row from the row's own values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowScope {
    pub attended: bool,
    pub treatment: bool,
}

impl RowScope {
    pub(crate) const ALL: RowScope = RowScope { attended: true, treatment: true };

    pub(crate) fn applies(self, col: &Column) -> bool {
        match col.scope {
            Scope::AllRows => self.attended || !col.only_when_attended,
            Scope::Attended => self.attended,
            Scope::AttendedTreatment => self.attended && self.treatment,
        }
    }
}

/// Which of the data set's sheets a reader reads, resolved once from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SheetKind {
    Header,
    Person,
    Referral,
    Appointment,
    Pause,
    Other,
}

impl SheetKind {
    fn of(name: &str) -> SheetKind {
        match name {
            "Header" => SheetKind::Header,
            "Person" => SheetKind::Person,
            "Referral" => SheetKind::Referral,
            "Appointment" => SheetKind::Appointment,
            "WaitingTimePause" => SheetKind::Pause,
            _ => SheetKind::Other,
        }
    }
}

pub(crate) struct SheetReader<'s> {
    pub schema: &'s Schema,
    pub sheet: &'s Sheet,
    pub kind: SheetKind,
    index: u8,
    workbook: bool,
    /// For each schema column, its column in the file.
    map: Vec<Option<u32>>,
    /// For each file column, whether it has a header (known or not).
    headed: Vec<bool>,
    /// File columns inside the header's width that have no header.
    unheaded: Vec<usize>,
    tallies: Vec<ColumnTally>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// The current row's cells as read, one per schema column.
    pub slots: Vec<Outcome>,
    /// Each column's cell as text (normalised for text columns).
    pub texts: Vec<String>,
    /// What explains each column's note or invalid value in the current row.
    details: Vec<String>,
    last_row: u32,
    blank_run: Option<(u32, u32)>,
    /// The current row's columns judged one by one (kept to reuse its memory).
    others: Vec<usize>,
    /// The columns grouped by type, for CSV rows.
    csv_cells: CsvCells<'s>,
    /// The rows' plain cells counted by shape; `None` for a sheet too wide for that.
    shapes: Option<RowShapes>,
}

/// Reports the header's unknown names and the data set's columns it lacks, each with the
/// nearest name as a hint; `false` when a mandatory column is missing.
fn header_gaps(
    sheet: &iapt_schema::Sheet,
    index: u8,
    map: &[Option<u32>],
    unknown: &[(u32, String)],
    out: &mut Vec<Finding>,
) -> bool {
    let at = |rule: &'static Rule| {
        let mut f = Finding::new(rule);
        f.sheet = Some(index);
        f
    };
    let mut ok = true;
    let missing: Vec<usize> = (0..map.len()).filter(|&i| map[i].is_none()).collect();
    for (col, name) in unknown {
        let mut f = at(rules::UNKNOWN_COLUMN);
        f.row = 1;
        f.col = Some(*col);
        f.value = Some(name.as_str().into());
        let near = nearest(name, missing.iter().map(|&i| sheet.columns[i].name.as_str()));
        f.detail = near.map(|n| format!("; did you mean `{n}`?").into());
        let known = |n: &str| sheet.columns.iter().any(|c| c.name.eq_ignore_ascii_case(n.trim()));
        if name.contains(';') && name.split(';').any(known) {
            f.detail = Some("; the names are separated by semicolons: save the file as CSV with commas".into());
        }
        out.push(f);
    }
    for &i in &missing {
        let column = &sheet.columns[i];
        let near = nearest(&column.name, unknown.iter().map(|(_, n)| n.as_str()));
        let rule = match column.status {
            Status::Mandatory => rules::MISSING_MANDATORY_COLUMN,
            Status::Required => rules::MISSING_COLUMN,
            Status::Optional => continue,
        };
        let mut f = at(rule);
        f.row = 1;
        f.field = u16::try_from(i).ok();
        f.detail = near.map(|n| format!(" (is `{n}` this column misspelt?)").into());
        ok &= column.status != Status::Mandatory;
        out.push(f);
    }
    ok
}

impl<'s> SheetReader<'s> {
    /// Reads the header row; `None` when the sheet cannot be read on (a file-level finding).
    pub(crate) fn new(
        schema: &'s Schema,
        index: u8,
        header: &Row<'_>,
        workbook: bool,
        out: &mut Vec<Finding>,
    ) -> Option<Self> {
        let sheet = &schema.sheets[usize::from(index)];
        let at = |rule: &'static Rule| {
            let mut f = Finding::new(rule);
            f.sheet = Some(index);
            f
        };
        if header.number != 1 {
            let mut f = at(rules::BAD_HEADER_ROW);
            f.row = header.number;
            f.detail = Some(format!(": row 1 is empty and the first filled row is {}", header.number).into());
            out.push(f);
            return None;
        }
        let mut first = String::new();
        field::cell_text(header.get(0), &mut first);
        if first.len() <= 5 && first.to_ascii_lowercase().starts_with("sep=") {
            let mut f = at(rules::BAD_HEADER_ROW);
            f.row = 1;
            // `sep=,` is read as two cells, `sep=` and an empty one.
            let line = if first.len() == 4 { "sep=," } else { first.as_str() };
            f.detail = Some(format!(": row 1 is Excel's `{line}` line, which names the separator; delete it").into());
            out.push(f);
            return None;
        }
        let mut map: Vec<Option<u32>> = vec![None; sheet.columns.len()];
        let mut headed = vec![false; header.len()];
        let mut unknown = Vec::new();
        let mut ok = true;
        let mut text = String::new();
        #[allow(clippy::needless_range_loop)] // `c` is also the cell's column in `header`.
        for c in 0..header.len() {
            text.clear();
            field::cell_text(header.get(c), &mut text);
            if text.is_empty() {
                continue;
            }
            headed[c] = true;
            let col = u32::try_from(c).unwrap_or(u32::MAX);
            match sheet.columns.iter().position(|k| k.name.eq_ignore_ascii_case(&text)) {
                Some(i) if map[i].is_some() => {
                    let mut f = at(rules::DUPLICATE_COLUMN);
                    f.row = 1;
                    f.col = Some(col);
                    f.field = u16::try_from(i).ok();
                    let first = map[i].unwrap_or(0) as usize;
                    f.detail = Some(
                        format!(
                            " (columns {} and {})",
                            iapt_ingest::column_letters(first),
                            iapt_ingest::column_letters(c)
                        )
                        .into(),
                    );
                    out.push(f);
                    ok = false;
                }
                Some(i) => map[i] = Some(col),
                None => unknown.push((col, text.clone())),
            }
        }
        ok &= header_gaps(sheet, index, &map, &unknown, out);
        if !ok {
            return None;
        }
        let tallies = (0..sheet.columns.len()).map(|column| ColumnTally { column, ..ColumnTally::default() }).collect();
        Some(SheetReader {
            csv_cells: CsvCells::new(&sheet.columns, &map, schema),
            shapes: RowShapes::new(&sheet.columns),
            schema,
            sheet,
            kind: SheetKind::of(&sheet.name),
            index,
            unheaded: (0..headed.len()).filter(|&c| !headed[c]).collect(),
            workbook,
            map,
            headed,
            tallies,
            rows_read: 0,
            rows_rejected: 0,
            slots: vec![Outcome::MISSING; sheet.columns.len()],
            texts: vec![String::new(); sheet.columns.len()],
            details: vec![String::new(); sheet.columns.len()],
            last_row: 1,
            blank_run: None,
            others: Vec::new(),
        })
    }

    /// Each column's tally, complete: a row a column applies to is counted once as valid,
    /// default, invalid or missing, so its rows are their sum (not counted a cell at a time).
    pub(crate) fn into_tallies(self) -> Vec<ColumnTally> {
        let mut tallies = self.tallies;
        if let Some(shapes) = &self.shapes {
            shapes.add_to(&mut tallies);
        }
        for t in &mut tallies {
            t.rows = t.valid + t.default + t.invalid + t.missing;
        }
        tallies
    }

    /// A finding at `row` in schema column `column`.
    pub(crate) fn finding(&self, rule: &'static Rule, row: u32, column: Option<usize>) -> Finding {
        let mut f = Finding::new(rule);
        f.sheet = Some(self.index);
        f.row = row;
        if let Some(i) = column {
            f.col = self.map[i];
            f.field = u16::try_from(i).ok();
        }
        f
    }

    /// A finding carrying column `i`'s current cell as its value.
    pub(crate) fn value_finding(&self, rule: &'static Rule, row: u32, i: usize) -> Finding {
        let mut f = self.finding(rule, row, Some(i));
        if self.texts[i].is_empty() {
            // A cell read without its text: a typed workbook cell, or a plainly valid CSV code,
            // date or number, written as its value is (as its list spells it, ISO, digits).
            let mut text = String::new();
            match (&self.sheet.columns[i].kind, self.slots[i].value) {
                (Kind::Code(list), Value::Code(c)) => {
                    text.push_str(&self.schema.list(*list).codes[usize::from(c)].code)
                }
                (_, value) => field::value_text(value, &mut text),
            }
            f.value = Some(text.into());
        } else {
            f.value = Some(self.texts[i].as_str().into());
        }
        f
    }

    /// Reads a data row's cells into `slots` and `texts`, reporting field-level findings.
    /// Returns `None` for a blank row (reported later if records follow it), else whether a
    /// field rule rejected the row.
    pub(crate) fn read_row(
        &mut self,
        row: &Row<'_>,
        scope: impl Fn(&Self) -> RowScope,
        out: &mut Vec<Finding>,
    ) -> Option<bool> {
        let spans = self.shape(row, out)?;
        let n = self.sheet.columns.len();
        let (slots, texts, details) = (&mut self.slots[..n], &mut self.texts[..n], &mut self.details[..n]);
        let (columns, map) = (&self.sheet.columns[..n], &self.map[..n]);
        let mut bits = RowBits::default();
        match row.csv() {
            // Every cell of a CSV file is text: read by type, a loop for each.
            Some(csv) if !self.workbook => {
                let field = |c: u32| csv.field(c as usize);
                let mut cells = crate::csv_cells::Cells { slots, texts, details, bits };
                self.csv_cells.read(field, self.schema, &mut cells);
                bits = cells.bits;
            }
            _ => {
                for i in 0..n {
                    texts[i].clear();
                    details[i].clear();
                    let cell = map[i].map_or(iapt_ingest::CellValue::Empty, |c| row.get(c as usize));
                    slots[i] = if matches!(cell, iapt_ingest::CellValue::Empty) {
                        field::Outcome::MISSING
                    } else {
                        field::parse(cell, &columns[i], self.schema, self.workbook, &mut texts[i], &mut details[i])
                    };
                    bits.add(i, &slots[i]);
                }
            }
        }
        let scope = scope(self);
        let mut rejected = spans;
        // Most cells are valid, or empty and optional: they are counted by the row's shape (or
        // here, a cell at a time, for a sheet too wide for that); the rest (those that may make
        // findings) are judged one by one after, in column order.
        if let Some(shapes) = &mut self.shapes {
            let mut judged = shapes.count(bits, scope);
            while judged != 0 {
                let i = judged.trailing_zeros() as usize;
                judged &= judged - 1;
                rejected |= self.judge(i, scope, row.number, out);
            }
            return Some(rejected);
        }
        let mut others = std::mem::take(&mut self.others);
        others.clear();
        let n = self.sheet.columns.len();
        let (slots, tallies, columns) = (&self.slots[..n], &mut self.tallies[..n], &self.sheet.columns[..n]);
        for i in 0..n {
            let optional = columns[i].status == Status::Optional;
            match row_shapes::counted(&slots[i], scope.applies(&columns[i]), optional) {
                Counted::Valid => tallies[i].valid += 1,
                Counted::Default => tallies[i].default += 1,
                Counted::Missing => tallies[i].missing += 1,
                Counted::Skipped => {}
                Counted::Judged => others.push(i),
            }
        }
        for &i in &others {
            rejected |= self.judge(i, scope, row.number, out);
        }
        self.others = others;
        Some(rejected)
    }

    /// The findings of column `i`'s cell in the current row; whether they reject the row.
    fn judge(&mut self, i: usize, scope: RowScope, row: u32, out: &mut Vec<Finding>) -> bool {
        let header_sheet = self.sheet.exactly_one_row;
        let column = &self.sheet.columns[i];
        let slot = self.slots[i];
        let applies = scope.applies(column);
        if !applies && slot.present && !scope.attended && column.only_when_attended {
            out.push(self.value_finding(rules::VALUE_ON_MISSED_APPOINTMENT, row, i));
            self.slots[i].value = Value::Missing;
            return false;
        }
        if !applies && !slot.present {
            return false;
        }
        let mandatory = column.status == Status::Mandatory;
        let tally = &mut self.tallies[i];
        if let Some(kind) = slot.invalid {
            tally.invalid += 1;
            let detail = &self.details[i];
            let (rule, detail) = if header_sheet && mandatory {
                (rules::HEADER_VALUE, detail.trim_start_matches(": ").trim_start())
            } else {
                (kind.rule(mandatory), detail.as_str())
            };
            let mut f = self.value_finding(rule, row, i);
            f.detail = Some(detail.into());
            out.push(f);
            return mandatory;
        }
        if !slot.present {
            tally.missing += 1;
            if self.map[i].is_none() {
                // An absent column was reported once, from the header row.
                return false;
            }
            let rule = match column.status {
                Status::Mandatory if header_sheet => rules::HEADER_VALUE,
                Status::Mandatory => rules::MISSING_MANDATORY,
                Status::Required => rules::MISSING_REQUIRED,
                Status::Optional => return false,
            };
            let mut f = self.finding(rule, row, Some(i));
            if header_sheet {
                f.detail = Some("it is empty".into());
            }
            out.push(f);
            return mandatory;
        }
        if slot.default {
            tally.default += 1;
        } else {
            tally.valid += 1;
        }
        if let Some(rule) = slot.note {
            let mut f = self.value_finding(rule, row, i);
            f.detail = (!self.details[i].is_empty()).then(|| self.details[i].as_str().into());
            out.push(f);
        }
        false
    }

    /// The row as a whole: blank (`None`, remembered for the gap it may leave), after a gap, over
    /// several lines, ragged, or with values under no header. `Some(true)` when it spans lines.
    #[inline]
    fn shape(&mut self, row: &Row<'_>, out: &mut Vec<Finding>) -> Option<bool> {
        if row.is_blank() {
            let start = self.blank_run.map_or(row.number, |(s, _)| s);
            self.blank_run = Some((start, row.number));
            return None;
        }
        // Rows the reader skipped, or blank rows seen before this one, lie between records.
        let gap_start = self.blank_run.take().map_or(self.last_row + 1, |(s, _)| s.min(self.last_row + 1));
        if row.number > gap_start && self.rows_read > 0 {
            let mut f = self.finding(rules::EMPTY_ROW, gap_start, None);
            if row.number - gap_start > 1 {
                f.detail = Some(format!(" (rows {gap_start} to {} are empty)", row.number - 1).into());
            }
            out.push(f);
        }
        self.last_row = row.last;
        self.rows_read += 1;

        // A quoted line break hides the lines it spans inside one value: reject the record and
        // name the lines, so that nothing is dropped unseen.
        let spans = !self.workbook && row.last > row.number;
        if spans {
            let mut f = self.finding(rules::MULTI_LINE_RECORD, row.number, None);
            f.detail = Some(format!("{} to {}", row.number, row.last).into());
            out.push(f);
        }
        if !self.workbook && row.len() != self.headed.len() {
            let mut f = self.finding(rules::RAGGED_ROW, row.number, None);
            f.value = Some(row.len().to_string().into());
            f.detail = Some(self.headed.len().to_string().into());
            out.push(f);
        }
        for c in self.unheaded.iter().copied().chain(self.headed.len()..row.len()) {
            if !row.get(c).is_blank() {
                let mut f = self.finding(rules::VALUE_WITHOUT_HEADER, row.number, None);
                f.col = u32::try_from(c).ok();
                let mut text = String::new();
                field::cell_text(row.get(c), &mut text);
                f.value = Some(text.into());
                out.push(f);
            }
        }
        Some(spans)
    }

    /// Column `i`'s text, when its value is valid text.
    pub(crate) fn text(&self, i: usize) -> Option<&str> {
        (self.slots[i].value == Value::Text).then(|| self.texts[i].as_str())
    }
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo.
fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_uppercase();
    candidates
        .map(|c| (edit_distance(&name, &c.to_ascii_uppercase()), c))
        .filter(|&(d, c)| d > 0 && d <= 3.max(c.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["NHS_NUMBER", "POSTCODE", "GENDER"];
        assert_eq!(nearest("NHS_NUMBR", names.iter().copied()), Some("NHS_NUMBER"));
        assert_eq!(nearest("nhs number", names.iter().copied()), Some("NHS_NUMBER"));
        assert_eq!(nearest("FAVOURITE_COLOUR", names.iter().copied()), None);
    }
}
