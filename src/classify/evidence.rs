//! How keyword hits become topics: the weights of title, lead and body hits, the threshold that
//! grows with a text's length, and the evidence record `regwatch classify` can show. Owns the
//! scoring rule; matching keywords is `topics`.
//!
//! A keyword in the title tags the document. In the body each distinct keyword adds
//! `1 + ln(count)`, so breadth of vocabulary counts more than repetition; a keyword in the lead
//! (the body's first sentence, legal-basis citations aside) adds `LEAD_BONUS` once, because a
//! notice or a news item names its subject there. The sum must reach `DOCUMENT_THRESHOLD` times
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
