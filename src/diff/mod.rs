//! What changed between two versions of a document's block text: a line diff with word and
//! character highlights (`line`, `words`), a structural view of legal instruments (`segment`
//! splits a text into preamble, chapters, sections, articles and items; `legal` aligns two
//! segmentations; `summary` writes the one-line summary), and the renderings (`render`).
//!
//! Pure: no I/O, no errors, no panics on any input. It is not the normaliser of block text
//! (`extract::blocks` owns that, and the comparison key of a line, `line_key`); it diffs those
//! keys, so that two texts have the same version hash exactly when `compare` reports nothing.

pub mod docx;
mod legal;
mod line;
pub mod render;
mod segment;
mod summary;
pub(crate) mod words;

use serde::Serialize;

pub use crate::extract::blocks::key::{comparable, fold_char, is_cjk};
use crate::extract::blocks::{keys_of, line_key};

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

impl Comparison {
    /// Nothing to report: no hunk, no structural change. True exactly when the two texts'
    /// version hashes are equal.
    pub fn is_empty(&self) -> bool {
        self.hunks.is_empty() && self.articles.is_empty() && self.headings.is_empty() && !self.preamble_changed
    }
}

/// Compares two versions of block text: lines, words and (for legal texts) structure.
///
/// Texts with the same comparison keys (the same `BlockText::hash`) compare empty; texts with
/// different keys never do: when the structural line keys hide the difference (an article
/// marker's decoration), the difference is shown as a plain line diff of the keys' lines.
pub fn compare(old: &[String], new: &[String]) -> Comparison {
    if is_identical(old, new) {
        return Comparison { summary: summary::summarise(&legal::Structure::default(), 0, 0), ..Comparison::default() };
    }
    let old_text = Text::new(old);
    let new_text = Text::new(new);
    let mut lines = line::diff(&old_text, &new_text);
    let structure = legal::compare(&old_text, &new_text);
    if lines.hunks.is_empty()
        && structure.articles.is_empty()
        && structure.headings.is_empty()
        && !structure.preamble_changed
    {
        lines = line::diff(&Text::plain(old), &Text::plain(new));
    }
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

/// True when the two texts have the same comparison keys line by line (blank, invisible-only
/// and furniture-only lines ignored): the same version hash, and nothing for `compare` to report.
pub fn is_identical(old: &[String], new: &[String]) -> bool {
    keys_of(old) == keys_of(new)
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
                    format!("{}{}", marker.tag(), line_key(rest))
                }
                None => line_key(line),
            };
            if !key.is_empty() {
                text.lines.push(line);
                text.keys.push(key);
                text.markers.push(marker);
            }
        }
        text
    }

    /// Every line keyed by `line_key` alone, without structure: where the structural keys
    /// hide a difference the plain keys show.
    pub(crate) fn plain(lines: &'a [String]) -> Self {
        let mut text = Text { lines: Vec::new(), keys: Vec::new(), markers: Vec::new() };
        for line in lines {
            let key = line_key(line);
            if !key.is_empty() {
                text.lines.push(line);
                text.keys.push(key);
                text.markers.push(None);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_ignores_blank_and_invisible_lines() {
        let old = vec!["第一条 总则".to_owned(), "text".to_owned()];
        let new = vec!["第一条　总则".to_owned(), "\u{200B}".to_owned(), "text ".to_owned()];
        assert!(is_identical(&old, &new));
        assert!(!is_identical(&old, &["第一条 总则".to_owned()]));
    }

    /// Pieces of lines: legal markers, width variants, noise and furniture, so that random
    /// texts hit every way two lines can differ or be the same.
    const ATOMS: [&str; 34] = [
        "第一条",
        "第二条",
        "第十二条之一",
        "（一）",
        "(一)",
        "；",
        ";",
        "：",
        ":",
        " ",
        "　",
        "\u{200B}",
        "数据",
        "出境",
        "Article 12",
        "Art. 3",
        "the",
        "State",
        "3小时前",
        "Updated 3 minutes ago",
        "。",
        ".",
        "*",
        "Chapter II",
        "第三章 总则",
        "1.",
        "阅读 12",
        "１２",
        "12",
        "ago",
        " | ",
        "within 3 hours",
        "第一节",
        "\u{3000}第五条",
    ];

    fn random_line(rng: &mut fastrand::Rng) -> String {
        (0..rng.usize(1..5)).map(|_| ATOMS[rng.usize(..ATOMS.len())]).collect()
    }

    /// A copy of `text` with a few random edits, some of them noise only.
    fn mutated(rng: &mut fastrand::Rng, text: &[String]) -> Vec<String> {
        let mut out = text.to_vec();
        for _ in 0..rng.usize(0..3) {
            let at = rng.usize(..=out.len());
            match rng.u8(..6) {
                0 => out.insert(at, random_line(rng)),
                1 if at < out.len() => drop(out.remove(at)),
                2 if at < out.len() => out[at] = random_line(rng),
                3 if at < out.len() => {
                    let line = out[at].replace('；', ";").replace('（', "(").replace('）', ")").replace('：', ":");
                    out[at] = line;
                }
                4 if at < out.len() => out[at] = format!("{}\u{200B} ", out[at]),
                _ if at + 1 < out.len() => out.swap(at, at + 1),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn equal_hashes_exactly_when_nothing_to_report() {
        let mut rng = fastrand::Rng::with_seed(20_240_601);
        let (mut same, mut different) = (0, 0);
        for _ in 0..4000 {
            let old: Vec<String> = (0..rng.usize(0..6)).map(|_| random_line(&mut rng)).collect();
            let new = mutated(&mut rng, &old);
            let equal = crate::extract::blocks::hash_lines(&old) == crate::extract::blocks::hash_lines(&new);
            let comparison = compare(&old, &new);
            assert_eq!(equal, comparison.is_empty(), "{old:?} → {new:?}: {comparison:?}");
            assert_eq!(equal, is_identical(&old, &new));
            if equal {
                same += 1;
                assert_eq!(comparison.summary, "No changes");
            } else {
                different += 1;
                assert_ne!(comparison.summary, "No changes", "{old:?} → {new:?}");
            }
        }
        // Both sides of the property were exercised.
        assert!(same > 500 && different > 500, "{same} same, {different} different");
    }

    #[test]
    fn width_variant_edit_is_no_change() {
        let old = vec!["第三十五条 （七）法律、行政法规规定的其他情形；".to_owned()];
        let new = vec!["第三十五条 (七)法律、行政法规规定的其他情形;".to_owned()];
        assert!(compare(&old, &new).is_empty());
        assert_eq!(crate::extract::blocks::hash_lines(&old), crate::extract::blocks::hash_lines(&new));
    }
}
