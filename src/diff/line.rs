//! The line diff of block text: hunks with three lines of context, word/character highlights on
//! the lines of a replaced block that pair up, and added/removed line counts.
//!
//! Lines are compared by their comparison key, so a line that differs only by stray spaces or
//! zero-width characters is context, not a change. It does not know about legal structure.

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline, group_diff_ops};

use super::words::{inline, pair_lines, side};
use super::{Hunk, HunkLine, LineKind, SegmentKind, Text};

/// Lines of context around each change, as in `diff -u`.
const CONTEXT: usize = 3;

pub(crate) struct LineDiff {
    pub(crate) hunks: Vec<Hunk>,
    pub(crate) added: usize,
    pub(crate) removed: usize,
}

/// How long the line diff may search.
const LINE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) fn diff(old: &Text<'_>, new: &Text<'_>) -> LineDiff {
    let ops = ops(old, new);
    let (added, removed) = counts(&ops);
    let hunks = group_diff_ops(ops, CONTEXT).iter().filter_map(|group| hunk(old, new, group, false)).collect();
    LineDiff { hunks, added, removed }
}

/// The whole text as one hunk, every unchanged line included: what a redline of the complete
/// document (`docx`) is made of. Lines that compare equal but read differently (an article
/// renumbered, 第三条 → 第四条) are a removed and an added line, so the redline shows the new
/// number as an edit. Empty only when both texts are.
pub(crate) fn whole(old: &Text<'_>, new: &Text<'_>) -> LineDiff {
    let ops = ops(old, new);
    let (added, removed) = counts(&ops);
    LineDiff { hunks: hunk(old, new, &ops, true).into_iter().collect(), added, removed }
}

fn ops(old: &Text<'_>, new: &Text<'_>) -> Vec<DiffOp> {
    // Patience keeps unique lines (article openings) anchored, so an inserted article is one
    // block of added lines rather than an interleaving with its neighbours.
    // Patience settles for a coarser diff past the deadline instead of running for minutes on
    // a page of thousands of shuffled lines.
    let deadline = std::time::Instant::now() + LINE_DEADLINE;
    capture_diff_slices_deadline(Algorithm::Patience, &old.keys, &new.keys, Some(deadline))
}

fn counts(ops: &[DiffOp]) -> (usize, usize) {
    let (mut added, mut removed) = (0, 0);
    for op in ops {
        added += op.new_range().len();
        removed += op.old_range().len();
        if let DiffOp::Equal { len, .. } = op {
            added -= len;
            removed -= len;
        }
    }
    (added, removed)
}

fn hunk(old: &Text<'_>, new: &Text<'_>, ops: &[DiffOp], renumbering_as_edits: bool) -> Option<Hunk> {
    let (first, last) = (ops.first()?, ops.last()?);
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    let mut lines = Vec::new();
    for op in ops {
        let old_lines = old.lines.get(op.old_range()).unwrap_or_default();
        let new_lines = new.lines.get(op.new_range()).unwrap_or_default();
        match op {
            DiffOp::Equal { .. } if renumbering_as_edits => {
                for (before, after) in old_lines.iter().zip(new_lines) {
                    if before == after {
                        lines.push(plain(LineKind::Context, after));
                    } else {
                        lines.extend(replaced(&[before], &[after]));
                    }
                }
            }
            DiffOp::Equal { .. } => lines.extend(new_lines.iter().map(|l| plain(LineKind::Context, l))),
            DiffOp::Delete { .. } => lines.extend(old_lines.iter().map(|l| plain(LineKind::Removed, l))),
            DiffOp::Insert { .. } => lines.extend(new_lines.iter().map(|l| plain(LineKind::Added, l))),
            DiffOp::Replace { .. } => lines.extend(replaced(old_lines, new_lines)),
        }
    }
    Some(Hunk {
        old_start: header_start(old_range.start, old_range.len()),
        old_len: old_range.len(),
        new_start: header_start(new_range.start, new_range.len()),
        new_len: new_range.len(),
        lines,
    })
}

/// A unified diff header counts from 1, and names the line *before* an empty range.
fn header_start(index: usize, len: usize) -> usize {
    if len == 0 { index } else { index + 1 }
}

fn plain(kind: LineKind, text: &str) -> HunkLine {
    HunkLine { kind, text: text.to_owned(), inline: Vec::new() }
}

/// A replaced block in classic order (all removed lines, then all added), with highlights on
/// the lines that pair up with a similar line on the other side.
fn replaced(old_lines: &[&str], new_lines: &[&str]) -> Vec<HunkLine> {
    let mut removed: Vec<HunkLine> = old_lines.iter().map(|l| plain(LineKind::Removed, l)).collect();
    let mut added: Vec<HunkLine> = new_lines.iter().map(|l| plain(LineKind::Added, l)).collect();
    for (r, a) in pair_lines(old_lines, new_lines) {
        let (Some(before), Some(after)) = (old_lines.get(r), new_lines.get(a)) else { continue };
        let segments = inline(before, after);
        if let Some(line) = removed.get_mut(r) {
            line.inline = side(&segments, SegmentKind::Delete);
        }
        if let Some(line) = added.get_mut(a) {
            line.inline = side(&segments, SegmentKind::Insert);
        }
    }
    removed.extend(added);
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn lines(text: &str) -> Vec<String> {
        text.split('|').map(str::to_owned).collect()
    }

    /// Each hunk as its header and its lines with `-`/`+`/` ` prefixes.
    fn shape(old: &str, new: &str) -> (Vec<String>, usize, usize) {
        let (old, new) = (lines(old), lines(new));
        let diff = diff(&Text::new(&old), &Text::new(&new));
        let mut out = Vec::new();
        for h in &diff.hunks {
            out.push(format!("@@ -{},{} +{},{} @@", h.old_start, h.old_len, h.new_start, h.new_len));
            for l in &h.lines {
                let sign = match l.kind {
                    LineKind::Context => ' ',
                    LineKind::Added => '+',
                    LineKind::Removed => '-',
                };
                out.push(format!("{sign}{}", l.text));
            }
        }
        (out, diff.added, diff.removed)
    }

    #[rstest]
    #[case::identical("a|b|c", "a|b|c", &[], 0, 0)]
    #[case::noise_only("符合条件|b", "符合条 件|b\u{200B}", &[], 0, 0)]
    #[case::one_changed("a|b|c", "a|B|c", &["@@ -1,3 +1,3 @@", " a", "-b", "+B", " c"], 1, 1)]
    #[case::insert_at_start("b|c", "a|b|c", &["@@ -1,2 +1,3 @@", "+a", " b", " c"], 1, 0)]
    #[case::delete_at_end("a|b|c", "a|b", &["@@ -1,3 +1,2 @@", " a", " b", "-c"], 0, 1)]
    #[case::context_is_three("1|2|3|4|5|6|7|8|9", "1|2|3|4|x|6|7|8|9", &["@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+x", " 6", " 7", " 8"], 1, 1)]
    #[case::into_empty("a", "", &["@@ -1,1 +0,0 @@", "-a"], 0, 1)]
    #[case::from_empty("", "a", &["@@ -0,0 +1,1 @@", "+a"], 1, 0)]
    fn hunks(
        #[case] old: &str,
        #[case] new: &str,
        #[case] expected: &[&str],
        #[case] added: usize,
        #[case] removed: usize,
    ) {
        assert_eq!(shape(old, new), (expected.iter().map(|s| (*s).to_owned()).collect(), added, removed));
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let old: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
        let mut new = old.clone();
        new[1] = "two".to_owned();
        new[17] = "eighteen".to_owned();
        let diff = diff(&Text::new(&old), &Text::new(&new));
        assert_eq!(diff.hunks.len(), 2);
        assert_eq!((diff.added, diff.removed), (2, 2));
    }

    #[test]
    fn paired_lines_carry_highlights() {
        let old = lines("第九条 各级人民政府应当重视未成年人保护工作。");
        let new = lines("第九条 各级人民政府应当高度重视未成年人保护工作。");
        let diff = diff(&Text::new(&old), &Text::new(&new));
        let added = diff.hunks[0].lines.iter().find(|l| l.kind == LineKind::Added).map(|l| l.inline.clone());
        let inserted: Vec<String> =
            added.unwrap_or_default().into_iter().filter(|s| s.kind == SegmentKind::Insert).map(|s| s.text).collect();
        assert_eq!(inserted, ["高度"]);
    }
}
