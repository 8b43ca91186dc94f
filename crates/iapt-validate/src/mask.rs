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
    printable_cut(value, SHOWN_CHARS)
}

/// As [`printable`], cut after `max` characters.
#[must_use]
pub fn printable_cut(value: &str, max: usize) -> Cow<'_, str> {
    let long = value.len() > max && value.chars().nth(max).is_some();
    if !long && !value.chars().any(char::is_control) {
        return Cow::Borrowed(value);
    }
    let mut out: String = value.chars().take(max).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if long {
        let total = value.chars().count();
        out.push_str(&format!("… ({} characters in all)", iapt_ingest::thousands(total as u64)));
    }
    Cow::Owned(out)
}

/// Masks every part of `text` shaped like an NHS number or a postcode, and like a date when
/// `dates` (a date in a date column of a sheet without birth dates is not identifying).
#[must_use]
pub fn mask_shapes(text: &str, dates: bool) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Option<Vec<char>> = None;
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let len = if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            number_run(&chars[i..], dates, i > 0 && chars[i - 1].is_ascii_alphabetic())
        } else if starts_word && chars[i].is_ascii_alphabetic() {
            postcode(&chars[i..])
        } else {
            0
        };
        if len > 0 {
            let masked = out.get_or_insert_with(|| chars.clone());
            for (k, c) in masked[i..i + len].iter_mut().enumerate() {
                if k >= 3 && c.is_ascii_alphanumeric() {
                    *c = '*';
                }
            }
            i += len;
        } else {
            i += 1;
        }
    }
    match out {
        Some(masked) => Cow::Owned(masked.into_iter().collect()),
        None => Cow::Borrowed(text),
    }
}

/// The length of a number starting at `c[0]` that looks like an NHS number (nine or more
/// digits, whole or in `-` or `.` groups, or `943 476 5919` spaced) or, with `dates`, a date
/// (six or more digits, or two separators and four or more digits); else 0.
fn number_run(c: &[char], dates: bool, in_word: bool) -> usize {
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    // Spaced NHS numbers are grouped 3-3-4; spaces join nothing else (`R0002876 2013-02-24`).
    let spaced = [0, 1, 2, 4, 5, 6, 8, 9, 10, 11].iter().all(|&i| digit(i))
        && c.get(3) == Some(&' ')
        && c.get(7) == Some(&' ')
        && !digit(12);
    if spaced {
        return 12;
    }
    let (mut digits, mut separators, mut end, mut i) = (0, 0, 0, 0);
    while i < c.len() {
        if c[i].is_ascii_digit() {
            digits += 1;
            i += 1;
            end = i;
        } else if matches!(c[i], '/' | '-' | '.') && digit(i + 1) {
            separators += 1;
            i += 1;
        } else {
            break;
        }
    }
    // Digits inside a code such as `V81999` are no date; nine or more digits are masked anyway.
    let glued = in_word || c.get(end).is_some_and(char::is_ascii_alphabetic);
    let nhs = digits >= 9;
    let date = dates && !glued && (digits >= 6 || (separators >= 2 && digits >= 4));
    if nhs || date { end } else { 0 }
}

/// The length of a UK postcode starting at `c[0]` (`SW1A 1AA`, `m1 1ae`, `B338TH`), else 0.
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
        let space = usize::from(c.get(outward) == Some(&' '));
        let inward = outward + space;
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
        assert_eq!(mask_shapes("SW1A 1AA and m1 1ae and B338TH", true), "SW1* *** and m1 *** and B33***");
        assert_eq!(mask_shapes("born 1971-07-23", false), "born 1971-07-23", "a date column's dates stay");
        assert_eq!(mask_shapes("9434765919", false), "943*******", "NHS numbers go in any column");
    }

    #[test]
    fn codes_and_small_numbers_stay() {
        for s in ["V81999", "A81001", "F41.1", "row 14", "columns B and C", "02A00", "R001", "PHQ9_SCORE"] {
            assert_eq!(mask_shapes(s, true), s);
        }
    }

    #[test]
    fn values_are_printable_and_cut() {
        assert_eq!(printable("a\u{1b}[31mred"), "a\u{FFFD}[31mred");
        let long = "x".repeat(1000);
        assert_eq!(printable(&long), format!("{}… (1,000 characters in all)", "x".repeat(60)));
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }
}
