//! Mutation fuzzing of the fixtures, and the corpus of files that once crashed a reader.

mod support;

use support::crafted::*;
use support::{root, scratch};

// ---- mutation fuzzing ----------------------------------------------------------------------

/// xorshift64*: a fixed sequence, so a failing case can be made again from its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }
}

/// One mutation of a file's bytes; zipped files are also mutated inside their parts.
fn mutate(bytes: &[u8], zipped: bool, rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match rng.below(if zipped { 7 } else { 3 }) {
        0 => {
            for _ in 0..=rng.below(8) {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => b.truncate(rng.below(b.len())),
        2 => {
            let (i, n) = (rng.below(b.len()), 1 + rng.below(64));
            let chunk: Vec<u8> = b[i..(i + n).min(b.len())].to_vec();
            let at = rng.below(b.len());
            b.splice(at..at, chunk.iter().copied().cycle().take(chunk.len() * (1 + rng.below(50))));
        }
        kind => {
            let mut entries = unzip(bytes);
            let (i, j) = (rng.below(entries.len()), rng.below(entries.len()));
            match kind {
                // Two parts swap their contents.
                3 => {
                    let (a, c) = (entries[i].1.clone(), entries[j].1.clone());
                    entries[i].1 = c;
                    entries[j].1 = a;
                }
                // XML nested deep.
                4 => {
                    let depth = 1 + rng.below(20_000);
                    let mut data = "<a>".repeat(depth).into_bytes();
                    data.extend_from_slice(&entries[i].1);
                    data.extend("</a>".repeat(depth).bytes());
                    entries[i].1 = data;
                }
                // An attribute repeated many times in the first tag that has one.
                5 => {
                    let xml = String::from_utf8_lossy(&entries[i].1).into_owned();
                    if let Some(eq) = xml.find("=\"") {
                        let start = xml[..eq].rfind(' ').unwrap_or(eq);
                        let end = eq + 2 + xml[eq + 2..].find('"').unwrap_or(0) + 1;
                        let attr = &xml[start..end.min(xml.len())];
                        let repeated = attr.repeat(1 + rng.below(2000));
                        entries[i].1 = format!("{}{}{}", &xml[..start], repeated, &xml[start..]).into_bytes();
                    }
                }
                // A part's bytes flipped inside the archive (the CRC no longer matches).
                _ => {
                    let part = &mut entries[i].1;
                    if !part.is_empty() {
                        let k = rng.below(part.len());
                        part[k] = part[k].wrapping_add(1 + u8::try_from(rng.below(200)).unwrap());
                    }
                }
            }
            return zip_entries(&entries);
        }
    }
    b
}

#[test]
fn mutated_fixtures_never_crash_hang_or_exhaust_memory() {
    // CI runs a fixed 240 cases; IAPT_FUZZ_CASES and IAPT_FUZZ_SEED search further by hand.
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let cases = usize::try_from(env("IAPT_FUZZ_CASES", 240)).unwrap();
    let seeds: Vec<(&str, Vec<u8>, bool)> = vec![
        ("xlsx", clean_xlsx(), true),
        ("ods", std::fs::read(root().join("tests/fixtures/clean.ods")).unwrap(), true),
        ("xls", std::fs::read(root().join("tests/fixtures/clean.xls")).unwrap(), false),
        ("csv", clean_csv()["Person.csv"].clone(), false),
    ];
    let dir = scratch("hostile-fuzz");
    let mut rng = Rng(env("IAPT_FUZZ_SEED", 0x1A97_2013));
    for case in 0..cases {
        let (ext, seed, zipped) = &seeds[case % seeds.len()];
        let bytes = mutate(seed, *zipped, &mut rng);
        let path = if *ext == "csv" {
            let mut files = clean_csv();
            files.insert("Person.csv".into(), bytes);
            let p = dir.join(format!("case-{case}"));
            write_csv_folder(&p, &files);
            p
        } else {
            let p = dir.join(format!("case-{case}.{ext}"));
            std::fs::write(&p, bytes).unwrap();
            p
        };
        // `run` fails the test on a crash, a panic, a hang or more than 1 GiB.
        #[allow(clippy::print_stderr)] // Names the case a search by hand is on.
        {
            eprintln!("case {case}: {}", path.display());
        }
        let o = run(&["validate", path.to_str().unwrap(), "--format", "json", "--today", "2026-11-26"]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap_or_else(|e| panic!("case {case}: {e}"));
        std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path)).unwrap();
    }
}

/// Every file that ever crashed a reader, kept so that it never does again.
#[test]
fn the_corpus_of_past_crashes_is_read_safely() {
    let corpus = root().join("tests/fixtures/hostile");
    let mut n = 0;
    for e in std::fs::read_dir(&corpus).unwrap() {
        let path = e.unwrap().path();
        if path.file_name().is_some_and(|f| f == "README.md") {
            continue;
        }
        let o = run(&["validate", path.to_str().unwrap(), "--format", "json", "--today", "2026-11-26"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["summary"]["by_severity"]["file"].as_u64().unwrap() > 0, "{}: {v}", path.display());
        n += 1;
    }
    assert!(n > 0, "the corpus is empty");
}
