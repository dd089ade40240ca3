//! Surface forms of topic keywords and the word-boundary rule English keywords are matched under.
//! Owns how one keyword in `topics.toml` becomes the strings the automaton looks for; it is not
//! the matching itself (`topics`) nor the scoring.

/// Whether a keyword is matched as an English word (on boundaries, with plural and possessive
/// forms) or as a Chinese substring. Any CJK character makes it Chinese: "5G网络" is a substring.
pub(super) fn is_english(keyword: &str) -> bool {
    !keyword.chars().any(is_cjk)
}

/// CJK ideographs, kana, Hangul and their punctuation: text where words are not space-delimited.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// A character that continues an English word. CJK characters do not, so "5G" matches in
/// "5G网络" and "AI" in "AI生成".
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// Where an English keyword found at `text[start..end]` really ends: at `end` when it is not
/// glued to letters or digits on either side, after a plural "s" or "es" glued to it, or nowhere
/// (it is part of a longer word). A possessive needs nothing: the apostrophe is a boundary.
pub(super) fn word_end(text: &str, start: usize, end: usize) -> Option<usize> {
    let glued_before = text.get(..start).and_then(|s| s.chars().next_back()).is_some_and(is_word_char);
    if glued_before {
        return None;
    }
    let rest = text.get(end..)?;
    ["", "s", "es", "S", "ES"].into_iter().find_map(|suffix| {
        let after = rest.strip_prefix(suffix)?;
        (!after.chars().next().is_some_and(is_word_char)).then_some(end + suffix.len())
    })
}

/// Word boundaries by ASCII rules: "AI生成" has one after "AI", and the lazy DFA keeps working
/// on Chinese text (a Unicode `\b` would force the slow engine over a whole body).
pub(super) fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// The strings the automaton looks for to find an English keyword, lowercased (the automaton
/// folds ASCII case): spaces and hyphens between words interchangeable ("face-recognition",
/// "cross border"), straight and curly apostrophes. Regular plurals ("rumours") are accepted at
/// match time (`word_end`); here are the forms that one cannot add: "policies" for "policy", and
/// for a keyword given in the plural ("minors") its possessive singular ("minor's") — but never
/// the bare singular, which is often another word ("minor amendments").
pub(super) fn english_forms(keyword: &str) -> Vec<String> {
    let lowered = keyword.trim().to_lowercase().replace('\u{2019}', "'");
    let words: Vec<&str> = lowered.split([' ', '-']).filter(|w| !w.is_empty()).collect();
    let Some((last, head)) = words.split_last() else { return Vec::new() };
    let written: Vec<char> = lowered.chars().filter(|c| *c == ' ' || *c == '-').collect();
    let mut separator_sets = vec![vec![' '; head.len()], vec!['-'; head.len()]];
    if written.len() == head.len() {
        separator_sets.push(written);
    }
    let mut forms = Vec::new();
    for separators in &separator_sets {
        let mut prefix = String::new();
        for (word, separator) in head.iter().zip(separators) {
            prefix.push_str(word);
            prefix.push(*separator);
        }
        forms.extend(last_word_forms(last).into_iter().map(|tail| format!("{prefix}{tail}")));
    }
    let curly: Vec<String> = forms.iter().filter(|f| f.contains('\'')).map(|f| f.replace('\'', "\u{2019}")).collect();
    forms.extend(curly);
    forms.sort();
    forms.dedup();
    forms
}

/// The last word, and the inflected forms of it that `word_end` cannot derive.
fn last_word_forms(w: &str) -> Vec<String> {
    if !w.ends_with(|c: char| c.is_ascii_alphabetic()) || w.ends_with("'s") {
        return vec![w.to_owned()];
    }
    // The suffix tests below look at ASCII letters only, so slicing off one byte is safe.
    let stem = &w[..w.len() - 1];
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return vec![w.to_owned(), format!("{stem}'s")];
    }
    if w.len() > 2 && w.ends_with('y') && !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
        return vec![w.to_owned(), format!("{stem}ies")];
    }
    vec![w.to_owned()]
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::regular("rumour", &["rumour"])]
    #[case::plural_keyword("minors", &["minor's", "minor’s", "minors"])]
    #[case::consonant_y("policy", &["policies", "policy"])]
    #[case::vowel_y("display", &["display"])]
    #[case::digit_end("5G", &["5g"])]
    #[case::curly_in_keyword("minors’ mode", &["minors' mode", "minors'-mode", "minors’ mode", "minors’-mode"])]
    fn forms(#[case] keyword: &str, #[case] expected: &[&str]) {
        let mut expected: Vec<&str> = expected.to_vec();
        expected.sort_unstable();
        assert_eq!(english_forms(keyword), expected);
    }

    #[test]
    fn separators_are_interchangeable() {
        let forms = english_forms("cross-border data");
        for form in ["cross-border data", "cross border data", "cross-border-data"] {
            assert!(forms.iter().any(|f| f == form), "{form} in {forms:?}");
        }
    }

    #[rstest]
    #[case::spaces("the AI rules", 4, 6, Some(6))]
    #[case::inside_word("said", 1, 3, None)]
    #[case::glued_before("xai", 1, 3, None)]
    #[case::before_cjk("AI生成", 0, 2, Some(2))]
    #[case::after_cjk("发布AI", 6, 8, Some(8))]
    #[case::digit_glued("5G6", 0, 2, None)]
    #[case::accented_letter("AIé", 0, 2, None)]
    #[case::plural("rumours spread", 0, 6, Some(7))]
    #[case::plural_es("addresses", 0, 7, Some(9))]
    #[case::upper_plural("AIS", 0, 2, Some(3))]
    #[case::possessive("minor's", 0, 5, Some(5))]
    #[case::longer_word("rumoured", 0, 6, None)]
    fn word_ends(#[case] text: &str, #[case] start: usize, #[case] end: usize, #[case] expected: Option<usize>) {
        assert_eq!(word_end(text, start, end), expected);
    }

    #[rstest]
    #[case("face recognition", true)]
    #[case("5G", true)]
    #[case("人脸识别", false)]
    #[case("5G网络", false)]
    fn english_or_chinese(#[case] keyword: &str, #[case] english: bool) {
        assert_eq!(is_english(keyword), english);
    }

    #[test]
    fn ascii_boundaries_rewrites_only_word_boundaries() {
        assert_eq!(ascii_boundaries(r"\bAI\b|\d"), r"(?-u:\b)AI(?-u:\b)|\d");
    }
}
