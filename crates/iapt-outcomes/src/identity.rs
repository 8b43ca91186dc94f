//! People matched across providers: one identity per valid NHS number, else one per provider
//! record, numbered in the order the records are first met.

use rustc_hash::FxHashMap;

use crate::dataset::index;

/// Partitions of the NHS numbers, each matched on its own: a table of one partition stays in
/// cache, where one table of a national year's numbers (17 MB) missed it at nearly every look-up
/// (two thirds of the time this took).
const PARTITION_BITS: u32 = 6;

/// Each record's identity in `identity` (the records' NHS numbers in order, `None` for none);
/// returns how many identities there are.
pub(crate) fn identify(nhs_numbers: impl Iterator<Item = Option<u64>>, identity: &mut [u32]) -> u32 {
    let n = identity.len();
    // (number, record) by partition, records ascending within each.
    let mut partitions: Vec<Vec<(u64, u32)>> = vec![Vec::new(); 1 << PARTITION_BITS];
    // Twice a partition's share: room for an uneven spread without growing.
    let reserve = n >> (PARTITION_BITS - 1);
    for p in &mut partitions {
        p.reserve(reserve);
    }
    for (i, number) in nhs_numbers.enumerate().take(n) {
        if let Some(number) = number {
            partitions[partition(number)].push((number, index(i)));
        }
    }
    // The first record with each record's number (itself when it is the first, or has none).
    let mut first: Vec<u32> = (0..n).map(index).collect();
    let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
    for p in &partitions {
        seen.clear();
        seen.reserve(p.len());
        for &(number, i) in p {
            let f = *seen.entry(number).or_insert(i);
            first[i as usize] = f;
        }
    }
    drop(partitions);
    let mut people = 0u32;
    for i in 0..n {
        let f = first[i] as usize;
        identity[i] = if f == i {
            people += 1;
            people - 1
        } else {
            // An earlier record: numbered already.
            identity[f]
        };
    }
    people
}

/// A number's partition: the top bits of a multiplicative hash other than the tables' own, so
/// that the numbers of one partition still spread over its table.
fn partition(number: u64) -> usize {
    (number.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - PARTITION_BITS)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbering of one table over every record, as identities were first given.
    fn by_one_table(numbers: &[Option<u64>]) -> (Vec<u32>, u32) {
        let mut table: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let (mut ids, mut people) = (Vec::new(), 0);
        for number in numbers {
            let known = number.and_then(|n| table.get(&n).copied());
            ids.push(known.unwrap_or(people));
            if known.is_none() {
                if let Some(n) = number {
                    table.insert(*n, people);
                }
                people += 1;
            }
        }
        (ids, people)
    }

    #[test]
    fn partitions_number_people_as_one_table_would() {
        let mut seed = 99u64;
        let mut numbers = Vec::new();
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            // A few thousand numbers, so that many repeat, and some records without one.
            let number = 4_000_000_000 + (seed >> 40) % 5_000;
            numbers.push((!(seed >> 20).is_multiple_of(7)).then_some(number));
        }
        let mut identity = vec![0; numbers.len()];
        let people = identify(numbers.iter().copied(), &mut identity);
        let (want, want_people) = by_one_table(&numbers);
        assert_eq!(people, want_people);
        assert_eq!(identity, want);
        assert!(people < 10_000, "numbers repeat, so there are fewer people than records: {people}");
    }

    #[test]
    fn no_records_no_people() {
        assert_eq!(identify(std::iter::empty(), &mut []), 0);
    }
}
