//! Disclosure control: what of a count or a rate may be published.
//!
//! National figures are published unrounded. In sub-national rows a small count is suppressed
//! (`[c]`) and every other count rounded; zero stays zero. Rates come from unrounded figures
//! (or rounded ones, by preset) and are suppressed with their numerator or denominator.
//! Secondary suppression then hides the next smallest cell of any group that sums to a
//! published total and holds exactly one suppressed cell, which subtraction would reveal.

/// A rule of disclosure control, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisclosureRule {
    pub name: &'static str,
    /// Counts from 1 to this are suppressed.
    pub suppress_up_to: u64,
    /// Other counts are rounded to the nearest multiple of this.
    pub round_to: u64,
    /// Rates are computed from rounded counts (else from unrounded ones).
    pub rates_from_rounded: bool,
    /// Whether secondary suppression applies.
    pub secondary: bool,
}

/// The rule of the 2012-13 report.
pub const DEFAULT: DisclosureRule =
    DisclosureRule { name: "default", suppress_up_to: 4, round_to: 5, rates_from_rounded: false, secondary: true };

/// NHS Digital's later practice.
pub const NHS_2018: DisclosureRule =
    DisclosureRule { name: "nhs-2018", suppress_up_to: 7, round_to: 5, rates_from_rounded: true, secondary: false };

/// Every named preset.
pub const PRESETS: [DisclosureRule; 2] = [DEFAULT, NHS_2018];

/// A count as it may be published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Published as this number (rounded where the rule rounds).
    Shown(u64),
    /// Published as `[c]`.
    Suppressed,
}

impl DisclosureRule {
    /// The preset of this name.
    #[must_use]
    pub fn named(name: &str) -> Option<DisclosureRule> {
        PRESETS.into_iter().find(|r| r.name == name)
    }

    /// The rule as the Notes sheet states it.
    #[must_use]
    pub fn statement(&self) -> String {
        format!(
            "National figures are unrounded. In rows for area teams, CCGs and providers, counts from 1 to {} are suppressed ([c]) \
             and other counts are rounded to the nearest {}; zero stays zero. Percentages and rates are computed from {} figures \
             and suppressed when their numerator or denominator is.{}",
            self.suppress_up_to,
            self.round_to,
            if self.rates_from_rounded { "rounded" } else { "unrounded" },
            if self.secondary {
                " Where one suppressed cell could be recovered by subtraction from a published total, the next smallest cell is suppressed too."
            } else {
                ""
            }
        )
    }

    /// A sub-national count.
    #[must_use]
    pub fn count(&self, n: u64) -> Count {
        if n == 0 {
            Count::Shown(0)
        } else if n <= self.suppress_up_to {
            Count::Suppressed
        } else {
            let r = self.round_to.max(1);
            // Halves round up: 2.5 fives is 15.
            Count::Shown((n + r / 2) / r * r)
        }
    }

    /// A sub-national percentage `100 × part / whole`, or `None` when it must not be shown
    /// (suppressed numerator or denominator, or a zero denominator).
    #[must_use]
    pub fn percentage(&self, part: u64, whole: u64) -> Option<f64> {
        let (p, w) = (self.count(part), self.count(whole));
        match (p, w) {
            (Count::Shown(rp), Count::Shown(rw)) if whole > 0 => {
                let (num, den) = if self.rates_from_rounded { (rp, rw) } else { (part, whole) };
                (den > 0).then(|| 100.0 * num as f64 / den as f64)
            }
            _ => None,
        }
    }
}

/// Secondary suppression over groups of cells that each sum to a published total: while a
/// group holds exactly one suppressed cell, the smallest other non-zero cell of that group
/// (by its true value) is suppressed too, or a zero when every other cell is zero (published
/// zeros are exact, so the total less them would give the cell away). `values` are the true counts; `cells` the counts as
/// they will be published, changed in place. A cell may sit in several groups (a row and a
/// column); the loop runs until no group changes.
pub fn secondary(values: &[u64], cells: &mut [Count], groups: &[Vec<usize>]) {
    loop {
        let mut changed = false;
        for group in groups {
            let suppressed = group.iter().filter(|&&i| cells[i] == Count::Suppressed).count();
            if suppressed != 1 {
                continue;
            }
            let next = group
                .iter()
                .copied()
                .filter(|&i| cells[i] != Count::Suppressed)
                .min_by_key(|&i| (values[i] == 0, values[i], i));
            if let Some(i) = next {
                cells[i] = Count::Suppressed;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_suppression_rounding_and_zero() {
        assert_eq!(DEFAULT.count(0), Count::Shown(0));
        for n in 1..=4 {
            assert_eq!(DEFAULT.count(n), Count::Suppressed, "{n}");
        }
        assert_eq!(DEFAULT.count(5), Count::Shown(5));
        assert_eq!(DEFAULT.count(7), Count::Shown(5));
        assert_eq!(DEFAULT.count(8), Count::Shown(10));
        assert_eq!(DEFAULT.count(12_342), Count::Shown(12_340));
        assert_eq!(DEFAULT.count(12_343), Count::Shown(12_345));
        assert_eq!(NHS_2018.count(7), Count::Suppressed);
        assert_eq!(NHS_2018.count(8), Count::Shown(10));
    }

    #[test]
    fn percentages_follow_their_counts() {
        // 43 of 101: from unrounded figures under the default rule, rounded under nhs-2018.
        let p = DEFAULT.percentage(43, 101).unwrap();
        assert!((p - 42.574).abs() < 0.001, "{p}");
        let q = NHS_2018.percentage(43, 101).unwrap();
        assert!((q - 45.0).abs() < 1e-9, "45 of 100: {q}");
        assert_eq!(DEFAULT.percentage(3, 50), None, "suppressed numerator");
        assert_eq!(DEFAULT.percentage(0, 3), None, "suppressed denominator");
        assert_eq!(DEFAULT.percentage(0, 0), None, "no denominator");
        assert_eq!(DEFAULT.percentage(0, 50), Some(0.0), "zero stays zero");
    }

    #[test]
    fn one_suppressed_cell_in_a_total_pulls_the_next_smallest() {
        // Four area teams summing to a published national total: only one is small.
        let values = [3, 40, 12, 900];
        let mut cells: Vec<Count> = values.iter().map(|&v| DEFAULT.count(v)).collect();
        secondary(&values, &mut cells, &[vec![0, 1, 2, 3]]);
        assert_eq!(cells, [Count::Suppressed, Count::Shown(40), Count::Suppressed, Count::Shown(900)]);
    }

    #[test]
    fn a_zero_is_picked_only_when_every_other_cell_is_zero() {
        // 0 + 0 + [c] = 2: the zeros would give the 2 away.
        let values = [0, 2, 0];
        let mut cells: Vec<Count> = values.iter().map(|&v| DEFAULT.count(v)).collect();
        secondary(&values, &mut cells, &[vec![0, 1, 2]]);
        assert_eq!(cells, [Count::Suppressed, Count::Suppressed, Count::Shown(0)]);
    }

    #[test]
    fn two_suppressed_cells_need_nothing_more_and_zeros_are_not_picked_before_others() {
        let values = [2, 4, 0, 50];
        let mut cells: Vec<Count> = values.iter().map(|&v| DEFAULT.count(v)).collect();
        secondary(&values, &mut cells, &[vec![0, 1, 2, 3]]);
        assert_eq!(cells, [Count::Suppressed, Count::Suppressed, Count::Shown(0), Count::Shown(50)]);
        let values = [2, 0, 50];
        let mut cells: Vec<Count> = values.iter().map(|&v| DEFAULT.count(v)).collect();
        secondary(&values, &mut cells, &[vec![0, 1, 2]]);
        assert_eq!(cells, [Count::Suppressed, Count::Shown(0), Count::Suppressed]);
    }

    #[test]
    fn rows_and_columns_settle_together() {
        // A 2x3 table (cells 0..6, row-major) whose rows and columns sum to published totals.
        // Suppressing cell 0 pulls cell 1 in row 0; column 1 then has one suppressed cell and
        // pulls cell 4; column 0 pulls cell 3; row 1 then holds two and is safe.
        let values = [2, 10, 30, 20, 11, 40];
        let mut cells: Vec<Count> = values.iter().map(|&v| DEFAULT.count(v)).collect();
        let groups = vec![vec![0, 1, 2], vec![3, 4, 5], vec![0, 3], vec![1, 4], vec![2, 5]];
        secondary(&values, &mut cells, &groups);
        for g in &groups {
            assert_ne!(
                g.iter().filter(|&&i| cells[i] == Count::Suppressed).count(),
                1,
                "group {g:?} would give a cell away"
            );
        }
        assert_eq!(cells[2], Count::Shown(30));
        assert_eq!(cells[5], Count::Shown(40));
    }

    #[test]
    fn presets_by_name_and_statement() {
        assert_eq!(DisclosureRule::named("nhs-2018"), Some(NHS_2018));
        assert_eq!(DisclosureRule::named("none"), None);
        assert!(DEFAULT.statement().contains("from 1 to 4") && DEFAULT.statement().contains("next smallest"));
        assert!(!NHS_2018.statement().contains("next smallest"));
    }
}
