//! The virtual clock: executions never sleep, Wait states and retry intervals just move time on.

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Parses the context's clock (`2025-01-01T00:00:00+00:00` or `...Z`); None when it is not RFC 3339.
pub fn parse_clock(text: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

/// AWS's timestamp shape in the context object (`2025-01-01T00:00:00.000Z`).
pub fn format_iso(ms: Millis) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(d) => d.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// Parses a Wait `Timestamp`: an ISO-8601 *extended offset* date-time, i.e. date `T` time with seconds,
/// optional fraction, and a mandatory `Z` or `±hh:mm` offset (the recorded cases reject a missing offset,
/// a space instead of `T`, and out-of-range fields).
pub fn parse_wait_timestamp(text: &str) -> Option<Millis> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return None;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let zone = &text[i..];
    let zone_ok = zone == "Z"
        || (zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && zone.as_bytes()[3] == b':'
            && zone[1..3].bytes().all(|c| c.is_ascii_digit())
            && zone[4..6].bytes().all(|c| c.is_ascii_digit()));
    if !zone_ok {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_timestamps_need_t_seconds_and_offset() {
        assert!(parse_wait_timestamp("2016-12-05T21:29:29Z").is_some());
        assert!(parse_wait_timestamp("2016-12-05T21:29:29.123+02:00").is_some());
        assert!(parse_wait_timestamp("2016-12-05T21:29:29").is_none());
        assert!(parse_wait_timestamp("2016-12-05 21:29:29Z").is_none());
        assert!(parse_wait_timestamp("2016-12-05T25:29:29Z").is_none());
        assert!(parse_wait_timestamp("05-12-2016T21:29:29Z").is_none());
        assert!(parse_wait_timestamp("2025-01-01T00:00:00.000000").is_none());
    }

    #[test]
    fn formats_with_millis_and_z() {
        let ms = parse_clock("2025-01-01T00:00:00+00:00").unwrap();
        assert_eq!(format_iso(ms), "2025-01-01T00:00:00.000Z");
        assert_eq!(format_iso(ms + 1500), "2025-01-01T00:00:01.500Z");
    }
}
