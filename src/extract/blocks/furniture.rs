//! Relative timestamps and view counters: page furniture that changes on every poll without
//! the document changing ("Updated 12 minutes ago", "3小时前", "昨天 12:30", "阅读 1234",
//! "1,234 views"). They are left out of comparison keys by default, with no per-source rule.
//!
//! Only fragments that stand apart are furniture: a whole line, or a fragment bounded by the
//! line's ends, spaces, separators (`|`, `·`, `•`, `丨`) or brackets. Legal text keeps its
//! relative phrases ("within 3 hours after …", "会议召开10日前通知", "the State Council today
//! …"): "N days ago" needs a boundary on both sides, "today"/"昨天" need a label, a clock time
//! or separators around them, and "N日前" (also "before the Nth") is never furniture.
//! Not `ignore_text` (the user's rules) nor absolute dates, which are content.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Separators between the fields of a by-line ("By X · 3 hours ago · 5 min read").
const SEPARATORS: [char; 6] = ['|', '·', '•', '丨', '・', '｜'];

const EN_NUMBER: &str =
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?few|several)";
const EN_UNIT: &str = r"(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)";
const EN_LABEL: &str = r"(?:(?:last\s+)?(?:updated|modified|edited|posted|published)(?:\s+on)?\s*:?\s*)";
const ZH_AGO: &str = r"(?:\d+\s*(?:秒钟?|分钟|分|个?小时|天|周|个?星期|个月|年)前|刚刚)";
const ZH_DAY: &str = r"(?:昨天|前天|今天)";
const ZH_LABEL: &str = r"(?:(?:更新|发布|发表|编辑|修改)(?:于|时间\s*:)\s*)";
const CLOCK: &str = r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?";

/// Furniture that may stand between spaces: it cannot be read as prose.
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    let en_ago =
        format!(r"(?:about\s+|over\s+|almost\s+|nearly\s+)?{EN_NUMBER}\s+{EN_UNIT}\s+ago|just\s+now|moments?\s+ago");
    let patterns = [
        format!(r"{EN_LABEL}?(?:{en_ago})"),
        format!(r"{EN_LABEL}(?:yesterday|today)(?:\s+(?:at\s+)?{CLOCK})?"),
        format!(r"(?:yesterday|today)\s+(?:at\s+)?{CLOCK}"),
        format!(r"{ZH_LABEL}?{ZH_AGO}"),
        format!(r"{ZH_LABEL}{ZH_DAY}(?:\s*{CLOCK})?"),
        format!(r"{ZH_DAY}\s*{CLOCK}"),
        // View counters.
        r"(?:阅读|浏览|点击|访问)(?:量|数|次数|人数)?\s*:?\s*\d[\d,.]*\s*(?:万|千|[kKwW])?\s*(?:次|人)?".to_owned(),
        r"\d[\d,.]*\s*(?:万|千|[kKwW])?\s*(?:人|次)?\s*(?:阅读|浏览|点击|访问)".to_owned(),
        r"(?:page\s*)?(?:views?|hits)\s*:\s*\d[\d,.]*[kKmM]?|\d[\d,.]*[kKmM]?\s+(?:page\s*)?(?:views|hits)".to_owned(),
    ];
    Regex::new(&format!("(?i){}", patterns.join("|"))).expect("static regex")
});

/// Furniture only when alone in its line or between separators: as a word in a sentence it is
/// prose ("the CAC today released", "刚刚发布").
static WEAK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)(?:yesterday|today|{ZH_DAY})")).expect("static regex"));

/// A whole text that is a relative time (what a `<time>` element holding one says).
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    let en = format!(
        r"{EN_LABEL}?(?:(?:about\s+|over\s+)?{EN_NUMBER}\s+{EN_UNIT}\s+ago|just\s+now|moments?\s+ago|(?:yesterday|today|tonight|this\s+(?:morning|afternoon|evening)|last\s+(?:night|week|month|year))(?:\s+(?:at\s+)?{CLOCK})?)"
    );
    let zh = format!(
        r"{ZH_LABEL}?(?:\d+\s*(?:秒钟?|分钟|分|个?小时|天|日|周|个?星期|个月|年)前|刚刚|{ZH_DAY}(?:\s*{CLOCK})?|上周|上个月|去年)"
    );
    Regex::new(&format!(r"(?i)^\s*(?:{en}|{zh})\s*$")).expect("static regex")
});

/// Whether a whole text is a relative time ("3 hours ago", "昨天 12:30", "last week").
pub fn is_relative_time(text: &str) -> bool {
    let folded: String = text.chars().filter_map(super::fold::fold_char).collect();
    RELATIVE.is_match(&folded)
}

/// A literal every match of `STRONG` or `WEAK` holds, with their case rules: "ago" or "now"
/// (relative times in English), "yesterday", "today", 前 or 刚 (`ZH_AGO`), 天 (`ZH_DAY`), a
/// view-counter verb, "view" or "hit". A line without one has no furniture, and is not run
/// through the two large regexes: keys are computed for every line of every page, and they
/// were a third of that work.
static MAY_HOLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)ago|now|yesterday|today|前|刚|天|阅读|浏览|点击|访问|view|hit").expect("static regex")
});

/// Whether `text` holds a literal every furniture fragment holds: without one, `strip` leaves
/// it as it is.
pub(super) fn may_hold(text: &str) -> bool {
    MAY_HOLD.is_match(text)
}

/// The line without its furniture fragments (and the separators they leave dangling).
pub(super) fn strip(line: &str) -> Cow<'_, str> {
    if !may_hold(line) {
        return Cow::Borrowed(line);
    }
    strip_matches(line)
}

/// `strip` without the literal check.
fn strip_matches(line: &str) -> Cow<'_, str> {
    let mut cuts: Vec<(usize, usize)> = STRONG
        .find_iter(line)
        .filter(|m| stands_apart(line, m.start(), m.end(), |c| c.is_whitespace() || is_boundary(c)))
        .map(|m| (m.start(), m.end()))
        .collect();
    let weak: Vec<(usize, usize)> = WEAK
        .find_iter(line)
        .filter(|m| between_separators(line, m.start(), m.end()))
        .filter(|m| !cuts.iter().any(|&(s, e)| m.start() < e && s < m.end()))
        .map(|m| (m.start(), m.end()))
        .collect();
    cuts.extend(weak);
    if cuts.is_empty() {
        return Cow::Borrowed(line);
    }
    cuts.sort_unstable();
    let mut kept = String::with_capacity(line.len());
    let mut at = 0;
    for (start, end) in cuts {
        if start >= at {
            kept.push_str(line.get(at..start).unwrap_or_default());
            kept.push(' ');
            at = end;
        }
    }
    kept.push_str(line.get(at..).unwrap_or_default());
    Cow::Owned(tidy_separators(&kept))
}

/// Whether the fragment at `start..end` has a boundary (or the line's end) on both sides.
fn stands_apart(line: &str, start: usize, end: usize, boundary: impl Fn(char) -> bool) -> bool {
    let before = line.get(..start).and_then(|s| s.chars().next_back());
    let after = line.get(end..).and_then(|s| s.chars().next());
    before.is_none_or(&boundary) && after.is_none_or(&boundary)
}

/// Whether the nearest non-blank character on each side is a separator (or the line's end).
fn between_separators(line: &str, start: usize, end: usize) -> bool {
    let before = line.get(..start).and_then(|s| s.trim_end().chars().next_back());
    let after = line.get(end..).and_then(|s| s.trim_start().chars().next());
    before.is_none_or(is_boundary) && after.is_none_or(is_boundary)
}

fn is_boundary(c: char) -> bool {
    SEPARATORS.contains(&c) || matches!(c, '(' | ')' | '[' | ']' | '【' | '】' | '（' | '）')
}

/// Separators left with nothing between them, or at either end, go: "By X ·  · 5 min read"
/// reads "By X · 5 min read", as the line did before the furniture appeared.
fn tidy_separators(text: &str) -> String {
    let mut fields: Vec<&str> = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(SEPARATORS) {
        fields.push(&rest[..i]);
        let sep = rest[i..].chars().next().unwrap_or('|');
        seps.push(sep);
        rest = &rest[i + sep.len_utf8()..];
    }
    fields.push(rest);
    let mut out = String::with_capacity(text.len());
    for (i, field) in fields.iter().enumerate() {
        if field.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            let sep = seps.get(i.saturating_sub(1)).copied().unwrap_or('|');
            out.push(' ');
            out.push(sep);
            out.push(' ');
        }
        out.push_str(field.trim());
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("Updated 12 minutes ago", "")]
    #[case("Last updated: 3 hours ago", "")]
    #[case("3 hours ago", "")]
    #[case("about an hour ago", "")]
    #[case("just now", "")]
    #[case("Posted 2 days ago by admin", "by admin")]
    #[case("By Jane Doe · 3 hours ago · 5 min read", "By Jane Doe · 5 min read")]
    #[case("Updated yesterday at 12:30", "")]
    #[case("yesterday 09:15", "")]
    #[case("3小时前", "")]
    #[case("5 分钟前", "")]
    #[case("刚刚", "")]
    #[case("昨天 12:30", "")]
    #[case("更新于3小时前", "")]
    #[case("发布时间:2023-08-08 来源:网信办 浏览次数:123", "发布时间:2023-08-08 来源:网信办")]
    #[case("来源:新华社 | 3小时前 | 阅读 1234", "来源:新华社")]
    #[case("1234人阅读", "")]
    #[case("阅读量 1.2万", "")]
    #[case("1,234 views", "")]
    #[case("Views: 98", "")]
    #[case("今天 | 国务院办公厅", "国务院办公厅")]
    fn furniture_goes(#[case] line: &str, #[case] expected: &str) {
        assert_eq!(strip(line).trim(), expected);
    }

    #[rstest]
    #[case("The operator shall report within 3 hours after the incident.")]
    #[case("It took effect two years ago.")]
    #[case("第二十条 应当在会议召开10日前通知全体成员。")]
    #[case("应当于期限届满3天前提出申请")]
    #[case("请于9月30日前提交意见")]
    #[case("日前，国家网信办发布了《规定》")]
    #[case("The State Council today released new rules.")]
    #[case("国家网信办今天发布通知")]
    #[case("昨天的会议审议了草案")]
    #[case("新规刚刚发布")]
    #[case("The Chairman shall review the views of 3 experts.")]
    #[case("Article 12 | Article 13")]
    #[case("发布时间:2023-08-08 10:00")]
    fn legal_text_stays(#[case] line: &str) {
        assert_eq!(strip(line), line);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 3000, failure_persistence: None, ..proptest::prelude::ProptestConfig::default()
        })]

        /// The literal check never skips a line the regexes would cut something from.
        #[test]
        fn the_literal_check_skips_only_lines_without_furniture(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "3", "12", "1,234", " ", "  ", "·", "|", "(", ")", ":", "hours", "HOURS", "minutes",
                    "a few", "AGO", "ago", "Ago", "just", "now", "NOW", "moments", "yesterday", "YeſterDay",
                    "today", "Today", "at", "12:30", "9:05 pm", "Updated", "last", "Posted", "on", "views",
                    "VIEWS", "hits", "page", "k", "小时", "分钟", "天", "前", "刚刚", "昨天", "今天", "前天",
                    "更新于", "发布时间:", "阅读", "浏览", "次数", "人", "万", "点击", "访问量", "第二十条",
                    "the", "review", "shall", "发布",
                ]),
                0..12,
            )
        ) {
            let line = parts.concat();
            proptest::prop_assert_eq!(strip(&line), strip_matches(&line), "line {:?}", line);
        }
    }

    #[rstest]
    #[case("3 hours ago", true)]
    #[case(" Yesterday ", true)]
    #[case("last week", true)]
    #[case("3小时前", true)]
    #[case("３天前", true)]
    #[case("昨天 12:30", true)]
    #[case("2023-08-08", false)]
    #[case("August 8, 2023", false)]
    #[case("within 3 hours", false)]
    fn relative_times(#[case] text: &str, #[case] relative: bool) {
        assert_eq!(is_relative_time(text), relative);
    }
}
