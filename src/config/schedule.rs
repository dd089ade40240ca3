//! Digest schedules as written in `[[subscriber]] schedule`: `immediate`,
//! `daily HH:MM Area/City` or `weekly DAY HH:MM Area/City`.
//!
//! Pure text → `Schedule`; when a digest is due is `alert`'s business. Time zones come from the
//! system tzdb, with jiff's bundled copy (`tzdb-bundle-always`) when the machine has none.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

use crate::config::model::Schedule;

const SCHEDULE_FORMS: &str = "expected immediate, daily HH:MM Area/City or weekly DAY HH:MM Area/City";

/// `immediate`, `daily 08:00 Asia/Shanghai` or `weekly mon 08:00 Europe/Paris`.
pub fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = || format!("invalid schedule `{text}`: {SCHEDULE_FORMS}");
    match words.as_slice() {
        ["immediate"] => Ok(Schedule::Immediate),
        ["daily", at, tz] => Ok(Schedule::Daily { at: time_of_day(at).ok_or_else(bad)?, tz: zone(tz)? }),
        ["weekly", day, at, tz] => Ok(Schedule::Weekly {
            day: weekday(day).ok_or_else(|| {
                format!("invalid day `{day}` in schedule: expected mon, tue, wed, thu, fri, sat or sun")
            })?,
            at: time_of_day(at).ok_or_else(bad)?,
            tz: zone(tz)?,
        }),
        _ => Err(bad()),
    }
}

fn time_of_day(text: &str) -> Option<Time> {
    let (hour, minute) = text.split_once(':')?;
    if hour.len() != 2 || minute.len() != 2 {
        return None;
    }
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

fn weekday(text: &str) -> Option<Weekday> {
    let lower = text.to_ascii_lowercase();
    let days = [
        ("mon", Weekday::Monday),
        ("tue", Weekday::Tuesday),
        ("wed", Weekday::Wednesday),
        ("thu", Weekday::Thursday),
        ("fri", Weekday::Friday),
        ("sat", Weekday::Saturday),
        ("sun", Weekday::Sunday),
    ];
    days.into_iter()
        .find(|(short, day)| lower == *short || lower == format!("{day:?}").to_ascii_lowercase())
        .map(|(_, day)| day)
}

fn zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name)
        .map_err(|_| format!("unknown time zone `{name}` in schedule: expected an IANA name such as Asia/Shanghai"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("immediate")]
    #[case("daily 08:00 Asia/Shanghai")]
    #[case("  daily   23:59   UTC ")]
    #[case("weekly mon 08:00 Europe/Paris")]
    #[case("weekly Friday 17:30 America/New_York")]
    fn schedules_parse(#[case] text: &str) {
        assert!(parse_schedule(text).is_ok(), "{text}");
    }

    #[test]
    fn schedules_carry_their_parts() {
        let weekly = parse_schedule("weekly wed 07:05 Asia/Shanghai").unwrap();
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(weekly, Schedule::Weekly { day: Weekday::Wednesday, at: Time::new(7, 5, 0, 0).unwrap(), tz });
    }

    #[rstest]
    #[case(
        "hourly",
        "invalid schedule `hourly`: expected immediate, daily HH:MM Area/City or weekly DAY HH:MM Area/City"
    )]
    #[case(
        "daily 8:00 Asia/Shanghai",
        "invalid schedule `daily 8:00 Asia/Shanghai`: expected immediate, daily HH:MM Area/City or weekly DAY HH:MM Area/City"
    )]
    #[case(
        "daily 24:00 UTC",
        "invalid schedule `daily 24:00 UTC`: expected immediate, daily HH:MM Area/City or weekly DAY HH:MM Area/City"
    )]
    #[case(
        "daily 08:00",
        "invalid schedule `daily 08:00`: expected immediate, daily HH:MM Area/City or weekly DAY HH:MM Area/City"
    )]
    #[case(
        "daily 08:00 Asia/Shangai",
        "unknown time zone `Asia/Shangai` in schedule: expected an IANA name such as Asia/Shanghai"
    )]
    #[case(
        "weekly someday 08:00 UTC",
        "invalid day `someday` in schedule: expected mon, tue, wed, thu, fri, sat or sun"
    )]
    fn bad_schedules_say_why(#[case] text: &str, #[case] message: &str) {
        assert_eq!(parse_schedule(text).unwrap_err(), message);
    }

    #[test]
    fn a_time_zone_database_is_compiled_in() {
        // Minimal containers and some hardened hosts have no /usr/share/zoneinfo; the bundled
        // copy (jiff's `tzdb-bundle-always`) keeps schedules loadable there.
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        assert!(bundled.get("Asia/Shanghai").is_ok());
        assert!(bundled.get("Europe/Paris").is_ok());
    }
}
