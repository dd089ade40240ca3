//! Structural alignment on synthetic laws: inserting, deleting, amending and moving articles
//! must read as what was done, never as a cascade of amendments.

mod lawtext;

use lawtext::synthetic::law;
use regwatch::diff::{ArticleChange, ChangeKind, SegmentKind, compare};
use rstest::rstest;

/// Article changes in a compact form: "11 added", "12 renumbered from 11".
fn compact(articles: &[ArticleChange]) -> Vec<String> {
    articles
        .iter()
        .map(|a| match &a.from {
            Some(from) => format!("{} {} from {from}", a.number, a.kind.as_str()),
            None => format!("{} {}", a.number, a.kind.as_str()),
        })
        .collect()
}

/// Expands "12-15 renumbered from 11" into one entry per article (from counts up alongside).
fn expand(spec: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in spec {
        let (range, rest) = entry.split_once(' ').unwrap_or((entry, ""));
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let (first, last): (u32, u32) = (first.parse().unwrap_or(0), last.parse().unwrap_or(0));
        let (kind, from) = rest.split_once(" from ").map_or((rest, None), |(k, f)| (k, f.parse::<u32>().ok()));
        for (k, number) in (first..=last).enumerate() {
            let offset = u32::try_from(k).unwrap_or(0);
            out.push(match from {
                Some(from) => format!("{number} {kind} from {}", from + offset),
                None => format!("{number} {kind}"),
            });
        }
    }
    out
}

fn seeds(range: std::ops::RangeInclusive<u32>) -> Vec<u32> {
    range.collect()
}

fn with(mut seeds: Vec<u32>, edit: impl FnOnce(&mut Vec<u32>)) -> Vec<u32> {
    edit(&mut seeds);
    seeds
}

#[rstest]
#[case::unchanged(seeds(1..=20), &[], "No changes")]
#[case::insert_in_middle(
    with(seeds(1..=20), |s| s.insert(10, 999)),
    &["11 added", "12-21 renumbered from 11"],
    "Article 11 added; Articles 11–20 renumbered 12–21",
)]
#[case::delete_one(
    with(seeds(1..=20), |s| { s.remove(4); }),
    &["5 removed", "5-19 renumbered from 6"],
    "Article 5 removed; Articles 6–20 renumbered 5–19",
)]
#[case::append(with(seeds(1..=20), |s| s.extend([903, 904])), &["21-22 added"], "Articles 21–22 added")]
#[case::move_one(
    with(seeds(1..=20), |s| { let moved = s.remove(4); s.insert(14, moved); }),
    &["5-14 renumbered from 6", "15 moved from 5"],
    "Articles 6–15 renumbered 5–14; Article 5 moved to 15",
)]
fn aligns_reorderings(#[case] new_seeds: Vec<u32>, #[case] expected: &[&str], #[case] summary: &str) {
    let comparison = compare(&law(&seeds(1..=20)), &law(&new_seeds));
    assert_eq!(compact(&comparison.articles), expand(expected));
    assert_eq!(comparison.summary, summary);
}

/// The article line of number `n` (1-based) in a synthetic law, edited by `edit`.
fn edit_article(lines: &mut [String], prefix: &str, edit: impl Fn(&str) -> String) {
    let line = lines.iter_mut().find(|l| l.starts_with(prefix));
    if let Some(line) = line {
        *line = edit(line);
    } else {
        panic!("no line starts with {prefix}");
    }
}

#[test]
fn amended_article_carries_its_word_diff() {
    let old = law(&seeds(1..=20));
    let mut new = old.clone();
    edit_article(&mut new, "第九条 ", |l| l.replacen("应当", "必须", 1));
    let comparison = compare(&old, &new);
    assert_eq!(compact(&comparison.articles), ["9 amended"]);
    assert_eq!(comparison.summary, "Article 9 amended");
    let article = &comparison.articles[0];
    let changed: Vec<(SegmentKind, &str)> =
        article.inline.iter().filter(|s| s.kind != SegmentKind::Equal).map(|s| (s.kind, s.text.as_str())).collect();
    assert_eq!(changed, [(SegmentKind::Delete, "应当"), (SegmentKind::Insert, "必须")]);
    assert!(!article.inline.iter().any(|s| s.text.contains("第九条")), "the number prefix is not part of the diff");
}

#[test]
fn amended_and_renumbered_is_one_amended_change_with_from() {
    let old = law(&seeds(1..=20));
    let mut new = law(&with(seeds(1..=20), |s| s.insert(10, 999)));
    // Old article 15 is now article 16; amend it too.
    edit_article(&mut new, "第十六条 ", |l| format!("{l}违反本条规定的，依法追究法律责任。"));
    let comparison = compare(&old, &new);
    assert_eq!(
        compact(&comparison.articles),
        expand(&["11 added", "12-15 renumbered from 11", "16 amended from 15", "17-21 renumbered from 16"])
    );
    assert_eq!(
        comparison.summary,
        "Article 11 added; Articles 11–14 renumbered 12–15; Article 15 amended and renumbered 16; Articles 16–20 renumbered 17–21"
    );
}

#[test]
fn changed_item_is_named() {
    // Seed 10 has items （一） to （三） (every seventh seed from 3).
    let old = law(&seeds(1..=20));
    let mut new = old.clone();
    let start = new.iter().position(|l| l.starts_with("第十条 ")).unwrap_or(0);
    let item = new.iter().skip(start).position(|l| l.starts_with("（二）")).map(|k| k + start);
    let Some(item) = item else { panic!("article 10 has no item (二)") };
    new[item] = "（二）依法履行报告义务；".to_owned();
    let comparison = compare(&old, &new);
    assert_eq!(compact(&comparison.articles), ["10 amended"]);
    let items: Vec<(&str, ChangeKind)> =
        comparison.articles[0].items.iter().map(|i| (i.label.as_str(), i.kind)).collect();
    assert_eq!(items, [("（二）", ChangeKind::Amended)]);
}

#[test]
fn unrelated_replacement_is_removed_and_added() {
    let old = law(&seeds(1..=5));
    let mut new = old.clone();
    edit_article(&mut new, "第二条 ", |_| "第二条 本条例自2025年1月1日起施行。".to_owned());
    let comparison = compare(&old, &new);
    assert_eq!(compact(&comparison.articles), ["2 removed", "2 added"]);
}

#[test]
fn inserting_into_a_long_law_reports_one_run() {
    let old_seeds = seeds(1..=300);
    let new_seeds = with(old_seeds.clone(), |s| s.insert(149, 5000));
    let comparison = compare(&law(&old_seeds), &law(&new_seeds));
    assert_eq!(comparison.summary, "Article 150 added; Articles 150–300 renumbered 151–301");
    assert_eq!(comparison.articles.len(), 1 + 151);
    assert!(comparison.articles.iter().all(|a| matches!(a.kind, ChangeKind::Added | ChangeKind::Renumbered)));
    // The line diff holds just the inserted article (and its items, if any): renumbered lines
    // are not changed lines.
    assert_eq!(comparison.removed_lines, 0);
    assert_eq!(comparison.added_lines, 1 + lawtext::synthetic::article_items(5000).len());
    assert_eq!(comparison.hunks.len(), 1);
}
