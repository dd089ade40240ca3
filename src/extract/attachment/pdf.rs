//! PDF text through pdf-extract (lopdf underneath), which maps CID fonts through their
//! ToUnicode CMaps: how Chinese government PDFs carry their text. A scanned PDF has no text
//! layer and yields nothing.

use super::Unreadable;

pub(super) fn text(body: &[u8]) -> Result<Vec<String>, Unreadable> {
    let text = pdf_extract::extract_text_from_mem(body)
        .map_err(|e| Unreadable { reason: format!("PDF could not be parsed: {e}") })?;
    Ok(text.lines().map(str::to_owned).collect())
}
