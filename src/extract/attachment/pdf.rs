//! PDF text through pdf-extract (lopdf underneath), which maps CID fonts through their
//! ToUnicode CMaps: how Chinese government PDFs carry their text. A scanned PDF has no text
//! layer and yields nothing.
//!
//! Before extracting, every Flate-compressed stream the extractor may read is inflated once
//! and counted, not kept: a stream compressed twice over a run of zeros is a few kilobytes
//! that lopdf would expand into gigabytes, and lopdf swallows the allocation failure that
//! stops it (keeping what it had), so the limit would surface only as a wrong reason ("no
//! text layer"). Counting first names the real one. Other filters (LZW, ASCII85) are left to
//! the helper's address-space limit.

use std::io::Read;

use flate2::read::{DeflateDecoder, ZlibDecoder};
use pdf_extract::{Document, Object, Stream};

use super::{Unreadable, too_big};

pub(super) fn text(body: &[u8], max_expansion: u64) -> Result<Vec<String>, Unreadable> {
    let unparsable = |e: &dyn std::fmt::Display| Unreadable { reason: format!("PDF could not be parsed: {e}") };
    let mut doc = Document::load_mem(body).map_err(|e| unparsable(&e))?;
    if doc.is_encrypted() {
        // Government PDFs are often "encrypted" with an empty user password against editing.
        doc.decrypt("").map_err(|e| Unreadable { reason: format!("PDF is encrypted: {e}") })?;
    }
    if doc.objects.values().filter_map(|o| o.as_stream().ok()).any(|s| expands_past(s, max_expansion)) {
        return Err(Unreadable { reason: too_big(max_expansion) });
    }
    let mut text = String::new();
    pdf_extract::output_doc(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text)).map_err(|e| unparsable(&e))?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// Whether a FlateDecode-only stream decodes to more than `limit` bytes, decoded as lopdf
/// decodes it (zlib, else raw deflate after the two header bytes) but counted, not kept.
/// Images are skipped: text extraction never decodes them.
fn expands_past(stream: &Stream, limit: u64) -> bool {
    let Ok(filters) = stream.filters() else { return false };
    let flate_only = !filters.is_empty() && filters.iter().all(|f| *f == b"FlateDecode");
    let image = stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image");
    if !flate_only || image {
        return false;
    }
    let mut decoded: Box<dyn Read + '_> = Box::new(stream.content.as_slice());
    for _ in &filters {
        decoded = inflate(decoded);
    }
    // A corrupt stream ends the count where lopdf's decoding would end too.
    let counted = std::io::copy(&mut decoded.take(limit.saturating_add(1)), &mut std::io::sink()).unwrap_or(0);
    counted > limit
}

/// One FlateDecode stage: a zlib stream when the first two bytes are a zlib header, else raw
/// deflate after them (lopdf's fallback for streams with a broken header).
fn inflate<'a>(mut input: Box<dyn Read + 'a>) -> Box<dyn Read + 'a> {
    let mut header = [0_u8; 2];
    if input.read_exact(&mut header).is_err() {
        return Box::new(std::io::empty());
    }
    let [cmf, flg] = header;
    let zlib = cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0;
    if zlib {
        Box::new(ZlibDecoder::new(std::io::Cursor::new(header).chain(input)))
    } else {
        Box::new(DeflateDecoder::new(input))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn stream(filters: &[&str], content: Vec<u8>) -> Stream {
        let names: Vec<Object> = filters.iter().map(|f| Object::Name(f.as_bytes().to_vec())).collect();
        let mut dict = pdf_extract::Dictionary::new();
        dict.set("Filter", Object::Array(names));
        Stream::new(dict, content)
    }

    #[test]
    fn twice_compressed_zeros_expand_past_the_limit() {
        let zeros = vec![0_u8; 4 << 20];
        let twice = zlib(&zlib(&zeros));
        assert!(twice.len() < 16 * 1024, "a few kilobytes: {}", twice.len());
        let bomb = stream(&["FlateDecode", "FlateDecode"], twice);
        assert!(expands_past(&bomb, 1 << 20));
        assert!(!expands_past(&bomb, 8 << 20));
    }

    #[test]
    fn raw_deflate_after_a_broken_header_is_counted_too() {
        let mut encoder = flate2::write::DeflateEncoder::new(vec![0xff, 0xff], flate2::Compression::best());
        encoder.write_all(&vec![0_u8; 2 << 20]).unwrap();
        let broken_header = encoder.finish().unwrap();
        assert!(expands_past(&stream(&["FlateDecode"], broken_header), 1 << 20));
    }

    #[test]
    fn other_filters_and_images_are_not_decoded() {
        let zeros = zlib(&vec![0_u8; 2 << 20]);
        assert!(!expands_past(&stream(&["ASCII85Decode", "FlateDecode"], zeros.clone()), 1 << 20));
        let mut image = stream(&["FlateDecode"], zeros);
        image.dict.set("Subtype", Object::Name(b"Image".to_vec()));
        assert!(!expands_past(&image, 1 << 20));
    }
}
