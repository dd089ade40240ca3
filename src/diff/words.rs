//! Word and character level diffs inside changed text, and the cheap similarity used to pair
//! lines and align articles.
//!
//! Tokens follow Unicode word boundaries (UAX #29): English and numbers diff word by word, Han
//! characters (which have no spaces between words) one character at a time, and mixed text
//! both ways at once. It does not decide *which* texts to compare: `line` and `legal` do.

use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};
use unicode_segmentation::UnicodeSegmentation;

use super::{Segment, SegmentKind, fold_char};

/// Lines or texts at least this similar (character-bigram Dice) are diffed inline as one
/// edited text; below it they read as unrelated, one removed and one added.
const PAIRING_THRESHOLD: f64 = 0.4;

/// Above this many tokens on one side, a changed text is shown replaced whole: a word diff of a
/// 5 MB one-line page with its words reordered took 38 s and 718 MB.
const MAX_INLINE_TOKENS: usize = 20_000;
/// How long one word diff may search before it settles for a coarser (still correct) answer.
const INLINE_DEADLINE: Duration = Duration::from_millis(200);

/// The inline diff of `old` against `new`: equal, deleted and inserted pieces in reading order.
/// Texts too long to diff word by word come back as one deletion and one insertion.
pub(crate) fn inline(old: &str, new: &str) -> Vec<Segment> {
    let old_tokens: Vec<&str> = old.split_word_bounds().take(MAX_INLINE_TOKENS + 1).collect();
    let new_tokens: Vec<&str> = new.split_word_bounds().take(MAX_INLINE_TOKENS + 1).collect();
    if old_tokens.len() > MAX_INLINE_TOKENS || new_tokens.len() > MAX_INLINE_TOKENS {
        return replaced_whole(old, new);
    }
    let old_keys: Vec<String> = old_tokens.iter().map(|t| token_key(t)).collect();
    let new_keys: Vec<String> = new_tokens.iter().map(|t| token_key(t)).collect();
    let deadline = Instant::now() + INLINE_DEADLINE;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old_keys, &new_keys, Some(deadline));
    let mut pieces = Vec::with_capacity(ops.len() * 2);
    for op in &ops {
        let (_, old_range, new_range) = op.as_tag_tuple();
        let old_text = old_tokens.get(old_range).unwrap_or_default().concat();
        let new_text = new_tokens.get(new_range).unwrap_or_default().concat();
        match op {
            DiffOp::Equal { .. } => pieces.push((SegmentKind::Equal, new_text)),
            DiffOp::Delete { .. } => pieces.push((SegmentKind::Delete, old_text)),
            DiffOp::Insert { .. } => pieces.push((SegmentKind::Insert, new_text)),
            DiffOp::Replace { .. } => {
                pieces.push((SegmentKind::Delete, old_text));
                pieces.push((SegmentKind::Insert, new_text));
            }
        }
    }
    segments(absorb_short_equals(coalesce(pieces)))
}

fn replaced_whole(old: &str, new: &str) -> Vec<Segment> {
    [(SegmentKind::Delete, old), (SegmentKind::Insert, new)]
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(kind, text)| Segment { kind, text: text.to_owned() })
        .collect()
}

/// The pieces of an inline diff that belong to one side: equal and deleted pieces for the old
/// line, equal and inserted ones for the new.
pub(crate) fn side(segments: &[Segment], kind: SegmentKind) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for s in segments.iter().filter(|s| s.kind == SegmentKind::Equal || s.kind == kind) {
        match out.last_mut() {
            Some(last) if last.kind == s.kind => last.text.push_str(&s.text),
            _ => out.push(s.clone()),
        }
    }
    out
}

/// Whitespace tokens compare as one space and full-width forms as ASCII, so stray spaces and
/// punctuation width never show as edits.
fn token_key(token: &str) -> String {
    if token.chars().all(char::is_whitespace) {
        return " ".to_owned();
    }
    token.chars().filter_map(fold_char).collect()
}

/// An inline diff as alternating runs: equal text, and changes (deleted, inserted).
enum Part {
    Equal(String),
    Change(String, String),
}

impl Part {
    fn changed_chars(&self) -> usize {
        match self {
            Part::Equal(_) => 0,
            Part::Change(deleted, inserted) => deleted.chars().count() + inserted.chars().count(),
        }
    }
}

/// Groups pieces into alternating parts, putting each change in the order deleted-then-inserted
/// (`[-a-]{+b+}[-c-]{+d+}` reads `[-ac-]{+bd+}`). A change of whitespace only is noise: it
/// becomes equal text with the new side's spacing.
fn coalesce(pieces: Vec<(SegmentKind, String)>) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::with_capacity(pieces.len());
    for (kind, text) in pieces.into_iter().filter(|(_, t)| !t.is_empty()) {
        match (kind, parts.last_mut()) {
            (SegmentKind::Equal, Some(Part::Equal(equal))) => equal.push_str(&text),
            (SegmentKind::Equal, _) => parts.push(Part::Equal(text)),
            (SegmentKind::Delete, Some(Part::Change(deleted, _))) => deleted.push_str(&text),
            (SegmentKind::Insert, Some(Part::Change(_, inserted))) => inserted.push_str(&text),
            (SegmentKind::Delete, _) => parts.push(Part::Change(text, String::new())),
            (SegmentKind::Insert, _) => parts.push(Part::Change(String::new(), text)),
        }
    }
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        let part = match part {
            Part::Change(deleted, inserted) if deleted.trim().is_empty() && inserted.trim().is_empty() => {
                Part::Equal(inserted)
            }
            other => other,
        };
        match (part, out.last_mut()) {
            (Part::Equal(text), Some(Part::Equal(equal))) => equal.push_str(&text),
            (part, _) => out.push(part),
        }
    }
    out
}

/// A char-by-char diff of Chinese leaves confetti: "级" or "，" matched between two unrelated
/// phrases. An equal run of at most two characters between two changes, each at least as long
/// as it, reads better as part of one larger change.
fn absorb_short_equals(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    let mut rest = parts.into_iter().peekable();
    while let Some(part) = rest.next() {
        let absorb = match (&part, out.last(), rest.peek()) {
            (Part::Equal(text), Some(before @ Part::Change(..)), Some(after @ Part::Change(..))) => {
                let len = text.chars().count();
                len <= 2 && before.changed_chars() >= len && after.changed_chars() >= len
            }
            _ => false,
        };
        match (part, out.last_mut()) {
            (Part::Equal(text), Some(Part::Change(deleted, inserted))) if absorb => {
                deleted.push_str(&text);
                inserted.push_str(&text);
                if let Some(Part::Change(d, i)) = rest.next() {
                    deleted.push_str(&d);
                    inserted.push_str(&i);
                }
            }
            (part, _) => out.push(part),
        }
    }
    out
}

fn segments(parts: Vec<Part>) -> Vec<Segment> {
    let mut out = Vec::with_capacity(parts.len() * 2);
    for part in parts {
        match part {
            Part::Equal(text) => out.push(Segment { kind: SegmentKind::Equal, text }),
            Part::Change(deleted, inserted) => {
                for (kind, text) in [(SegmentKind::Delete, deleted), (SegmentKind::Insert, inserted)] {
                    if !text.is_empty() {
                        out.push(Segment { kind, text });
                    }
                }
            }
        }
    }
    out
}

/// Character bigrams of a text (its comparison key), sorted and deduplicated: the input of
/// [`dice`]. One pass and one sort, so aligning hundreds of articles stays cheap.
pub(crate) fn bigrams(key: &str) -> Vec<u64> {
    let chars: Vec<u64> = key.chars().map(|c| u64::from(u32::from(c))).collect();
    let mut grams: Vec<u64> = chars.windows(2).map(|w| (w[0] << 32) | w[1]).collect();
    if grams.is_empty() {
        grams.extend(chars);
    }
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Sørensen–Dice coefficient of two sorted bigram sets, in 0..=1.
pub(crate) fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let shared = u32::try_from(shared_count(a, b)).unwrap_or(u32::MAX);
    let total = u32::try_from(a.len() + b.len()).unwrap_or(u32::MAX);
    2.0 * f64::from(shared) / f64::from(total)
}

/// How many elements two sorted, deduplicated sets share (a merge walk, no allocation).
/// Also the core of `classify::family`'s body containment.
pub(crate) fn shared_count(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Above this many line pairs in one replaced block, only lines at the same offset are
/// compared: a rewrite of a whole law must not cost a quadratic number of comparisons.
const MAX_PAIRING_CELLS: usize = 40_000;

/// Pairs removed lines with added lines of one replaced block, keeping reading order: the
/// monotone pairing with the greatest total similarity, counting only pairs at least
/// [`PAIRING_THRESHOLD`] alike. Returns `(removed index, added index)` pairs, both increasing.
pub(crate) fn pair_lines(removed: &[&str], added: &[&str]) -> Vec<(usize, usize)> {
    let removed_grams: Vec<Vec<u64>> = removed.iter().map(|l| bigrams(&super::comparable(l))).collect();
    let added_grams: Vec<Vec<u64>> = added.iter().map(|l| bigrams(&super::comparable(l))).collect();
    let score = |r: usize, a: usize| {
        let s = dice(&removed_grams[r], &added_grams[a]);
        if s >= PAIRING_THRESHOLD { s } else { 0.0 }
    };
    if removed.len().saturating_mul(added.len()) > MAX_PAIRING_CELLS {
        return (0..removed.len().min(added.len())).filter(|&i| score(i, i) > 0.0).map(|i| (i, i)).collect();
    }
    // best[r][a]: the best total for the first r removed and first a added lines; step[r][a]
    // remembers which move reached it (0 skip removed, 1 skip added, 2 pair).
    let width = added.len() + 1;
    let mut best = vec![0.0_f64; (removed.len() + 1) * width];
    let mut step = vec![0_u8; (removed.len() + 1) * width];
    for r in 1..=removed.len() {
        for a in 1..=added.len() {
            let s = score(r - 1, a - 1);
            let moves = [
                best[(r - 1) * width + a],
                best[r * width + a - 1],
                if s > 0.0 { best[(r - 1) * width + a - 1] + s } else { -1.0 },
            ];
            let (choice, value) =
                moves.iter().enumerate().fold((0, f64::MIN), |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc });
            best[r * width + a] = value;
            step[r * width + a] = u8::try_from(choice).unwrap_or(0);
        }
    }
    let mut pairs = Vec::new();
    let (mut r, mut a) = (removed.len(), added.len());
    while r > 0 && a > 0 {
        match step[r * width + a] {
            0 => r -= 1,
            1 => a -= 1,
            _ => {
                pairs.push((r - 1, a - 1));
                r -= 1;
                a -= 1;
            }
        }
    }
    pairs.reverse();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// `[-deleted-]{+inserted+}` notation, to write expectations compactly.
    fn marked(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s.kind {
                SegmentKind::Equal => s.text.clone(),
                SegmentKind::Delete => format!("[-{}-]", s.text),
                SegmentKind::Insert => format!("{{+{}+}}", s.text),
            })
            .collect()
    }

    #[rstest]
    #[case::english_words(
        "The fine is 1 million yuan",
        "The fine is 5 million yuan",
        "The fine is [-1-]{+5+} million yuan"
    )]
    #[case::english_whole_word("shall notify users", "shall inform users", "shall [-notify-]{+inform+} users")]
    #[case::chinese_chars(
        "处一万元以上十万元以下罚款",
        "处五万元以上五十万元以下罚款",
        "处[-一-]{+五+}万元以上{+五+}十万元以下罚款"
    )]
    #[case::mixed("使用AI技术应当备案", "使用生成式AI技术应当备案", "使用{+生成式+}AI技术应当备案")]
    #[case::stray_space_is_not_an_edit("符合条 件的", "符合条件的", "符合条件的")]
    #[case::fullwidth_is_not_an_edit("（七）其他;", "（七）其他；", "（七）其他；")]
    #[case::english_run("the big dog barks", "a small dog barks", "[-the big-]{+a small+} dog barks")]
    #[case::confetti_absorbed(
        "由县级人民政府负责",
        "各级政府重视和加强",
        "[-由县级人民政府负责-]{+各级政府重视和加强+}"
    )]
    fn inline_diffs(#[case] old: &str, #[case] new: &str, #[case] expected: &str) {
        assert_eq!(marked(&inline(old, new)), expected);
    }

    #[test]
    fn a_huge_reordered_text_is_shown_replaced_whole() {
        let words: Vec<String> = (0..30_000).map(|i| format!("w{i}")).collect();
        let old = words.join(" ");
        let new = words.iter().rev().cloned().collect::<Vec<_>>().join(" ");
        let segments = inline(&old, &new);
        let kinds: Vec<SegmentKind> = segments.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [SegmentKind::Delete, SegmentKind::Insert]);
        assert_eq!((segments[0].text.len(), segments[1].text.len()), (old.len(), new.len()));
    }

    #[test]
    fn sides_keep_only_their_own_changes() {
        let segments = inline("shall notify users", "shall inform users");
        assert_eq!(marked(&side(&segments, SegmentKind::Delete)), "shall [-notify-] users");
        assert_eq!(marked(&side(&segments, SegmentKind::Insert)), "shall {+inform+} users");
    }

    #[rstest]
    #[case::same("未成年人保护", "未成年人保护", 1.0)]
    #[case::disjoint("网络", "司法", 0.0)]
    #[case::both_empty("", "", 1.0)]
    #[case::single_chars("网", "网", 1.0)]
    fn dice_bounds(#[case] a: &str, #[case] b: &str, #[case] expected: f64) {
        assert!((dice(&bigrams(a), &bigrams(b)) - expected).abs() < 1e-9);
    }

    #[rstest]
    #[case::one_to_one(&["第九条 各级人民政府应当重视", "无关"], &["第九条 各级人民政府应当高度重视"], &[(0, 0)])]
    #[case::keeps_order(&["alpha beta gamma", "delta epsilon zeta"], &["completely new", "alpha beta gamma!", "delta epsilon zeta!"], &[(0, 1), (1, 2)])]
    #[case::best_total_not_first_fit(&["alpha beta gamma delta", "alpha beta gamma epsilon"], &["alpha beta gamma epsilon!"], &[(1, 0)])]
    #[case::nothing_similar(&["国家保障"], &["Unrelated English"], &[])]
    fn pairs_lines(#[case] removed: &[&str], #[case] added: &[&str], #[case] expected: &[(usize, usize)]) {
        assert_eq!(pair_lines(removed, added), expected);
    }
}
