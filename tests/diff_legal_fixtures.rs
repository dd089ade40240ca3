//! The structural diff on real PRC law version pairs (tests/fixtures/laws, see NOTICE.md).

mod lawtext;

use lawtext::synthetic::chinese_numeral;
use lawtext::{block_text, fixture};
use regwatch::diff::{ChangeKind, Comparison, HeadingLevel, LineKind, SegmentKind, compare, is_identical};

fn pair(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    (block_text(&fixture(&format!("laws/{old}"))), block_text(&fixture(&format!("laws/{new}"))))
}

fn changed_lines(comparison: &Comparison) -> Vec<&str> {
    let lines = comparison.hunks.iter().flat_map(|h| &h.lines);
    lines.filter(|l| l.kind != LineKind::Context).map(|l| l.text.as_str()).collect()
}

#[test]
fn minors_law_reports_article_9_and_no_noise() {
    let (old, new) = pair("minors-protection-law-2020-10-17.md", "minors-protection-law-2024-04-26.md");
    let comparison = compare(&old, &new);

    let articles: Vec<(&str, ChangeKind, Option<&str>)> =
        comparison.articles.iter().map(|a| (a.number.as_str(), a.kind, a.from.as_deref())).collect();
    assert_eq!(articles, [("9", ChangeKind::Amended, None)]);
    assert!(comparison.headings.is_empty());
    // The 2024 text records its amendment in the history lines before the first chapter.
    assert!(comparison.preamble_changed);
    assert_eq!(comparison.summary, "Preamble amended; Article 9 amended");

    // Article 95's "符合条 件" and the lone U+200B line are not changes.
    let changed = changed_lines(&comparison);
    assert!(!changed.iter().any(|l| l.starts_with("第九十五条")), "noise reported: {changed:?}");
    assert!(changed.iter().all(|l| l.starts_with("第九条") || l.starts_with("20")), "unexpected: {changed:?}");
    // One history line edited and one added; Article 9 replaced.
    assert_eq!((comparison.added_lines, comparison.removed_lines), (3, 2));

    let inline = &comparison.articles[0].inline;
    assert!(
        inline.iter().any(|s| s.kind == SegmentKind::Delete) && inline.iter().any(|s| s.kind == SegmentKind::Insert)
    );
    let new_text: String = inline.iter().filter(|s| s.kind != SegmentKind::Delete).map(|s| s.text.as_str()).collect();
    let article_9 = new.iter().find(|l| l.starts_with("第九条")).map(|l| l.trim_start_matches("第九条 "));
    assert_eq!(Some(new_text.as_str()), article_9);
}

#[test]
fn minors_law_noise_alone_is_no_change() {
    let (old, mut new) = pair("minors-protection-law-2020-10-17.md", "minors-protection-law-2024-04-26.md");
    // Undo the real changes (history and Article 9), keep the noise (Article 95's stray space).
    let body_start = |text: &[String]| text.iter().position(|l| l.starts_with("第一章")).unwrap_or(0);
    let (old_start, new_start) = (body_start(&old), body_start(&new));
    new.splice(..new_start, old[..old_start].iter().cloned());
    let nine = |text: &[String]| text.iter().position(|l| l.starts_with("第九条")).unwrap_or(0);
    let (old_nine, new_nine) = (nine(&old), nine(&new));
    new[new_nine] = old[old_nine].clone();
    assert_ne!(old, new, "the noise is still there");

    let comparison = compare(&old, &new);
    assert!(comparison.hunks.is_empty() && comparison.articles.is_empty() && !comparison.preamble_changed);
    assert_eq!(comparison.summary, "No changes");
    assert!(is_identical(&old, &new));
}

/// Chapter titles by number, from block text lines like "第五章 网络保护".
fn chapter_title(text: &[String], number: u32) -> Option<String> {
    let prefix = format!("第{}章", chinese_numeral(number));
    let line = text.iter().find(|l| l.starts_with(&prefix))?;
    Some(line.trim_start_matches(&prefix).chars().filter(|c| !c.is_whitespace()).collect())
}

/// Article numbers printed between two chapter headings.
fn articles_of_chapter(text: &[String], chapter: u32) -> Vec<String> {
    let start = format!("第{}章", chinese_numeral(chapter));
    let end = format!("第{}章", chinese_numeral(chapter + 1));
    let mut numbers = Vec::new();
    let inside = text.iter().skip_while(|l| !l.starts_with(&start)).skip(1).take_while(|l| !l.starts_with(&end));
    for line in inside {
        if let Some(n) = (1..=200).find(|&n| line.starts_with(&format!("第{}条 ", chinese_numeral(n)))) {
            numbers.push(n.to_string());
        }
    }
    numbers
}

#[test]
fn beijing_revision_adds_the_online_chapter_without_a_renumbering_cascade() {
    let (old, new) = pair("beijing-minors-regs-old-undated.md", "beijing-minors-regs-2023-05-26.md");
    let comparison = compare(&old, &new);

    let online = comparison.headings.iter().find(|h| h.title == "网络保护");
    let online = online.map(|h| (h.level, h.number.as_str(), h.kind, h.from.as_deref()));
    assert_eq!(online, Some((HeadingLevel::Chapter, "5", ChangeKind::Added, None)));
    assert!(
        comparison.summary.contains("chapters") && comparison.summary.contains("added (2, 5, 6, 8)"),
        "{}",
        comparison.summary
    );

    // A chapter reported renumbered kept its title; the same holds for articles, whose text
    // was rewritten throughout: none of them is "renumbered" (their text changed) or "moved".
    for heading in comparison.headings.iter().filter(|h| h.kind == ChangeKind::Renumbered) {
        let from: u32 = heading.from.as_deref().and_then(|f| f.parse().ok()).unwrap_or(0);
        assert_eq!(chapter_title(&old, from).as_deref(), Some(heading.title.as_str()), "{heading:?}");
    }
    let renumbered =
        comparison.articles.iter().filter(|a| matches!(a.kind, ChangeKind::Renumbered | ChangeKind::Moved));
    assert_eq!(renumbered.count(), 0);

    // Every article of the new chapter is new.
    let online_articles = articles_of_chapter(&new, 5);
    assert_eq!(online_articles, ["34", "35", "36", "37", "38"]);
    for number in &online_articles {
        let change = comparison.articles.iter().find(|a| &a.number == number && a.kind != ChangeKind::Removed);
        assert_eq!(change.map(|a| a.kind), Some(ChangeKind::Added), "article {number}");
    }
    // The commencement article is the same provision, amended (new date) and renumbered.
    let last = comparison.articles.iter().find(|a| a.number == "68" && a.kind != ChangeKind::Removed);
    assert_eq!(last.map(|a| (a.kind, a.from.as_deref())), Some((ChangeKind::Amended, Some("77"))));
}
