//! The one-line English summary of a comparison: "Preamble amended; Chapter 5 added; Article 9
//! amended; Articles 12–39 renumbered 13–40". Runs of consecutive numbers collapse with an en
//! dash; a rewrite with too many clauses to read in one line is summarised by counts. Chinese
//! texts get the same English summary. It does not decide what changed: `legal` does.

use super::ChangeKind;
use super::legal::{Entry, Structure};
use super::segment::Num;

/// More article clauses than this and the summary counts them instead.
const MAX_ARTICLE_CLAUSES: usize = 6;
/// Same for chapter and section clauses.
const MAX_HEADING_CLAUSES: usize = 4;

/// The summary line for a structure and the line counts of its line diff.
pub(crate) fn summarise(structure: &Structure, added_lines: usize, removed_lines: usize) -> String {
    let mut clauses = Vec::new();
    if structure.preamble_changed {
        clauses.push("Preamble amended".to_owned());
    }
    let (headings, articles): (Vec<&Entry>, Vec<&Entry>) = structure.entries.iter().partition(|e| e.noun != "Article");
    clauses.extend(clauses_or_counts(&headings, MAX_HEADING_CLAUSES));
    clauses.extend(clauses_or_counts(&articles, MAX_ARTICLE_CLAUSES));
    if clauses.is_empty() {
        return match (added_lines, removed_lines) {
            (0, 0) => "No changes".to_owned(),
            (added, removed) => {
                format!("Text amended: {} added, {} removed", count(added, "line"), count(removed, "line"))
            }
        };
    }
    clauses.join("; ")
}

fn clauses_or_counts(entries: &[&Entry], max: usize) -> Vec<String> {
    let runs = runs(entries);
    if runs.len() <= max {
        return runs.iter().map(|run| clause(run)).collect();
    }
    let mut nouns: Vec<&str> = entries.iter().map(|e| e.noun).collect();
    nouns.dedup();
    let mut out = Vec::new();
    for noun in nouns {
        let counted =
            [ChangeKind::Amended, ChangeKind::Added, ChangeKind::Removed, ChangeKind::Renumbered, ChangeKind::Moved]
                .into_iter()
                .map(|kind| (kind, entries.iter().filter(|e| e.noun == noun && e.kind == kind).count()))
                .filter(|&(_, n)| n > 0);
        // "12 articles amended, 3 added, 40 renumbered": the noun once, on the first count.
        // Chapters and sections added or removed are few and telling: they keep their numbers.
        let parts: Vec<String> = counted
            .enumerate()
            .map(|(k, (kind, n))| {
                let counted = if k == 0 { count(n, &noun.to_lowercase()) } else { n.to_string() };
                let numbers = if noun != "Article" && matches!(kind, ChangeKind::Added | ChangeKind::Removed) {
                    let labels: Vec<&str> =
                        entries.iter().filter(|e| e.noun == noun && e.kind == kind).map(|e| e.label.as_str()).collect();
                    format!(" ({})", labels.join(", "))
                } else {
                    String::new()
                };
                format!("{counted} {}{numbers}", kind.as_str())
            })
            .collect();
        out.push(parts.join(", "));
    }
    out
}

/// Consecutive entries of one kind whose numbers (and old numbers) both go up by one.
fn runs<'a>(entries: &[&'a Entry]) -> Vec<Vec<&'a Entry>> {
    let mut runs: Vec<Vec<&Entry>> = Vec::new();
    for &entry in entries {
        let extends = runs.last().and_then(|run| run.last()).is_some_and(|last| follows(last, entry));
        match runs.last_mut() {
            Some(run) if extends => run.push(entry),
            _ => runs.push(vec![entry]),
        }
    }
    runs
}

fn follows(last: &Entry, next: &Entry) -> bool {
    let step = |a: Num, b: Num| a.sub == 0 && b.sub == 0 && a.main + 1 == b.main;
    let from_steps = match (&last.from, &next.from) {
        (None, None) => true,
        (Some((a, _)), Some((b, _))) => step(*a, *b),
        _ => false,
    };
    last.noun == next.noun
        && last.kind == next.kind
        && last.group == next.group
        && step(last.num, next.num)
        && from_steps
}

fn clause(run: &[&Entry]) -> String {
    let (Some(first), Some(last)) = (run.first(), run.last()) else { return String::new() };
    let noun = if run.len() > 1 { format!("{}s", first.noun) } else { first.noun.to_owned() };
    let span = |a: &str, b: &str| if run.len() > 1 { format!("{a}–{b}") } else { a.to_owned() };
    let to = span(&first.label, &last.label);
    match (&first.from, &last.from) {
        (Some((_, from_first)), Some((_, from_last))) => {
            let from = span(from_first, from_last);
            match first.kind {
                ChangeKind::Amended => format!("{noun} {from} amended and renumbered {to}"),
                ChangeKind::Moved => format!("{noun} {from} moved to {to}"),
                kind => format!("{noun} {from} {} {to}", kind.as_str()),
            }
        }
        _ => format!("{noun} {to} {}", first.kind.as_str()),
    }
}

/// "1 line", "3 lines", "2 articles".
fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// "a12" article 12 added; "r13<12" renumbered from 12; "m15<5" moved; "c12<11" amended with
    /// from; "s2.1+" section 1 of chapter 2 added; "x12.1+" article 12-1 added.
    fn entry(spec: &str) -> Entry {
        let (noun, body) = match spec.split_at(1) {
            ("s", body) => ("Section", body),
            ("h", body) => ("Chapter", body),
            (_, _) => ("Article", spec),
        };
        let kind = match body.chars().next() {
            Some('a') => ChangeKind::Added,
            Some('d') => ChangeKind::Removed,
            Some('c') => ChangeKind::Amended,
            Some('r') => ChangeKind::Renumbered,
            _ => ChangeKind::Moved,
        };
        let body = body.get(1..).unwrap_or_default();
        let (number, from) = body.split_once('<').map_or((body, None), |(n, f)| (n, Some(f)));
        let parse = |n: &str| {
            let (chapter, rest) = n.split_once('.').map_or((None, n), |(c, r)| (Some(c), r));
            let (main, sub) = rest.split_once('-').map_or((rest, "0"), |(m, s)| (m, s));
            let num = Num { main: main.parse().unwrap_or(0), sub: sub.parse().unwrap_or(0) };
            (num, n.to_owned(), chapter.map(|c| Num { main: c.parse().unwrap_or(0), sub: 0 }))
        };
        let (num, label, group) = parse(number);
        Entry { noun, kind, num, label, from: from.map(|f| (parse(f).0, f.to_owned())), group }
    }

    #[rstest]
    #[case::insert_and_run(&["a12", "r13<12", "r14<13", "r15<14"], "Article 12 added; Articles 12–14 renumbered 13–15")]
    #[case::apart(&["c3", "c5"], "Article 3 amended; Article 5 amended")]
    #[case::consecutive(&["c3", "c4", "c5"], "Articles 3–5 amended")]
    #[case::sub_numbers_break_runs(&["a12-1", "a13"], "Article 12-1 added; Article 13 added")]
    #[case::amended_and_renumbered(&["c12<11", "c13<12"], "Articles 11–12 amended and renumbered 12–13")]
    #[case::moved(&["r5<6", "m15<5"], "Article 6 renumbered 5; Article 5 moved to 15")]
    #[case::removed(&["d17"], "Article 17 removed")]
    #[case::chapter_first(&["ha5", "a34", "a35"], "Chapter 5 added; Articles 34–35 added")]
    #[case::sections_do_not_run_across_chapters(&["sa2.3", "sa3.1"], "Section 2.3 added; Section 3.1 added")]
    #[case::counted(&["c1", "c3", "c5", "c7", "c9", "c11", "a13", "d20"], "6 articles amended, 1 added, 1 removed")]
    #[case::counted_headings(&["ha2", "hd2", "hc3", "ha5", "hr7<6"], "1 chapter amended, 2 added (2, 5), 1 removed (2), 1 renumbered")]
    fn summaries(#[case] specs: &[&str], #[case] expected: &str) {
        let structure = Structure { entries: specs.iter().map(|s| entry(s)).collect(), ..Structure::default() };
        assert_eq!(summarise(&structure, 1, 1), expected);
    }

    #[rstest]
    #[case::nothing(0, 0, "No changes")]
    #[case::lines(2, 1, "Text amended: 2 lines added, 1 line removed")]
    fn summaries_without_structure(#[case] added: usize, #[case] removed: usize, #[case] expected: &str) {
        assert_eq!(summarise(&Structure::default(), added, removed), expected);
    }

    #[test]
    fn preamble_comes_first() {
        let structure = Structure { preamble_changed: true, entries: vec![entry("c9")], ..Structure::default() };
        assert_eq!(summarise(&structure, 2, 2), "Preamble amended; Article 9 amended");
    }
}
