//! Hostile attachments built from scratch: PDFs of a few kilobytes whose one content stream
//! is compressed twice over a long run of zeros, so that reading them expands to gigabytes.
//! Built in milliseconds: one compressed megabyte of zeros, ending in a sync flush (byte
//! aligned, not final), decodes to the same zeros wherever it sits, so it is repeated instead
//! of compressing gigabytes.

#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::fmt::Write as _;
use std::io::Write as _;

use flate2::{Compress, Compression, FlushCompress};

const SEGMENT: usize = 1 << 20;

/// A zlib stream that inflates to `mib` MiB of zeros.
pub fn zlib_zeros(mib: usize) -> Vec<u8> {
    let mut deflate = Compress::new(Compression::best(), false);
    let mut segment = Vec::with_capacity(64 * 1024);
    deflate.compress_vec(&vec![0_u8; SEGMENT], &mut segment, FlushCompress::Sync).unwrap();
    assert_eq!(deflate.total_in(), SEGMENT as u64, "one call takes the whole segment");
    let mut out = vec![0x78, 0xda];
    for _ in 0..mib {
        out.extend_from_slice(&segment);
    }
    // An empty final block with fixed codes, then Adler-32 of the zeros (a stays 1; b counts).
    out.extend_from_slice(&[0x03, 0x00]);
    let b = u32::try_from((mib as u64 * SEGMENT as u64) % 65_521).unwrap();
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

/// zlib of `data`.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// ASCII85 as PDF's ASCII85Decode reads it, ending in `~>`.
pub fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 5 / 4 + 2);
    for chunk in data.chunks(4) {
        let mut group = [0_u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let mut value = u32::from_be_bytes(group);
        if value == 0 && chunk.len() == 4 {
            out.push(b'z');
            continue;
        }
        let mut digits = [0_u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = u8::try_from(value % 85).unwrap() + b'!';
            value /= 85;
        }
        out.extend_from_slice(&digits[..=chunk.len()]);
    }
    out.extend_from_slice(b"~>");
    out
}

/// A one-page PDF whose content stream is FlateDecode twice over `mib` MiB of zeros: each
/// FlateDecode stage a library decodes in memory.
pub fn flate_bomb(mib: usize) -> Vec<u8> {
    pdf_with_contents("/Filter [/FlateDecode /FlateDecode]", &zlib(&zlib_zeros(mib)))
}

/// The same bomb behind an ASCII85 stage: what a check that inflates only Flate chains does
/// not read, so only the helper's address-space limit stops it.
pub fn ascii85_bomb(mib: usize) -> Vec<u8> {
    pdf_with_contents("/Filter [/ASCII85Decode /FlateDecode /FlateDecode]", &ascii85(&zlib(&zlib_zeros(mib))))
}

fn pdf_with_contents(filter: &str, stream: &[u8]) -> Vec<u8> {
    let mut contents = format!("<< /Length {} {filter} >>\nstream\n", stream.len()).into_bytes();
    contents.extend_from_slice(stream);
    contents.extend_from_slice(b"\nendstream");
    let objects: [Vec<u8>; 4] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        contents,
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(table, "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    out.extend_from_slice(table.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_repeated_segments_inflate_to_exactly_the_zeros() {
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(zlib_zeros(3).as_slice()).read_to_end(&mut inflated).unwrap();
        assert_eq!(inflated.len(), 3 * SEGMENT);
        assert!(inflated.iter().all(|b| *b == 0));
    }

    #[test]
    fn ascii85_matches_the_reference_example() {
        assert_eq!(ascii85(b"Man "), b"9jqo^~>");
        assert_eq!(ascii85(&[0, 0, 0, 0, 1]), b"z!<~>");
    }
}
