//! The emulator's notion of "now", and the timestamp formats of the protocol.
//!
//! Tests provoke `InvalidTimeStamp.Expired`, and check a client's skew
//! correction, by moving the emulator's clock: its now is the real now plus an
//! offset in seconds that can be changed while the server runs. The same
//! clock stamps the `Date` header of every answer.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far the request time may be from the emulator's, either way, as on the
/// real service.
pub(crate) const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// A clock that runs `offset` seconds ahead of (or, when negative, behind) the
/// system clock.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub(crate) fn new(offset_seconds: i64) -> Self {
        Clock {
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    pub(crate) fn set_offset(&self, offset_seconds: i64) {
        self.offset_seconds.store(offset_seconds, Ordering::Relaxed);
    }

    /// Now, as seconds since the Unix epoch (negative before 1970, which only
    /// an absurd offset can produce).
    pub(crate) fn now_unix_seconds(&self) -> i64 {
        let real = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since_epoch) => i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
            Err(before_epoch) => {
                -i64::try_from(before_epoch.duration().as_secs()).unwrap_or(i64::MAX)
            }
        };
        real.saturating_add(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Now, as milliseconds since the Unix epoch.
    pub(crate) fn now_unix_millis(&self) -> i64 {
        let real = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since_epoch) => i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
            Err(before_epoch) => {
                -i64::try_from(before_epoch.duration().as_millis()).unwrap_or(i64::MAX)
            }
        };
        real.saturating_add(
            self.offset_seconds
                .load(Ordering::Relaxed)
                .saturating_mul(1000),
        )
    }

    /// Now as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), for the `Date`
    /// header. HTTP dates cannot express times before 1970, so such a clock
    /// reads as the epoch.
    pub(crate) fn http_date(&self) -> String {
        let seconds = u64::try_from(self.now_unix_seconds()).unwrap_or(0);
        let now = UNIX_EPOCH
            .checked_add(Duration::from_secs(seconds))
            .unwrap_or(UNIX_EPOCH);
        httpdate::fmt_http_date(now)
    }
}

/// Parses a protocol timestamp, `YYYY-MM-DDThh:mm:ssZ` in UTC, into seconds
/// since the Unix epoch. Anything else (fractions of a second, an offset other
/// than `Z`, a missing part) is `None`, as the real service rejects it.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 20
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            10 => *byte == b'T',
            13 | 16 => *byte == b':',
            19 => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    // The shape is checked above; RFC 3339 parsing then validates the ranges
    // of every field (month 13 or February 30 are refused).
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|moment| moment.unix_timestamp())
}

/// Parses a time as the describe operations' filters take it:
/// `YYYY-MM-DDThh:mm:ssZ`, or without seconds (`YYYY-MM-DDThh:mmZ`).
pub(crate) fn parse_filter_time(text: &str) -> Option<i64> {
    let text = text.trim();
    parse_timestamp(text).or_else(|| {
        let minutes = text.strip_suffix('Z')?;
        if minutes.len() != 16 {
            return None;
        }
        parse_timestamp(&format!("{minutes}:00Z"))
    })
}

/// Formats seconds since the Unix epoch in the protocol format,
/// `YYYY-MM-DDThh:mm:ssZ`, as the describe operations report times. A moment
/// outside the years the format can express reads as the epoch.
pub(crate) fn format_timestamp(unix_seconds: i64) -> String {
    let moment = time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .filter(|moment| (0..=9999).contains(&moment.year()))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        moment.year(),
        u8::from(moment.month()),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_what_it_parses() {
        for text in [
            "1970-01-01T00:01:00Z",
            "2016-02-23T12:46:24Z",
            "2026-12-31T23:59:59Z",
        ] {
            assert_eq!(
                parse_timestamp(text).map(format_timestamp).as_deref(),
                Some(text)
            );
        }
        assert_eq!(format_timestamp(i64::MAX), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(-62_167_219_201), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn parses_the_protocol_format_only() {
        assert_eq!(parse_timestamp("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_timestamp("2016-02-23T12:46:24Z"), Some(1_456_231_584));
        assert_eq!(parse_timestamp("2016-02-23T12:46:24.5Z"), None);
        assert_eq!(parse_timestamp("2016-02-23T12:46:24+00:00"), None);
        assert_eq!(parse_timestamp("2016-13-23T12:46:24Z"), None);
        assert_eq!(parse_timestamp("2016-02-30T12:46:24Z"), None);
        assert_eq!(parse_timestamp("２016-02-23T12:46:24Z"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn filter_times_may_leave_out_seconds() {
        assert_eq!(parse_filter_time("1970-01-01T00:01Z"), Some(60));
        assert_eq!(parse_filter_time("1970-01-01T00:01:05Z"), Some(65));
        assert_eq!(parse_filter_time("1970-01-01T00:01"), None);
    }

    #[test]
    fn offset_moves_now() {
        let clock = Clock::new(0);
        let before = clock.now_unix_seconds();
        clock.set_offset(-3600);
        let after = clock.now_unix_seconds();
        assert!((before - after - 3600).abs() <= 2);
    }
}
