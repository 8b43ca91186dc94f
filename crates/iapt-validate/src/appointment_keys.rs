//! The keys of a submission's accepted appointments (referral, date, time), to find a
//! duplicate and the row that first had its key.
//!
//! A referral's appointments usually come together in the file, a few at a time, so the keys
//! of the current referral's run are checked by a scan of that run alone. A referral met
//! again after another's, or with a long run, has its keys moved into a hash map once. The
//! map of every key it replaces was large and probed at random (a cache miss an appointment).

use rustc_hash::FxHashMap;

use crate::records::Sym;

/// A run longer than this is checked through the map, so that no scan is long.
const RUN_MAX: usize = 32;

/// A referral not met in an ended run yet, and one whose keys are in the map.
const UNSEEN: (u32, u32) = (u32::MAX, u32::MAX);
const MAPPED: (u32, u32) = (u32::MAX, 0);

#[derive(Default)]
pub(crate) struct AppointmentKeys {
    /// (date, time, row) of each key not in `map`, run after run.
    keys: Vec<(i32, u32, u32)>,
    /// The referral of the current run and where its keys start in `keys`.
    current: Option<(Sym, usize)>,
    /// For each referral, its ended run's keys in `keys`, or `UNSEEN` or `MAPPED`.
    run_of: Vec<(u32, u32)>,
    map: FxHashMap<(Sym, i32, u32), u32>,
}

impl AppointmentKeys {
    /// Forgets every key, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.keys.clear();
        self.current = None;
        self.run_of.clear();
        self.map.clear();
    }

    /// The row that first had this key, or `None` after noting `row` as its first.
    pub(crate) fn first_or_insert(&mut self, referral: Sym, date: i32, time: u32, row: u32) -> Option<u32> {
        let r = referral as usize;
        if r >= self.run_of.len() {
            self.run_of.resize(r + 1, UNSEEN);
        }
        let start = match self.current {
            Some((c, start)) if c == referral => start,
            _ => self.start_run(referral),
        };
        if self.run_of[r] != MAPPED && self.keys.len() - start >= RUN_MAX {
            for &(d, t, first) in &self.keys[start..] {
                self.map.insert((referral, d, t), first);
            }
            self.keys.truncate(start);
            self.run_of[r] = MAPPED;
        }
        if self.run_of[r] == MAPPED {
            return match self.map.entry((referral, date, time)) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row);
                    None
                }
            };
        }
        if let Some(&(_, _, first)) = self.keys[start..].iter().find(|&&(d, t, _)| d == date && t == time) {
            return Some(first);
        }
        self.keys.push((date, time, row));
        None
    }

    /// Ends the current run and starts `referral`'s; returns where its keys start. A referral
    /// met again has its earlier run's keys moved into the map.
    fn start_run(&mut self, referral: Sym) -> usize {
        if let Some((c, start)) = self.current.take()
            && self.run_of[c as usize] != MAPPED
        {
            self.run_of[c as usize] = (start as u32, self.keys.len() as u32);
        }
        let r = referral as usize;
        if self.run_of[r] != MAPPED && self.run_of[r] != UNSEEN {
            let (from, to) = self.run_of[r];
            for &(d, t, first) in &self.keys[from as usize..to as usize] {
                self.map.insert((referral, d, t), first);
            }
            self.run_of[r] = MAPPED;
        }
        let start = self.keys.len();
        self.current = Some((referral, start));
        start
    }
}

#[cfg(test)]
mod tests {
    use super::AppointmentKeys;
    use rustc_hash::FxHashMap;

    /// The same answers as one map of every key, on runs short and long, referrals met again
    /// (once and many times, alternating), and repeated keys.
    #[test]
    fn answers_as_one_map_would() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for round in 0..40 {
            let mut keys = AppointmentKeys::default();
            let mut model: FxHashMap<(u32, i32, u32), u32> = FxHashMap::default();
            let mut referral = 0u32;
            for row in 2..3_000u32 {
                // Mostly the same referral; sometimes the next, an earlier one, or alternating.
                match next(20) {
                    0 => referral = u32::try_from(next(40)).unwrap_or(0),
                    1 | 2 => referral += 1,
                    3 if round % 2 == 0 => referral ^= 1,
                    _ => {}
                }
                let (date, time) = (i32::try_from(next(60)).unwrap_or(0), u32::try_from(next(3)).unwrap_or(0));
                let want = match model.get(&(referral, date, time)) {
                    Some(&first) => Some(first),
                    None => {
                        model.insert((referral, date, time), row);
                        None
                    }
                };
                assert_eq!(keys.first_or_insert(referral, date, time, row), want, "round {round} row {row}");
            }
            keys.clear();
            assert_eq!(keys.first_or_insert(0, 0, 0, 2), None);
        }
    }
}
