//! Block text: a document as normalised lines, the form that is stored, hashed and diffed.
//!
//! Owns the line normalisation, the comparison key that decides whether two texts are the same
//! (`key`, with relative-time and view-counter furniture left out by `furniture`), and the
//! walk that turns an HTML region into lines (headings, paragraphs, list items, table rows, …)
//! with scripts, styles, navigation, hidden elements, relative `<time>`s, `ignore` selectors
//! and `ignore_text` lines left out. Not region choice, titles or dates: that is `page`.

use encoding_rs::WINDOWS_1252;
use regex::Regex;
use scraper::ElementRef;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::model::CssSelector;
use crate::extract::{ExtractError, guard};

mod fold;
mod furniture;
pub mod key;
mod walk;

pub use furniture::is_relative_time;
pub use key::line_key;

/// A document's text as lines: each normalised, none empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BlockText(Vec<String>);

impl BlockText {
    /// Normalises each line and drops the empty ones.
    pub fn from_lines<I>(lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self(lines.into_iter().map(|l| normalise_line(l.as_ref())).filter(|l| !l.is_empty()).collect())
    }

    /// Plain text split at its line breaks.
    pub fn from_text(text: &str) -> Self {
        Self::from_lines(text.lines())
    }

    pub fn lines(&self) -> &[String] {
        &self.0
    }

    /// The lines joined with `\n`: what is stored and shown, as the page had it.
    pub fn text(&self) -> String {
        self.0.join("\n")
    }

    /// The comparison keys of the lines that have one (`key::line_key`), in order: two texts
    /// are the same version exactly when these are equal.
    pub fn keys(&self) -> Vec<String> {
        keys_of(&self.0)
    }

    /// SHA-256 of the non-empty comparison keys joined with `\n`, lower-case hex: equal for two
    /// texts exactly when `diff::compare` finds nothing to report between them.
    pub fn hash(&self) -> String {
        hash_lines(&self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Drops every line any of `patterns` matches (anywhere in the line).
    #[must_use]
    pub fn without_matching(mut self, patterns: &[Regex]) -> Self {
        if !patterns.is_empty() {
            self.0.retain(|line| !patterns.iter().any(|p| p.is_match(line)));
        }
        self
    }
}

/// The non-empty comparison keys of `lines`.
pub fn keys_of<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    lines.iter().map(|l| line_key(l.as_ref())).filter(|k| !k.is_empty()).collect()
}

/// `BlockText::hash` of lines that were never made block text (a stored text, a diff's side).
pub fn hash_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let mut hasher = Sha256::new();
    let keys = lines.iter().map(|l| line_key(l.as_ref())).filter(|k| !k.is_empty());
    for (i, key) in keys.enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        hasher.update(key.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Collapses every run of Unicode whitespace (U+3000 and NBSP included) and control characters
/// to one ASCII space, drops invisible characters, and trims. A run that holds a line break
/// between two CJK characters goes entirely: the site wrapped a line (a `title` attribute
/// keeping its source's breaks), and Chinese has no space there ("关于出口\n转内销" is
/// "关于出口转内销"), as CSS Text's segment-break rules also say.
pub fn normalise_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut line_break = false;
    // Where the run of characters kept as they are starts: copied whole when something else
    // comes (per character, this was 4% of a first pass).
    let mut run: Option<usize> = None;
    for (at, c) in s.char_indices() {
        // C1 characters are controls: they take the slow path, where `from_c1` reads them.
        let plain = !(c.is_whitespace() || c.is_control() || is_invisible(c));
        if plain && run.is_some() {
            continue;
        }
        if let Some(start) = run.take() {
            out.push_str(s.get(start..at).unwrap_or_default());
        }
        if is_invisible(c) {
            continue;
        }
        let c = from_c1(c).unwrap_or(c);
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            line_break |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}');
            continue;
        }
        if space {
            let wrapped = line_break && key::is_cjk(c) && out.chars().next_back().is_some_and(key::is_cjk);
            if !wrapped {
                out.push(' ');
            }
            space = false;
        }
        line_break = false;
        if plain {
            run = Some(at);
        } else {
            out.push(c);
        }
    }
    if let Some(start) = run {
        out.push_str(s.get(start..).unwrap_or_default());
    }
    out
}

/// Zero-width spaces and joiners, word joiner, BOM, soft hyphen and direction marks: editors and
/// CMSs sprinkle them without changing what a reader sees. Bidi overrides and isolates go too:
/// they only reorder what a terminal shows.
fn is_invisible(c: char) -> bool {
    fold::fold_char(c).is_none()
}

/// C1 controls (U+0080–U+009F) in web text are windows-1252 punctuation read as Latin-1 along
/// the way (`don\u{92}t`): the character that was meant, as feed readers have long done.
fn from_c1(c: char) -> Option<char> {
    if !('\u{80}'..='\u{9f}').contains(&c) {
        return None;
    }
    let byte = [u8::try_from(u32::from(c)).ok()?];
    let (meant, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
    meant.chars().next().filter(|m| *m != c)
}

/// Whether `header`, `footer` and `aside` count as content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Furniture {
    /// The region was chosen by the user's content selector: everything in it is content.
    Keep,
    /// The region is a guess (`<article>`, `<main>`, `<body>`): page furniture goes.
    Drop,
}

/// The block text of `region`: `ignore` selectors and dropped elements left out, lines
/// normalised, then lines matching `ignore_text` removed.
pub fn from_region(
    region: ElementRef<'_>,
    ignore: &[CssSelector],
    ignore_text: &[Regex],
    furniture: Furniture,
) -> BlockText {
    let ignored: std::collections::HashSet<_> =
        ignore.iter().flat_map(|s| region.select(&s.selector)).map(|el| el.id()).collect();
    let lines = walk::lines(region, |el| ignored.contains(&el.id()) || walk::dropped(el, furniture));
    BlockText(lines).without_matching(ignore_text)
}

/// The block text of an HTML fragment (a feed entry's content), bounded by the guard.
pub fn from_fragment(html: &str) -> Result<BlockText, ExtractError> {
    guard::check(html)?;
    let fragment = crate::extract::html::parse_fragment(html)?;
    Ok(from_region(fragment.root_element(), &[], &[], Furniture::Keep))
}

/// An element's text as one normalised line (titles, dates, table cells): inline and block
/// children alike, scripts and styles left out.
pub fn plain_text(el: ElementRef<'_>) -> String {
    normalise_line(&walk::inline_text(el, &|el| walk::dropped(el, Furniture::Keep)))
}

/// Plain text of an HTML snippet (a feed title): entities decoded, markup removed.
pub fn plain_text_of(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return normalise_line(html);
    }
    if guard::check(html).is_err() {
        return normalise_line(html);
    }
    match crate::extract::html::parse_fragment(html) {
        Ok(fragment) => plain_text(fragment.root_element()),
        Err(_) => normalise_line(html),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rstest::rstest;
    use scraper::Html;

    use super::*;

    /// `normalise_line`'s rule applied one character at a time, as it was written before runs
    /// were copied whole: the oracle the faster form must agree with.
    fn normalise_line_per_char(s: &str) -> String {
        let mut out = String::new();
        let (mut space, mut line_break) = (false, false);
        for c in s.chars().filter(|c| !is_invisible(*c)) {
            let c = from_c1(c).unwrap_or(c);
            if c.is_whitespace() || c.is_control() {
                space = !out.is_empty();
                line_break |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}');
                continue;
            }
            if space && !(line_break && key::is_cjk(c) && out.chars().next_back().is_some_and(key::is_cjk)) {
                out.push(' ');
            }
            (space, line_break) = (false, false);
            out.push(c);
        }
        out
    }

    /// Text made of what the rule treats differently: ASCII, CJK, blanks of every kind, line
    /// breaks, C1 and invisible characters.
    fn mixed_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "Law", " ", "  ", "\t", "\n", "\r\n", "\u{3000}", "\u{a0}", "\u{92}", "\u{81}", "\u{200b}",
            "\u{feff}", "\u{2028}", "个人", "信息", "，", "（", "1", "\u{85}", "\u{7}",
        ]);
        prop::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn normalising_by_runs_keeps_the_per_character_rule(text in mixed_text()) {
            prop_assert_eq!(normalise_line(&text), normalise_line_per_char(&text));
        }
    }

    #[rstest]
    #[case("  a  b\t\nc ", "a b c")]
    #[case("\u{3000}\u{3000}第一条\u{3000}为了", "第一条 为了")]
    #[case("a\u{a0}\u{a0}b", "a b")]
    #[case("符合\u{200B}条件", "符合条件")]
    #[case("\u{FEFF}x\u{2060}y\u{200C}z\u{200D}", "xyz")]
    #[case("\u{200B}", "")]
    #[case("a \u{200B} b", "a b")]
    #[case("tab\u{0}null", "tab null")]
    #[case("don\u{92}t \u{93}x\u{94} \u{85}", "don\u{2019}t \u{201c}x\u{201d} \u{2026}")]
    #[case("a\u{81}b", "a b")]
    #[case("abc\u{202E}fdp.exe \u{2066}x\u{2069}", "abcfdp.exe x")]
    #[case("\u{1b}[2Jclear", "[2Jclear")]
    #[case("", "")]
    // A line break the site left in a title between two CJK characters joins without a space.
    #[case("关于《出口\n        转内销产品》的公告", "关于《出口转内销产品》的公告")]
    #[case("关于出口\r\n转内销", "关于出口转内销")]
    #[case("关于出口 转内销", "关于出口 转内销")]
    #[case("数据\nAI 治理", "数据 AI 治理")]
    #[case("line\nbreak", "line break")]
    fn normalises(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(normalise_line(input), expected);
    }

    fn blocks(html: &str, furniture: Furniture) -> Vec<String> {
        let doc = Html::parse_document(html);
        from_region(doc.root_element(), &[], &[], furniture).lines().to_vec()
    }

    #[rstest]
    #[case("<p><strong>第一条</strong>　为了规范数据处理活动</p>", &["第一条 为了规范数据处理活动"])]
    #[case("<h1>Title</h1><p>One <a href=x>link</a> here.</p><p>Two</p>", &["Title", "One link here.", "Two"])]
    #[case("<div>lead<p>para</p>tail</div>", &["lead", "para", "tail"])]
    #[case("<p>line one<br>line two</p>", &["line one", "line two"])]
    #[case("<ul><li>a</li><li>b <em>c</em></li></ul>", &["a", "b c"])]
    #[case("<dl><dt>Term</dt><dd>Def</dd></dl>", &["Term", "Def"])]
    #[case("<table><tr><th>条</th><th>内容</th></tr><tr><td>1</td><td>a <b>b</b></td></tr></table>", &["条 | 内容", "1 | a b"])]
    #[case("<table><tr><td><p>layout one</p><p>layout two</p></td></tr></table>", &["layout one", "layout two"])]
    #[case("<pre>  x = 1\n\n  y = 2</pre>", &["x = 1", "y = 2"])]
    #[case("<blockquote>quoted</blockquote>after", &["quoted", "after"])]
    #[case("<p>a</p><script>var x = '<p>no</p>';</script><style>p{}</style><noscript>no</noscript>", &["a"])]
    #[case("<nav>menu</nav><p>a</p><form><p>kept</p><button>Go</button><input value=x></form>", &["a", "kept"])]
    #[case("<p hidden>h</p><p style='display: none'>h</p><span aria-hidden=true>h</span><p>v</p>", &["v"])]
    #[case("<svg><text>icon</text></svg><iframe>f</iframe><p>v</p>", &["v"])]
    #[case("<p>\u{3000}\u{3000}</p><p>\u{200B}</p><p>x</p>", &["x"])]
    #[case("<p>Posted <time datetime='2024-01-01'>3 hours ago</time> by A</p><p><time>昨天 12:30</time></p>", &["Posted by A"])]
    #[case("<p>Published <time datetime='2024-01-01'>1 January 2024</time></p>", &["Published 1 January 2024"])]
    fn walks(#[case] html: &str, #[case] expected: &[&str]) {
        assert_eq!(blocks(html, Furniture::Keep), expected);
    }

    #[test]
    fn furniture_goes_only_from_a_guessed_region() {
        let html = "<header>Site</header><p>body</p><aside>ad</aside><footer>© 2024</footer>";
        assert_eq!(blocks(html, Furniture::Drop), ["body"]);
        assert_eq!(blocks(html, Furniture::Keep), ["Site", "body", "ad", "© 2024"]);
    }

    #[test]
    fn ignore_rules_apply() {
        let doc = Html::parse_document(
            "<div class=share>Share: WeChat</div><p>浏览次数：123</p><p>正文</p><p>Last updated: today</p>",
        );
        let ignore = [CssSelector::new(".share", scraper::Selector::parse(".share").unwrap(), None)];
        let text = [Regex::new("^浏览次数").unwrap(), Regex::new("Last updated: .*").unwrap()];
        let got = from_region(doc.root_element(), &ignore, &text, Furniture::Keep);
        assert_eq!(got.lines(), ["正文"]);
    }

    #[test]
    fn text_and_hash() {
        let b = BlockText::from_lines(["  a ", "", "b\u{3000}c"]);
        assert_eq!(b.text(), "a\nb c");
        assert_eq!(b.hash(), hex::encode(Sha256::digest(b"a\nb c")));
        // The hash is of comparison keys: width variants and furniture are no new version...
        let c = BlockText::from_lines(["a", "3 hours ago", "b c"]);
        assert_eq!(c.hash(), b.hash());
        let wide = BlockText::from_lines(["第一条：甲；", "（一）乙"]);
        let narrow = BlockText::from_lines(["第一条:甲;", "(一)乙"]);
        assert_eq!(wide.hash(), narrow.hash());
        // ... while the stored text stays as the page had it.
        assert_eq!(wide.lines(), ["第一条：甲；", "（一）乙"]);
        assert_ne!(BlockText::from_lines(["第一条:甲。"]).hash(), narrow.hash());
        assert_eq!(b.hash().len(), 64);
        assert!(!b.is_empty());
        assert!(BlockText::from_text("\n \u{200B}\n").is_empty());
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"["a","b c"]"#);
    }

    #[rstest]
    #[case("AT&amp;T &lt;b&gt; <b>bold</b>", "AT&T <b> bold")]
    #[case("a < b", "a < b")]
    #[case("  plain\n title ", "plain title")]
    fn plain_text_of_titles(#[case] html: &str, #[case] expected: &str) {
        assert_eq!(plain_text_of(html), expected);
    }

    #[test]
    fn fragment_is_guarded() {
        let hostile = "<div>".repeat(10_000);
        assert!(matches!(from_fragment(&hostile), Err(ExtractError::TooDeep { .. })));
        assert_eq!(from_fragment("<p>a</p><p>b</p>").unwrap().lines(), ["a", "b"]);
    }
}
