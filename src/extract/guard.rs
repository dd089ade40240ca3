//! Bounds what reaches html5ever. Its tree builder scans the stack of open elements for many
//! tags, so its time grows with the square of nesting depth: 500 KB of nested `<div>`s takes
//! tens of seconds. A linear prescan estimates the nesting depth and refuses deep or huge pages
//! before the parser sees them.
//!
//! Only a first, cheap line: the estimate follows the HTML tokenizer closely enough for real
//! pages, but foreign content, the adoption agency and elements that end tags do not close
//! through nest where it does not look. `html` enforces the real depth, node and time limits
//! inside the parser; this refuses the plain cases (a megabyte of `<div>`s) in linear time,
//! before any tree is built.

use std::collections::HashMap;

use crate::extract::ExtractError;

/// Larger pages are refused: no regulator's article is this big, and parsing costs grow with size.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Deeper pages are refused. Real pages stay well under 100; Chromium's parser caps DOM depth
/// at 512 for the same reason.
pub const MAX_DEPTH: usize = 400;

/// Refuses `html` when it is larger than `MAX_BYTES` or nests deeper than `MAX_DEPTH`.
pub fn check(html: &str) -> Result<(), ExtractError> {
    check_with(html, MAX_BYTES, MAX_DEPTH)
}

/// `check` with explicit limits.
pub fn check_with(html: &str, max_bytes: usize, max_depth: usize) -> Result<(), ExtractError> {
    if html.len() > max_bytes {
        return Err(ExtractError::TooLarge { bytes: html.len(), limit: max_bytes });
    }
    let mut open = OpenElements::default();
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(lt) = memchr(b'<', bytes, at) {
        at = lt + 1;
        let rest = &bytes[at..];
        match rest.first() {
            Some(b'!') => at = skip_markup_declaration(bytes, at),
            Some(b'?') => at = skip_past(bytes, at, b">"),
            Some(b'/') => {
                let (name, end) = tag_name(bytes, at + 1);
                at = skip_tag(bytes, end).0;
                open.close(&name);
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, end) = tag_name(bytes, at);
                let (after, self_closing) = skip_tag(bytes, end);
                at = after;
                if let Some(raw_end) = open.start(name, self_closing) {
                    at = skip_raw_text(bytes, at, raw_end);
                }
                if open.depth() > max_depth {
                    return Err(ExtractError::TooDeep { depth: open.depth(), limit: max_depth });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The estimated stack of open elements, with a count per name so that an end tag for an
/// element that is not open costs nothing (no scan of the stack).
#[derive(Default)]
struct OpenElements {
    stack: Vec<String>,
    counts: HashMap<String, usize>,
    /// Open `svg`/`math` elements: inside them `<x/>` really is self-closing.
    foreign: usize,
}

impl OpenElements {
    fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Records a start tag; returns the end tag to skip to for raw-text elements.
    fn start(&mut self, name: String, self_closing: bool) -> Option<&'static str> {
        if is_void(&name) || (self_closing && (self.foreign > 0 || is_foreign(&name))) {
            return None;
        }
        if let Some(raw_end) = raw_text_end(&name) {
            return Some(raw_end);
        }
        self.close_implied(&name);
        if is_foreign(&name) {
            self.foreign += 1;
        }
        *self.counts.entry(name.clone()).or_default() += 1;
        self.stack.push(name);
        None
    }

    /// An end tag pops up to the matching element; a stray one is ignored, as html5ever does.
    fn close(&mut self, name: &str) {
        if self.counts.get(name).is_none_or(|n| *n == 0) {
            return;
        }
        while let Some(top) = self.pop() {
            if top == name {
                break;
            }
        }
    }

    fn pop(&mut self) -> Option<String> {
        let top = self.stack.pop()?;
        if let Some(n) = self.counts.get_mut(&top) {
            *n = n.saturating_sub(1);
        }
        if is_foreign(&top) {
            self.foreign = self.foreign.saturating_sub(1);
        }
        Some(top)
    }

    /// Elements with optional end tags (`<li>`, `<p>`, `<td>`, …) end when a sibling starts.
    /// Looks only a few elements down, so unclosed inline children (`<li><span>a<li>`) are
    /// forgiven while the scan stays constant-time.
    fn close_implied(&mut self, name: &str) {
        let closes: &[&str] = match name {
            "li" => &["li"],
            "dt" | "dd" => &["dt", "dd"],
            "tr" => &["tr"],
            "td" | "th" => &["td", "th"],
            "option" => &["option"],
            "p" | "div" | "ul" | "ol" | "dl" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote"
            | "pre" | "section" | "article" | "form" => &["p"],
            _ => return,
        };
        let window = self.stack.len().saturating_sub(4);
        let found = self.stack[window..].iter().rposition(|open| closes.contains(&open.as_str()));
        if let Some(pos) = found {
            while self.stack.len() > window + pos {
                self.pop();
            }
        }
    }
}

/// Elements that never have content, so never nest.
#[rustfmt::skip]
const VOID: [&str; 19] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "basefont", "bgsound", "frame", "keygen", "image",
];

fn is_void(name: &str) -> bool {
    VOID.contains(&name)
}

fn is_foreign(name: &str) -> bool {
    name == "svg" || name == "math"
}

/// Elements whose content the tokenizer does not read as tags.
fn raw_text_end(name: &str) -> Option<&'static str> {
    Some(match name {
        "script" => "</script",
        "style" => "</style",
        "textarea" => "</textarea",
        "title" => "</title",
        "xmp" => "</xmp",
        "iframe" => "</iframe",
        "noembed" => "</noembed",
        "noframes" => "</noframes",
        _ => return None,
    })
}

/// The lower-cased tag name starting at `at`, and where it ends.
fn tag_name(bytes: &[u8], at: usize) -> (String, usize) {
    let end = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>')))
        .map_or(bytes.len(), |n| at + n);
    let name = bytes.get(at..end).unwrap_or_default().to_ascii_lowercase();
    (String::from_utf8_lossy(&name).into_owned(), end)
}

/// Skips a tag's attributes (quoted values may hold `>`); returns the position after `>` and
/// whether the tag ended in `/>`.
fn skip_tag(bytes: &[u8], mut at: usize) -> (usize, bool) {
    let mut quote: Option<u8> = None;
    let mut last = 0u8;
    while let Some(&b) = bytes.get(at) {
        at += 1;
        match quote {
            Some(q) if b == q => quote = None,
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return (at, last == b'/'),
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            last = b;
        }
    }
    (at, false)
}

/// `<!-- … -->`, `<![CDATA[ … ]]>` or `<!DOCTYPE …>`; `at` points at the `!`.
fn skip_markup_declaration(bytes: &[u8], at: usize) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    if rest.starts_with(b"!--") {
        skip_past(bytes, at + 3, b"-->")
    } else if rest.starts_with(b"![CDATA[") {
        skip_past(bytes, at, b"]]>")
    } else {
        skip_past(bytes, at, b">")
    }
}

/// Skips to the case-insensitive `end` tag (`</script`), or to the end of the input.
fn skip_raw_text(bytes: &[u8], mut at: usize, end: &str) -> usize {
    let end = end.as_bytes();
    while let Some(lt) = memchr(b'<', bytes, at) {
        let candidate = bytes.get(lt..lt + end.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(end)) {
            return lt;
        }
        at = lt + 1;
    }
    bytes.len()
}

fn skip_past(bytes: &[u8], at: usize, needle: &[u8]) -> usize {
    bytes
        .get(at..)
        .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
        .map_or(bytes.len(), |n| at + n + needle.len())
}

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes.get(from..)?.iter().position(|b| *b == needle).map(|n| from + n)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use rstest::rstest;

    use super::*;

    fn depth_ok(html: &str, limit: usize) -> bool {
        check_with(html, MAX_BYTES, limit).is_ok()
    }

    #[rstest]
    #[case("<div><div><div>x</div></div></div>", 3, true)]
    #[case("<div><div><div>x</div></div></div>", 2, false)]
    // Void and foreign self-closing elements open nothing.
    #[case(&"<br><img src=a><meta charset=utf-8><input>".repeat(100), 1, true)]
    #[case(&format!("<svg>{}</svg>", "<path/>".repeat(100)), 1, true)]
    // In HTML `<div/>` is a start tag: html5ever nests them.
    #[case(&"<div/>".repeat(10), 5, false)]
    // Comments, scripts and quoted attributes hide their `<`.
    #[case(&format!("<!-- {} --><p>x</p>", "<div>".repeat(50)), 1, true)]
    #[case(&format!("<script>var s = '{}';</script>", "<div>".repeat(50)), 1, true)]
    #[case(&format!("<style>{}</STYLE>", "<div>".repeat(50)), 1, true)]
    #[case(&format!("<a title='{}'>x</a>", "> <div>".repeat(50)), 1, true)]
    // Optional end tags end at the next sibling.
    #[case(&format!("<ul>{}</ul>", "<li><span>item".repeat(100)), 3, true)]
    #[case(&format!("<table>{}</table>", "<tr><td>a<td>b".repeat(100)), 3, true)]
    #[case(&"<p>para".repeat(100), 1, true)]
    // Stray end tags do not lower the estimate.
    #[case(&format!("{}{}", "</div>".repeat(100), "<div>".repeat(10)), 9, false)]
    #[case(&"<b>".repeat(50), 49, false)]
    fn estimates_depth(#[case] html: &str, #[case] limit: usize, #[case] ok: bool) {
        assert_eq!(depth_ok(html, limit), ok, "{html:.80}");
    }

    #[test]
    fn refuses_large() {
        let html = "x".repeat(101);
        assert_eq!(check_with(&html, 100, 10), Err(ExtractError::TooLarge { bytes: 101, limit: 100 }));
    }

    #[test]
    fn hostile_nesting_is_refused_quickly() {
        let hostile = "<div>".repeat(100_000) + &"</div>".repeat(100_000);
        let started = Instant::now();
        let got = check(&hostile);
        assert_eq!(got, Err(ExtractError::TooDeep { depth: MAX_DEPTH + 1, limit: MAX_DEPTH }));
        assert!(started.elapsed() < Duration::from_millis(200));
    }

    #[test]
    fn many_stray_end_tags_are_linear() {
        let html = "<div>".repeat(MAX_DEPTH) + &"</span>".repeat(500_000);
        let started = Instant::now();
        assert!(check(&html).is_ok());
        assert!(started.elapsed() < Duration::from_millis(1500));
    }

    #[test]
    fn truncated_input_does_not_panic() {
        for html in ["<", "</", "<!", "<!--", "<a href='", "<script>", "<?x", "<![CDATA["] {
            assert!(check(html).is_ok(), "{html}");
        }
    }
}
