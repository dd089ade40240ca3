//! Text on its way to a terminal or a log line, made inert: every control character (CR and LF
//! included), bidirectional formatting character and line separator is written as a visible
//! escape (`\n`, `\u{1b}`, `\u{202e}`), so a stored title or a parser's error text can neither
//! drive the terminal nor start a line of its own (a forged `<3>` journal entry).
//!
//! Not the stripping of such characters from scraped text as it enters the store
//! (`extract::sanitize`), nor JSON output, whose encoder escapes control characters itself.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::hazard::is_hazard;

/// `text` with every hazard escaped; borrowed when there is none.
#[must_use]
pub fn controls(text: &str) -> Cow<'_, str> {
    controls_except(text, &[])
}

/// `text` with every hazard but those in `keep` escaped (`&['\n']` for output whose line breaks
/// the caller wrote itself).
#[must_use]
pub fn controls_except<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !text.chars().any(|c| is_hazard(c) && !keep.contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hazard(c) && !keep.contains(&c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the hazards its encoder leaves alone (bidirectional formatting characters,
/// U+2028, U+2029) written as `\uXXXX` escapes: the same JSON value, inert on a terminal.
/// Control characters never appear raw in JSON text, so only these need it.
#[must_use]
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hazard(c) && !matches!(c, '\n' | '\t' | '\r') {
            // Outside strings JSON holds only ASCII, so every such character is inside one.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Displays a value with every hazard escaped, without building the whole string first.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

/// Escapes hazards as text passes through it.
pub(crate) struct EscapingWriter<W>(pub(crate) W);

impl<W: fmt::Write> fmt::Write for EscapingWriter<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match controls(s) {
            Cow::Borrowed(clean) => self.0.write_str(clean),
            Cow::Owned(escaped) => self.0.write_str(&escaped),
        }
    }
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        other => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("plain 标题", "plain 标题")]
    #[case("\n<3>forged", "\\n<3>forged")]
    #[case("a\r\nb", "a\\r\\nb")]
    #[case("\u{1b}]0;owned\u{7}", "\\u{1b}]0;owned\\u{7}")]
    #[case("\u{9b}2J", "\\u{9b}2J")]
    #[case("abc\u{202e}fdp", "abc\\u{202e}fdp")]
    #[case("x\u{2028}y", "x\\u{2028}y")]
    #[case("tab\there", "tab\\there")]
    fn escapes(#[case] raw: &str, #[case] shown: &str) {
        assert_eq!(controls(raw), shown);
        assert_eq!(Escaped(raw).to_string(), shown);
    }

    #[test]
    fn kept_characters_pass() {
        assert_eq!(controls_except("a\nb\u{1b}", &['\n']), "a\nb\\u{1b}");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"title": "abc\u{202e}fdp\u{2028}\u{1b}"});
        let text = serde_json::to_string(&value).unwrap();
        let shown = json(&text);
        assert!(!shown.chars().any(is_hazard), "{shown}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap(), value);
    }
}
