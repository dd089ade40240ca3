//! The characters that act instead of show: control characters (C0, DEL, C1), bidirectional
//! formatting characters, line and paragraph separators. One definition for the two places
//! text is made safe: where scraped text enters the store (`extract::sanitize`) and where any
//! text leaves for a terminal or a log (`escape`), and for the config's one-line values.

/// A bidirectional formatting character: an embedding, override or isolate, or a direction
/// mark. None of them is visible; each can reorder what surrounds it on screen.
#[must_use]
pub const fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character no scraped value keeps: a control character (C0, DEL, C1), a bidirectional
/// formatting character, or a line or paragraph separator.
#[must_use]
pub fn is_hazard(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}
