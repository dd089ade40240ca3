//! Scraped text made safe to keep: what a terminal, a log collector or a reader's eye would
//! act on instead of show is taken out where text from the web enters the store (titles,
//! attachment file names, block text lines).
//!
//! Takes out C0 and C1 control characters and DEL (ESC starts terminal escape sequences, BEL
//! and OSC set window titles, CR and LF forge lines), and the bidirectional embeddings,
//! overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) that
//! make text read differently from how it is stored. Not the escaping of text on its way out
//! (`crate::escape` does that for terminals and logs), and not whitespace normalisation
//! (`blocks::normalise_line`).

use std::borrow::Cow;

pub use crate::hazard::{is_bidi_control, is_hazard};

/// A one-line scraped value (a title, a file name) without hazards: line breaks and tabs become
/// one space, every other hazard goes. Trimmed when anything was taken out; borrowed when there
/// was nothing to take.
#[must_use]
pub fn scraped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_spacing(c) {
            if !out.ends_with(char::is_whitespace) {
                out.push(' ');
            }
        } else if !is_hazard(c) {
            out.push(c);
        }
    }
    Cow::Owned(out.trim().to_owned())
}

/// Hazards that separate words, and so become a space rather than nothing.
fn is_spacing(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("关于数据出境的通知", "关于数据出境的通知")]
    #[case(
        "Draft\u{1b}]8;;https://evil.example/\u{7}Measures\u{1b}]8;;\u{7}",
        "Draft]8;;https://evil.example/Measures]8;;"
    )]
    #[case("title\u{1b}[2J\u{1b}[H", "title[2J[H")]
    #[case("line one\r\nline two", "line one line two")]
    #[case("\n<3>forged", "<3>forged")]
    #[case("a\tb", "a b")]
    #[case("bell\u{7}\u{7f}del", "belldel")]
    #[case("c1 \u{9b}31m csi \u{9d}osc", "c1 31m csi osc")]
    #[case("abc\u{202E}fdp.exe", "abcfdp.exe")]
    #[case("\u{2066}isolated\u{2069} \u{200F}mark\u{061C}", "isolated mark")]
    #[case("para\u{2029}graph", "para graph")]
    #[case("", "")]
    fn scraped_values(#[case] raw: &str, #[case] kept: &str) {
        assert_eq!(scraped(raw), kept);
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(scraped("  spaced title  "), Cow::Borrowed("  spaced title  ")));
    }

    #[test]
    fn nothing_hazardous_survives() {
        let every: String = ('\u{0}'..='\u{2100}').collect();
        assert!(!scraped(&every).chars().any(is_hazard));
    }
}
