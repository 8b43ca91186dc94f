//! Bytes and characters of a cell: which a text may not hold, numbers written as Excel shows
//! them, the NHS number's check digit.

use std::fmt::Write as _;

pub(super) use iapt_ingest::shows_as_nothing as invisible;
use iapt_schema::Normalise;

/// A byte `parse_text` would not take as it is: a control character, DEL, the lead byte of a
/// no-break space or of an invisible character, or one the column's normalising changes. The
/// lead bytes also start visible characters (`’ – €`): those are read slowly, then taken.
pub(crate) fn refused(b: u8, normalise: Normalise) -> bool {
    b < 0x20
        || b == 0x7F
        || invisible_lead(b)
        || match normalise {
            Normalise::None => false,
            Normalise::StripSpaces => b == b' ',
            Normalise::StripDot => b == b'.',
            Normalise::Upper => b.is_ascii_lowercase(),
        }
}

pub(super) fn refuses_any(b: &[u8], normalise: Normalise) -> bool {
    // Most text is printable ASCII, checked a word at a time.
    if normalise == Normalise::None && printable_ascii(b) {
        return false;
    }
    b.iter().any(|&x| refused(x, normalise))
}

/// Whether every byte is printable ASCII (space to `~`), eight at a time.
pub(super) fn printable_ascii(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below a space borrows into its high bit when a space is taken from it; one above
    // `~` has its high bit set, or gains it when 1 is added.
    let ok = |x: u64| ((x.wrapping_sub(ONES * 0x20) & !x) | (x.wrapping_add(ONES) | x)) & HIGH == 0;
    let n = b.len();
    if n < 8 {
        let mut w = [b'A'; 8];
        w[..n].copy_from_slice(b);
        return ok(u64::from_le_bytes(w));
    }
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    (0..n - 8).step_by(8).all(|at| ok(word(at))) && ok(word(n - 8))
}

/// `s.trim()`, without its scan of Unicode white space when the first and last bytes are
/// ASCII above the space (none of them is white space).
#[inline]
pub(crate) fn trim_fast(s: &str) -> &str {
    let solid = |b: u8| b > b' ' && b < 0x80;
    match s.as_bytes() {
        [first, .., last] if solid(*first) && solid(*last) => s,
        [only] if solid(*only) => s,
        _ => s.trim(),
    }
}

/// A float as Excel shows it: whole numbers without `.0`, and no binary noise in the last digits.
pub(crate) fn format_number(f: f64, out: &mut String) {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        let _ = write!(out, "{}", f as i64);
        return;
    }
    if f.is_finite() && f.abs() >= 1e21 {
        // Past 21 digits `1E+308` as Excel writes it: the figures would be noise, and hundreds of
        // them. Shorter numbers keep their digits, as an id typed as a number is read by them.
        let e = format!("{f:E}");
        let (mantissa, exponent) = e.split_once('E').unwrap_or((&e, "0"));
        let mut m = format!("{:.14}", mantissa.parse::<f64>().unwrap_or(0.0));
        if m.contains('.') {
            m.truncate(m.trim_end_matches('0').trim_end_matches('.').len());
        }
        let sign = if exponent.starts_with('-') { "" } else { "+" };
        let _ = write!(out, "{m}E{sign}{exponent}");
        return;
    }
    if f.is_finite() && f.abs() >= 1e15 {
        // The shortest digits that read back as `f`, not the binary value's exact noise.
        let _ = write!(out, "{f}");
        return;
    }
    // 15 significant digits, as Excel displays, then trailing zeros trimmed.
    let int_digits = if f.abs() >= 1.0 { f.abs().log10().floor() as usize + 1 } else { 1 };
    let start = out.len();
    let _ = write!(out, "{:.*}", 15usize.saturating_sub(int_digits), f);
    if out[start..].contains('.') {
        let trimmed = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(trimmed);
    }
}

/// The first byte in UTF-8 of every [`invisible`] character (and of a C1 control).
pub(super) fn invisible_lead(b: u8) -> bool {
    matches!(b, 0xC2 | 0xCD | 0xD8 | 0xE1 | 0xE2 | 0xEF | 0xF3)
}

/// The modulus-11 check of a 10-digit NHS number.
#[must_use]
pub fn nhs_number_is_valid(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == u32::from(digits[9] - b'0')
}
