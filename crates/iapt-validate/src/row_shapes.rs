//! A sheet's plain cells counted by the shape of their rows. Most rows of a sheet share one
//! of a few shapes (which columns are filled, which hold a default, which apply): a row's
//! valid, default and missing cells are three bit sets by column, counted once per shape and
//! spread over the columns' tallies when the sheet ends, not counted a cell at a time.

use iapt_schema::{Column, Status};
use rustc_hash::FxHashMap;

use crate::ColumnTally;
use crate::field::Outcome;
use crate::sheet::RowScope;

/// The most columns a sheet's rows can be counted by shape (one bit each).
const MOST: usize = 64;

/// One row's cells as bit sets by column (bit `i` for schema column `i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RowBits {
    pub present: u64,
    pub default: u64,
    /// Invalid, or valid with a note: judged one by one.
    pub flagged: u64,
}

impl RowBits {
    /// Adds column `at`'s outcome.
    #[inline]
    pub(crate) fn add(&mut self, at: usize, outcome: &Outcome) {
        let bit = bit(at);
        if outcome.present {
            self.present |= bit;
        }
        if outcome.default {
            self.default |= bit;
        }
        if outcome.invalid.is_some() || outcome.note.is_some() {
            self.flagged |= bit;
        }
    }

    /// Adds a present, valid cell without a note at column `at`.
    #[inline]
    pub(crate) fn add_valid(&mut self, at: usize, default: bool) {
        let bit = bit(at);
        self.present |= bit;
        self.default |= if default { bit } else { 0 };
    }
}

/// Column `at`'s bit; none past the last bit (such sheets are not counted by shape).
#[inline]
fn bit(at: usize) -> u64 {
    u32::try_from(at).ok().and_then(|at| 1u64.checked_shl(at)).unwrap_or(0)
}

pub(crate) struct RowShapes {
    optional: u64,
    /// The columns that apply to a row, by [`RowScope`] (attended, treatment) as 2 bits.
    applies: [u64; 4],
    /// Rows by their (valid, default, missing) columns.
    counts: FxHashMap<[u64; 3], u64>,
}

/// How the row loop counts a column's cell: by its tally, or judged one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    Valid,
    Default,
    Missing,
    /// Not counted: empty where the column does not apply.
    Skipped,
    Judged,
}

/// How a cell is counted when it is `outcome` in a column that `applies` (or not) and is
/// optional (or not): the one definition, which [`RowShapes::count`] computes by bit sets.
pub(crate) fn counted(outcome: &Outcome, applies: bool, optional: bool) -> Counted {
    if outcome.invalid.is_some() || outcome.note.is_some() {
        return Counted::Judged;
    }
    match (outcome.present, applies) {
        (true, true) if outcome.default => Counted::Default,
        (true, true) => Counted::Valid,
        (false, false) => Counted::Skipped,
        (false, true) if optional => Counted::Missing,
        _ => Counted::Judged,
    }
}

impl RowShapes {
    /// `None` for a sheet of more than [`MOST`] columns (counted a cell at a time).
    pub(crate) fn new(columns: &[Column]) -> Option<RowShapes> {
        if columns.len() > MOST {
            return None;
        }
        let mask = |keep: &dyn Fn(&Column) -> bool| {
            columns.iter().enumerate().filter(|(_, c)| keep(c)).fold(0, |m, (i, _)| m | bit(i))
        };
        let scope = |k: usize| RowScope { attended: k & 2 != 0, treatment: k & 1 != 0 };
        Some(RowShapes {
            optional: mask(&|c| c.status == Status::Optional),
            applies: [0, 1, 2, 3].map(|k| mask(&|c| scope(k).applies(c))),
            counts: FxHashMap::default(),
        })
    }

    /// Counts a row's valid, default and missing cells; returns the columns to judge one by
    /// one (see [`counted`]).
    #[inline]
    pub(crate) fn count(&mut self, row: RowBits, scope: RowScope) -> u64 {
        let applies = self.applies[usize::from(scope.attended) * 2 + usize::from(scope.treatment)];
        let (present, plain) = (row.present, !row.flagged);
        let valid = plain & present & applies & !row.default;
        let default = plain & present & applies & row.default;
        let missing = plain & !present & applies & self.optional;
        *self.counts.entry([valid, default, missing]).or_default() += 1;
        row.flagged | (present & !applies) | (!present & applies & !self.optional)
    }

    /// Adds the rows counted to each column's tally.
    pub(crate) fn add_to(&self, tallies: &mut [ColumnTally]) {
        for (&[valid, default, missing], &rows) in &self.counts {
            for (i, tally) in tallies.iter_mut().enumerate().take(MOST) {
                let has = |set: u64| set & bit(i) != 0;
                tally.valid += if has(valid) { rows } else { 0 };
                tally.default += if has(default) { rows } else { 0 };
                tally.missing += if has(missing) { rows } else { 0 };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Invalid, Value};

    /// Counting by shape gives what counting each cell by [`counted`] gives, for every mix of
    /// outcomes, scopes and column statuses of a real sheet.
    #[test]
    fn shapes_count_as_each_cell() {
        let schema = iapt_schema::Schema::builtin();
        let outcomes = [
            Outcome::MISSING,
            Outcome { value: Value::Int(1), present: true, ..Outcome::MISSING },
            Outcome { value: Value::Int(1), present: true, default: true, ..Outcome::MISSING },
            Outcome { present: true, invalid: Some(Invalid::Number), ..Outcome::MISSING },
            Outcome { value: Value::Int(1), present: true, note: Some(crate::rules::INVALID_DATE), ..Outcome::MISSING },
        ];
        let mut seed = 7u64;
        for sheet in &schema.sheets {
            let columns = &sheet.columns;
            let mut shapes = RowShapes::new(columns).unwrap();
            let mut each = vec![ColumnTally::default(); columns.len()];
            for _ in 0..2_000 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let scope = RowScope { attended: seed >> 60 & 1 == 1, treatment: seed >> 61 & 1 == 1 };
                let mut row = RowBits::default();
                let mut judged = 0u64;
                for (i, column) in columns.iter().enumerate() {
                    let outcome = &outcomes[(seed >> (i % 20 * 3)) as usize % outcomes.len()];
                    row.add(i, outcome);
                    let tally = &mut each[i];
                    match counted(outcome, scope.applies(column), column.status == Status::Optional) {
                        Counted::Valid => tally.valid += 1,
                        Counted::Default => tally.default += 1,
                        Counted::Missing => tally.missing += 1,
                        Counted::Skipped => {}
                        Counted::Judged => judged |= bit(i),
                    }
                }
                assert_eq!(shapes.count(row, scope), judged, "{}", sheet.name);
            }
            let mut by_shape = vec![ColumnTally::default(); columns.len()];
            shapes.add_to(&mut by_shape);
            assert_eq!(by_shape, each, "{}", sheet.name);
        }
    }

    #[test]
    fn a_sheet_wider_than_the_bits_is_counted_a_cell_at_a_time() {
        let schema = iapt_schema::Schema::builtin();
        let column = schema.sheets[1].columns[0].clone();
        assert!(RowShapes::new(&vec![column.clone(); MOST]).is_some());
        assert!(RowShapes::new(&vec![column; MOST + 1]).is_none());
    }
}
