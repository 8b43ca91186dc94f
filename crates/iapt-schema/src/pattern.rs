//! The subset of Table Schema patterns that the data set uses.
//!
//! Patterns are whole-value matches built from literals (`\.` escapes), character classes
//! (`[A-Z0-9]`) and quantifiers (`?`, `{n}`, `{n,m}`), with top-level alternatives (`a|b`).
//! That covers every pattern in `schemas/` and matches a short code in a few comparisons,
//! without the build cost of a general regex engine.

use std::fmt;

/// The bytes one position may hold, as a set of 256 bits: a test is a shift and a mask.
#[derive(Clone, Debug)]
struct Atom([u64; 4]);

impl Atom {
    fn byte(b: u8) -> Atom {
        Atom::ranges(&[(b, b)])
    }

    fn ranges(ranges: &[(u8, u8)]) -> Atom {
        let mut set = [0u64; 4];
        for &(lo, hi) in ranges {
            for b in lo..=hi {
                set[usize::from(b >> 6)] |= 1 << (b & 63);
            }
        }
        Atom(set)
    }

    #[inline]
    fn matches(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }
}

#[derive(Clone, Debug)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

/// One side of a `|`, with the lengths a match can have (most values fail or pass on these).
#[derive(Clone, Debug)]
struct Sequence {
    pieces: Vec<Piece>,
    shortest: usize,
    longest: usize,
}

/// A compiled pattern; see the module docs for the syntax.
#[derive(Clone, Debug)]
pub struct Pattern {
    source: String,
    alternatives: Vec<Sequence>,
    /// The same language as one table lookup a byte, when the pattern is small enough.
    automaton: Option<Automaton>,
}

/// A deterministic automaton over bytes. State 0 is dead, 1 the start.
#[derive(Clone, Debug)]
struct Automaton {
    /// `next[state * 256 + byte]`.
    next: Vec<u8>,
    accepting: Vec<bool>,
}

/// The sets of positions a match can be at, built once: each piece is laid out as its `min`
/// required copies and `max - min` optional ones (`x{1,2}` is `x x?`), so a set of positions
/// fits in a `u64`. `None` for patterns too long for that or with too many states.
fn automaton(alternatives: &[Sequence]) -> Option<Automaton> {
    const START: u64 = 1 << 63;
    let (mut atoms, mut optional) = (Vec::new(), Vec::new());
    let (mut first, mut start_accepts, mut follow, mut last) = (0u64, false, Vec::new(), 0u64);
    for seq in alternatives {
        let base = atoms.len();
        for p in &seq.pieces {
            if p.max > 63 {
                return None;
            }
            for k in 0..p.max {
                atoms.push(&p.atom);
                optional.push(k >= p.min);
            }
        }
        let end = atoms.len();
        if end > 63 {
            return None;
        }
        // The positions that can come next after `from - 1`, and whether the match can end there.
        let reach = |from: usize| {
            let mut set = 0u64;
            for (q, &skippable) in optional.iter().enumerate().take(end).skip(from) {
                set |= 1 << q;
                if !skippable {
                    return (set, false);
                }
            }
            (set, true)
        };
        let (f, ends) = reach(base);
        first |= f;
        start_accepts |= ends;
        for p in base..end {
            let (f, ends) = reach(p + 1);
            follow.push(f);
            if ends {
                last |= 1 << p;
            }
        }
    }
    let by_byte: Vec<u64> = (0..=255u8)
        .map(|b| atoms.iter().enumerate().filter(|(_, a)| a.matches(b)).fold(0, |m, (q, _)| m | 1 << q))
        .collect();
    let mut sets = vec![0u64, START];
    let (mut next, mut accepting) = (Vec::new(), Vec::new());
    let mut at = 0;
    while at < sets.len() {
        let set = sets[at];
        accepting.push(set & last != 0 || (set & START != 0 && start_accepts));
        let mut reachable = if set & START != 0 { first } else { 0 };
        for (p, f) in follow.iter().enumerate() {
            if set >> p & 1 == 1 {
                reachable |= f;
            }
        }
        for mask in &by_byte {
            let to = reachable & mask;
            let id = match sets.iter().position(|&s| s == to) {
                Some(id) => id,
                None => {
                    sets.push(to);
                    sets.len() - 1
                }
            };
            next.push(u8::try_from(id).ok()?);
        }
        at += 1;
    }
    Some(Automaton { next, accepting })
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// A pattern outside the supported subset, with what in it is not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

impl Pattern {
    /// Compiles a pattern, or says what in it is outside the supported subset.
    ///
    /// # Errors
    /// When the pattern uses syntax outside the subset.
    pub fn new(source: &str) -> Result<Pattern, PatternError> {
        let alternatives = source
            .split('|')
            .map(|src| {
                let pieces = parse_sequence(src)?;
                let shortest = pieces.iter().map(|p| p.min).fold(0, usize::saturating_add);
                let longest = pieces.iter().map(|p| p.max).fold(0, usize::saturating_add);
                Ok(Sequence { pieces, shortest, longest })
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| PatternError(format!("pattern `{source}`: {e}")))?;
        let automaton = automaton(&alternatives);
        Ok(Pattern { source: source.to_owned(), alternatives, automaton })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether byte `b` can be part of a match.
    #[must_use]
    pub fn admits(&self, b: u8) -> bool {
        self.alternatives.iter().flat_map(|seq| &seq.pieces).any(|piece| piece.max > 0 && piece.atom.matches(b))
    }

    /// Whether the whole of `s` matches.
    #[must_use]
    #[inline]
    pub fn is_match(&self, s: &str) -> bool {
        if let Some(a) = &self.automaton {
            let mut state = 1;
            for &b in s.as_bytes() {
                state = usize::from(a.next[state * 256 + usize::from(b)]);
                if state == 0 {
                    return false;
                }
            }
            return a.accepting[state];
        }
        self.matched_by_pieces(s)
    }

    /// `is_match` piece by piece, for patterns without an automaton (and to check one).
    #[inline(never)]
    fn matched_by_pieces(&self, s: &str) -> bool {
        let n = s.len();
        self.alternatives.iter().any(|seq| {
            if !(seq.shortest..=seq.longest).contains(&n) {
                return false;
            }
            if seq.shortest == seq.longest {
                // Every piece has one length: each byte has one atom to match, no backtracking.
                let mut at = 0;
                for piece in &seq.pieces {
                    let run = &s.as_bytes()[at..at + piece.min];
                    if !run.iter().all(|&b| piece.atom.matches(b)) {
                        return false;
                    }
                    at += piece.min;
                }
                return true;
            }
            match_from(&seq.pieces, s.as_bytes())
        })
    }
}

fn match_from(pieces: &[Piece], s: &[u8]) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return s.is_empty();
    };
    let mut taken = 0;
    while taken < first.min {
        if taken >= s.len() || !first.atom.matches(s[taken]) {
            return false;
        }
        taken += 1;
    }
    // Greedy, then back off: patterns are short, so backtracking stays cheap.
    let mut most = taken;
    while most < first.max && most < s.len() && first.atom.matches(s[most]) {
        most += 1;
    }
    (taken..=most).rev().any(|n| match_from(rest, &s[n..]))
}

fn parse_sequence(src: &str) -> Result<Vec<Piece>, String> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let atom = match b[i] {
            b'[' => {
                let end = src[i..].find(']').ok_or("unclosed `[`")? + i;
                let class = &b[i + 1..end];
                let mut ranges = Vec::new();
                let mut j = 0;
                while j < class.len() {
                    if j + 2 < class.len() && class[j + 1] == b'-' {
                        ranges.push((class[j], class[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((class[j], class[j]));
                        j += 1;
                    }
                }
                i = end + 1;
                Atom::ranges(&ranges)
            }
            b'\\' => {
                let c = *b.get(i + 1).ok_or("trailing `\\`")?;
                i += 2;
                Atom::byte(c)
            }
            b'(' | b')' | b'*' | b'+' | b'.' | b'^' | b'$' => {
                return Err(format!("`{}` is not supported", b[i] as char));
            }
            c => {
                i += 1;
                Atom::byte(c)
            }
        };
        let (min, max) = match b.get(i) {
            Some(b'?') => {
                i += 1;
                (0, 1)
            }
            Some(b'{') => {
                let end = src[i..].find('}').ok_or("unclosed `{`")? + i;
                let body = &src[i + 1..end];
                i = end + 1;
                let num = |t: &str| t.trim().parse::<usize>().map_err(|_| format!("bad count `{body}`"));
                let (lo, hi) = match body.split_once(',') {
                    Some((lo, hi)) => (num(lo)?, num(hi)?),
                    None => (num(body)?, num(body)?),
                };
                if lo > hi {
                    return Err(format!("bad count `{body}`: the least is more than the most"));
                }
                (lo, hi)
            }
            _ => (1, 1),
        };
        out.push(Piece { atom, min, max });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn admits_the_bytes_of_its_pieces() {
        let p = Pattern::new("[A-Z]{1,2}[0-9] ?x{0}|Q\\.").unwrap();
        let admitted: Vec<u8> = (0..=255u8).filter(|&b| p.admits(b)).collect();
        let expected: Vec<u8> = (b'A'..=b'Z')
            .chain(b'0'..=b'9')
            .chain([b' ', b'.'])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(admitted, expected);
    }

    #[test]
    fn matches_the_data_set_patterns() {
        let ods = Pattern::new("[A-Z0-9]{3,5}").unwrap();
        assert!(ods.is_match("RX4") && ods.is_match("RX4AB"));
        assert!(!ods.is_match("RX") && !ods.is_match("RX4ABC") && !ods.is_match("rx4"));
        let postcode = Pattern::new("[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}").unwrap();
        for ok in ["SW1A 1AA", "SW1A1AA", "M1 1AE", "B338TH", "CR2 6XH", "DN55 1PT"] {
            assert!(postcode.is_match(ok), "{ok}");
        }
        for bad in ["SW1A  1AA", "1AA SW1", "SW1A 1A", ""] {
            assert!(!postcode.is_match(bad), "{bad}");
        }
        let ccg = Pattern::new("[0-9A-Z]{3}|[0-9A-Z]{3}00").unwrap();
        assert!(ccg.is_match("08H") && ccg.is_match("08H00") && !ccg.is_match("08H0"));
        let icd = Pattern::new("[FZ][0-9]{2}\\.?[0-9]{0,2}").unwrap();
        assert!(icd.is_match("F41.1") && icd.is_match("F411") && icd.is_match("F32"));
        assert!(!icd.is_match("G41.1") && !icd.is_match("F4"));
        // Patterns of one length are matched byte by byte.
        let gp = Pattern::new("[A-Z][0-9]{5}").unwrap();
        assert!(gp.is_match("N85420"));
        assert!(!gp.is_match("885420") && !gp.is_match("N8542A") && !gp.is_match("N8542") && !gp.is_match("Né542"));
        let version = Pattern::new("1\\.0").unwrap();
        assert!(version.is_match("1.0") && !version.is_match("1x0") && !version.is_match("1.00"));
    }

    #[test]
    fn rejects_unsupported_syntax() {
        assert!(Pattern::new("(ab)+").is_err());
        assert!(Pattern::new("[A-Z").is_err());
        assert!(Pattern::new("a{3,1}").is_err());
        // Counts too large to add up still compile, and match nothing they cannot.
        let huge = Pattern::new(&format!("[0-9]{{{}}}[0-9]", usize::MAX)).unwrap();
        assert!(huge.automaton.is_none() && !huge.is_match("123"));
    }

    /// The automaton and the piece-by-piece matcher agree on every string of up to four
    /// bytes from an alphabet that exercises each pattern's classes.
    #[test]
    fn automaton_agrees_with_pieces() {
        let sources = [
            "[A-Z0-9]{3,5}",
            "[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}",
            "[0-9A-Z]{3}|[0-9A-Z]{3}00",
            "[FZ][0-9]{2}\\.?[0-9]{0,2}",
            "1\\.0",
            "a?b?|c{0,2}",
            "[0-9]{2,3}0?",
        ];
        let alphabet = [b'A', b'F', b'0', b'1', b'.', b' ', b'a', b'b', b'c', 0xC3];
        for src in sources {
            let p = Pattern::new(src).unwrap();
            assert!(p.automaton.is_some(), "{src}");
            let mut strings = vec![Vec::new()];
            for len in 1..=4 {
                let shorter: Vec<Vec<u8>> = strings.iter().filter(|s| s.len() == len - 1).cloned().collect();
                strings.extend(shorter.iter().flat_map(|s| alphabet.iter().map(move |&b| [&s[..], &[b]].concat())));
            }
            strings.extend(["SW1A 1AA", "SW1A1AA", "DN55 1PT", "F41.1", "08H00"].map(|s| s.as_bytes().to_vec()));
            for s in strings {
                let s = String::from_utf8_lossy(&s);
                assert_eq!(p.is_match(&s), p.matched_by_pieces(&s), "{src} on {s:?}");
            }
        }
    }
}
