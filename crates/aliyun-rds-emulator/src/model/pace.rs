//! How fast things that take time on the real service happen in the
//! emulator: an instance being created, restarted, resized or deleted, a
//! backup being taken.
//!
//! A [`Pace`] is chosen once per emulator. With a time pace a change ends
//! that long after it started, by the emulator's clock, so that a user's
//! waiter really waits; with a poll pace it ends after that many answers
//! have reported it (a test then controls exactly how many polls a waiter
//! makes); with the instant pace it has ended by the time the call that
//! started it answers.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long changes that take time on the real service take in the
/// emulator. The default is three seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pace(PaceKind);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PaceKind {
    Instant,
    Polls(u32),
    Time(Duration),
}

impl Pace {
    /// Changes end at once: an instance being created answers `Running` to
    /// the first describe. For tests that do not test waiting.
    pub const fn instant() -> Pace {
        Pace(PaceKind::Instant)
    }

    /// Changes end after `polls` answers have reported them (answers of
    /// `DescribeDBInstanceAttribute`, of `DescribeDBInstances` listing the
    /// instance, or of `DescribeBackups` listing the backup): with 2, the
    /// first two polls report `Creating` and the third `Running`. 0 is the
    /// same as [`Pace::instant`].
    pub const fn polls(polls: u32) -> Pace {
        if polls == 0 {
            Pace::instant()
        } else {
            Pace(PaceKind::Polls(polls))
        }
    }

    /// Changes end this long after they started, by the emulator's clock.
    /// A zero duration is the same as [`Pace::instant`].
    pub const fn duration(duration: Duration) -> Pace {
        if duration.is_zero() {
            Pace::instant()
        } else {
            Pace(PaceKind::Time(duration))
        }
    }

    /// Whether changes end at once.
    pub fn is_instant(&self) -> bool {
        self.0 == PaceKind::Instant
    }

    /// When a change that starts at `now_millis` ends.
    pub(crate) fn due_from(self, now_millis: i64) -> Due {
        match self.0 {
            PaceKind::Instant => Due::Now,
            PaceKind::Polls(polls) => Due::AfterPolls(polls),
            PaceKind::Time(duration) => Due::AtMillis(
                now_millis.saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
            ),
        }
    }
}

impl Default for Pace {
    /// Three seconds: long enough that a waiter polls more than once.
    fn default() -> Self {
        Pace::duration(Duration::from_secs(3))
    }
}

impl fmt::Display for Pace {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PaceKind::Instant => formatter.write_str("instant"),
            PaceKind::Polls(polls) => write!(formatter, "{polls}polls"),
            PaceKind::Time(duration) if duration.subsec_millis() == 0 => {
                write!(formatter, "{}s", duration.as_secs())
            }
            PaceKind::Time(duration) => write!(formatter, "{}ms", duration.as_millis()),
        }
    }
}

/// Why a text is not a [`Pace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceParseError(String);

impl fmt::Display for PaceParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "`{}` is not a pace: write `instant`, a duration such as `3s` or `500ms`, or a number of polls such as `2polls`",
            self.0
        )
    }
}

impl std::error::Error for PaceParseError {}

impl FromStr for Pace {
    type Err = PaceParseError;

    /// `instant`, `<n>s`, `<n>ms` or `<n>polls` (a bare number is seconds).
    fn from_str(text: &str) -> Result<Pace, PaceParseError> {
        let error = || PaceParseError(text.to_owned());
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("instant") {
            return Ok(Pace::instant());
        }
        if let Some(polls) = trimmed
            .strip_suffix("polls")
            .or_else(|| trimmed.strip_suffix("poll"))
        {
            return polls.trim().parse().map(Pace::polls).map_err(|_| error());
        }
        if let Some(millis) = trimmed.strip_suffix("ms") {
            return millis
                .trim()
                .parse()
                .map(|millis| Pace::duration(Duration::from_millis(millis)))
                .map_err(|_| error());
        }
        let seconds = trimmed.strip_suffix('s').unwrap_or(trimmed).trim();
        seconds
            .parse::<f64>()
            .ok()
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0 && *seconds < 1e9)
            .map(|seconds| Pace::duration(Duration::from_secs_f64(seconds)))
            .ok_or_else(error)
    }
}

/// When a change in progress ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Due {
    /// Already ended (the instant pace).
    Now,
    /// At this emulator time, in Unix milliseconds.
    AtMillis(i64),
    /// After this many more answers have reported the change in progress.
    AfterPolls(u32),
}

impl Due {
    /// Whether the change has ended by `now_millis`, without counting a
    /// poll.
    pub(crate) fn is_reached(self, now_millis: i64) -> bool {
        match self {
            Due::Now => true,
            Due::AtMillis(at) => now_millis >= at,
            Due::AfterPolls(_) => false,
        }
    }

    /// One answer about to report the change: `true` when the change ends
    /// before this answer (every poll has been spent), else the poll is
    /// counted and the answer still reports the change in progress.
    pub(crate) fn poll(&mut self, now_millis: i64) -> bool {
        match self {
            Due::AfterPolls(0) => true,
            Due::AfterPolls(left) => {
                *left -= 1;
                false
            }
            other => other.is_reached(now_millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_parse_and_print() {
        for (text, pace) in [
            ("instant", Pace::instant()),
            ("3s", Pace::duration(Duration::from_secs(3))),
            ("3", Pace::duration(Duration::from_secs(3))),
            ("0.5s", Pace::duration(Duration::from_millis(500))),
            ("250ms", Pace::duration(Duration::from_millis(250))),
            ("2polls", Pace::polls(2)),
            ("0polls", Pace::instant()),
        ] {
            assert_eq!(text.parse::<Pace>(), Ok(pace), "{text}");
            assert_eq!(pace.to_string().parse::<Pace>(), Ok(pace), "{text}");
        }
        for text in ["", "fast", "-1s", "2 apples", "1e99"] {
            assert!(text.parse::<Pace>().is_err(), "{text}");
        }
    }

    #[test]
    fn polls_end_after_the_given_answers() {
        let mut due = Pace::polls(2).due_from(0);
        assert!(!due.poll(0));
        assert!(!due.poll(0));
        assert!(due.poll(0));
        let mut timed = Pace::duration(Duration::from_secs(1)).due_from(1_000);
        assert!(!timed.poll(1_999));
        assert!(timed.poll(2_000));
        assert!(Pace::instant().due_from(5).is_reached(5));
    }
}
