//! The topic pack: `[[topic]]` specs compiled into keyword automata plus a few regexes, and
//! the rule that turns keyword hits in a title and a body into topics. Owns `TopicPack`; it is
//! not the config loader (which only parses `[[topic]]` tables) nor stage or deadline detection.
//!
//! Matching: English keywords on word boundaries, case-insensitive, with plural and possessive
//! forms (see `keyword`); Chinese keywords as substrings; `patterns` as case-insensitive regexes.
//! Within one topic overlapping hits count once (the longest). An `exclude` phrase that contains
//! one of the topic's keywords cancels the hits it covers ("safeguard national security" is not
//! evidence of national security); one that contains none vetoes the topic wherever it appears.
//! `\b` in patterns follows ASCII rules, like keywords, so "AI生成" has a boundary after "AI".
//! How hits become topics is `evidence`.

use std::sync::{Arc, LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder};

use super::evidence::{
    self, CHANGE_THRESHOLD, DOCUMENT_THRESHOLD, Occurrence, Part, TermCount, TopicEvidence, TopicMatch,
};
use super::hant::{self, Simplified};
use super::keyword::{ascii_boundaries, english_forms, is_cjk, is_english, word_end};
use crate::config::model::TopicSpec;

/// The default pack, compiled into the binary.
const BUILTIN_TOML: &str = include_str!("../../config/topics.toml");

#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error("topic {topic:?}: invalid pattern {pattern:?}: {source}")]
    Pattern {
        topic: String,
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
    #[error("topic {topic:?}: empty keyword or exclude phrase")]
    EmptyPhrase { topic: String },
    #[error("topic {topic:?} is defined twice")]
    DuplicateId { topic: String },
    #[error("topic with an empty id")]
    EmptyId,
    #[error("topic pack: cannot build the matcher: {0}")]
    Matcher(String),
    #[error("built-in topic pack: {0}")]
    Builtin(String),
}

/// A compiled topic pack. Build once, share (`Arc`), classify many texts.
#[derive(Debug, Clone)]
pub struct TopicPack {
    topics: Vec<Topic>,
    /// What texts are searched with. A config's pack builds it when it is compiled, so that a
    /// bad pattern fails the config's loading; the built-in pack on its first search (`engine`):
    /// a `check` in which nothing changed classifies nothing, and building it was a tenth of such
    /// a run's work at 1,000 sources, and 2 MB of its heap. Shared: a pack is cloned per config
    /// (reloads included).
    engine: Arc<OnceLock<Engine>>,
    /// What a late engine is built from.
    specs: Arc<[TopicSpec]>,
}

/// The automata and regexes a pack searches texts with.
#[derive(Debug)]
struct Engine {
    /// English forms and Chinese phrases in separate automata: each stays small enough to keep
    /// its transition table in cache (one shared table over both alphabets was twice as slow).
    matchers: Vec<Matcher>,
    /// Searched one by one: each regex gets its own literal prefilter, where one `RegexSet`
    /// over all of them was four times slower on English text (its DFA states multiply).
    patterns: Vec<PatternRule>,
}

#[derive(Debug, Clone)]
struct Topic {
    id: String,
    label: String,
    /// Keywords then patterns, indexed by slot.
    terms: Vec<String>,
    /// How many of `terms` are keywords (the rest are patterns).
    keyword_count: usize,
}

/// One automaton, and what each of its patterns is.
#[derive(Debug, Clone)]
struct Matcher {
    automaton: AhoCorasick,
    entries: Vec<Entry>,
    /// The bytes its patterns start with (ASCII case folded): a text holding none of them cannot
    /// match, and the Chinese automaton is skipped over an English text without a scan.
    first_bytes: Box<[bool; 256]>,
    /// Whether its patterns are English forms (no CJK character in any).
    english: bool,
    /// The longest run of ASCII bytes in any of its patterns: how far into an ASCII stretch of
    /// the text a match of the Chinese automaton can reach (2 for "5G基站").
    ascii_reach: usize,
}

impl Matcher {
    fn could_match(&self, text: &str) -> bool {
        text.bytes().any(|b| self.first_bytes[usize::from(b)])
    }

    /// Where in `text` its patterns can be, each part with where it starts: for Chinese phrases
    /// the text around its non-ASCII characters (`around_non_ascii`); for English forms (which
    /// hold no CJK character) the stretches between CJK characters, so that a few digits or a
    /// line break between Chinese characters cost nothing.
    fn stretches<'t>(&self, text: &'t str) -> Vec<(usize, &'t str)> {
        if !self.english {
            return around_non_ascii(text, self.ascii_reach);
        }
        if text.is_ascii() {
            return vec![(0, text)];
        }
        // A long stretch almost surely holds a first byte: looking would only read it twice.
        non_cjk_stretches(text).filter(|&(_, part)| part.len() > 64 || self.could_match(part)).collect()
    }
}

/// The maximal stretches of `text` holding no CJK character, with where each starts. Only
/// bytes of 0xE2 or more can start a CJK character in UTF-8: the bytes between are skipped
/// without decoding them (an English text's quotes and dashes are decoded, its letters not).
fn non_cjk_stretches(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = text.get(at..)?;
        let cjk_len: usize = rest.chars().take_while(|&c| is_cjk(c)).map(char::len_utf8).sum();
        let start = at + cjk_len;
        let mut end = start;
        loop {
            let tail = text.get(end..)?;
            let Some(offset) = first_high_byte(tail.as_bytes()) else {
                end = text.len();
                break;
            };
            end += offset;
            match text.get(end..).and_then(|t| t.chars().next()) {
                Some(c) if !is_cjk(c) => end += c.len_utf8(),
                _ => break,
            }
        }
        at = end;
        (end > start).then(|| text.get(start..end).map(|part| (start, part))).flatten()
    })
}

/// The parts of `text` where a pattern can be found that holds a non-ASCII character and no
/// ASCII run longer than `reach` bytes (every Chinese phrase): the text less its long ASCII
/// stretches, but for `reach` bytes at either end of each, with where each part starts. Such a
/// match cannot hold a whole stretch longer than `reach`, nor lie inside one, so it overlaps a
/// stretch only at one end. An English text is then not read by the Chinese automaton at all
/// ("5G基站" starts with a digit, so a first byte of it is in almost every text).
///
/// A stretch is a run of 32-byte blocks of ASCII (each block is checked as a vector), longer
/// than twice `reach` so that the parts never overlap and no match is found twice.
fn around_non_ascii(text: &str, reach: usize) -> Vec<(usize, &str)> {
    const BLOCK: usize = 32;
    let len = text.len();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut stretch: Option<usize> = None;
    // A last non-ASCII "block" closes a stretch that runs to the end of the text.
    let blocks = text.as_bytes().chunks(BLOCK).map(<[u8]>::is_ascii).chain([false]);
    for (index, ascii) in blocks.enumerate() {
        let at = (index * BLOCK).min(len);
        match (ascii, stretch) {
            (true, None) => stretch = Some(at),
            (false, Some(from)) => {
                stretch = None;
                if at - from > 2 * reach {
                    // Both cuts fall inside the stretch, so on ASCII bytes: character boundaries.
                    if from > 0 {
                        parts.push((start, from + reach));
                    }
                    start = if at == len { len } else { at - reach };
                }
            }
            _ => {}
        }
    }
    if start < len {
        parts.push((start, len));
    }
    parts.into_iter().filter_map(|(from, to)| text.get(from..to).map(|part| (from, part))).collect()
}

/// Where the first byte of 0xE2 or more is: read 32 bytes at a time (without an early exit
/// inside a chunk the compiler reads each chunk as a vector).
#[expect(clippy::needless_bitwise_bool, reason = "no early exit inside a chunk, so that it is read as a vector")]
fn first_high_byte(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks(32);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        if chunk.iter().fold(false, |any, &b| any | (b >= 0xE2)) {
            return chunk.iter().position(|&b| b >= 0xE2).map(|i| at + i);
        }
        at += chunk.len();
    }
    None
}

/// What one automaton pattern is: a surface form of a keyword, a mask or a veto.
#[derive(Debug, Clone, Copy)]
struct Entry {
    topic: usize,
    role: Role,
    english: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A keyword, by its index within the topic (so distinct keywords can be counted).
    Keyword(usize),
    Mask,
    Veto,
}

impl Topic {
    /// Whether a slot is specific enough for the lead bonus: a pattern, a Chinese keyword, or an
    /// English one of several words or written in capitals ("minors mode", "PIPL", "5G"). A
    /// single common word ("children", "privacy") in a first sentence says little on its own:
    /// "Parents may deduct 1,000 yuan for each child's education".
    fn is_specific(&self, slot: usize) -> bool {
        let Some(term) = self.terms.get(slot) else { return false };
        slot >= self.keyword_count
            || !is_english(term)
            || term.trim().contains([' ', '-'])
            || term.chars().filter(char::is_ascii_alphabetic).all(|c| c.is_ascii_uppercase())
    }

    /// Found slots by keyword (or pattern) text, with title and body occurrences and where the
    /// first one is (the title's, if the title has one).
    fn term_counts(&self, title: &Found, body: &Found) -> Vec<TermCount> {
        let mut terms: Vec<TermCount> = Vec::new();
        let in_title = title.slots.iter().map(|s| (s, Part::Title, s.count, 0));
        let in_body = body.slots.iter().map(|s| (s, Part::Body, 0, s.count));
        for (found, part, title_count, body_count) in in_title.chain(in_body) {
            let term = self.terms.get(found.slot).cloned().unwrap_or_default();
            let first = Occurrence { part, start: found.first.0, end: found.first.1 };
            match terms.iter_mut().find(|t| t.term == term) {
                Some(known) => {
                    known.in_title += title_count;
                    known.in_body += body_count;
                }
                None => terms.push(TermCount { term, in_title: title_count, in_body: body_count, first: Some(first) }),
            }
        }
        terms
    }
}

#[derive(Debug, Clone)]
struct PatternRule {
    topic: usize,
    slot: usize,
    regex: Regex,
}

/// One keyword occurrence.
#[derive(Debug, Clone, Copy)]
struct Hit {
    topic: usize,
    slot: usize,
    start: usize,
    end: usize,
}

/// Per topic: keyword slots found (after overlap and masks) and whether a veto phrase appeared.
#[derive(Debug, Default, Clone)]
struct Found {
    slots: Vec<SlotHits>,
    vetoed: bool,
}

/// One keyword (or pattern) slot's occurrences in one text.
#[derive(Debug, Clone, Copy)]
struct SlotHits {
    slot: usize,
    count: u32,
    /// Byte range of the first occurrence.
    first: (usize, usize),
}

static BUILTIN: LazyLock<TopicPack> = LazyLock::new(|| {
    #[expect(clippy::expect_used, reason = "the embedded pack is checked by a unit test")]
    TopicPack::builtin_specs().and_then(|specs| TopicPack::unbuilt(&specs)).expect("built-in topic pack parses")
});

impl TopicPack {
    /// The default pack shipped in `config/topics.toml`: its topics read on first use, its
    /// engine built on its first search.
    pub fn builtin() -> &'static TopicPack {
        &BUILTIN
    }

    /// The `[[topic]]` tables of the embedded default pack.
    pub fn builtin_specs() -> Result<Vec<TopicSpec>, TopicError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PackFile {
            topic: Vec<TopicSpec>,
        }
        toml::from_str::<PackFile>(BUILTIN_TOML).map(|f| f.topic).map_err(|e| TopicError::Builtin(e.to_string()))
    }

    /// The built-in pack with the config's topics merged over it.
    pub fn with_overrides(config_specs: &[TopicSpec]) -> Result<TopicPack, TopicError> {
        if config_specs.is_empty() {
            return Ok(Self::builtin().clone());
        }
        Self::merged(&Self::builtin_specs()?, config_specs)
    }

    /// Config topics replace built-in ones with the same id; new ids are added after them.
    pub fn merged(builtin_specs: &[TopicSpec], config_specs: &[TopicSpec]) -> Result<TopicPack, TopicError> {
        let mut specs: Vec<TopicSpec> = builtin_specs.to_vec();
        for spec in config_specs {
            match specs.iter_mut().find(|s| s.id == spec.id) {
                Some(existing) => *existing = spec.clone(),
                None => specs.push(spec.clone()),
            }
        }
        Self::compile(&specs)
    }

    /// Compiles specs; fails on a bad regex, an empty phrase or a duplicate id.
    pub fn compile(specs: &[TopicSpec]) -> Result<TopicPack, TopicError> {
        let pack = Self::unbuilt(specs)?;
        let engine = Engine::build(specs, pack.topics.len())?;
        // A new pack's cell is empty: this cannot fail.
        let _ = pack.engine.set(engine);
        Ok(pack)
    }

    /// The topics of `specs`, checked (ids, empty phrases), with no engine yet. Only the
    /// built-in pack stays so: its engine is built on first use, where it can no longer fail.
    fn unbuilt(specs: &[TopicSpec]) -> Result<TopicPack, TopicError> {
        let mut topics = Vec::with_capacity(specs.len());
        for spec in specs {
            validate(spec, &topics)?;
            topics.push(Topic {
                id: spec.id.clone(),
                label: spec.label.clone(),
                terms: spec.keywords.iter().chain(&spec.patterns).cloned().collect(),
                keyword_count: spec.keywords.len(),
            });
        }
        Ok(Self { topics, engine: Arc::default(), specs: specs.into() })
    }

    fn engine(&self) -> &Engine {
        self.engine.get_or_init(|| {
            #[expect(clippy::expect_used, reason = "only the built-in pack is built here, and a unit test builds it")]
            Engine::build(&self.specs, self.topics.len()).expect("built-in topic pack compiles")
        })
    }

    /// Topic ids in pack order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.id.as_str())
    }

    /// The human label of a topic id.
    /// Topic id → label, for rendering (emails, digests).
    pub fn labels(&self) -> std::collections::HashMap<String, String> {
        self.topics.iter().map(|t| (t.id.clone(), t.label.clone())).collect()
    }

    pub fn label(&self, id: &str) -> Option<&str> {
        self.topics.iter().find(|t| t.id == id).map(|t| t.label.as_str())
    }

    /// Topics of a document, strongest first.
    pub fn classify_topics(&self, title: &str, body: &str) -> Vec<TopicMatch> {
        self.topics_of(&hant::fold(title), &hant::fold(body))
    }

    /// `classify_topics` of a title and body already folded.
    pub(super) fn topics_of(&self, title: &Simplified<'_>, body: &Simplified<'_>) -> Vec<TopicMatch> {
        self.score(title, body, DOCUMENT_THRESHOLD)
    }

    /// Topics of a change: its changed text is short and focused, so one keyword there counts.
    pub fn classify_change_topics(&self, title: &str, changed_text: &str) -> Vec<TopicMatch> {
        self.score(&hant::fold(title), &hant::fold(changed_text), CHANGE_THRESHOLD)
    }

    /// The evidence behind `classify_topics`, for every topic with any hit: what a user tuning
    /// a pack needs to see.
    pub fn explain(&self, title: &str, body: &str) -> Vec<TopicEvidence> {
        self.evidence(&hant::fold(title), &hant::fold(body), DOCUMENT_THRESHOLD)
            .into_iter()
            .filter(|e| e.title_keywords > 0 || e.body_evidence > 0.0 || e.vetoed)
            .collect()
    }

    fn score(&self, title: &Simplified<'_>, body: &Simplified<'_>, base: f32) -> Vec<TopicMatch> {
        let mut matches: Vec<TopicMatch> = self
            .evidence(title, body, base)
            .into_iter()
            .filter(TopicEvidence::passes)
            .map(|e| TopicMatch { score: e.score(), id: e.id })
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        matches
    }

    /// Offsets found in the folded texts are offsets in the original ones (`hant`'s invariant).
    fn evidence(&self, title: &Simplified<'_>, body: &Simplified<'_>, base: f32) -> Vec<TopicEvidence> {
        let (title, body) = (title.as_str(), body.as_str());
        let in_title = self.found(title);
        let in_lead = self.found(&evidence::lead(body));
        let in_body = self.found(body);
        let threshold = evidence::threshold(base, body);
        let mut all = Vec::with_capacity(self.topics.len());
        for (index, topic) in self.topics.iter().enumerate() {
            let (Some(t), Some(l), Some(b)) = (in_title.get(index), in_lead.get(index), in_body.get(index)) else {
                continue;
            };
            all.push(TopicEvidence {
                id: topic.id.clone(),
                title_keywords: t.slots.len(),
                lead_keywords: l.slots.iter().filter(|s| topic.is_specific(s.slot)).count(),
                body_evidence: evidence::body_evidence(b.slots.iter().map(|s| s.count)),
                threshold,
                vetoed: t.vetoed || b.vetoed,
                terms: topic.term_counts(t, b),
            });
        }
        all
    }

    /// Keyword hits per topic in one text (`Engine::found`).
    fn found(&self, text: &str) -> Vec<Found> {
        self.engine().found(self.topics.len(), text)
    }
}

impl Engine {
    /// The automata and regexes of `specs` (already checked by `TopicPack::unbuilt`).
    fn build(specs: &[TopicSpec], topic_count: usize) -> Result<Engine, TopicError> {
        let mut phrases: Vec<(String, Entry)> = Vec::new();
        let mut patterns = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            for (slot, keyword) in spec.keywords.iter().enumerate() {
                // A keyword listed twice is one keyword: it must not count as two distinct ones.
                let first = spec.keywords.iter().position(|k| k.trim().eq_ignore_ascii_case(keyword.trim()));
                if first == Some(slot) {
                    push_forms(&mut phrases, keyword, index, Role::Keyword(slot));
                }
            }
            for (offset, pattern) in spec.patterns.iter().enumerate() {
                let regex =
                    RegexBuilder::new(&ascii_boundaries(pattern)).case_insensitive(true).build().map_err(|source| {
                        TopicError::Pattern {
                            topic: spec.id.clone(),
                            pattern: pattern.clone(),
                            source: Box::new(source),
                        }
                    })?;
                patterns.push(PatternRule { topic: index, slot: spec.keywords.len() + offset, regex });
            }
        }
        let keywords_only = Self { matchers: build_matchers(&phrases)?, patterns };
        keywords_only.add_excludes(specs, topic_count, phrases)
    }

    /// Adds exclude phrases, each as a mask when it covers one of its topic's keywords (checked
    /// with the keyword matcher itself) and as a veto otherwise.
    fn add_excludes(
        mut self,
        specs: &[TopicSpec],
        topic_count: usize,
        mut phrases: Vec<(String, Entry)>,
    ) -> Result<Engine, TopicError> {
        let mut added = false;
        for (index, spec) in specs.iter().enumerate() {
            for phrase in &spec.exclude {
                let covers_keyword = self.found(topic_count, phrase).get(index).is_some_and(|f| !f.slots.is_empty());
                let role = if covers_keyword { Role::Mask } else { Role::Veto };
                push_forms(&mut phrases, phrase, index, role);
                added = true;
            }
        }
        if added {
            self.matchers = build_matchers(&phrases)?;
        }
        Ok(self)
    }

    /// Keyword hits per topic in one text, overlaps resolved and masks applied. The text is
    /// already folded to simplified characters (`evidence`).
    fn found(&self, topic_count: usize, text: &str) -> Vec<Found> {
        let mut found = vec![Found::default(); topic_count];
        if text.is_empty() {
            return found;
        }
        let mut hits = Vec::new();
        let mut masks = Vec::new();
        for matcher in self.matchers.iter().filter(|m| m.could_match(text)) {
            for (from, part) in matcher.stretches(text) {
                for m in matcher.automaton.find_overlapping_iter(part) {
                    let Some(entry) = matcher.entries.get(m.pattern().as_usize()) else { continue };
                    let start = from + m.start();
                    let end = if entry.english { word_end(text, start, from + m.end()) } else { Some(from + m.end()) };
                    let Some(end) = end else { continue };
                    match entry.role {
                        Role::Keyword(slot) => hits.push(Hit { topic: entry.topic, slot, start, end }),
                        Role::Mask => masks.push((entry.topic, start, end)),
                        Role::Veto => found.get_mut(entry.topic).into_iter().for_each(|f| f.vetoed = true),
                    }
                }
            }
        }
        for rule in &self.patterns {
            // An empty match (a pattern like `x*`) is no evidence of anything.
            hits.extend(rule.regex.find_iter(text).filter(|m| !m.is_empty()).map(|m| Hit {
                topic: rule.topic,
                slot: rule.slot,
                start: m.start(),
                end: m.end(),
            }));
        }
        hits.sort_by_key(|h| (h.topic, h.start, std::cmp::Reverse(h.end)));
        let mut last_end = (usize::MAX, 0);
        for hit in hits {
            if last_end.0 == hit.topic && hit.start < last_end.1 {
                continue;
            }
            last_end = (hit.topic, hit.end);
            let masked =
                masks.iter().any(|&(topic, start, end)| topic == hit.topic && hit.start < end && start < hit.end);
            if let (false, Some(f)) = (masked, found.get_mut(hit.topic)) {
                match f.slots.iter_mut().find(|s| s.slot == hit.slot) {
                    Some(known) => known.count += 1,
                    None => f.slots.push(SlotHits { slot: hit.slot, count: 1, first: (hit.start, hit.end) }),
                }
            }
        }
        found
    }
}

fn validate(spec: &TopicSpec, earlier: &[Topic]) -> Result<(), TopicError> {
    if spec.id.trim().is_empty() {
        return Err(TopicError::EmptyId);
    }
    if earlier.iter().any(|t| t.id == spec.id) {
        return Err(TopicError::DuplicateId { topic: spec.id.clone() });
    }
    if spec.keywords.iter().chain(&spec.exclude).any(|k| k.trim().is_empty()) {
        return Err(TopicError::EmptyPhrase { topic: spec.id.clone() });
    }
    Ok(())
}

fn push_forms(phrases: &mut Vec<(String, Entry)>, phrase: &str, topic: usize, role: Role) {
    if is_english(phrase) {
        phrases.extend(english_forms(phrase).into_iter().map(|form| (form, Entry { topic, role, english: true })));
    } else {
        phrases.push((phrase.trim().to_owned(), Entry { topic, role, english: false }));
    }
}

/// One automaton per script. Contiguous NFAs, not DFAs: the DFAs were about 1.5× faster on
/// 50 KB texts (0.3 ms against 0.45–0.6 ms) but cost 4–5 MB of resident memory per pack, and the
/// daemon's memory budget is 30 MB while classifying stays well under its 1 ms target.
fn build_matchers(phrases: &[(String, Entry)]) -> Result<Vec<Matcher>, TopicError> {
    let mut matchers = Vec::new();
    for english in [true, false] {
        let (forms, entries): (Vec<&str>, Vec<Entry>) =
            phrases.iter().filter(|(_, e)| e.english == english).map(|(f, e)| (f.as_str(), *e)).unzip();
        if forms.is_empty() {
            continue;
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .ascii_case_insensitive(true)
            .build(&forms)
            .map_err(|e| TopicError::Matcher(e.to_string()))?;
        let mut first_bytes = Box::new([false; 256]);
        for byte in forms.iter().filter_map(|f| f.bytes().next()) {
            first_bytes[usize::from(byte.to_ascii_lowercase())] = true;
            first_bytes[usize::from(byte.to_ascii_uppercase())] = true;
        }
        let ascii_reach = forms.iter().map(|f| longest_ascii_run(f)).max().unwrap_or(0);
        matchers.push(Matcher { automaton, entries, first_bytes, english, ascii_reach });
    }
    Ok(matchers)
}

/// The length in bytes of the longest run of ASCII bytes in `s`.
fn longest_ascii_run(s: &str) -> usize {
    s.as_bytes().split(|b| !b.is_ascii()).map(<[u8]>::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::english("the AI rules", &[(0, "the AI rules")])]
    #[case::between_chinese("使用AI技术 and 5G网络", &[(6, "AI"), (14, " and 5G")])]
    #[case::quotes_are_not_cjk("minors’ mode", &[(0, "minors’ mode")])]
    #[case::only_chinese("人脸识别", &[])]
    #[case::empty("", &[])]
    fn stretches_are_the_text_between_cjk_characters(#[case] text: &str, #[case] expected: &[(usize, &str)]) {
        assert_eq!(non_cjk_stretches(text).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn first_high_byte_is_found_in_any_chunk() {
        for at in [0, 1, 31, 32, 33, 95] {
            let mut bytes = vec![b'a'; 100];
            bytes[at] = 0xE5;
            assert_eq!(first_high_byte(&bytes), Some(at));
        }
        assert_eq!(first_high_byte(&[0xE1; 40]), None);
    }

    proptest::proptest! {
        /// Running each automaton over the parts of a text it reads (the English one between CJK
        /// characters, the Chinese one around non-ASCII text) finds what running it over the
        /// whole text finds, in the built-in pack and in one whose Chinese phrases hold long
        /// ASCII runs.
        #[test]
        fn matches_in_the_parts_read_are_those_of_the_whole_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "AI", "ai", "data", "face", "minor", "s", "’", " ", "5G", "5G基站", "基站", "人脸", "人脸识别",
                    "网", "，", "é", "\n", "Cybersecurity Law", "Law实施", "未成年人", "0123456789abcdefghijklmnopqrstuvwxyz",
                ]),
                0..40,
            ),
        ) {
            let text: String = pieces.concat();
            let long_runs = TopicPack::compile(&[spec("t", &["Cybersecurity Law实施", "5G基站", "人脸"], &[], &[])])
                .unwrap_or_else(|e| panic!("{e}"));
            for matcher in TopicPack::builtin().engine().matchers.iter().chain(long_runs.engine().matchers.iter()) {
                let whole: Vec<(usize, usize, usize)> = matcher
                    .automaton
                    .find_overlapping_iter(&text)
                    .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                    .collect();
                let by_parts: Vec<(usize, usize, usize)> = matcher
                    .stretches(&text)
                    .into_iter()
                    .flat_map(|(from, part)| {
                        matcher.automaton.find_overlapping_iter(part).map(move |m| (m.pattern().as_usize(), from + m.start(), from + m.end()))
                    })
                    .collect();
                proptest::prop_assert_eq!(whole, by_parts, "{:?}", text);
            }
        }
    }

    #[rstest]
    #[case::english_only("Data rules, 5G and more ".repeat(10), 2, vec![])]
    #[case::chinese_only("未成年人网络保护".into(), 2, vec![(0, "未成年人网络保护".into())])]
    // The aligned ASCII blocks (32..64) are cut but for `reach` bytes at either end.
    #[case::between(format!("人脸{}识别", "a".repeat(64)), 2, vec![(0, format!("人脸{}", "a".repeat(28))), (62, format!("{}识别", "a".repeat(8)))])]
    #[case::short_stretch_kept(format!("人脸{}识别", "a".repeat(30)), 2, vec![(0, format!("人脸{}识别", "a".repeat(30)))])]
    #[case::reach_longer_than_a_block(format!("{}人脸", "a".repeat(96)), 40, vec![(56, format!("{}人脸", "a".repeat(40)))])]
    #[case::empty(String::new(), 2, vec![])]
    fn chinese_automaton_reads_around_non_ascii_text(
        #[case] text: String,
        #[case] reach: usize,
        #[case] expected: Vec<(usize, String)>,
    ) {
        let parts: Vec<(usize, String)> =
            around_non_ascii(&text, reach).into_iter().map(|(at, p)| (at, p.to_owned())).collect();
        assert_eq!(parts, expected);
    }

    #[test]
    fn the_chinese_automaton_reaches_as_far_as_its_longest_ascii_run() {
        let reaches: Vec<(bool, usize)> =
            TopicPack::builtin().engine().matchers.iter().map(|m| (m.english, m.ascii_reach)).collect();
        assert!(reaches.contains(&(false, 2)), "\"5G基站\" starts with two ASCII bytes: {reaches:?}");
    }

    fn spec(id: &str, keywords: &[&str], patterns: &[&str], exclude: &[&str]) -> TopicSpec {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        TopicSpec {
            id: id.to_owned(),
            label: id.to_owned(),
            keywords: owned(keywords),
            patterns: owned(patterns),
            exclude: owned(exclude),
        }
    }

    fn pack() -> TopicPack {
        let specs = [
            spec(
                "minors",
                &["minors", "children", "child", "anti-addiction", "未成年人", "防沉迷"],
                &[],
                &["child company"],
            ),
            spec("ai", &["AI", "artificial intelligence", "人工智能"], &[r"\balgorithm(?:s|ic)?\b"], &[]),
            spec("face", &["face recognition", "人脸识别"], &[], &[]),
            spec(
                "security",
                &["national security", "state secrets", "国家安全"],
                &[],
                &["safeguard national security", "维护国家安全"],
            ),
            spec("telecom", &["carrier", "telecommunications"], &[], &["aircraft"]),
        ];
        TopicPack::compile(&specs).unwrap_or_else(|e| panic!("test pack compiles: {e}"))
    }

    fn ids(matches: &[TopicMatch]) -> Vec<String> {
        matches.iter().map(|m| m.id.clone()).collect()
    }

    #[rstest]
    #[case::plural_possessive("Protecting minors' data online", &["minors"])]
    #[case::singular_possessive("A minor's game account", &["minors"])]
    #[case::bare_singular_is_another_word("Minor amendments to the rules", &[])]
    #[case::irregular_plural_possessive("Children's apps must change", &["minors"])]
    #[case::case_insensitive("ANTI-ADDICTION SYSTEM UPGRADE", &["minors"])]
    #[case::hyphen_or_space("Anti addiction rules", &["minors"])]
    #[case::chinese_substring("关于进一步加强未成年人网络保护的通知", &["minors"])]
    #[case::acronym_on_boundary("Rules for AI services", &["ai"])]
    #[case::acronym_inside_word("He said the plan failed", &[])]
    #[case::acronym_before_chinese("AI生成内容标识办法", &["ai"])]
    #[case::hyphenated_keyword_form("Face-recognition cameras in hotels", &["face"])]
    #[case::pattern_forms("Algorithmic recommendation rules", &["ai"])]
    #[case::two_topics("人脸识别与人工智能", &["ai", "face"])]
    fn title_keywords_tag(#[case] title: &str, #[case] expected: &[&str]) {
        let mut got = ids(&pack().classify_topics(title, ""));
        got.sort_unstable();
        assert_eq!(got, expected);
    }

    #[test]
    fn passing_mention_in_long_body_does_not_tag() {
        let filler = "The committee discussed budgets, roads and schools at length. ".repeat(80);
        let body = format!("{filler} One speaker mentioned children. {filler}");
        assert!(pack().classify_topics("Annual report", &body).is_empty());
    }

    #[test]
    fn repeated_distinct_keywords_in_body_tag() {
        let body = "Platforms must run anti-addiction systems for minors. Minors may not top up. \
                    Children under 14 need consent. The rules protect minors online.";
        assert_eq!(ids(&pack().classify_topics("New rules", body)), ["minors"]);
    }

    #[test]
    fn lead_keyword_counts_extra() {
        let body = "On 3 May the regulator issued anti-addiction rules. They cover games and minors.";
        assert_eq!(ids(&pack().classify_topics("", body)), ["minors"]);
        // A single common word in the lead earns no bonus: it says little on its own.
        let common = "On 3 May the regulator issued rules on children online. They cover games and minors.";
        assert!(pack().classify_topics("", common).is_empty());
        let late = "They cover games and schools. Details follow. Much later: children and minors.";
        assert!(pack().classify_topics("", late).is_empty());
    }

    #[rstest]
    #[case::english(
        "We must safeguard national security. Safeguard national security! To safeguard national security."
    )]
    #[case::chinese("为了维护国家安全，制定本办法。维护国家安全是共同责任。坚决维护国家安全。")]
    fn exclude_phrase_containing_keyword_cancels_it(#[case] body: &str) {
        assert!(pack().classify_topics("", body).is_empty());
        let with_subject = format!("National security review rules. {body} State secrets law revised.");
        assert!(ids(&pack().classify_topics("", &with_subject)).iter().any(|id| id == "security"));
    }

    #[test]
    fn exclude_phrase_without_keyword_vetoes_topic() {
        assert_eq!(ids(&pack().classify_topics("Telecommunications carrier rules", "")), ["telecom"]);
        assert!(pack().classify_topics("Telecommunications carrier rules", "The aircraft was grounded.").is_empty());
    }

    #[test]
    fn exclude_masks_only_where_it_matches() {
        assert!(pack().classify_topics("A child company of the group", "").is_empty());
        assert_eq!(ids(&pack().classify_topics("Children and a child company", "")), ["minors"]);
    }

    #[test]
    fn change_topics_need_one_keyword() {
        let pack = pack();
        let changed = "第十条 修改。新增人脸识别条款。";
        assert_eq!(ids(&pack.classify_change_topics("Amendment", changed)), ["face"]);
        assert!(pack.classify_topics("Amendment", changed).is_empty());
        assert_eq!(ids(&pack.classify_change_topics("未成年人保护条例", "第九条 修改")), ["minors"]);
    }

    #[test]
    fn scores_are_sorted_and_at_least_one() {
        let found = pack().classify_topics("AI and children", "Artificial intelligence and minors. AI again.");
        assert_eq!(found.len(), 2);
        assert!(found.windows(2).all(|w| w.first().map(|a| a.score) >= w.get(1).map(|b| b.score)));
        assert!(found.iter().all(|m| m.score >= 1.0));
    }

    #[test]
    fn duplicate_keyword_counts_once() {
        let pack =
            TopicPack::compile(&[spec("x", &["alpha", "Alpha", "beta"], &[], &[])]).unwrap_or_else(|e| panic!("{e}"));
        let evidence = pack.explain("", "alpha beta");
        assert_eq!(evidence.first().map(|e| e.terms.len()), Some(2));
    }

    #[test]
    fn pattern_matching_nothing_is_no_evidence() {
        let pack = TopicPack::compile(&[spec("x", &["alpha"], &["z*"], &[])]).unwrap_or_else(|e| panic!("{e}"));
        assert!(pack.classify_topics("plain title", "plain body").is_empty());
    }

    #[test]
    fn bad_pattern_names_topic_and_pattern() {
        let error = TopicPack::compile(&[spec("broken", &["x"], &["(unclosed"], &[])])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("broken") && error.contains("(unclosed"), "{error}");
    }

    #[rstest]
    #[case::duplicate(&[spec("a", &["x"], &[], &[]), spec("a", &["y"], &[], &[])], "defined twice")]
    #[case::empty_keyword(&[spec("a", &["x", " "], &[], &[])], "empty keyword")]
    #[case::empty_id(&[spec("", &["x"], &[], &[])], "empty id")]
    fn invalid_specs_are_refused(#[case] specs: &[TopicSpec], #[case] message: &str) {
        let error = TopicPack::compile(specs).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains(message), "{error}");
    }

    #[test]
    fn merged_replaces_by_id_and_extends() {
        let builtin = [spec("a", &["apple"], &[], &[]), spec("b", &["banana"], &[], &[])];
        let config = [spec("b", &["blueberry"], &[], &[]), spec("c", &["cherry"], &[], &[])];
        let pack = TopicPack::merged(&builtin, &config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pack.ids().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(pack.classify_topics("banana", "").is_empty());
        assert_eq!(ids(&pack.classify_topics("blueberry and cherry", "")), ["b", "c"]);
    }

    #[test]
    fn builtin_pack_compiles() {
        let specs = TopicPack::builtin_specs().unwrap_or_else(|e| panic!("embedded topics.toml: {e}"));
        let pack = TopicPack::compile(&specs).unwrap_or_else(|e| panic!("embedded topics.toml: {e}"));
        assert!(pack.engine.get().is_some());
    }

    #[test]
    fn the_builtin_engine_is_built_on_the_first_search_only() {
        let specs = TopicPack::builtin_specs().unwrap();
        let pack = TopicPack::unbuilt(&specs).unwrap();
        let copy = pack.clone();
        assert_eq!(pack.ids().count(), specs.len());
        assert_eq!(pack.label("minors"), Some("Protection of minors"));
        assert!(pack.engine.get().is_none(), "ids and labels need no engine");
        assert_eq!(ids(&pack.classify_topics("未成年人模式", "")), ["minors"]);
        assert!(copy.engine.get().is_some(), "clones share the engine built once");
    }

    #[test]
    fn a_config_pack_with_a_bad_pattern_fails_when_compiled() {
        let err = TopicPack::compile(&[spec("x", &["word"], &["(unclosed"], &[])]).unwrap_err();
        assert!(matches!(err, TopicError::Pattern { .. }), "{err}");
    }

    #[test]
    fn builtin_pack_parses_and_has_the_default_topics() {
        let specs = TopicPack::builtin_specs().unwrap_or_else(|e| panic!("embedded topics.toml: {e}"));
        let expected = [
            "facial-recognition",
            "minors",
            "personal-information",
            "cross-border-data",
            "generative-ai",
            "cybersecurity",
            "content-regulation",
            "telecom",
            "competition",
            "national-security",
            "ecommerce-advertising",
            "fintech",
        ];
        assert_eq!(specs.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), expected);
        for spec in &specs {
            assert!(!spec.label.is_empty(), "{} has a label", spec.id);
            assert!(spec.keywords.iter().any(|k| is_english(k)), "{} has English keywords", spec.id);
            assert!(spec.keywords.iter().any(|k| k.chars().any(is_cjk)), "{} has Chinese keywords", spec.id);
            let mut seen: Vec<String> = spec.keywords.iter().map(|k| k.to_lowercase()).collect();
            seen.sort();
            let before = seen.len();
            seen.dedup();
            assert_eq!(seen.len(), before, "{} lists a keyword twice", spec.id);
        }
        assert_eq!(TopicPack::builtin().ids().count(), expected.len());
        assert_eq!(TopicPack::builtin().label("minors"), Some("Protection of minors"));
    }

    #[test]
    fn with_overrides_keeps_builtin_topics() {
        let pack = TopicPack::with_overrides(&[spec("drones", &["drone"], &[], &[])]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pack.ids().count(), 13);
        assert_eq!(ids(&pack.classify_topics("Drone rules for minors", "")), ["drones", "minors"]);
    }
}
