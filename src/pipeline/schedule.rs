//! When a source is due next: its interval with jitter, longer after failures, never sooner
//! than a server's Retry-After.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Exponential backoff stops growing after this many consecutive failures (2^5 = 32×).
const MAX_BACKOFF_DOUBLINGS: u32 = 5;
/// A failing source is retried at least this often, however long its interval.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// `failures` counts consecutive failures including this poll (0 after a success).
#[must_use]
pub fn next_due(
    now: Timestamp,
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Timestamp {
    let base = if failures == 0 {
        interval
    } else {
        let factor = 1u32 << failures.saturating_sub(1).min(MAX_BACKOFF_DOUBLINGS);
        interval.saturating_mul(factor).min(MAX_BACKOFF.max(interval))
    };
    // Up to ±10% so sources added together drift apart instead of polling in lockstep.
    let spread = base.as_secs_f64() * 0.1 * (jitter.clamp(0.0, 1.0) * 2.0 - 1.0);
    let mut wait = Duration::try_from_secs_f64(base.as_secs_f64() + spread).unwrap_or(base);
    if let Some(after) = retry_after {
        wait = wait.max(after);
    }
    let wait = SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX);
    now.saturating_add(wait).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0, 3600)]
    #[case(1, 3600)]
    #[case(2, 7200)]
    #[case(3, 14400)]
    #[case(6, 86400)]
    #[case(60, 86400)]
    fn backoff_doubles_and_caps(#[case] failures: u32, #[case] secs: i64) {
        let now = Timestamp::UNIX_EPOCH;
        let due = next_due(now, Duration::from_secs(3600), failures, None, 0.5);
        assert_eq!(due.as_second(), secs);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let now = Timestamp::UNIX_EPOCH;
        let due = next_due(now, Duration::from_secs(60), 1, Some(Duration::from_secs(600)), 0.5);
        assert_eq!(due.as_second(), 600);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let now = Timestamp::UNIX_EPOCH;
        let low = next_due(now, Duration::from_secs(1000), 0, None, 0.0).as_second();
        let high = next_due(now, Duration::from_secs(1000), 0, None, 1.0).as_second();
        assert_eq!((low, high), (900, 1100));
    }
}
