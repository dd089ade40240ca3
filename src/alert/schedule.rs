//! When a scheduled subscriber's digest is due: pure functions of a schedule and instants, so
//! schedules are tested with plain timestamps (no clock, no sleeps).
//!
//! Not here: the loop that wakes up at those instants (`daemon`), or what goes in the digest.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::config::model::Schedule;

/// The first digest time strictly after `after`, in the schedule's own time zone.
///
/// `None` for `immediate` (nothing is scheduled), and at the very end of jiff's range.
///
/// DST: a wall time that a spring-forward gap skips is sent at the same offset past the gap
/// (02:30 in Europe/Berlin on the last Sunday of March is sent at 03:30 CEST); a wall time that
/// a fall-back fold repeats is sent at its first occurrence only. This is jiff's (and RFC 5545's)
/// `compatible` disambiguation, and because the search is strictly after `after`, the repeated
/// hour never yields a second digest on the same day.
pub fn next_send_at(schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
    let (day, at, tz) = match schedule {
        Schedule::Immediate => return None,
        Schedule::Daily { at, tz } => (None, *at, tz),
        Schedule::Weekly { day, at, tz } => (Some(*day), *at, tz),
    };
    let mut date = after.to_zoned(tz.clone()).date();
    // Nine days cover a weekly slot whose time today has already passed, plus one day of slack.
    for _ in 0..9 {
        if day.is_none_or(|d| date.weekday() == d) {
            let when = slot(tz, date, at)?;
            if when > after {
                return Some(when);
            }
        }
        date = date.tomorrow().ok()?;
    }
    None
}

/// Whether a digest time has passed since the last digest went out (`last_sent`) as of `now`.
///
/// True once however many slots were missed while the process was down: after sending, the
/// caller records `now` as `last_sent` and the next slot lies in the future again. `false` for
/// `immediate` and when nothing was ever sent (`None`): a new subscriber's first digest is at
/// its first slot. A caller that wants a first digest to catch up after downtime passes the
/// creation time of the oldest pending delivery instead of `None`.
pub fn missed(schedule: &Schedule, last_sent: Option<Timestamp>, now: Timestamp) -> bool {
    last_sent.and_then(|last| next_send_at(schedule, last)).is_some_and(|due| due <= now)
}

fn slot(tz: &TimeZone, date: Date, at: Time) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(date.to_datetime(at)).compatible().ok()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use jiff::civil::Weekday;

    fn weekday(name: &str) -> Weekday {
        match name {
            "mon" => Weekday::Monday,
            "fri" => Weekday::Friday,
            _ => Weekday::Sunday,
        }
    }

    fn daily(at: &str, tz: &str) -> Schedule {
        Schedule::Daily { at: at.parse().unwrap(), tz: TimeZone::get(tz).unwrap() }
    }

    fn weekly(day: &str, at: &str, tz: &str) -> Schedule {
        Schedule::Weekly { day: weekday(day), at: at.parse().unwrap(), tz: TimeZone::get(tz).unwrap() }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[rstest]
    #[case::shanghai_before(daily("08:00", "Asia/Shanghai"), "2026-11-21T23:59:59Z", "2026-11-22T00:00:00Z")]
    #[case::shanghai_exactly_at_is_not_after(
        daily("08:00", "Asia/Shanghai"),
        "2026-11-22T00:00:00Z",
        "2026-11-23T00:00:00Z"
    )]
    #[case::shanghai_late_evening_utc_is_next_morning(
        daily("08:00", "Asia/Shanghai"),
        "2026-11-22T20:00:00Z",
        "2026-11-23T00:00:00Z"
    )]
    #[case::london_into_bst(daily("08:00", "Europe/London"), "2026-03-28T09:00:00Z", "2026-03-29T07:00:00Z")]
    #[case::london_winter(daily("08:00", "Europe/London"), "2026-12-01T09:00:00Z", "2026-12-02T08:00:00Z")]
    #[case::new_york_into_edt(daily("09:00", "America/New_York"), "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z")]
    #[case::berlin_gap_is_pushed_past_it(
        daily("02:30", "Europe/Berlin"),
        "2026-03-29T00:00:00Z",
        "2026-03-29T01:30:00Z"
    )]
    #[case::berlin_fold_takes_the_first(
        daily("02:30", "Europe/Berlin"),
        "2026-10-24T23:00:00Z",
        "2026-10-25T00:30:00Z"
    )]
    #[case::berlin_fold_never_twice(daily("02:30", "Europe/Berlin"), "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z")]
    #[case::weekly_monday_from_sunday(
        weekly("mon", "08:00", "Asia/Shanghai"),
        "2026-11-22T03:00:00Z",
        "2026-11-23T00:00:00Z"
    )]
    #[case::weekly_passed_today_is_next_week(
        weekly("mon", "08:00", "Asia/Shanghai"),
        "2026-11-23T00:00:01Z",
        "2026-11-30T00:00:00Z"
    )]
    #[case::weekly_across_dst_end(
        weekly("fri", "17:00", "America/New_York"),
        "2026-10-30T22:00:00Z",
        "2026-11-06T22:00:00Z"
    )]
    #[case::weekly_london_sunday(
        weekly("sun", "18:00", "Europe/London"),
        "2026-03-22T18:00:00Z",
        "2026-03-29T17:00:00Z"
    )]
    fn next_send_at_is_the_next_local_slot(#[case] schedule: Schedule, #[case] after: &str, #[case] expected: &str) {
        assert_eq!(next_send_at(&schedule, ts(after)), Some(ts(expected)));
    }

    #[test]
    fn immediate_has_no_slot() {
        assert_eq!(next_send_at(&Schedule::Immediate, ts("2026-11-22T00:00:00Z")), None);
        assert!(!missed(&Schedule::Immediate, Some(ts("2026-01-01T00:00:00Z")), ts("2026-11-22T00:00:00Z")));
    }

    #[rstest]
    #[case::slot_not_reached(Some("2026-11-22T00:00:00Z"), "2026-11-22T23:59:59Z", false)]
    #[case::slot_reached_now(Some("2026-11-22T00:00:00Z"), "2026-11-23T00:00:00Z", true)]
    #[case::down_for_three_days(Some("2026-11-19T00:00:00Z"), "2026-11-22T05:00:00Z", true)]
    #[case::never_sent(None, "2026-11-22T05:00:00Z", false)]
    fn missed_is_true_once_a_slot_passed(#[case] last: Option<&str>, #[case] now: &str, #[case] expected: bool) {
        let schedule = daily("08:00", "Asia/Shanghai");
        assert_eq!(missed(&schedule, last.map(ts), ts(now)), expected);
    }

    #[test]
    fn a_catch_up_digest_is_sent_once() {
        let schedule = weekly("mon", "08:00", "Europe/London");
        let last = ts("2026-11-02T08:00:00Z");
        let back_up = ts("2026-11-20T12:00:00Z");
        assert!(missed(&schedule, Some(last), back_up), "two Mondays were missed");
        // Once sent at `back_up`, nothing is due until the following Monday.
        assert!(!missed(&schedule, Some(back_up), ts("2026-11-23T07:59:59Z")));
        assert!(missed(&schedule, Some(back_up), ts("2026-11-23T08:00:00Z")));
    }
}
