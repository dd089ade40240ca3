//! Folding traditional Chinese characters to simplified ones before matching, so that a notice
//! reposted in traditional characters (網絡, 個人信息, 廣告) meets the same keywords, stage markers and
//! deadline labels as the original. Owns the character table (`hant.txt`, from OpenCC); it is not
//! a converter for display: phrases (計算機/電腦) and one-to-many characters are left alone.
//!
//! Invariant the callers rely on: every pair in the table maps a character to one of the same
//! UTF-8 length, so byte offsets found in the folded text are offsets in the original text.

use std::borrow::Cow;
use std::sync::LazyLock;

/// The pairs, one per line: the traditional character then the simplified one.
const TABLE: &str = include_str!("hant.txt");

/// First code point of the dense table: the CJK Extension A block.
const BASE: u32 = 0x3400;
/// One past the last code point covered: the end of the Basic Multilingual Plane.
const END: u32 = 0x1_0000;

/// Simplified code point by traditional code point, `0` where a character folds to itself. A
/// dense table (about 100 KB) because folding runs over every character of every text.
static FOLD: LazyLock<Box<[u16]>> = LazyLock::new(|| {
    let mut table = vec![0u16; (END - BASE) as usize].into_boxed_slice();
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let mut chars = line.chars();
        let (Some(from), Some(to)) = (chars.next(), chars.next()) else { continue };
        let (Some(index), Ok(to)) = (u32::from(from).checked_sub(BASE), u16::try_from(u32::from(to))) else {
            continue;
        };
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| table.get_mut(i)) {
            *slot = to;
        }
    }
    table
});

fn folded(c: char) -> Option<char> {
    if c < '\u{3400}' {
        return None;
    }
    let index = usize::try_from(u32::from(c).checked_sub(BASE)?).ok()?;
    let to = *FOLD.get(index)?;
    (to != 0).then(|| char::from_u32(u32::from(to))).flatten().filter(|t| t.len_utf8() == c.len_utf8())
}

/// A text folded to simplified characters (`fold`): what the topic, stage and deadline readers
/// read. A type of its own so that a document is folded once for all three (folding reads every
/// character of a text) and no reader can be handed a text that was not folded.
#[derive(Debug)]
pub(super) struct Simplified<'a>(Cow<'a, str>);

impl Simplified<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// `text` with its traditional characters replaced by simplified ones; borrowed when there are
/// none (the common case: most texts are simplified or English).
pub(super) fn fold(text: &str) -> Simplified<'_> {
    if text.is_ascii() {
        return Simplified(Cow::Borrowed(text));
    }
    let Some(first) = text.char_indices().find(|&(_, c)| folded(c).is_some()).map(|(i, _)| i) else {
        return Simplified(Cow::Borrowed(text));
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(text.get(..first).unwrap_or_default());
    out.extend(text.get(first..).unwrap_or_default().chars().map(|c| folded(c).unwrap_or(c)));
    Simplified(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::notice(
        "國家網信辦就移動互聯網未成年人模式建設指南征求意見",
        "国家网信办就移动互联网未成年人模式建设指南征求意见"
    )]
    #[case::personal_information("個人資訊保護", "个人资讯保护")]
    #[case::mixed("TikTok禁令與數據出境", "TikTok禁令与数据出境")]
    fn folds_traditional_to_simplified(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(fold(text).as_str(), expected);
    }

    #[test]
    fn simplified_and_english_text_is_borrowed() {
        assert!(matches!(fold("国家网信办发布《办法》 and the CAC issued rules").0, Cow::Borrowed(_)));
    }

    #[test]
    fn byte_offsets_never_move() {
        let text = "《網絡數據安全管理條例》第三十五條；電信業務經營者";
        let folded = fold(text);
        let folded = folded.as_str();
        assert_eq!(folded.len(), text.len());
        for ((i, a), (j, b)) in text.char_indices().zip(folded.char_indices()) {
            assert_eq!((i, a.len_utf8()), (j, b.len_utf8()));
        }
    }

    #[test]
    fn table_is_complete_and_consistent() {
        let pairs = TABLE.lines().filter(|l| !l.starts_with('#')).count();
        assert!(pairs > 2_500, "{pairs} pairs");
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let chars: Vec<char> = line.chars().collect();
            assert_eq!(chars.len(), 2, "{line}");
            assert_eq!(chars.first().map(|c| c.len_utf8()), chars.get(1).map(|c| c.len_utf8()), "{line}");
        }
    }
}
