//! The structural diff of a legal instrument: aligns the articles (and chapters, sections) of two
//! segmentations by content as well as by number, names each difference (added, removed,
//! amended, renumbered, moved), with a word/character diff and changed items for each amended
//! article. The summary line is `summary`'s.
//!
//! Alignment is in three passes, cheapest first, so a 300-article law costs a hash lookup per
//! article when little changed: (1) identical text (number prefix stripped), preferring the
//! same number among duplicates; (2) for what is left, character-bigram similarity with a bonus
//! for keeping the number, paired greedily best-first; (3) a longest increasing subsequence of
//! the pairs tells which ones kept their relative order — the rest `moved`. An article inserted
//! in the middle therefore reads as one `added` plus a run of `renumbered`, never as a cascade.
//!
//! An article whose text and number both changed is reported once: `amended` with `from`.

use std::collections::HashMap;

use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::segment::{self, Num, Segmented};
use super::words::{bigrams, dice, inline};
use super::{ArticleChange, ChangeKind, HeadingChange, HeadingLevel, ItemChange, Text};

/// Units less alike than this (bigram Dice of their keys) are one removed and one added, not
/// one amended. Unrelated articles of one law share boilerplate bigrams (未成年人, 应当) and
/// score up to about 0.3.
const ALIGN_THRESHOLD: f64 = 0.45;
/// Keeping its number makes a candidate pairing a little more likely.
const SAME_NUMBER_BONUS: f64 = 0.1;
/// Above this many leftover pairs, only candidates near the same relative position are scored.
const MAX_SCORED_PAIRS: usize = 90_000;
const POSITION_WINDOW: usize = 150;

/// The structural differences, in document order, with what the summary needs.
#[derive(Debug, Default)]
pub(crate) struct Structure {
    pub(crate) articles: Vec<ArticleChange>,
    pub(crate) headings: Vec<HeadingChange>,
    pub(crate) preamble_changed: bool,
    pub(crate) entries: Vec<Entry>,
}

/// One change as the summary sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) noun: &'static str,
    pub(crate) kind: ChangeKind,
    pub(crate) num: Num,
    pub(crate) label: String,
    pub(crate) from: Option<(Num, String)>,
    /// Sections restart in each chapter: runs never cross chapters.
    pub(crate) group: Option<Num>,
}

/// A difference: its kind, and the old and new unit it concerns (one side absent for an
/// addition or a removal).
type Classified = (ChangeKind, Option<usize>, Option<usize>);

/// What the aligner needs of a unit.
struct Unit<'a> {
    key: &'a str,
    num: Num,
}

/// Compares the structure of two texts.
pub(crate) fn compare(old: &Text<'_>, new: &Text<'_>) -> Structure {
    let old = segment::segment(old);
    let new = segment::segment(new);
    let has_articles = !old.articles.is_empty() || !new.articles.is_empty();
    let mut structure = Structure {
        // A text without articles is all preamble: its changes are told by the line diff.
        preamble_changed: has_articles && old.preamble != new.preamble,
        ..Structure::default()
    };
    for level in [HeadingLevel::Chapter, HeadingLevel::Section] {
        compare_headings(&old, &new, level, &mut structure);
    }
    compare_articles(&old, &new, &mut structure);
    structure
}

fn compare_articles(old: &Segmented, new: &Segmented, structure: &mut Structure) {
    fn units(s: &Segmented) -> Vec<Unit<'_>> {
        s.articles.iter().map(|a| Unit { key: &a.key, num: a.num }).collect()
    }
    for (kind, o, n) in classify(&units(old), &units(new)) {
        let (article, from) = match (o.and_then(|i| old.articles.get(i)), n.and_then(|j| new.articles.get(j))) {
            (Some(before), Some(after)) => (after, (before.num != after.num).then_some(before)),
            (Some(only), None) | (None, Some(only)) => (only, None),
            (None, None) => continue,
        };
        let (inline, items) = match (kind, o.and_then(|i| old.articles.get(i))) {
            (ChangeKind::Amended, Some(before)) => (inline(&before.body, &article.body), item_changes(before, article)),
            _ => (Vec::new(), Vec::new()),
        };
        let label = article.num.to_string();
        structure.entries.push(Entry {
            noun: "Article",
            kind,
            num: article.num,
            label: label.clone(),
            from: from.map(|b| (b.num, b.num.to_string())),
            group: None,
        });
        structure.articles.push(ArticleChange {
            number: label,
            kind,
            from: from.map(|b| b.num.to_string()),
            inline,
            items,
        });
    }
}

fn compare_headings(old: &Segmented, new: &Segmented, level: HeadingLevel, structure: &mut Structure) {
    fn pick(s: &Segmented, level: HeadingLevel) -> Vec<&segment::Heading> {
        s.headings.iter().filter(|h| h.level == level).collect()
    }
    // Sections are numbered within their chapter: the pair is what a same number means.
    fn units<'a>(hs: &[&'a segment::Heading]) -> Vec<Unit<'a>> {
        let num = |h: &segment::Heading| h.chapter.map_or(h.num, |c| Num { main: c.main, sub: h.num.main });
        hs.iter().map(|h| Unit { key: &h.key, num: num(h) }).collect()
    }
    let (old, new) = (pick(old, level), pick(new, level));
    let noun = if level == HeadingLevel::Chapter { "Chapter" } else { "Section" };
    for (kind, o, n) in classify(&units(&old), &units(&new)) {
        let (heading, from) = match (o.and_then(|i| old.get(i)), n.and_then(|j| new.get(j))) {
            (Some(before), Some(after)) => (*after, (before.label() != after.label()).then_some(*before)),
            (Some(only), None) | (None, Some(only)) => (*only, None),
            (None, None) => continue,
        };
        let label = heading.label();
        structure.entries.push(Entry {
            noun,
            kind,
            num: heading.num,
            label: label.clone(),
            from: from.map(|b| (b.num, b.label())),
            group: heading.chapter,
        });
        structure.headings.push(HeadingChange {
            level,
            number: label,
            kind,
            from: from.map(segment::Heading::label),
            title: heading.title.clone(),
        });
    }
}

/// Aligns two unit lists and names every difference, in document order: each change is
/// `(kind, old index, new index)`. Unchanged units are left out.
fn classify(old: &[Unit<'_>], new: &[Unit<'_>]) -> Vec<Classified> {
    let old_to_new = align(old, new);
    let mut new_to_old = vec![None; new.len()];
    for (i, j) in old_to_new.iter().enumerate() {
        if let Some(slot) = j.and_then(|j| new_to_old.get_mut(j)) {
            *slot = Some(i);
        }
    }
    let in_order = in_order(&new_to_old, old.len());
    // Sort position: a new unit j sits at (j, 1, 0); a removed unit i right after the new unit
    // paired with the old unit before it, at (j + 1, 0, i): removals read before additions in
    // the same gap, as in a line diff.
    let mut changes: Vec<((usize, u8, usize), Classified)> = Vec::new();
    let mut gap = 0;
    for (i, j) in old_to_new.iter().enumerate() {
        match j {
            Some(j) => gap = j + 1,
            None => changes.push(((gap, 0, i), (ChangeKind::Removed, Some(i), None))),
        }
    }
    for (j, unit) in new.iter().enumerate() {
        let kind = match new_to_old.get(j).copied().flatten().and_then(|i| old.get(i).map(|o| (i, o))) {
            None => Some(ChangeKind::Added),
            Some((_, before)) if before.key != unit.key => Some(ChangeKind::Amended),
            Some((i, _)) if !in_order.get(i).copied().unwrap_or(false) => Some(ChangeKind::Moved),
            Some((_, before)) if before.num != unit.num => Some(ChangeKind::Renumbered),
            Some(_) => None,
        };
        if let Some(kind) = kind {
            changes.push(((j, 1, 0), (kind, new_to_old.get(j).copied().flatten(), Some(j))));
        }
    }
    changes.sort_by_key(|c| c.0);
    changes.into_iter().map(|(_, classified)| classified).collect()
}

/// For each old unit, the new unit it is paired with.
fn align(old: &[Unit<'_>], new: &[Unit<'_>]) -> Vec<Option<usize>> {
    let mut old_to_new = vec![None; old.len()];
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::with_capacity(new.len());
    for (j, unit) in new.iter().enumerate() {
        by_key.entry(unit.key).or_default().push(j);
    }
    for (i, unit) in old.iter().enumerate() {
        let Some(candidates) = by_key.get_mut(unit.key) else { continue };
        let pick = candidates.iter().position(|&j| new.get(j).is_some_and(|n| n.num == unit.num)).unwrap_or(0);
        if pick < candidates.len() {
            old_to_new[i] = Some(candidates.remove(pick));
        }
    }
    let mut taken = vec![false; new.len()];
    for j in old_to_new.iter().flatten() {
        taken[*j] = true;
    }
    let old_left: Vec<usize> = (0..old.len()).filter(|&i| old_to_new[i].is_none()).collect();
    let new_left: Vec<usize> = (0..new.len()).filter(|&j| !taken[j]).collect();
    for (i, j) in pair_similar(old, new, &old_left, &new_left) {
        old_to_new[i] = Some(j);
    }
    old_to_new
}

/// Greedy best-first pairing of the leftovers by bigram similarity.
fn pair_similar(old: &[Unit<'_>], new: &[Unit<'_>], old_left: &[usize], new_left: &[usize]) -> Vec<(usize, usize)> {
    if old_left.is_empty() || new_left.is_empty() {
        return Vec::new();
    }
    let grams = |units: &[Unit<'_>], idx: &[usize]| {
        idx.iter().map(|&k| bigrams(units.get(k).map_or("", |u| u.key))).collect::<Vec<_>>()
    };
    let (old_grams, new_grams) = (grams(old, old_left), grams(new, new_left));
    let windowed = old_left.len().saturating_mul(new_left.len()) > MAX_SCORED_PAIRS;
    let mut scored: Vec<(f64, usize, usize)> = Vec::new();
    for (a, &i) in old_left.iter().enumerate() {
        let centre = a * new_left.len() / old_left.len();
        for (b, &j) in new_left.iter().enumerate() {
            if windowed && centre.abs_diff(b) > POSITION_WINDOW {
                continue;
            }
            let similarity = dice(&old_grams[a], &new_grams[b]);
            if similarity >= ALIGN_THRESHOLD {
                let same_number = old.get(i).zip(new.get(j)).is_some_and(|(o, n)| o.num == n.num);
                scored.push((similarity + if same_number { SAME_NUMBER_BONUS } else { 0.0 }, i, j));
            }
        }
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.abs_diff(x.2).cmp(&y.1.abs_diff(y.2))));
    let (mut old_used, mut new_used) = (vec![false; old.len()], vec![false; new.len()]);
    let mut pairs = Vec::new();
    for (_, i, j) in scored {
        if !old_used[i] && !new_used[j] {
            old_used[i] = true;
            new_used[j] = true;
            pairs.push((i, j));
        }
    }
    pairs
}

/// Which old units keep their relative order: a longest increasing subsequence of the old
/// indices of paired units, read in new order (O(n log n)).
fn in_order(new_to_old: &[Option<usize>], old_len: usize) -> Vec<bool> {
    let sequence: Vec<usize> = new_to_old.iter().flatten().copied().collect();
    // tails[k]: index into `sequence` of the smallest tail of an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous = vec![None; sequence.len()];
    for (k, &value) in sequence.iter().enumerate() {
        let length = tails.partition_point(|&t| sequence[t] < value);
        previous[k] = length.checked_sub(1).and_then(|p| tails.get(p).copied());
        if length == tails.len() {
            tails.push(k);
        } else {
            tails[length] = k;
        }
    }
    let mut keep = vec![false; old_len];
    let mut cursor = tails.last().copied();
    while let Some(k) = cursor {
        if let Some(slot) = sequence.get(k).and_then(|&i| keep.get_mut(i)) {
            *slot = true;
        }
        cursor = previous[k];
    }
    keep
}

/// Items of an amended article that were added, removed or changed. Items are compared by text
/// without their labels, so an inserted item does not make every later one "changed".
fn item_changes(old: &segment::Article, new: &segment::Article) -> Vec<ItemChange> {
    let old_keys: Vec<&str> = old.items.iter().map(|i| i.key.as_str()).collect();
    let new_keys: Vec<&str> = new.items.iter().map(|i| i.key.as_str()).collect();
    let label = |items: &[segment::Item], k: usize| items.get(k).map(|i| i.label.clone()).unwrap_or_default();
    let mut changes = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys) {
        let (_, old_range, new_range) = op.as_tag_tuple();
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        let paired = old_range.len().min(new_range.len());
        for k in 0..old_range.len().max(new_range.len()) {
            let change = if k < paired {
                ItemChange { label: label(&new.items, new_range.start + k), kind: ChangeKind::Amended }
            } else if k < new_range.len() {
                ItemChange { label: label(&new.items, new_range.start + k), kind: ChangeKind::Added }
            } else {
                ItemChange { label: label(&old.items, old_range.start + k), kind: ChangeKind::Removed }
            };
            changes.push(change);
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn units<'a>(keys: &[&'a str]) -> Vec<Unit<'a>> {
        let numbered = keys.iter().enumerate();
        numbered.map(|(k, key)| Unit { key, num: Num { main: u32::try_from(k + 1).unwrap_or(0), sub: 0 } }).collect()
    }

    /// Changes as "kind old>new" with 1-based positions, "-" for a missing side.
    fn changes(old: &[&str], new: &[&str]) -> Vec<String> {
        let side = |k: Option<usize>| k.map_or("-".to_owned(), |k| (k + 1).to_string());
        let listed = classify(&units(old), &units(new));
        listed.into_iter().map(|(kind, o, n)| format!("{} {}>{}", kind.as_str(), side(o), side(n))).collect()
    }

    const A: &str = "国家保障未成年人的生存权、发展权、受保护权、参与权等权利。";
    const B: &str = "网络服务提供者应当建立便捷、合理、有效的投诉和举报渠道。";
    const B2: &str = "网络服务提供者应当建立便捷、合理、有效的投诉、举报和处置渠道。";
    const C: &str = "本条例自2024年1月1日起施行。";
    const D: &str = "学校应当建立学生欺凌防控工作制度。";

    #[rstest]
    #[case::same(&[A, B, C], &[A, B, C], &[])]
    #[case::amend(&[A, B, C], &[A, B2, C], &["amended 2>2"])]
    #[case::insert(&[A, B, C], &[A, D, B, C], &["added ->2", "renumbered 2>3", "renumbered 3>4"])]
    #[case::insert_and_amend(&[A, B, C], &[A, D, B2, C], &["added ->2", "amended 2>3", "renumbered 3>4"])]
    #[case::delete(&[A, B, C], &[A, C], &["removed 2>-", "renumbered 3>2"])]
    #[case::replace(&[A, B, C], &[A, D, C], &["removed 2>-", "added ->2"])]
    // Either of two swapped neighbours may be the one that moved; one is, never both.
    #[case::swap(&[A, B, C], &[A, C, B], &["moved 3>2", "renumbered 2>3"])]
    #[case::duplicates_keep_their_numbers(&["（删除）", A, "（删除）"], &["（删除）", A, "（删除）"], &[])]
    #[case::empty_old(&[], &[A], &["added ->1"])]
    #[case::empty_new(&[A], &[], &["removed 1>-"])]
    fn classifies(#[case] old: &[&str], #[case] new: &[&str], #[case] expected: &[&str]) {
        assert_eq!(changes(old, new), expected);
    }

    #[rstest]
    #[case::all_in_order(&[Some(0), Some(1), Some(2)], &[true, true, true])]
    #[case::one_moved_back(&[Some(1), Some(2), Some(0)], &[false, true, true])]
    #[case::gaps(&[Some(0), None, Some(2)], &[true, false, true])]
    #[case::reversed(&[Some(2), Some(1), Some(0)], &[true, false, false])]
    fn keeps_the_longest_ordered_run(#[case] new_to_old: &[Option<usize>], #[case] expected: &[bool]) {
        assert_eq!(in_order(new_to_old, expected.len()), expected);
    }
}
