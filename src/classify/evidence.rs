//! How keyword hits become topics: the weights of title, lead and body hits, the threshold that
//! grows with a text's length, and the evidence record `regwatch classify` can show. Owns the
//! scoring rule; matching keywords is `topics`.
//!
//! A keyword in the title tags the document. In the body each distinct keyword adds
//! `1 + ln(count)`, so breadth of vocabulary counts more than repetition; a specific keyword in
//! the lead (the body's first sentence, legal-basis citations aside) adds `LEAD_BONUS` once,
//! because a notice or a news item names its subject there (which keywords are specific is
//! `topics`' call: a single common word such as "children" is not). The sum must reach `DOCUMENT_THRESHOLD` times
//! a factor that is 1 up to `REFERENCE_BYTES` and then grows with the square root of length.
//! So in a short item two passing mentions (2.0) or one keyword thrice (2.1) do not tag it, while
//! three distinct keywords, one keyword four times, or a lead keyword and any other do; a 50 KB
//! law needs a keyword family used throughout.
//!
//! The constants were set on the development set (`tests/topic_eval.rs`) where results are flat
//! over a range (threshold 2.1–2.3, reference 2000–4000 bytes), and checked on real statutes
//! (`tests/classify_real.rs`).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Weight of each distinct keyword found in the title, relative to a body keyword.
const TITLE_WEIGHT: f32 = 3.0;
/// Extra evidence when the body's first sentence has a keyword ("On 7 August, the CAC issued the
/// Measures on …").
const LEAD_BONUS: f32 = 1.5;
/// How much of the body's start is searched for its first sentence, in bytes.
const LEAD_MAX_BYTES: usize = 600;
/// Body evidence a document of `REFERENCE_UNITS` or less needs to carry a topic.
pub(super) const DOCUMENT_THRESHOLD: f32 = 2.2;
/// Changed text is already narrowed to what changed: one keyword there is enough.
pub(super) const CHANGE_THRESHOLD: f32 = 1.0;
/// Length in UTF-8 bytes up to which the threshold stays flat: a news item or a short notice.
/// Bytes are the right unit for mixed text: a CJK character takes three, and carries about as
/// much as three Latin letters (a short word and its space).
const REFERENCE_BYTES: f32 = 2500.0;

/// One topic found in a text, with how strongly (1.0 is the threshold; higher is clearer).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopicMatch {
    pub id: String,
    pub score: f32,
}

/// Why a topic was or was not given to a text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopicEvidence {
    pub id: String,
    /// Distinct keywords found in the title.
    pub title_keywords: usize,
    /// Distinct keywords found in the lead (the body's first sentence).
    pub lead_keywords: usize,
    /// Sum over distinct body keywords of `1 + ln(occurrences)`.
    pub body_evidence: f32,
    /// What the body evidence (plus the lead bonus) must reach, given the body's length.
    pub threshold: f32,
    /// An exclude phrase without keywords appeared.
    pub vetoed: bool,
    /// The keywords (or patterns) found.
    pub terms: Vec<TermCount>,
}

/// One keyword or pattern of a topic and how often it was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TermCount {
    pub term: String,
    pub in_title: u32,
    pub in_body: u32,
    /// The first occurrence: in the title if the title has one, else the body's first.
    pub first: Option<Occurrence>,
}

/// Which part of a document a term was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Title,
    Body,
}

impl Part {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Body => "body",
        }
    }
}

/// Where a term was found: a byte range of the title or of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Occurrence {
    pub part: Part,
    pub start: usize,
    pub end: usize,
}

/// Characters of context shown on each side of a term in a snippet.
const SNIPPET_CONTEXT_CHARS: usize = 24;
/// Terms named in a one-line summary; the rest are counted.
const SUMMARY_TERMS: usize = 4;

impl TermCount {
    /// The words around the term's first occurrence, on one line, with "…" where cut: what a
    /// user checking a tag wants to read ("…rules to limit children's screen time…").
    pub fn snippet(&self, title: &str, body: &str) -> Option<String> {
        let at = self.first?;
        let text = match at.part {
            Part::Title => title,
            Part::Body => body,
        };
        let before: String = text.get(..at.start)?.chars().rev().take(SNIPPET_CONTEXT_CHARS).collect();
        let matched = text.get(at.start..at.end)?;
        let after: String = text.get(at.end..)?.chars().take(SNIPPET_CONTEXT_CHARS).collect();
        let cut_before = before.chars().count() < text.get(..at.start)?.chars().count();
        let cut_after = after.len() < text.get(at.end..)?.len();
        let mut before: String = before.chars().rev().collect();
        let mut after = after;
        // A cut through an English word drops the fragment: "…mode that", not "…inors mode that".
        if cut_before && before.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            before = before.split_once(char::is_whitespace).map_or(String::new(), |(_, rest)| rest.to_owned());
        }
        if cut_after && after.ends_with(|c: char| c.is_ascii_alphanumeric()) {
            after = after.rsplit_once(char::is_whitespace).map_or(String::new(), |(rest, _)| rest.to_owned());
        }
        let raw = format!(
            "{}{before}{matched}{after}{}",
            if cut_before { "…" } else { "" },
            if cut_after { "…" } else { "" }
        );
        Some(raw.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn weight(&self) -> (u32, u32) {
        (self.in_title, self.in_body)
    }
}

impl TopicEvidence {
    /// One line naming the strongest terms and where they are: `"minors mode" in the title;
    /// "screen time" (2×), "children" in the body`.
    pub fn summary(&self) -> String {
        let mut terms: Vec<&TermCount> = self.terms.iter().collect();
        terms.sort_by(|a, b| b.weight().cmp(&a.weight()).then_with(|| a.term.cmp(&b.term)));
        let shown: Vec<&TermCount> = terms.iter().take(SUMMARY_TERMS).copied().collect();
        let name =
            |t: &TermCount, n: u32| if n > 1 { format!("\"{}\" ({n}×)", t.term) } else { format!("\"{}\"", t.term) };
        let title: Vec<String> = shown.iter().filter(|t| t.in_title > 0).map(|t| name(t, t.in_title)).collect();
        let body: Vec<String> =
            shown.iter().filter(|t| t.in_title == 0 && t.in_body > 0).map(|t| name(t, t.in_body)).collect();
        let mut parts = Vec::new();
        if !title.is_empty() {
            parts.push(format!("{} in the title", title.join(", ")));
        }
        if !body.is_empty() {
            parts.push(format!("{} in the body", body.join(", ")));
        }
        let hidden = terms.len().saturating_sub(shown.len());
        if hidden > 0 {
            parts.push(format!("{hidden} more"));
        }
        parts.join("; ")
    }
}

impl TopicEvidence {
    /// A title keyword, or enough body evidence, and no veto.
    pub fn passes(&self) -> bool {
        !self.vetoed && (self.title_keywords > 0 || self.body_total() >= self.threshold)
    }

    /// Strength relative to the threshold; at least 1.0 for a topic that passes.
    pub fn score(&self) -> f32 {
        let relative = (TITLE_WEIGHT * as_f32(self.title_keywords) + self.body_total()) / self.threshold;
        if self.passes() { relative.max(1.0) } else { relative }
    }

    fn body_total(&self) -> f32 {
        let lead = if self.lead_keywords > 0 { LEAD_BONUS } else { 0.0 };
        self.body_evidence + lead
    }
}

/// Body evidence from the occurrence counts of distinct keywords.
pub(super) fn body_evidence(counts: impl Iterator<Item = u32>) -> f32 {
    counts.filter(|&n| n > 0).map(|n| 1.0 + as_f32(n as usize).ln()).sum()
}

/// The threshold for a body: `base` up to `REFERENCE_BYTES`, then growing with the square root
/// of length.
pub(super) fn threshold(base: f32, body: &str) -> f32 {
    base * (as_f32(body.len()) / REFERENCE_BYTES).sqrt().max(1.0)
}

/// The first sentence of the body (up to `LEAD_MAX_BYTES`), legal-basis citations blanked out.
pub(super) fn lead(body: &str) -> Cow<'_, str> {
    CITATION.replace_all(first_sentence(body), " ")
}

fn first_sentence(body: &str) -> &str {
    let text = body.trim_start();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let full_stop = matches!(c, '.' | '!' | '?')
            && next.is_none_or(char::is_whitespace)
            && !(c == '.' && ends_with_abbreviation(text.get(..i).unwrap_or_default()));
        if i >= LEAD_MAX_BYTES || full_stop || matches!(c, '\n' | '。' | '！' | '？' | '；') {
            return text.get(..i).unwrap_or(text);
        }
    }
    text
}

/// Whether the word before a full stop is an abbreviation, so the stop ends no sentence: "the
/// U.S. national security agency", "Mr. Wang", "No. 11", "Art. 5", "Jan. 5".
pub(super) fn ends_with_abbreviation(before: &str) -> bool {
    const WORDS: [&str; 16] =
        ["mr", "ms", "mrs", "dr", "no", "nos", "art", "arts", "para", "vs", "inc", "co", "ltd", "corp", "st", "jr"];
    let word = before.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or_default();
    let letters = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    // "U.S", "e.g", "A": initials and dotted abbreviations.
    let initials = letters.contains('.') || (letters.chars().count() == 1 && letters.chars().all(char::is_uppercase));
    let month = MONTHS_SHORT.contains(&letters.to_ascii_lowercase().as_str());
    initials || month || WORDS.contains(&letters.to_ascii_lowercase().as_str())
}

const MONTHS_SHORT: [&str; 12] = ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"];

/// Legal-basis citations ("根据《中华人民共和国网络安全法》《…》等法律法规", "in accordance with
/// the Cybersecurity Law and the Data Security Law") name the basis of a text, not its subject.
static CITATION: LazyLock<Regex> = LazyLock::new(|| {
    #[expect(clippy::expect_used, reason = "a constant pattern, exercised by the unit tests")]
    Regex::new(concat!(
        r"(?:根据|依据|依照|按照)(?:《[^》]{1,80}》[、，,和及与\s]*)+",
        r"|(?i:according to|in accordance with|on the basis of|pursuant to)\s+(?:the\s+)?(?:provisions\s+of\s+(?:the\s+)?)?",
        r"(?:[“\x22]?[A-Z][^,.;“”\x22]{0,100}?(?:Law|Code|Regulations|Measures|Provisions|Decision)[”\x22]?(?:,\s*|\s+and\s+)*(?:the\s+)?)+",
    ))
    .expect("citation regex compiles")
});

#[expect(clippy::cast_precision_loss, reason = "counts and lengths need no more than f32 precision")]
fn as_f32(n: usize) -> f32 {
    n as f32
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn evidence(title: usize, lead: usize, body: f32, threshold: f32) -> TopicEvidence {
        TopicEvidence {
            id: "t".into(),
            title_keywords: title,
            lead_keywords: lead,
            body_evidence: body,
            threshold,
            vetoed: false,
            terms: Vec::new(),
        }
    }

    #[rstest]
    #[case::two_passing_mentions(&[1, 1], 0, false)]
    #[case::one_keyword_thrice(&[3], 0, false)]
    #[case::one_keyword_four_times(&[4], 0, true)]
    #[case::three_keywords(&[1, 1, 1], 0, true)]
    #[case::lead_and_one_mention(&[1], 1, true)]
    #[case::nothing(&[], 0, false)]
    fn short_text_needs_more_than_passing_mentions(#[case] counts: &[u32], #[case] lead: usize, #[case] passes: bool) {
        let e = evidence(0, lead, body_evidence(counts.iter().copied()), threshold(DOCUMENT_THRESHOLD, "short"));
        assert_eq!(e.passes(), passes, "{e:?}");
    }

    fn term(name: &str, in_title: u32, in_body: u32, first: Option<Occurrence>) -> TermCount {
        TermCount { term: name.to_owned(), in_title, in_body, first }
    }

    #[test]
    fn summary_names_strongest_terms_and_where() {
        let e = TopicEvidence {
            terms: vec![term("children", 0, 1, None), term("minors mode", 1, 2, None), term("screen time", 0, 2, None)],
            ..evidence(1, 0, 2.7, 2.2)
        };
        assert_eq!(e.summary(), "\"minors mode\" in the title; \"screen time\" (2×), \"children\" in the body");
    }

    #[test]
    fn summary_counts_what_it_leaves_out() {
        let terms = (0..6).map(|i| term(&format!("t{i}"), 0, 1, None)).collect();
        let e = TopicEvidence { terms, ..evidence(0, 0, 6.0, 2.2) };
        assert!(e.summary().ends_with("; 2 more"), "{}", e.summary());
    }

    #[rstest]
    #[case::body_middle(
        "Platforms must offer a minors mode that limits screen time for children under eight years of age.",
        (48, 59),
        "…mode that limits screen time for children under…"
    )]
    #[case::short_body("Screen time rules", (0, 11), "Screen time rules")]
    #[case::chinese("国家网信办就移动互联网未成年人模式建设指南征求意见", (33, 51), "国家网信办就移动互联网未成年人模式建设指南征求意见")]
    fn snippet_shows_context(#[case] body: &str, #[case] range: (usize, usize), #[case] expected: &str) {
        let t = term("x", 0, 1, Some(Occurrence { part: Part::Body, start: range.0, end: range.1 }));
        assert_eq!(t.snippet("", body).as_deref(), Some(expected));
    }

    #[test]
    fn title_keyword_passes_and_veto_wins() {
        assert!(evidence(1, 0, 0.0, 10.0).passes());
        assert!(evidence(1, 0, 0.0, 10.0).score() >= 1.0);
        let vetoed = TopicEvidence { vetoed: true, ..evidence(2, 1, 9.0, 2.2) };
        assert!(!vetoed.passes());
    }

    #[rstest]
    #[case::short_english("word ".repeat(400), 1.0)]
    #[case::long_english("word ".repeat(2000), 2.0)]
    #[case::chinese_counts_triple("字".repeat(10_000 / 3), 2.0)]
    fn threshold_grows_with_square_root_of_length(#[case] body: String, #[case] factor: f32) {
        let got = threshold(1.0, &body);
        assert!((got - factor).abs() < 0.01, "{got} for {} chars", body.chars().count());
    }

    #[rstest]
    #[case::english_sentence(
        "On 7 August, the CAC issued the Rules. They apply to apps.",
        "On 7 August, the CAC issued the Rules"
    )]
    #[case::chinese_sentence("为了保护未成年人，制定本条例。第二条", "为了保护未成年人，制定本条例")]
    #[case::first_line("Dear visitors\n\nAs you may have noticed, we moved.", "Dear visitors")]
    #[case::abbreviations_inside("The U.S.-China talks on 5G ended. Next.", "The U.S.-China talks on 5G ended")]
    #[case::abbreviation_before_space(
        "Apps that threaten U.S. national security may be banned. Next.",
        "Apps that threaten U.S. national security may be banned"
    )]
    #[case::order_number("CAC Order No. 11 takes effect today. Next.", "CAC Order No. 11 takes effect today")]
    fn lead_is_first_sentence(#[case] body: &str, #[case] expected: &str) {
        assert_eq!(lead(body).trim(), expected);
    }

    #[rstest]
    #[case::chinese("为保障安全，依据《中华人民共和国国家安全法》《中华人民共和国网络安全法》等法律法规，制定本办法")]
    #[case::english(
        "In accordance with the National Security Law, the Cybersecurity Law and the Data Security Law, these Measures are formulated"
    )]
    fn lead_drops_legal_basis_citations(#[case] body: &str) {
        let lead = lead(body);
        assert!(!lead.contains("安全法") && !lead.contains("Security Law"), "{lead}");
    }
}
