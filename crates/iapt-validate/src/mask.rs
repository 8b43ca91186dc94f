//! What of a submitted value may be shown in a message.
//!
//! Masking goes by value as well as by column: a value that reaches a message from a column
//! that is not its own (a missing comma, a file without its header row, a cell without a
//! header) is masked when it has the shape of an NHS number, a date or a postcode, and a value
//! with no column at all is masked whole. Every value is also made safe to print (control
//! characters, such as terminal escapes, replaced) and cut to a readable length.

use std::borrow::Cow;

/// How many characters of a value a message shows.
const SHOWN_CHARS: usize = 60;

/// Keeps the first three characters and stars the rest: enough to find the row, not the person.
#[must_use]
pub fn mask(value: &str) -> String {
    value.chars().enumerate().map(|(i, c)| if i < 3 || c == ' ' { c } else { '*' }).collect()
}

/// `value` safe to print: control characters replaced, and cut after [`SHOWN_CHARS`]
/// characters with the full length said.
#[must_use]
pub fn printable(value: &str) -> Cow<'_, str> {
    iapt_ingest::printable(value, SHOWN_CHARS)
}

/// Masks every part of `text` shaped like an NHS number or a postcode, and like a date when
/// `dates` (a date in a date column of a sheet without birth dates is not identifying).
/// Any white space (a non-breaking space too) separates as a space does.
#[must_use]
pub fn mask_shapes(text: &str, dates: bool) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let after_letter = i > 0 && chars[i - 1].is_alphabetic();
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        let len = if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            nhs_number(&chars[i..], after_letter).max(if dates { numeric_date(&chars[i..], after_letter) } else { 0 })
        } else if starts_word && chars[i].is_ascii_alphabetic() {
            postcode(&chars[i..])
        } else {
            0
        };
        if len > 0 {
            spans.push((i, i + len));
            i += len;
        } else {
            i += 1;
        }
    }
    if dates {
        spans.extend(worded_dates(&chars));
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut masked = chars;
    for (start, end) in spans {
        for (k, c) in masked[start..end].iter_mut().enumerate() {
            if k >= 3 && c.is_alphanumeric() {
                *c = '*';
            }
        }
    }
    Cow::Owned(masked.into_iter().collect())
}

/// Groups of digits from `c[0]`: (digit count, end of the last digit, the groups' lengths),
/// joined by one separator (`-`, `.`, `/`; `,` and `_` too when `commas`) or by white space
/// when `spaces`.
fn digit_groups(c: &[char], spaces: bool, commas: bool) -> (usize, usize, Vec<usize>) {
    let (mut digits, mut end, mut groups, mut i) = (0, 0, vec![0usize], 0);
    while i < c.len() {
        if c[i].is_ascii_digit() {
            digits += 1;
            *groups.last_mut().unwrap_or(&mut 0) += 1;
            i += 1;
            end = i;
            continue;
        }
        let mut j = i;
        if spaces {
            while c.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
        }
        if j == i && (matches!(c[i], '-' | '.' | '/') || (commas && matches!(c[i], ',' | '_'))) {
            j = i + 1;
        }
        if j > i && c.get(j).is_some_and(char::is_ascii_digit) {
            groups.push(0);
            i = j;
        } else {
            break;
        }
    }
    (digits, end, groups)
}

/// An NHS number: nine or more digits in a row or in `-`/`.`/`/`/`,`/`_` groups (`9,434,765,919`),
/// a number of ten figures in E notation (`9.43477E+09`, as a spreadsheet shows one), or
/// ten digits in groups of at most four split by white space (`401 023 2137`, `40 10 23 21 37`).
/// A run that goes on into a time (`2013-02-24 15:15`) or a word is not one.
fn nhs_number(c: &[char], after_letter: bool) -> usize {
    // A count written with thousands separators is masked too: a mistyped NHS number is one
    // digit from a real one, so the check cannot tell them apart.
    let (digits, end, _) = digit_groups(c, false, true);
    if digits >= 9 {
        return end;
    }
    if let Some(end) = large_in_e_notation(c) {
        return end;
    }
    if after_letter {
        return 0;
    }
    let (digits, end, groups) = digit_groups(c, true, false);
    let next = c.get(end);
    if digits >= 10 && groups.iter().all(|&g| g <= 4) && next != Some(&':') && !next.is_some_and(|c| c.is_alphabetic())
    {
        // Up to the tenth digit.
        let mut seen = 0;
        return c
            .iter()
            .position(|ch| {
                seen += usize::from(ch.is_ascii_digit());
                seen == 10
            })
            .map_or(end, |p| p + 1);
    }
    0
}

/// A date written in figures: six or more digits in a row (`19710723`), or day, month and
/// year in either order split by `/ - .` or white space (`23/07/1971`, `1971 07 23`).
fn numeric_date(c: &[char], after_letter: bool) -> usize {
    if after_letter {
        return 0;
    }
    let (digits, end, groups) = digit_groups(c, true, false);
    // `1971-07-23T00:00:00`: a date with its time of day is still a date.
    let timed = c.get(end) == Some(&'T') && c.get(end + 1).is_some_and(char::is_ascii_digit);
    let glued = c.get(end).is_some_and(|c| c.is_alphabetic()) && !timed;
    let shaped = match groups.as_slice() {
        [a, b, y] | [y, a, b] if *y == 4 => (1..=2).contains(a) && (1..=2).contains(b),
        [a, b, y] => (1..=2).contains(a) && (1..=2).contains(b) && *y == 2,
        [one] => *one >= 6,
        _ => false,
    };
    if shaped && !glued && digits >= 4 {
        return end;
    }
    // The same run split where a longer one (a key with a time) goes on.
    let (digits, end, groups) = digit_groups(c, false, false);
    if digits >= 6 && groups.len() <= 3 && !c.get(end).is_some_and(|c| c.is_alphabetic()) { end } else { 0 }
}

/// The end of a number like `9.43477E+09` from `c[0]`: ten figures, as an NHS number has.
fn large_in_e_notation(c: &[char]) -> Option<usize> {
    let mut i = c.iter().position(|c| !c.is_ascii_digit() && *c != '.')?;
    if i == 0 || !matches!(c[i], 'E' | 'e') {
        return None;
    }
    i += 1;
    if matches!(c.get(i), Some('+')) {
        i += 1;
    }
    let start = i;
    while c.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    let exponent: String = c[start..i].iter().collect();
    (i > start && !c.get(i).is_some_and(|c| c.is_alphanumeric()) && exponent.parse::<u32>().is_ok_and(|e| e == 9))
        .then_some(i)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Dates written with a month's name (`23 July 1971`, `July 23rd, 1971`, `23-jul-71`): the
/// month with the numbers next to it.
fn worded_dates(c: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !c[i].is_alphabetic() || (i > 0 && c[i - 1].is_alphabetic()) {
            i += 1;
            continue;
        }
        let end = (i..c.len()).find(|&k| !c[k].is_alphabetic()).unwrap_or(c.len());
        let word: String = c[i..end].iter().collect::<String>().to_lowercase();
        let month = word.len() >= 3 && MONTHS.iter().any(|m| m.starts_with(&word));
        if month {
            // Numbers (with st/nd/rd/th) within a few characters either side.
            let near =
                |k: usize| c[k].is_ascii_digit() || c[k].is_whitespace() || matches!(c[k], ',' | '-' | '/' | '.');
            let mut start = i;
            while start > 0
                && (near(start - 1) || (c[start - 1].is_alphabetic() && start >= 2 && c[start - 2].is_ascii_digit()))
            {
                start -= 1;
            }
            let mut stop = end;
            while stop < c.len() && (near(stop) || matches!(c[stop], 's' | 't' | 'n' | 'd' | 'r' | 'h')) {
                stop += 1;
            }
            let digits = c[start..stop].iter().filter(|c| c.is_ascii_digit()).count();
            if digits >= 2 {
                spans.push((start, stop));
            }
        }
        i = end;
    }
    spans
}

/// The length of a UK postcode starting at `c[0]` (`SW1A 1AA`, `m1 1ae`, `B338TH`, `LS1-4AP`),
/// else 0.
fn postcode(c: &[char]) -> usize {
    let alpha = |i: usize| c.get(i).is_some_and(char::is_ascii_alphabetic);
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    let alnum = |i: usize| c.get(i).is_some_and(char::is_ascii_alphanumeric);
    // Outward code: A9, A99, A9A, AA9, AA99, AA9A.
    let letters = if alpha(1) { 2 } else { 1 };
    if !digit(letters) {
        return 0;
    }
    for outward in [letters + 2, letters + 1] {
        if outward > letters + 1 && !alnum(letters + 1) {
            continue;
        }
        let mut inward = outward;
        while c.get(inward).is_some_and(|c| c.is_whitespace()) {
            inward += 1;
        }
        if inward == outward && c.get(inward) == Some(&'-') {
            inward += 1;
        }
        if digit(inward) && alpha(inward + 1) && alpha(inward + 2) && !alnum(inward + 3) {
            return inward + 3;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifying_shapes_are_masked_wherever_they_stand() {
        assert_eq!(mask_shapes("9434765919", true), "943*******");
        assert_eq!(mask_shapes("nhs 943 476 5919 here", true), "nhs 943 *** **** here");
        assert_eq!(mask_shapes("born 1971-07-23", true), "born 197*-**-**");
        assert_eq!(mask_shapes("born 23/07/1971", true), "born 23/**/****");
        assert_eq!(mask_shapes("id P9434765919", true), "id P943*******");
        assert_eq!(mask_shapes("R0002876 2013-02-24 15:15:00", false), "R0002876 2013-02-24 15:15:00");
        for nhs in ["4010 232 137", "401  023  2137", "40 10 23 21 37", "401\u{a0}023\u{a0}2137"] {
            assert!(!mask_shapes(nhs, false).contains("2137") && !mask_shapes(nhs, false).contains("137"), "{nhs}");
        }
        for date in ["23 July 1971", "23 07 1971", "1971 07 23", "July 23 1971", "23rd July 1971", "23-Jul-71"] {
            let m = mask_shapes(date, true);
            assert!(!m.contains("1971") && !m.contains("23 J"), "{date}: {m}");
        }
        for pc in ["LS1\u{a0}4AP", "LS1  4AP", "LS1-4AP"] {
            assert!(mask_shapes(pc, true).contains("***"), "{pc}");
        }
        assert_eq!(mask_shapes("SW1A 1AA and m1 1ae and B338TH", true), "SW1* *** and m1 *** and B33***");
        assert_eq!(mask_shapes("born 1971-07-23", false), "born 1971-07-23", "a date column's dates stay");
        assert_eq!(mask_shapes("9434765919", false), "943*******", "NHS numbers go in any column");
        for nhs in ["9,434,765,919", "943_476_5919", "9.43477E+09", "9.434765919e9", "9,434,765,910", "19,434,765,919"]
        {
            let m = mask_shapes(nhs, false);
            assert!(!m.contains("765") && !m.contains("477"), "{nhs}: {m}");
        }
        for date in ["1973-12-19T00:00:00", "1973-12-19T00:00:00.000Z", "19/12/1973T00:00"] {
            let m = mask_shapes(date, true);
            assert!(!m.contains("12-19") && !m.contains("1973"), "{date}: {m}");
        }
    }

    #[test]
    fn codes_and_small_numbers_stay() {
        for s in [
            "V81999",
            "A81001",
            "F41.1",
            "row 14",
            "columns B and C",
            "02A00",
            "R001",
            "PHQ9_SCORE",
            "1e308",
            "2.5E+01",
            "holds 1,259,086 characters",
        ] {
            assert_eq!(mask_shapes(s, true), s);
        }
    }

    #[test]
    fn values_are_printable_and_cut() {
        assert_eq!(printable("a\u{1b}[31mred"), "a\u{FFFD}[31mred");
        // A name with a character that shows as nothing must not read as the right name.
        assert_eq!(printable("NHS_\u{200B}NUMBER"), "NHS_\u{FFFD}NUMBER");
        assert_eq!(printable("\u{FEFF}LOCAL_PATIENT_ID"), "\u{FFFD}LOCAL_PATIENT_ID");
        assert_eq!(printable("café – £5"), "café – £5");
        let long = "x".repeat(1000);
        assert_eq!(printable(&long), format!("{}… (1,000 characters in all)", "x".repeat(60)));
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }
}
