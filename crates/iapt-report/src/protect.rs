//! A block of counts (a row per unit, a column per measure) passed through disclosure control,
//! and the published cells derived from it: counts, percentages of them, medians.

use crate::disclosure::{Count, DisclosureRule, secondary};
use crate::model::Cell;

/// The counts of some units, with what may be published of each.
pub struct Protected {
    rule: Option<DisclosureRule>,
    columns: usize,
    values: Vec<u64>,
    cells: Vec<Count>,
}

impl Protected {
    /// `values[unit][column]`. With no rule (England, or an unrounded run) every count is shown
    /// as it is. Otherwise each count passes the rule, then secondary suppression runs over
    /// every `additive` column (its units sum to a published national total) and every
    /// `row_groups` set of columns: a total and its parts, where one hidden cell could be
    /// recovered from the others (a hidden total with one hidden part gives nothing away).
    #[must_use]
    pub fn new(
        rule: Option<DisclosureRule>,
        values: &[Vec<u64>],
        additive: &[bool],
        row_groups: &[Vec<usize>],
    ) -> Protected {
        let columns = additive.len();
        let flat: Vec<u64> = values.iter().flat_map(|row| row.iter().copied()).collect();
        let Some(r) = rule else {
            return Protected { rule, columns, cells: flat.iter().map(|&v| Count::Shown(v)).collect(), values: flat };
        };
        let mut cells: Vec<Count> = flat.iter().map(|&v| r.count(v)).collect();
        if r.secondary {
            let units = values.len();
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for (c, _) in additive.iter().enumerate().filter(|(_, a)| **a) {
                groups.push((0..units).map(|u| u * columns + c).collect());
            }
            for u in 0..units {
                for g in row_groups {
                    groups.push(g.iter().map(|&c| u * columns + c).collect());
                }
            }
            secondary(&flat, &mut cells, &groups);
        }
        Protected { rule, columns, values: flat, cells }
    }

    /// The true value.
    #[cfg(test)]
    fn value(&self, unit: usize, column: usize) -> u64 {
        self.values[unit * self.columns + column]
    }

    #[must_use]
    pub fn suppressed(&self, unit: usize, column: usize) -> bool {
        self.cells[unit * self.columns + column] == Count::Suppressed
    }

    /// The count as published.
    #[must_use]
    pub fn count(&self, unit: usize, column: usize) -> Cell {
        match self.cells[unit * self.columns + column] {
            Count::Shown(n) => Cell::Count(n),
            Count::Suppressed => Cell::Suppressed,
        }
    }

    /// `100 × part / whole`: withheld with either count, not applicable with no denominator,
    /// from rounded counts when the rule says so.
    #[must_use]
    pub fn percent(&self, unit: usize, part: usize, whole: usize) -> Cell {
        let at = |c: usize| unit * self.columns + c;
        let (p, w) = (self.cells[at(part)], self.cells[at(whole)]);
        let (num, den) = match (p, w, self.rule) {
            (Count::Suppressed, _, _) | (_, Count::Suppressed, _) => return Cell::Suppressed,
            (Count::Shown(p), Count::Shown(w), Some(r)) if r.rates_from_rounded => (p, w),
            _ => (self.values[at(part)], self.values[at(whole)]),
        };
        if den == 0 { Cell::NotApplicable } else { Cell::Percent(100.0 * num as f64 / den as f64) }
    }

    /// A figure that depends on the count in `column` (a median wait): withheld with it.
    #[must_use]
    pub fn depends_on(&self, unit: usize, column: usize, figure: Option<f64>, cell: fn(f64) -> Cell) -> Cell {
        if self.suppressed(unit, column) { Cell::Suppressed } else { figure.map_or(Cell::NotApplicable, cell) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::{DEFAULT, NHS_2018};

    #[test]
    fn england_is_unrounded_and_sub_national_rows_are_protected() {
        let values = vec![vec![1234, 3]];
        let national = Protected::new(None, &values, &[true, true], &[]);
        assert_eq!(national.count(0, 0), Cell::Count(1234));
        assert_eq!(national.count(0, 1), Cell::Count(3));
        let local = Protected::new(Some(DEFAULT), &values, &[true, true], &[]);
        assert_eq!(local.count(0, 0), Cell::Count(1235));
        assert_eq!(local.count(0, 1), Cell::Suppressed);
        assert_eq!(local.percent(0, 1, 0), Cell::Suppressed, "suppressed numerator");
        assert_eq!(local.value(0, 1), 3);
    }

    #[test]
    fn secondary_suppression_runs_down_columns_and_across_row_groups() {
        // Three area teams; columns: entered, waited <= 28, waited > 28 (a row group of entered).
        let values = vec![vec![40, 2, 38], vec![60, 30, 30], vec![12, 6, 6]];
        let p = Protected::new(Some(DEFAULT), &values, &[true, true, true], &[vec![0, 1, 2]]);
        // Row 0: the 2 is primary; its row group pulls the 38.
        assert!(p.suppressed(0, 1) && p.suppressed(0, 2));
        // Column 1 then holds one suppressed cell and pulls its next smallest (row 2's 6), and so on.
        for c in 0..3 {
            assert_ne!((0..3).filter(|&u| p.suppressed(u, c)).count(), 1, "column {c} gives a cell away");
        }
        for u in 0..3 {
            assert_ne!([0, 1, 2].iter().filter(|&&c| p.suppressed(u, c)).count(), 1, "row {u} gives a cell away");
        }
        assert_eq!(p.percent(0, 2, 0), Cell::Suppressed, "a percentage follows its secondarily suppressed count");
    }

    #[test]
    fn percentages_from_rounded_counts_and_zero_denominators() {
        let values = vec![vec![101, 43], vec![0, 0]];
        let p = Protected::new(Some(NHS_2018), &values, &[false, false], &[]);
        assert_eq!(p.percent(0, 1, 0), Cell::Percent(45.0), "45 of 100");
        assert_eq!(p.percent(1, 1, 0), Cell::NotApplicable);
        assert_eq!(p.count(1, 0), Cell::Count(0), "zero stays zero");
        assert_eq!(p.depends_on(1, 0, None, Cell::Days), Cell::NotApplicable);
        assert_eq!(p.depends_on(0, 0, Some(12.5), Cell::Days), Cell::Days(12.5));
    }
}
