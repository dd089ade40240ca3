//! What one delivery attempt came to, and when the next one is due: exponential backoff with
//! full jitter inside a three-day window, honouring the receiver's `Retry-After`. Pure.
//!
//! Not here: storing the outcome (`store.finish`) or sending anything.

use std::time::Duration;

use jiff::Timestamp;

/// What a send attempt came to. A value, not an error: the worker stores it and moves on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver accepted it (`status` is the HTTP status; `None` for SMTP).
    Delivered { status: Option<u16> },
    /// Try again later; `retry_after` is the receiver's own hint, if it gave one. The caller
    /// turns this into a time with [`next_attempt`], or into `Dead` when that returns `None`.
    Retry { retry_after: Option<Duration>, reason: String },
    /// The receiver said the endpoint is gone for good (HTTP 410): disable it, log an error.
    Gone { reason: String },
    /// No more attempts: the window is spent.
    Dead { reason: String },
}

impl DeliveryOutcome {
    /// The stored `last_error`, for everything but a delivery.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Delivered { .. } => None,
            Self::Retry { reason, .. } | Self::Gone { reason } | Self::Dead { reason } => Some(reason),
        }
    }

    /// The outcome to store when [`next_attempt`] gave up after `attempts` tries.
    pub fn dead_after(attempts: u32, last_reason: &str) -> Self {
        let hours = DELIVERY_WINDOW.as_secs() / 3600;
        Self::Dead { reason: format!("gave up after {attempts} attempts in {hours}h; last: {last_reason}") }
    }
}

/// How long after its creation a delivery keeps being retried.
pub const DELIVERY_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// The longest `Retry-After` obeyed; a receiver asking for more is retried after this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The shortest wait, so that a jitter of zero never turns into a hot loop.
const MIN_WAIT: Duration = Duration::from_secs(1);

/// The backoff ceiling per attempt, in seconds: attempt 1 failed → up to 30 s, attempt 2 →
/// up to 2 min, then 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, and 24 h for every attempt after
/// that, until `created + 72 h`. Without jitter the ninth retry lands at about 47 h; the
/// window then allows one or two more. Full jitter (a uniform share of the ceiling) spreads
/// retries of many deliveries that failed together, so a recovering receiver is not hit by
/// all of them at once.
const BACKOFF_SECS: [u64; 9] = [30, 120, 600, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400];

/// The backoff ceiling after `attempts` failed attempts (0 is read as 1).
pub fn backoff(attempts: u32) -> Duration {
    let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(usize::MAX);
    let secs = BACKOFF_SECS.get(index).or(BACKOFF_SECS.last()).copied().unwrap_or(86_400);
    Duration::from_secs(secs)
}

/// When to try a delivery again after `attempts` failed attempts, or `None` when it is dead.
///
/// `jitter` is a uniform random number in `[0, 1]` chosen by the caller (the share of the
/// backoff ceiling to wait); out-of-range and NaN values are clamped, never a panic.
/// `retry_after`, capped at [`MAX_RETRY_AFTER`], is a floor on the wait. The last attempt is
/// pulled in to the window's end rather than skipped, so every delivery gets a try at
/// `created + 72 h`; at or after that instant the answer is `None`.
pub fn next_attempt(
    attempts: u32,
    created: Timestamp,
    now: Timestamp,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<Timestamp> {
    let deadline = created.checked_add(DELIVERY_WINDOW).ok()?;
    if now >= deadline {
        return None;
    }
    let mut wait = jittered(backoff(attempts), jitter).max(MIN_WAIT);
    if let Some(hint) = retry_after {
        wait = wait.max(hint.min(MAX_RETRY_AFTER));
    }
    let at = now.checked_add(wait).unwrap_or(deadline);
    Some(at.min(deadline))
}

fn jittered(ceiling: Duration, jitter: f64) -> Duration {
    let share = if jitter.is_nan() { 1.0 } else { jitter.clamp(0.0, 1.0) };
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "share is clamped to [0, 1], so the product is within 0..=1000"
    )]
    let permille = (share * 1000.0).round() as u64;
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(millis / 1000 * permille)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const CREATED: &str = "2026-11-22T08:00:00Z";

    #[rstest]
    #[case::first_failure(1, 1.0, None, "2026-11-22T08:00:30Z")]
    #[case::zero_reads_as_first(0, 1.0, None, "2026-11-22T08:00:30Z")]
    #[case::second(2, 1.0, None, "2026-11-22T08:02:00Z")]
    #[case::fifth(5, 1.0, None, "2026-11-22T09:00:00Z")]
    #[case::ninth(9, 1.0, None, "2026-11-23T08:00:00Z")]
    #[case::beyond_the_table(40, 1.0, None, "2026-11-23T08:00:00Z")]
    #[case::half_jitter(4, 0.5, None, "2026-11-22T08:15:00Z")]
    #[case::zero_jitter_waits_a_second(3, 0.0, None, "2026-11-22T08:00:01Z")]
    #[case::nan_jitter_waits_the_ceiling(1, f64::NAN, None, "2026-11-22T08:00:30Z")]
    #[case::jitter_over_one_clamped(1, 7.0, None, "2026-11-22T08:00:30Z")]
    #[case::retry_after_is_a_floor(1, 1.0, Some(600), "2026-11-22T08:10:00Z")]
    #[case::short_retry_after_loses(6, 1.0, Some(5), "2026-11-22T11:00:00Z")]
    #[case::retry_after_capped(1, 1.0, Some(7 * 86_400), "2026-11-23T08:00:00Z")]
    fn next_attempt_from_creation(
        #[case] attempts: u32,
        #[case] jitter: f64,
        #[case] retry_after: Option<u64>,
        #[case] expected: &str,
    ) {
        let got = next_attempt(attempts, ts(CREATED), ts(CREATED), retry_after.map(Duration::from_secs), jitter);
        assert_eq!(got, Some(ts(expected)));
    }

    #[rstest]
    #[case::pulled_in_to_the_deadline("2026-11-25T07:00:00Z", Some("2026-11-25T08:00:00Z"))]
    #[case::at_the_deadline_it_is_dead("2026-11-25T08:00:00Z", None)]
    #[case::after_the_deadline_it_is_dead("2026-11-26T00:00:00Z", None)]
    fn the_window_ends_at_72_hours(#[case] now: &str, #[case] expected: Option<&str>) {
        assert_eq!(next_attempt(10, ts(CREATED), ts(now), None, 1.0), expected.map(ts));
    }

    #[test]
    fn without_jitter_a_failing_delivery_gets_twelve_attempts() {
        let created = ts(CREATED);
        let (mut now, mut attempts) = (created, 1);
        let mut times = vec![now];
        while let Some(at) = next_attempt(attempts, created, now, None, 1.0) {
            now = at;
            attempts += 1;
            times.push(at);
        }
        let hours: Vec<i64> = times.iter().map(|t| t.duration_since(created).as_secs() / 3600).collect();
        assert_eq!(hours, [0, 0, 0, 0, 0, 1, 4, 10, 22, 46, 70, 72]);
        assert_eq!(
            DeliveryOutcome::dead_after(attempts, "HTTP 503").reason(),
            Some("gave up after 12 attempts in 72h; last: HTTP 503")
        );
    }
}
