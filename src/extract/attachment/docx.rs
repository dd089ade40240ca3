//! DOCX text: `word/document.xml` inside the ZIP, one line per paragraph (`w:p`), text from
//! `w:t`, tabs as spaces, breaks as new lines, deleted (tracked) text left out. Bounded: the
//! XML read is capped, so a ZIP bomb stops at the cap.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::Unreadable;

/// Uncompressed bytes of `word/document.xml` read at most.
const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;

pub(super) fn text(body: &[u8]) -> Result<Vec<String>, Unreadable> {
    let unreadable = |why: String| Unreadable { reason: why };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| unreadable(format!("DOCX is not a readable ZIP archive: {e}")))?;
    let entry = archive.by_name("word/document.xml").map_err(|_| unreadable("DOCX has no word/document.xml".into()))?;
    let mut xml = Vec::new();
    entry
        .take(MAX_DOCUMENT_XML + 1)
        .read_to_end(&mut xml)
        .map_err(|e| unreadable(format!("DOCX could not be decompressed: {e}")))?;
    if xml.len() as u64 > MAX_DOCUMENT_XML {
        return Err(unreadable(format!("DOCX text is larger than {MAX_DOCUMENT_XML} bytes uncompressed")));
    }
    paragraphs(&xml).map_err(|e| unreadable(format!("DOCX XML could not be read: {e}")))
}

fn paragraphs(xml: &[u8]) -> Result<Vec<String>, quick_xml::Error> {
    let mut reader = Reader::from_reader(xml);
    let mut lines = Vec::new();
    let mut line = String::new();
    let (mut in_text, mut deleted) = (false, 0_usize);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "del" => deleted += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "del" => deleted = deleted.saturating_sub(1),
                "p" => lines.push(std::mem::take(&mut line)),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" if deleted == 0 => line.push(' '),
                "br" | "cr" if deleted == 0 => lines.push(std::mem::take(&mut line)),
                "p" => lines.push(std::mem::take(&mut line)),
                _ => {}
            },
            Event::Text(t) if in_text && deleted == 0 => line.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text && deleted == 0 => {
                if let Some(c) = r.resolve_char_ref()? {
                    line.push(c);
                } else {
                    line.push_str(match &*r {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}
