//! Finds the calendar date in a snippet of text, in the forms Chinese and English sites print.
//!
//! Numeric (`2023-08-08`, `2023/8/8`, `2023.08.08`, `2023年8月8日`, with or without a time or
//! brackets around), English (`Aug 8, 2023`, `August 8th, 2023`, `8 August 2023`), and so RFC
//! 2822 and RFC 3339 timestamps, read in their own offset: the date a reader there saw. Full-width
//! digits count. Not epoch numbers, two-digit years or day-first numeric forms (`08/08/2023` is
//! ambiguous); not times.

use std::borrow::Cow;
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::{Captures, Regex};

const MONTHS: &str = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

// The year must not continue a longer number: `[^0-9]` on both sides (no look-around here).
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])([0-9]{4})\s*(?:[-/.]|年)\s*([0-9]{1,2})\s*(?:[-/.]|月)\s*([0-9]{1,2})(?:[^0-9]|$)")
        .expect("static regex")
});
// ASCII word boundaries, so `发布于Aug 8, 2023` still matches next to a CJK character.
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?-u:\b){MONTHS}\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+([0-9]{{4}})(?-u:\b)"))
        .expect("static regex")
});
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?-u:\b)([0-9]{{1,2}})(?:st|nd|rd|th)?\s+{MONTHS}\.?,?\s+([0-9]{{4}})(?-u:\b)"))
        .expect("static regex")
});

/// The first valid date in `s`, if any. An impossible date (`2023-02-30`) is no date.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = ascii_digits(s);
    let numeric = first(&NUMERIC, &s, |c| date(&c[1], &c[2], &c[3]));
    let mdy = first(&MONTH_DAY_YEAR, &s, |c| date(&c[3], month(&c[1])?, &c[2]));
    let dmy = first(&DAY_MONTH_YEAR, &s, |c| date(&c[3], month(&c[2])?, &c[1]));
    [numeric, mdy, dmy].into_iter().flatten().min_by_key(|(at, _)| *at).map(|(_, d)| d)
}

fn first(re: &Regex, s: &str, read: impl Fn(&Captures<'_>) -> Option<Date>) -> Option<(usize, Date)> {
    re.captures_iter(s).find_map(|c| Some((c.get(0)?.start(), read(&c)?)))
}

fn date(year: &str, month: &str, day: &str) -> Option<Date> {
    let year: i16 = year.parse().ok()?;
    // Four digits that are no plausible year are a phone or document number.
    if !(1900..=2199).contains(&year) {
        return None;
    }
    Date::new(year, month.parse().ok()?, day.parse().ok()?).ok()
}

fn month(name: &str) -> Option<&'static str> {
    const ABBR: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const NUMBERS: [&str; 12] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];
    let key = name.get(..3)?.to_ascii_lowercase();
    let at = ABBR.iter().position(|a| *a == key)?;
    NUMBERS.get(at).copied()
}

/// A list or API date field: epoch milliseconds or seconds (a bare 13- or 10-digit number, read
/// in China time, as MIIT's hidden `endtime` is), a period `A至B` (SAMR's comment period: both
/// ends), or any single date `parse_date` reads. Gives the start and, for a period, the end.
pub fn parse_period(s: &str) -> Option<(Date, Option<Date>)> {
    let trimmed = s.trim();
    if let Some(date) = epoch_date(trimmed) {
        return Some((date, None));
    }
    let start = parse_date(trimmed)?;
    let ascii = ascii_digits(trimmed);
    // Only a separator between two dates makes a period: `截至日期:2025-10-26` names one date.
    // An end before the start is a typo or a second, unrelated date: no period.
    let end = ["至", "~", "～", "—", " - ", "到"]
        .iter()
        .find_map(|sep| {
            let (before, after) = ascii.split_once(sep)?;
            parse_date(before)?;
            parse_date(after)
        })
        .filter(|end| *end >= start);
    Some((start, end))
}

/// The date a list or API field gives as a publication date: a period's start.
pub fn parse_published(s: &str) -> Option<Date> {
    parse_period(s).map(|(start, _)| start)
}

/// The date a list or API field gives as a comment deadline: a period's end.
pub fn parse_deadline(s: &str) -> Option<Date> {
    parse_period(s).map(|(start, end)| end.unwrap_or(start))
}

/// `1792339200000` (ms) or `1792339200` (s) as the calendar date in China (UTC+8).
fn epoch_date(s: &str) -> Option<Date> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = match s.len() {
        13 => s.parse::<i64>().ok()? / 1000,
        10 => s.parse().ok()?,
        _ => return None,
    };
    let at = jiff::Timestamp::from_second(seconds).ok()?;
    let date = at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date();
    (1990..=2199).contains(&date.year()).then_some(date)
}

/// Full-width digits and separators (`２０２３－０８－０８`) as ASCII.
fn ascii_digits(s: &str) -> Cow<'_, str> {
    let wide = |c: char| matches!(c, '０'..='９' | '－' | '／' | '．');
    if !s.contains(wide) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '０'..='９' | '－' | '／' | '．' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("2023-08-08", Some(date(2023, 8, 8)))]
    #[case("2023/8/8", Some(date(2023, 8, 8)))]
    #[case("2023.08.08", Some(date(2023, 8, 8)))]
    #[case("2023年8月8日", Some(date(2023, 8, 8)))]
    #[case("2023 年 8 月 8 日", Some(date(2023, 8, 8)))]
    #[case("[2023-08-08]", Some(date(2023, 8, 8)))]
    #[case("(2023-08-08)", Some(date(2023, 8, 8)))]
    #[case("2023-08-08 10:30:00", Some(date(2023, 8, 8)))]
    #[case("2023年08月08日 10:30", Some(date(2023, 8, 8)))]
    #[case("发布时间：2023-08-08 来源：网信办", Some(date(2023, 8, 8)))]
    #[case("日期2023-08-08", Some(date(2023, 8, 8)))]
    #[case("２０２３－０８－０８", Some(date(2023, 8, 8)))]
    #[case("Aug 8, 2023", Some(date(2023, 8, 8)))]
    #[case("August 8, 2023", Some(date(2023, 8, 8)))]
    #[case("Sept. 30, 2024", Some(date(2024, 9, 30)))]
    #[case("August 8th, 2023", Some(date(2023, 8, 8)))]
    #[case("8 August 2023", Some(date(2023, 8, 8)))]
    #[case("Posted on 21st March 2024 by staff", Some(date(2024, 3, 21)))]
    #[case("发布于Aug 8, 2023", Some(date(2023, 8, 8)))]
    #[case("Tue, 08 Aug 2023 23:30:00 +0800", Some(date(2023, 8, 8)))]
    #[case("Tue, 8 Aug 2023 07:30:00 GMT", Some(date(2023, 8, 8)))]
    #[case("2023-08-08T23:30:00+08:00", Some(date(2023, 8, 8)))]
    #[case("2023-08-08T10:30:00Z", Some(date(2023, 8, 8)))]
    #[case("2024-02-29", Some(date(2024, 2, 29)))]
    // The earliest date wins.
    #[case("updated 2024-01-02, first published 2023-08-08", Some(date(2024, 1, 2)))]
    #[case("8 August 2023 (revised 2024-01-02)", Some(date(2023, 8, 8)))]
    // An impossible date is no date.
    #[case("2023-02-30", None)]
    #[case("2023-13-01", None)]
    #[case("2023-00-10", None)]
    #[case("2023年2月29日", None)]
    #[case("Feb 30, 2023", None)]
    #[case("0571-8888-12", None)]
    #[case("ISBN 97812023-08-08", None)]
    #[case("Mayor 3, 2023", None)]
    #[case("no date here", None)]
    #[case("2023-08", None)]
    #[case("1690000000000", None)]
    #[case("", None)]
    fn finds(#[case] text: &str, #[case] expected: Option<Date>) {
        assert_eq!(parse_date(text), expected, "{text}");
    }

    #[rstest]
    // MIIT's hidden endtime: 2026-10-18T16:00:00Z is already the 19th in Beijing.
    #[case("1792339200000", Some((date(2026, 10, 19), None)))]
    #[case("1792339200", Some((date(2026, 10, 19), None)))]
    #[case("2026-10-21 00:00:00", Some((date(2026, 10, 21), None)))]
    #[case("2025-01-01至2025-02-01", Some((date(2025, 1, 1), Some(date(2025, 2, 1)))))]
    // Found by the dates property test: an "end" before the start is no end.
    #[case("2025-03-01至2025-02-01", Some((date(2025, 3, 1), None)))]
    #[case("通知 2025-01-01至 意见反馈截止时间为2023年9月7日", Some((date(2025, 1, 1), None)))]
    #[case("2025-01-01 至 2025-02-01", Some((date(2025, 1, 1), Some(date(2025, 2, 1)))))]
    #[case("2025年1月1日—2025年2月1日", Some((date(2025, 1, 1), Some(date(2025, 2, 1)))))]
    #[case("[截至日期:2025-10-26]", Some((date(2025, 10, 26), None)))]
    #[case("12345", None)]
    #[case("99999999999999", None)]
    #[case("", None)]
    fn reads_periods(#[case] text: &str, #[case] expected: Option<(Date, Option<Date>)>) {
        assert_eq!(parse_period(text), expected, "{text}");
    }

    #[test]
    fn deadlines_take_a_periods_end_and_dates_its_start() {
        assert_eq!(parse_deadline("2025-01-01至2025-02-01"), Some(date(2025, 2, 1)));
        assert_eq!(parse_published("2025-01-01至2025-02-01"), Some(date(2025, 1, 1)));
        assert_eq!(parse_deadline("[截至日期:2025-10-26]"), Some(date(2025, 10, 26)));
        assert_eq!(parse_deadline("1792339200000"), Some(date(2026, 10, 19)));
    }
}
