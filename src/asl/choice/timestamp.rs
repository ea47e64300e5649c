//! Timestamps as Step Functions reads them: RFC 3339 with an uppercase `T` between date and time and
//! `Z` or a numeric offset (docs: "Timestamps must conform to RFC3339 profile of ISO 8601, with the
//! further restrictions that an uppercase T must separate date and time, and an uppercase Z must
//! denote that a numeric time zone offset is not present", state-choice.html). Recorded Wait cases
//! reject `2016-12-05T21:29:29` (no offset), `2016-12-05T25:29:29Z` and `05-12-2016T21:29:29Z`,
//! and accept nanoseconds (`2016-03-05T21:29:29.243167252Z`).

/// Parses `s` into nanoseconds since 1970-01-01T00:00:00Z, or None when it is not a timestamp.
pub fn parse_timestamp(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(10) != Some(&b'T') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(start, digits)? * 10i64.pow((9 - digits) as u32);
    }
    let offset_secs: i64 = match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            if b.len() != i + 6 || b[i + 3] != b':' {
                return None;
            }
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2)?;
            if oh > 18 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_formats() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2016-03-14T01:59:00Z"),
            Some(1_457_920_740_000_000_000)
        );
        assert_eq!(
            parse_timestamp("2016-03-05T21:29:29.243167252Z").map(|n| n % 1_000_000_000),
            Some(243_167_252)
        );
        assert_eq!(
            parse_timestamp("2012-10-09T19:00:55+01:00"),
            parse_timestamp("2012-10-09T18:00:55Z")
        );
        assert_eq!(
            parse_timestamp("2024-02-29T00:00:00.5Z").map(|n| n % 1_000_000_000),
            Some(500_000_000)
        );
        for bad in [
            "2016-12-05T21:29:29",
            "2016-12-05T25:29:29Z",
            "05-12-2016T21:29:29Z",
            "2025-01-01T00:00:00.000000",
            "2023-02-24",
            "2012-10-09t19:00:55Z",
            "2012-10-09T19:00:55z",
            "2023-02-29T00:00:00Z",
            "2023-01-01T00:00:00.Z",
            "2023-01-01T00:00:00.1234567890Z",
            "2023-01-01T00:00:00+0100",
            "",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
