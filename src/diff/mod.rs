//! What changed between two versions of a document's block text: a line diff with word and
//! character highlights (`line`, `words`), a structural view of legal instruments (`segment`
//! splits a text into preamble, chapters, sections, articles and items; `legal` aligns two
//! segmentations; `summary` writes the one-line summary), and the renderings (`render`).
//!
//! Pure: no I/O, no errors, no panics on any input. It is not the normaliser of block text
//! (`extract` owns that); it only makes sure that texts `extract` would consider equal compare
//! equal here too, by diffing a comparison key of every line (see [`comparable`]).

pub mod docx;
mod legal;
mod line;
pub mod render;
mod segment;
mod summary;
pub(crate) mod words;

use serde::Serialize;

/// Everything `store`, `alert` and the CLI need to know about one change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub hunks: Vec<Hunk>,
    /// Article-level changes in document order; empty for texts without articles.
    pub articles: Vec<ArticleChange>,
    /// Chapter and section changes in document order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headings: Vec<HeadingChange>,
    /// True when the text before the first chapter or article (title, history, preamble) changed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preamble_changed: bool,
    /// One line, English, e.g. "Article 9 amended; Article 12 added; Articles 12–39 renumbered 13–40".
    pub summary: String,
    pub added_lines: usize,
    pub removed_lines: usize,
}

/// One hunk of the line diff, with up to three lines of context on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// 1-based first line in the old text (as in a unified diff header).
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    pub lines: Vec<HunkLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HunkLine {
    pub kind: LineKind,
    pub text: String,
    /// Word/character highlights when this line was paired with a similar line on the other
    /// side: equal and deleted pieces for a removed line, equal and inserted ones for an added line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inline: Vec<Segment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

/// A piece of an inline (word or character level) diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub kind: SegmentKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    Equal,
    Insert,
    Delete,
}

/// How one article (or heading) differs between the versions.
///
/// An article whose text changed *and* whose number changed is reported once, as `amended` with
/// `from` set to its old number; `renumbered` and `moved` always mean the text is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Amended,
    Renumbered,
    Moved,
}

impl ChangeKind {
    /// The word used in JSON and in summaries: "added", "renumbered", …
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Amended => "amended",
            ChangeKind::Renumbered => "renumbered",
            ChangeKind::Moved => "moved",
        }
    }
}

/// The contract's `{"number": "13", "kind": "renumbered", "from": "12"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleChange {
    /// Arabic numerals: "12" for 第十二条 and for Article 12, "12-1" for 第十二条之一. The new
    /// number, or the old one for a removed article.
    pub number: String,
    pub kind: ChangeKind,
    /// The old number, when it differs from `number`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// For an amended article: its text (number prefix stripped) as a word/character diff.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inline: Vec<Segment>,
    /// For an amended article with numbered items: which items changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemChange>,
}

/// An item (（三）, (3), 3.) inside an amended article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    /// The item's label as printed, e.g. "（三）" or "3.". The new one, or the old for a removal.
    pub label: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadingLevel {
    Chapter,
    Section,
}

/// A chapter or section added, removed, renamed (`amended`), renumbered or moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadingChange {
    pub level: HeadingLevel,
    /// "5" for a chapter; "2.1" for section 1 of chapter 2 (sections restart in each chapter).
    pub number: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The heading's title without its number (the new one, or the old for a removal).
    pub title: String,
}

/// Compares two versions of block text: lines, words and (for legal texts) structure.
pub fn compare(old: &[String], new: &[String]) -> Comparison {
    let old = Text::new(old);
    let new = Text::new(new);
    let lines = line::diff(&old, &new);
    let structure = legal::compare(&old, &new);
    let summary = summary::summarise(&structure, lines.added, lines.removed);
    Comparison {
        hunks: lines.hunks,
        articles: structure.articles,
        headings: structure.headings,
        preamble_changed: structure.preamble_changed,
        summary,
        added_lines: lines.added,
        removed_lines: lines.removed,
    }
}

/// `compare`, with the line diff as one hunk holding every line of the text (unchanged ones as
/// context): the input of a redline of the whole document ([`docx`]).
pub fn compare_whole(old: &[String], new: &[String]) -> Comparison {
    let old_text = Text::new(old);
    let new_text = Text::new(new);
    let lines = line::whole(&old_text, &new_text);
    Comparison { hunks: lines.hunks, ..compare(old, new) }
}

/// True when the two texts compare equal line by line under [`comparable`] (blank and
/// invisible-only lines ignored); then `compare` has nothing to report.
pub fn is_identical(old: &[String], new: &[String]) -> bool {
    let old = old.iter().map(|l| comparable(l)).filter(|k| !k.is_empty());
    let new = new.iter().map(|l| comparable(l)).filter(|k| !k.is_empty());
    old.eq(new)
}

/// One side of a comparison: the lines that carry text, each with its comparison key and what
/// (article, chapter, section) it opens.
pub(crate) struct Text<'a> {
    pub(crate) lines: Vec<&'a str>,
    pub(crate) keys: Vec<String>,
    pub(crate) markers: Vec<Option<segment::Marker>>,
}

impl<'a> Text<'a> {
    /// Lines whose key is empty (a lone zero-width space, stray blanks) are not lines at all.
    /// A line that opens an article, chapter or section is keyed without its number, so that
    /// renumbering does not make every later line a changed line (the structural diff reports
    /// renumbering instead).
    pub(crate) fn new(lines: &'a [String]) -> Self {
        let mut text = Text {
            lines: Vec::with_capacity(lines.len()),
            keys: Vec::with_capacity(lines.len()),
            markers: Vec::with_capacity(lines.len()),
        };
        for line in lines {
            let marker = segment::marker(line);
            let key = match marker {
                Some(marker) => {
                    let rest = line.get(marker.rest()..).unwrap_or_default().trim_start_matches('*');
                    format!("{}{}", marker.tag(), comparable(rest))
                }
                None => comparable(line),
            };
            if !key.is_empty() {
                text.lines.push(line);
                text.keys.push(key);
                text.markers.push(marker);
            }
        }
        text
    }

    /// Line `i`'s key without the tag of its marker: the text after an article's number.
    pub(crate) fn content_key(&self, i: usize) -> &str {
        let key = self.keys.get(i).map_or("", String::as_str);
        match self.markers.get(i).copied().flatten() {
            Some(marker) => key.strip_prefix(marker.tag()).unwrap_or(key),
            None => key,
        }
    }
}

/// The form in which two strings are compared: zero-width characters dropped, full-width ASCII
/// folded to ASCII, whitespace collapsed to one space and dropped entirely next to CJK text
/// (where a space is never meaningful: "符合条 件" is "符合条件").
pub fn comparable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    // Starts true so that leading blanks are dropped.
    let mut after_cjk = true;
    for c in s.chars() {
        let Some(c) = fold_char(c) else { continue };
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let cjk = is_cjk(c);
        if pending_space && !cjk && !after_cjk {
            out.push(' ');
        }
        pending_space = false;
        after_cjk = cjk;
        out.push(c);
    }
    out
}

/// Drops invisible characters and folds full-width forms; `None` for a character to drop.
pub(crate) fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        _ => Some(c),
    }
}

/// Han ideographs, CJK punctuation and kana: scripts written without spaces between words.
pub(crate) fn is_cjk(c: char) -> bool {
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
    use super::*;
    use rstest::rstest;

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

    #[test]
    fn identical_ignores_blank_and_invisible_lines() {
        let old = vec!["第一条 总则".to_owned(), "text".to_owned()];
        let new = vec!["第一条　总则".to_owned(), "\u{200B}".to_owned(), "text ".to_owned()];
        assert!(is_identical(&old, &new));
        assert!(!is_identical(&old, &["第一条 总则".to_owned()]));
    }
}
