//! The comparison key of a line of block text: the one notion of "the same text" that both the
//! version hash (`BlockText::hash`) and the diff (`diff::compare`) use, so that a version is new
//! exactly when the diff has something to show.
//!
//! Keys fold what a legal reader does not read as a change: width variants (`；` and `;`,
//! `（` and `(`, full-width digits), invisible characters, whitespace (collapsed, and dropped
//! next to CJK text where a space is never meaningful), and relative-time and view-counter
//! furniture (`furniture`). The stored text keeps what the page said; only keys are folded.
//! Not the normalisation of stored lines (`normalise_line`), nor article numbering (`diff`).

use std::borrow::Cow;

pub use super::fold::fold_char;
use super::furniture;

/// The key of one line; empty for a line that is no text at all (blank, invisible, furniture).
pub fn line_key(line: &str) -> String {
    // Furniture is looked for in the folded line, before spaces are collapsed. A line without
    // any of its literals has the same key either way, and that is almost every line: keys are
    // computed for every line of every page, so they are folded and collapsed in one pass, and
    // only a line whose key holds a literal is searched for furniture. Collapsing never breaks
    // a literal (none holds a space), so a key without one comes from a line without one.
    let key = comparable(line);
    if !furniture::may_hold(&key) {
        return key;
    }
    match furniture::strip(&folded(line)) {
        // Nothing cut: the key of the folded line as it is, which is `key`.
        Cow::Borrowed(_) => key,
        // Folding what is already folded changes nothing.
        Cow::Owned(stripped) => comparable(&stripped),
    }
}

/// Whitespace collapsed to one space, dropped next to CJK text ("符合条 件" is "符合条件",
/// "使用 AI 技术" is "使用AI技术"), trimmed; characters folded as `fold_char` does. One pass,
/// without a folded copy.
pub fn comparable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    // Whether the last character written is CJK; starts true so that leading blanks are dropped.
    let mut after_cjk = true;
    // The run of characters that fold to themselves being read, copied whole when it ends: where
    // it starts and its last character.
    let mut run: Option<(usize, char)> = None;
    for (at, c) in s.char_indices() {
        let folded = fold_char(c);
        if folded == Some(c) && !c.is_whitespace() {
            if let Some((_, last)) = &mut run {
                *last = c;
            } else {
                if pending_space && !after_cjk && !is_cjk(c) {
                    out.push(' ');
                }
                pending_space = false;
                run = Some((at, c));
            }
            continue;
        }
        if let Some((start, last)) = run.take() {
            out.push_str(s.get(start..at).unwrap_or_default());
            after_cjk = is_cjk(last);
        }
        match folded {
            None => {}
            Some(f) if f.is_whitespace() => pending_space = true,
            Some(f) => {
                if pending_space && !after_cjk && !is_cjk(f) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(f);
                after_cjk = is_cjk(f);
            }
        }
    }
    if let Some((start, _)) = run {
        out.push_str(s.get(start..).unwrap_or_default());
    }
    out
}

/// `fold_char` over a text; borrowed when it folds nothing, as most lines (a key was computed
/// for every line of every page polled, and folding twice was a third of it).
fn folded(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| fold_char(c) == Some(c)) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter_map(fold_char).collect())
    }
}

/// Han ideographs, CJK punctuation and kana: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{2FFFF}')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rstest::rstest;

    use super::*;

    /// `comparable`'s spacing rule applied one character at a time, to a folded text: the oracle
    /// for the run-copying form.
    fn collapse_per_char(s: &str) -> String {
        let mut out = String::new();
        let (mut pending_space, mut after_cjk) = (false, true);
        for c in s.chars() {
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !is_cjk(c) && !after_cjk {
                out.push(' ');
            }
            (pending_space, after_cjk) = (false, is_cjk(c));
            out.push(c);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn collapsing_by_runs_keeps_the_per_character_rule(
            parts in prop::collection::vec(
                prop::sample::select(vec!["a", "AI", " ", "  ", "\t", "\n", "\u{3000}", "\u{a0}", "个人", "，", "（", "5G"]),
                0..24,
            )
        ) {
            let text = parts.concat();
            prop_assert_eq!(comparable(&text), collapse_per_char(&folded(&text)));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The one-pass key is the three passes' key: fold, strip furniture, collapse.
        #[test]
        fn one_pass_keys_are_the_three_passes_keys(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "a", "AI", " ", "  ", "\t", "\u{3000}", "\u{a0}", "\u{200B}", "\u{FEFF}", "个人", "，", "（", "５Ｇ",
                    "ｎｏｗ", "Ａ", "3 hours ago", "ago", "3小时前", "阅读 12", "阅 读", "|", "·", "views", "today", "昨天",
                    "12:30", "1,234", "前", "ｈｉｔ",
                ]),
                0..16,
            )
        ) {
            let line = parts.concat();
            prop_assert_eq!(line_key(&line), collapse_per_char(&furniture::strip(&folded(&line))));
            prop_assert_eq!(comparable(&line), collapse_per_char(&folded(&line)));
        }
    }

    #[rstest]
    #[case::cjk_inner_space("符合条 件", "符合条件")]
    #[case::ideographic_space("总　　则", "总则")]
    #[case::zero_width("未成\u{200B}年人\u{FEFF}", "未成年人")]
    #[case::latin_spaces_collapse("Article  12\tThe State", "Article 12 The State")]
    #[case::mixed_boundary("使用 AI 技术", "使用AI技术")]
    #[case::fullwidth_punct("第（一）项；", "第(一)项;")]
    #[case::trim("  padded  ", "padded")]
    #[case::only_invisible("\u{200B} \u{3000}", "")]
    fn comparable_folds_noise(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(comparable(input), expected);
    }

    #[rstest]
    // Width variants of punctuation are the same text for a legal reader.
    #[case("第七条　处理者应当：（一）告知；（二）取得同意。", "第七条处理者应当:(一)告知;(二)取得同意。")]
    #[case("价格￥１２０，见｢附件｣､", "价格¥120,见「附件」、")]
    #[case("Updated 12 minutes ago", "")]
    #[case("来源：新华社 | 3小时前 | 阅读 1234", "来源:新华社")]
    // Not width variants: an ideographic full stop is not a period.
    #[case("第一条。", "第一条。")]
    fn keys(#[case] line: &str, #[case] expected: &str) {
        assert_eq!(line_key(line), expected);
    }

    #[test]
    fn width_variants_have_one_key() {
        assert_eq!(line_key("（七）其他；"), line_key("(七)其他;"));
        assert_ne!(line_key("（七）其他；"), line_key("（七）其他。"));
    }
}
