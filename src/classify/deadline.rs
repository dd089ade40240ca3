//! The comment deadline of a draft, read from its text: "submit comments by May 11, 2017",
//! "意见反馈截止时间为2023年9月7日", "请于5月11日前", "[截至日期:2025-10-26]",
//! "2025-09-01至2025-10-01". Owns date recognition in those wordings; it is not stage detection
//! (the caller asks only for drafts) and never reads publication or commencement dates.
//!
//! A date is a deadline only when its own sentence says so: a deadline label just before it,
//! "by/before/until" with talk of comments, or "在/于…前" with talk of 意见. A range in that
//! position stands for its end; an ISO range standing alone is a list page's comment period.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::{Captures, Regex, RegexBuilder};

use super::hant::{self, Simplified};

/// How far back from a date its sentence is searched for context, in bytes (about 40 CJK
/// characters or a long English clause).
const CONTEXT_BYTES: usize = 160;
/// How far a deadline label may stand before its date, in bytes.
const LABEL_GAP_BYTES: usize = 48;

const MONTHS: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?P<iy>\d{{4}})[-/.](?P<im>\d{{1,2}})[-/.](?P<id>\d{{1,2}})\b|(?:(?P<zy>\d{{4}})\s*年\s*)?(?P<zm>\d{{1,2}})\s*月\s*(?P<zd>\d{{1,2}})\s*[日号]|\b(?P<am>{MONTHS})\.?\s+(?P<ad>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<ay>\d{{4}}))?|\b(?P<bd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<bm>{MONTHS})\.?(?:,?\s+(?P<by>\d{{4}}))?\b"
    );
    build(&pattern)
});

/// A deadline label ending close before the date.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:截止|截至)(?:日期|时间)|截止(?:于|到|至)?|征求意见(?:的)?(?:截止)?(?:时间|日期|期限)|反馈(?:的)?(?:截止)?(?:时间|日期|期限)|\bdeadline\b|\bclosing date\b|\bcomment period (?:ends|closes)\b|\bcomments? (?:are |is )?due\b",
    )
});

/// Talk of comments somewhere in the sentence.
static COMMENTS: LazyLock<Regex> = LazyLock::new(|| {
    build(r"意见|建议|反馈|\bcomments?\b|\bopinions?\b|\bviews\b|\bfeedback\b|\bsubmissions?\b|\bconsultation\b")
});

static BY_EN: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:by|before|until|till|through|no later than|not later than|prior to|on or before|from (?:now|today) to)\s+(?:the\s+)?$",
    )
});
static BY_ZH_PLEASE: LazyLock<Regex> = LazyLock::new(|| build(r"请\s*(?:于|在)\s*$"));
static BY_ZH: LazyLock<Regex> = LazyLock::new(|| build(r"(?:于|在)\s*$"));
static BEFORE_ZH: LazyLock<Regex> = LazyLock::new(|| build(r"^\s*(?:之前|以前|前)"));
/// A date that starts a range: what joins it to the end date.
static RANGE_JOIN: LazyLock<Regex> = LazyLock::new(|| build(r"^\s*(?:至|到|-|–|—|~|～|to|until|through)\s*$"));
/// Commencement wording after a date: an effective date, never a deadline.
static COMMENCEMENT: LazyLock<Regex> = LazyLock::new(|| build(r"^\s*起?(?:施行|实施|生效|试行)"));

fn build(pattern: &str) -> Regex {
    #[expect(clippy::expect_used, reason = "constant patterns, exercised by the unit tests")]
    RegexBuilder::new(&super::keyword::ascii_boundaries(pattern))
        .case_insensitive(true)
        .build()
        .expect("deadline regex compiles")
}

/// One date found in the text.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    date: Date,
    iso: bool,
}

/// The comment deadline the title or body states, if any. `reference` (the publication date)
/// gives the year to dates written without one: the next such day on or after it.
pub fn find_deadline(title: &str, body: &str, reference: Option<Date>) -> Option<Date> {
    deadline_of(&hant::fold(title), &hant::fold(body), reference)
}

/// `find_deadline` of a title and body already folded.
pub(super) fn deadline_of(title: &Simplified<'_>, body: &Simplified<'_>, reference: Option<Date>) -> Option<Date> {
    deadline_in(title.as_str(), reference).or_else(|| deadline_in(body.as_str(), reference))
}

fn deadline_in(text: &str, reference: Option<Date>) -> Option<Date> {
    let dates: Vec<Found> = DATE.captures_iter(text).filter_map(|c| found(&c, reference)).collect();
    let mut skip_until = 0;
    for (i, date) in dates.iter().enumerate() {
        if date.start < skip_until {
            continue;
        }
        let range_end = dates.get(i + 1).filter(|next| joins(text, date, next));
        if let Some(end) = range_end {
            skip_until = end.end;
        }
        let last = range_end.unwrap_or(date);
        if is_commencement(text, last) {
            continue;
        }
        let bare_iso_range = range_end.is_some_and(|end| date.iso && end.iso);
        if bare_iso_range || states_deadline(text, date, last) {
            return Some(last.date);
        }
    }
    None
}

/// Whether `text` between two dates is a range joiner ("至", "-", "to").
fn joins(text: &str, first: &Found, second: &Found) -> bool {
    text.get(first.end..second.start).is_some_and(|between| RANGE_JOIN.is_match(between))
}

fn is_commencement(text: &str, date: &Found) -> bool {
    text.get(date.end..).is_some_and(|after| COMMENCEMENT.is_match(after))
}

/// The deadline wording around a date (or a range from `first` to `last`).
fn states_deadline(text: &str, first: &Found, last: &Found) -> bool {
    let before = sentence_before(text, first.start);
    let after = sentence_after(text, last.end);
    if LABEL.find_iter(before).last().is_some_and(|label| before.len() - label.end() <= LABEL_GAP_BYTES) {
        return true;
    }
    let talks_of_comments = COMMENTS.is_match(before) || COMMENTS.is_match(after);
    if BY_ZH_PLEASE.is_match(before) && BEFORE_ZH.is_match(after) {
        return true;
    }
    talks_of_comments && (BY_EN.is_match(before) || (BY_ZH.is_match(before) && BEFORE_ZH.is_match(after)))
}

/// The part of the sentence before byte `at`, at most `CONTEXT_BYTES` long.
fn sentence_before(text: &str, at: usize) -> &str {
    let mut from = at.saturating_sub(CONTEXT_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let window = text.get(from..at).unwrap_or("");
    let cut = window.rfind(is_sentence_end).map_or(0, |i| i + window[i..].chars().next().map_or(1, char::len_utf8));
    window.get(cut..).unwrap_or("")
}

/// The part of the sentence after byte `at`, at most `CONTEXT_BYTES` long.
fn sentence_after(text: &str, at: usize) -> &str {
    let mut to = (at + CONTEXT_BYTES).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let window = text.get(at..to).unwrap_or("");
    window.find(is_sentence_end).and_then(|i| window.get(..i)).unwrap_or(window)
}

/// Sentence ends: Chinese full stops and semicolons, line breaks. An English full stop is left
/// out: "No. 5" and "Jan. 5" would cut sentences short.
fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '；' | '！' | '？' | '\n' | ';')
}

fn found(c: &Captures<'_>, reference: Option<Date>) -> Option<Found> {
    let whole = c.get(0)?;
    let number = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<i16>().ok());
    let (year, month, day, iso) = if let Some(year) = number("iy") {
        (Some(year), number("im")?, number("id")?, true)
    } else if let Some(month) = number("zm") {
        (number("zy"), month, number("zd")?, false)
    } else if let Some(name) = c.name("am") {
        (number("ay"), month_number(name.as_str())?, number("ad")?, false)
    } else {
        (number("by"), month_number(c.name("bm")?.as_str())?, number("bd")?, false)
    };
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    let date = match year {
        Some(year) => Date::new(year, month, day).ok()?,
        None => next_occurrence(reference?, month, day)?,
    };
    Some(Found { start: whole.start(), end: whole.end(), date, iso })
}

/// The first `month`-`day` on or after `reference`.
fn next_occurrence(reference: Date, month: i8, day: i8) -> Option<Date> {
    let this_year = Date::new(reference.year(), month, day).ok();
    match this_year {
        Some(date) if date >= reference => Some(date),
        _ => Date::new(reference.year().checked_add(1)?, month, day).ok(),
    }
}

fn month_number(name: &str) -> Option<i16> {
    let prefix: String = name.chars().take(3).collect::<String>().to_ascii_lowercase();
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| *m == prefix).and_then(|i| i16::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::submit_by("Relevant units may submit comments by May 11, 2017, in the following manner.", "2017-05-11")]
    #[case::until_day_month("The public can send feedback on the draft until 31 January 2020.", "2020-01-31")]
    #[case::on_or_before(
        "Written comments should reach the ministry on or before 15 June 2024; see below.",
        "2024-06-15"
    )]
    #[case::deadline_label("The deadline for comments is 30 June 2024.", "2024-06-30")]
    #[case::before_with_ordinal("Please make comments before March 4th, 2017.", "2017-03-04")]
    #[case::zh_feedback_label("意见反馈截止时间为2023年9月7日。", "2023-09-07")]
    #[case::zh_please_before("请于2017年5月11日前将意见发送至指定邮箱。", "2017-05-11")]
    #[case::zh_deadline_is("截止日期为2024年3月1日。", "2024-03-01")]
    #[case::zh_list_field("[截至日期:2025-10-26]", "2025-10-26")]
    #[case::zh_in_before("公众可以在2023年9月7日前，通过以下途径提出意见。", "2023-09-07")]
    #[case::from_now_to(
        "After hearing opinions from the public from now to Nov. 4, 2018, the final version follows.",
        "2018-11-04"
    )]
    #[case::feedback_until("The draft is open for feedback until Aug 25, 2024.", "2024-08-25")]
    #[case::zh_deadline_is_spelled("意见反馈截止日期为2022年4月13日。", "2022-04-13")]
    #[case::zh_range_with_context("征求意见时间为2025年9月1日至2025年10月1日。", "2025-10-01")]
    #[case::iso_range_alone("2025-09-01至2025-10-01", "2025-10-01")]
    #[case::iso_range_dash("公示期：2025-09-01 - 2025-09-30", "2025-09-30")]
    fn finds_deadline(#[case] body: &str, #[case] expected: &str) {
        assert_eq!(find_deadline("", body, None).map(|d| d.to_string()).as_deref(), Some(expected));
    }

    #[rstest]
    #[case::effective_date("本办法自2024年1月1日起施行。")]
    #[case::signature_date("国家互联网信息办公室\n2017年4月11日")]
    #[case::as_of("截至2023年6月，我国网民规模达10.79亿。")]
    #[case::relative_period("Comments may be submitted within 30 days, before 30 days pass.")]
    #[case::english_effective("The measures take effect on 1 March 2024.")]
    #[case::english_publication("On 11 April 2017 the office published the draft for comment.")]
    #[case::invalid_date("意见反馈截止时间为2023年2月30日。")]
    #[case::by_without_comments("Operators must register by 1 May 2024.")]
    fn ignores_dates_that_are_not_deadlines(#[case] body: &str) {
        assert_eq!(find_deadline("", body, None), None);
    }

    #[rstest]
    #[case::same_year(date(2023, 4, 20), Some(date(2023, 5, 11)))]
    #[case::on_the_day(date(2023, 5, 11), Some(date(2023, 5, 11)))]
    #[case::next_year(date(2023, 6, 1), Some(date(2024, 5, 11)))]
    fn yearless_date_resolves_against_reference(#[case] reference: Date, #[case] expected: Option<Date>) {
        assert_eq!(find_deadline("", "请于5月11日前反馈意见。", Some(reference)), expected);
    }

    #[test]
    fn yearless_date_without_reference_is_unknown() {
        assert_eq!(find_deadline("", "请于5月11日前反馈意见。", None), None);
        assert_eq!(find_deadline("", "Submit comments by 11 May.", Some(date(2024, 4, 2))), Some(date(2024, 5, 11)));
    }

    #[test]
    fn title_deadline_comes_first() {
        let title = "关于某某办法公开征求意见的通知（截止日期：2024年5月1日）";
        assert_eq!(find_deadline(title, "请于2024年6月1日前反馈意见。", None), Some(date(2024, 5, 1)));
    }

    #[test]
    fn first_deadline_in_text_order_wins_over_later_dates() {
        let body = "本办法自2024年1月1日起施行。意见反馈截止时间为2023年9月7日。2023年8月8日";
        assert_eq!(find_deadline("", body, None), Some(date(2023, 9, 7)));
    }
}
