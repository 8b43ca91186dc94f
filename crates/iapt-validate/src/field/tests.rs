//! Reading single cells: numbers, dates, text and the NHS number check.

use super::chars::printable_ascii;
use super::*;

fn number(f: f64) -> String {
    let mut s = String::new();
    format_number(f, &mut s);
    s
}

#[test]
fn numbers_read_as_excel_shows_them() {
    assert_eq!(number(9_434_765_919.0), "9434765919");
    assert_eq!(number(0.1 + 0.2), "0.3");
    assert_eq!(number(2.5), "2.5");
    assert_eq!(number(-3.0), "-3");
    assert_eq!(number(1e308), "1E+308");
    assert_eq!(number(-2.5e21), "-2.5E+21");
    assert_eq!(number(123_456_789_012_345.0), "123456789012345");
    // An id typed as a number is read by its digits, so these keep them.
    assert_eq!(number(1_234_567_890_123_456.0), "1234567890123456");
    assert_eq!(number(-2.5e20), "-250000000000000000000");
    assert_eq!(number(12_345_678_901_234_567_890.0), "12345678901234567000", "no binary noise");
    assert_eq!(number(1_234_567_890_123_456.5), "1234567890123456.5");
}

#[test]
fn printable_ascii_is_every_byte_from_space_to_tilde() {
    for b in 0..=255u8 {
        for n in [1, 5, 8, 9, 16, 17] {
            for at in [0, n / 2, n - 1] {
                let mut s = vec![b'Q'; n];
                s[at] = b;
                assert_eq!(printable_ascii(&s), (0x20..=0x7E).contains(&b), "{b:#x} at {at} of {n}");
            }
        }
    }
    assert!(printable_ascii(b""));
}

#[test]
fn nhs_check_digit() {
    assert!(nhs_number_is_valid(b"9434765919"));
    assert!(!nhs_number_is_valid(b"9434765910"));
    assert!(!nhs_number_is_valid(b"943476591"));
}

#[test]
fn a_refused_whole_number_says_why() {
    let why = |cell: CellValue<'_>, text: &str| match parse_integer(cell, 0, 27, false, text) {
        Parsed::Invalid { detail, .. } => detail,
        Parsed::Ok { .. } => "accepted".into(),
    };
    let text = |s| why(CellValue::Text(s), s);
    assert_eq!(text("5.0"), "write it as plain digits, without a decimal point or exponent");
    assert_eq!(text("5.5"), "it is not a whole number");
    for huge in ["1e308", "99999999999999999999", "-99999999999999999999", "1e3", "-5.0", "28.0"] {
        assert_eq!(text(huge), "it is outside the range 0 to 27", "{huge}");
    }
    for not in ["NaN", "inf", "0x10", "\u{663}", "five", "-"] {
        assert_eq!(text(not), "it is not a number", "{not}");
    }
    assert_eq!(why(CellValue::Float(2.5), ""), "it is not a whole number");
    assert_eq!(why(CellValue::Float(1e20), ""), "it is outside the range 0 to 27");
}

#[test]
fn dates_in_text() {
    assert_eq!(parse_date_text("2012-04-01").unwrap().to_string(), "2012-04-01");
    assert_eq!(parse_date_text("01/04/2012").unwrap().to_string(), "2012-04-01");
    assert!(parse_date_text("04/13/2012").unwrap_err().contains("MM/DD/YYYY"));
    assert!(parse_date_text("2012-04-01 00:00:00").unwrap_err().contains("without a time"));
    assert!(parse_date_text("1 April 2012").is_err());
}

#[test]
fn invisible_characters_are_told_from_visible_ones_of_the_same_lead_byte() {
    let invisibles = [
        '\u{AD}',
        '\u{34F}',
        '\u{61C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200D}',
        '\u{2028}',
        '\u{2029}',
        '\u{202E}',
        '\u{2060}',
        '\u{FE0F}',
        '\u{FEFF}',
        '\u{E0041}',
        '\u{E0100}',
    ];
    for c in invisibles {
        assert!(invisible(c), "U+{:04X}", u32::from(c));
        // The byte scan sends it to the character scan.
        let mut bytes = [0; 4];
        assert!(invisible_lead(c.encode_utf8(&mut bytes).as_bytes()[0]), "U+{:04X}", u32::from(c));
    }
    for c in ['’', '–', '€', '£', 'é', '\u{A0}', '\u{FF01}'] {
        assert!(!invisible(c), "{c}");
    }
}
