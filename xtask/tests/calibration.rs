//! The synthetic year, run through the validator, the outcome engine and the report's
//! aggregation, gives the published 2012-13 figures. `cargo xtask calibrate --scale 1.0` holds
//! the national figures to 1 percentage point for rates and 2% for counts (docs/calibration.md);
//! this test runs a twentieth of England (under a second) and holds every figure, national and
//! people by age band and ethnic category, to the same rules doubled: 2 points, 4%.

use xtask::calibrate::Line;

const SCALE: f64 = 0.05;
const POINTS: f64 = 2.0;
const PERCENT: f64 = 4.0;

#[test]
fn every_derived_figure_is_a_number_within_twice_the_calibration_targets_at_small_scale() {
    let out = xtask::root().join("target/test-scratch/calibration");
    let (lines, people) = xtask::calibrate::compare(SCALE, 2013, &out).unwrap();
    assert_eq!(lines.len(), 29, "every published national figure is compared");
    assert_eq!(lines.iter().filter(|l| !l.is_rate).count(), 13, "thirteen of them counts");
    assert_eq!(people.len(), 5 + 16, "five publication age bands and sixteen ethnic categories");
    let all: Vec<&Line> = lines.iter().chain(&people).collect();

    // A figure that is not a number (a published figure missing from the reference files, a
    // rate over nothing) would pass any "more than" test: each one is checked first.
    let not_numbers: Vec<String> = all
        .iter()
        .filter(|l| !l.target.is_finite() || !l.derived.is_finite())
        .map(|l| format!("{}: published {}, derived {}", l.measure, l.target, l.derived))
        .collect();
    assert!(not_numbers.is_empty(), "figures that are not numbers: {not_numbers:#?}");

    // Rates in points, counts in per cent of the published count, as the calibration reports
    // them. "area teams at or above 50% recovery" is a rate line counted in teams: within 2.
    let off: Vec<String> = all.iter().filter(|l| !l.within_by(POINTS, PERCENT)).map(|l| l.describe()).collect();
    assert!(off.is_empty(), "figures more than {POINTS} points or {PERCENT}% from the publication: {off:#?}");

    // Volumes are exact by construction: the generator makes the published number of referrals.
    let referrals = lines.iter().find(|l| l.measure == "referrals received").unwrap();
    assert!(referrals.difference().abs() < 0.01, "{}", referrals.describe());
}
