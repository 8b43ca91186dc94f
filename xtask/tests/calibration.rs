//! The synthetic year, run through the validator and the outcome engine, gives the published
//! 2012-13 national rates: within 2 percentage points at a small scale (the benchmark run at
//! scale 1.0, `cargo xtask calibrate --scale 1.0`, holds it to 1 point and 2% for counts).

#[test]
fn derived_national_rates_are_within_two_points_of_the_publication_at_small_scale() {
    let out = xtask::root().join("target/test-scratch/calibration");
    let (lines, people) = xtask::calibrate::compare(0.05, 2013, &out).unwrap();
    assert_eq!(people.len(), 5 + 16, "five publication age bands and sixteen ethnic categories");
    let rates: Vec<_> = lines.iter().filter(|l| l.is_rate && !l.measure.starts_with("area teams")).collect();
    assert_eq!(rates.len(), 15, "every published rate is compared");
    let off: Vec<String> = rates
        .iter()
        .filter(|l| l.difference().abs() > 2.0)
        .map(|l| format!("{}: {:+.1} pt", l.measure, l.difference()))
        .collect();
    assert!(off.is_empty(), "rates more than 2 points from the publication: {off:?}");
    // Volumes are exact by construction: the generator makes the published number of referrals.
    let referrals = lines.iter().find(|l| l.measure == "referrals received").unwrap();
    assert!(referrals.difference().abs() < 0.01);
}
