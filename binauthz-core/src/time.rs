//! Points in time, as a request's `evaluationTime` gives them (spec/README.md §8.1).
//!
//! The engine has no clock: whoever builds the request (the CLI, a host) says what time it is.
//! Only RFC 3339 UTC timestamps are read (`2026-11-26T12:00:00Z`, optionally with 1 to 9
//! fractional digits), the form `google.protobuf.Timestamp` uses in JSON.

use std::fmt;

/// A point in time with one-second resolution (fractions are dropped: OpenPGP times are whole
/// seconds, and `t >= T` equals `floor(t) >= T` for every whole-second `T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
}

impl Timestamp {
    /// The time `secs` seconds after 1970-01-01T00:00:00Z (negative: before).
    pub fn from_unix_seconds(secs: i64) -> Self {
        Timestamp { secs }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// Parses an RFC 3339 UTC timestamp: `YYYY-MM-DDTHH:MM:SS[.F{1,9}]Z`, with upper-case `T` and
    /// `Z`, a real calendar date, and no leap second. Offsets other than `Z` are rejected, so a
    /// time is always written one way.
    pub fn parse_rfc3339(text: &str) -> Result<Self, String> {
        let expected = "expected an RFC 3339 UTC time such as 2026-11-26T12:00:00Z";
        let bad = |what: &str| format!("`{text}` is not a valid time ({what}); {expected}");
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(range)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            part.iter().try_fold(0i64, |n, d| {
                n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
            })
        };
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if b.len() < 20
            || !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':'))
        {
            if text.contains(['t', 'z', ' ']) && !text.contains('T') {
                return Err(bad("use an upper-case `T` between date and time"));
            }
            return Err(bad("not of the form YYYY-MM-DDTHH:MM:SSZ"));
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        ) else {
            return Err(bad("not of the form YYYY-MM-DDTHH:MM:SSZ"));
        };
        let mut rest = b.get(19..).unwrap_or_default();
        if let Some(fraction) = rest.strip_prefix(b".") {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&n) {
                return Err(bad("a fraction of a second has 1 to 9 digits"));
            }
            rest = fraction.get(n..).unwrap_or_default();
        }
        match rest {
            b"Z" => {}
            b"z" => return Err(bad("use an upper-case `Z`")),
            [] => return Err(bad("the time zone is missing; write `Z` for UTC")),
            _ if rest.starts_with(b"+") || rest.starts_with(b"-") => {
                return Err(bad(
                    "only UTC is accepted: write the time with `Z`, not an offset",
                ));
            }
            _ => return Err(bad("unexpected text after the seconds")),
        }
        if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(bad("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("no such time of day; leap seconds are not accepted"));
        }
        let secs = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
        Ok(Timestamp { secs })
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 UTC, whole seconds: `2026-11-26T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3_600,
            rem % 3_600 / 60,
            rem % 60
        )
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_utc_times() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-11-26T12:00:00Z", 1_795_694_400),
            ("2000-02-29T23:59:59Z", 951_868_799),
            ("1969-12-31T23:59:59Z", -1),
            ("2106-02-07T06:28:16Z", 4_294_967_296),
        ] {
            let t = Timestamp::parse_rfc3339(text).unwrap();
            assert_eq!(t.unix_seconds(), secs, "{text}");
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn fractions_are_dropped() {
        let t = Timestamp::parse_rfc3339("2026-11-26T12:00:00.999999999Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-26T12:00:00Z");
        assert!(Timestamp::parse_rfc3339("2026-11-26T12:00:00.5Z").is_ok());
    }

    #[test]
    fn everything_else_is_rejected() {
        for text in [
            "",
            "2026-11-26",
            "2026-11-26T12:00:00",
            "2026-11-26T12:00:00+00:00",
            "2026-11-26T12:00:00-05:00",
            "2026-11-26t12:00:00Z",
            "2026-11-26 12:00:00Z",
            "2026-11-26T12:00:00z",
            "2026-11-26T12:00:00.Z",
            "2026-11-26T12:00:00.1234567890Z",
            "2026-11-26T12:00:60Z",
            "2026-11-26T24:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "+2026-11-26T12:00:00Z",
            "2026-11-26T12:00:00ZZ",
            "2026-1-26T12:00:00Z",
            "２０２６-11-26T12:00:00Z",
            "1795694400",
        ] {
            assert!(Timestamp::parse_rfc3339(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
