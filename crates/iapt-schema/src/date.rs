//! Civil dates and times of day as small integers.
//!
//! Every date in the data set is a calendar day with no zone, and the only arithmetic the
//! statistics need is "days between"; a day number does both in four bytes.

use std::fmt;

/// A calendar date, stored as days since 1970-01-01 (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// The oldest age a person can have at a reporting period's end, as the data set describes
/// BIRTH_DATE (age 0 to 120): validation refuses an older birth date, and the report counts an
/// age outside 0 to this as unknown.
pub const OLDEST_AGE: i32 = 120;

impl Date {
    /// The date for a year, month and day, or `None` when no such day exists.
    #[must_use]
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// The date `days` days after 1970-01-01.
    #[must_use]
    pub const fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// Days since 1970-01-01.
    #[must_use]
    pub const fn days(self) -> i32 {
        self.0
    }

    /// Year, month and day.
    #[must_use]
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// This date plus `n` days.
    #[must_use]
    pub const fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Whole days from `earlier` to `self` (negative when `self` is earlier).
    #[must_use]
    pub const fn days_since(self, earlier: Date) -> i32 {
        self.0 - earlier.0
    }

    /// The last day of this date's month.
    #[must_use]
    pub fn last_of_month(self) -> Date {
        let (y, m, _) = self.ymd();
        Date(days_from_civil(y, m, days_in_month(y, m)))
    }

    /// Whole years from `birth` to `self`, as age is counted.
    #[must_use]
    pub fn years_since(self, birth: Date) -> i32 {
        let (y1, m1, d1) = birth.ymd();
        let (y2, m2, d2) = self.ymd();
        let mut years = y2 - y1;
        if (m2, d2) < (m1, d1) {
            years -= 1;
        }
        years
    }

    /// The latest birth date whose age on this date ([`Date::years_since`]) is at least
    /// `years`: that day `years` years before, or the month's last day when it has no such day
    /// (29 February). A check of many ages against one date compares days, not calendars.
    #[must_use]
    pub fn born_by_for_age(self, years: i32) -> Option<Date> {
        let (y, m, d) = self.ymd();
        let year = y.checked_sub(years)?;
        Date::from_ymd(year, m, d.min(days_in_month(year, m)))
    }

    /// Parses `YYYY-MM-DD` exactly.
    #[must_use]
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::from_ymd(fixed_digits::<4>(&b[0..4])? as i32, fixed_digits::<2>(&b[5..7])?, fixed_digits::<2>(&b[8..10])?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        let year = match u32::try_from(y) {
            Ok(year) if year <= 9999 => year,
            _ => return write!(f, "{y:04}-{m:02}-{d:02}"),
        };
        // Written from bytes: a national year's outcomes write millions of dates.
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ];
        f.write_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

/// Parses a run of ASCII digits; `None` if any byte is not a digit or the run is empty.
#[must_use]
pub fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// [`digits`] of exactly `N` bytes, unrolled and without a branch a digit (dates and times
/// have fixed widths).
#[inline]
fn fixed_digits<const N: usize>(b: &[u8]) -> Option<u32> {
    let b: &[u8; N] = b.try_into().ok()?;
    let (mut n, mut all) = (0u32, true);
    for &c in b {
        let d = c.wrapping_sub(b'0');
        all &= d < 10;
        n = n.wrapping_mul(10).wrapping_add(u32::from(d));
    }
    all.then_some(n)
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A time of day in seconds after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub u32);

impl TimeOfDay {
    /// Parses `HH:MM` or `HH:MM:SS`, 24-hour.
    #[must_use]
    pub fn parse(s: &str) -> Option<TimeOfDay> {
        let b = s.as_bytes();
        let (h, m, sec) = match b.len() {
            5 if b[2] == b':' => (fixed_digits::<2>(&b[0..2])?, fixed_digits::<2>(&b[3..5])?, 0),
            8 if b[2] == b':' && b[5] == b':' => {
                (fixed_digits::<2>(&b[0..2])?, fixed_digits::<2>(&b[3..5])?, fixed_digits::<2>(&b[6..8])?)
            }
            _ => return None,
        };
        (h < 24 && m < 60 && sec < 60).then_some(TimeOfDay(h * 3600 + m * 60 + sec))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(f, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let start = Date::from_ymd(1900, 1, 1).unwrap();
        for n in 0..146_097 {
            let d = start.add_days(n);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d));
        }
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(Date::parse_iso("2013-03-31").unwrap().to_string(), "2013-03-31");
    }

    #[test]
    fn shows_dates_as_iso_text_at_any_year() {
        for (y, m, d) in [(2012, 4, 1), (999, 1, 9), (1, 12, 31), (9999, 12, 31), (10_000, 1, 1), (-1, 3, 1)] {
            let date = Date::from_ymd(y, m, d).unwrap();
            assert_eq!(date.to_string(), format!("{y:04}-{m:02}-{d:02}"));
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(Date::parse_iso("2013-02-29"), None);
        assert!(Date::parse_iso("2012-02-29").is_some());
        assert_eq!(Date::parse_iso("2013-13-01"), None);
        assert_eq!(Date::parse_iso("2013-1-01"), None);
        // Anything but a digit, in any digit's place, and a separator out of place.
        for at in [0, 1, 2, 3, 5, 6, 8, 9] {
            for bad in [b'/', b':', b' ', b'a', b'-'] {
                let mut text = *b"2012-11-27";
                text[at] = bad;
                assert_eq!(Date::parse_iso(std::str::from_utf8(&text).unwrap()), None, "{text:?}");
            }
        }
        assert_eq!(Date::parse_iso("2012/11/27"), None);
        assert_eq!(Date::parse_iso("0000-01-01").map(|d| d.to_string()).as_deref(), Some("0000-01-01"));
    }

    #[test]
    fn born_by_for_age_is_the_last_birth_date_of_that_age() {
        for end in ["2012-02-29", "2013-02-28", "2013-03-01", "2012-12-31", "2013-01-01", "2000-02-29", "2100-03-01"] {
            let end = Date::parse_iso(end).unwrap();
            for years in [0, 1, 4, 100, 121] {
                let last = end.born_by_for_age(years).unwrap();
                for offset in -800..=800 {
                    let birth = last.add_days(offset);
                    assert_eq!(birth <= last, end.years_since(birth) >= years, "{end} {years} {birth}");
                }
            }
        }
    }

    #[test]
    fn counts_age_in_whole_years() {
        let birth = Date::parse_iso("1980-06-15").unwrap();
        assert_eq!(Date::parse_iso("2012-06-14").unwrap().years_since(birth), 31);
        assert_eq!(Date::parse_iso("2012-06-15").unwrap().years_since(birth), 32);
    }

    #[test]
    fn parses_times() {
        assert_eq!(TimeOfDay::parse("09:30"), Some(TimeOfDay(34_200)));
        assert_eq!(TimeOfDay::parse("23:59:59"), Some(TimeOfDay(86_399)));
        assert_eq!(TimeOfDay::parse("24:00"), None);
        assert_eq!(TimeOfDay::parse("9:30"), None);
        // Anything but a digit in any digit's place.
        for at in [0, 1, 3, 4, 6, 7] {
            for bad in [b'/', b':', b' ', b'a', b'T'] {
                let mut text = *b"12:34:56";
                text[at] = bad;
                let text = std::str::from_utf8(&text).unwrap();
                assert_eq!(TimeOfDay::parse(text), None, "{text}");
                if at < 5 {
                    assert_eq!(TimeOfDay::parse(&text[..5]), None, "{text}");
                }
            }
        }
    }
}
