//! Character folding shared by the comparison key (`key`) and the furniture patterns
//! (`furniture`): what a legal reader does not read as a different character. Not whitespace
//! handling (`key::comparable`) and not the normalisation of stored lines.

/// Drops invisible characters (bidi controls included: they only reorder what a screen shows)
/// and folds width variants to one form; `None` for a character to drop. Full-width ASCII (U+FF01–U+FF5E) becomes ASCII, the ideographic space a space, and the
/// half-width CJK punctuation and signs (U+FF61–U+FF64, U+FFE0–U+FFE6) their full-width forms.
pub fn fold_char(c: char) -> Option<char> {
    // The common cases first: ASCII and Latin-1 below the soft hyphen, and CJK ideographs.
    if c < '\u{AD}' || ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Some(c);
    }
    match c {
        '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}' => None,
        c if crate::hazard::is_bidi_control(c) => None,
        '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        '\u{FF61}' => Some('\u{3002}'),
        '\u{FF62}' => Some('\u{300C}'),
        '\u{FF63}' => Some('\u{300D}'),
        '\u{FF64}' => Some('\u{3001}'),
        '\u{FFE0}' => Some('\u{A2}'),
        '\u{FFE1}' => Some('\u{A3}'),
        '\u{FFE2}' => Some('\u{AC}'),
        '\u{FFE3}' => Some('\u{AF}'),
        '\u{FFE4}' => Some('\u{A6}'),
        '\u{FFE5}' => Some('\u{A5}'),
        '\u{FFE6}' => Some('\u{20A9}'),
        _ => Some(c),
    }
}
