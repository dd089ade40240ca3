//! Attachment files: which links may lead to one, what a response turns out to be, and the
//! text of the formats regwatch reads (PDF, DOCX). Pure: URLs, header values and bytes in.
//!
//! Text comes out as lines (one paragraph per line), the same shape block text has, so the
//! legal segmentation and diff read a PDF draft as they read a web page.

mod disposition;
mod docx;
mod pdf;

use serde::Serialize;
use url::Url;

pub use disposition::file_name_of;

/// A file format regwatch recognises as an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentFormat {
    Pdf,
    Docx,
    Doc,
    Wps,
    Xlsx,
    Xls,
}

impl AttachmentFormat {
    const ALL: [Self; 6] = [Self::Pdf, Self::Docx, Self::Doc, Self::Wps, Self::Xlsx, Self::Xls];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Doc => "doc",
            Self::Wps => "wps",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
        }
    }

    /// `pdf`, `PDF`, `docx`…; without the dot.
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(ext.trim()))
    }

    /// Whether regwatch extracts this format's text.
    #[must_use]
    pub const fn readable(self) -> bool {
        matches!(self, Self::Pdf | Self::Docx)
    }

    const fn description(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Docx => "Word (DOCX)",
            Self::Doc => "Word 97-2003 (DOC)",
            Self::Wps => "WPS Writer",
            Self::Xlsx => "Excel (XLSX)",
            Self::Xls => "Excel 97-2003 (XLS)",
        }
    }
}

/// What a link on an article page looks like, before fetching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// The path ends in a known extension, or a query value names a file with one (CAC's
    /// `downloadfile.jsp?filepath=…&fText=name.pdf`).
    Known { format: AttachmentFormat, file_name: Option<String> },
    /// No extension, but a download-like link; the response decides (MOHURD's
    /// `/document/download?fileUrl=…`).
    Maybe,
}

/// Path segments and query keys that mark a download link.
const DOWNLOAD_WORDS: [&str; 6] = ["download", "downloadfile", "attachment", "fileurl", "filedown", "getfile"];

/// Whether `url` (with its link text) may lead to an attachment; `None` for ordinary pages,
/// images and anything not http(s).
#[must_use]
pub fn candidate(url: &Url, link_text: &str) -> Option<Candidate> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let last = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default();
    let last = percent_decoded(last);
    if let Some(format) = extension_of(&last) {
        return Some(Candidate::Known { format, file_name: Some(last).filter(|n| !n.is_empty()) });
    }
    for (_, value) in url.query_pairs() {
        let value = value.trim();
        if let Some(format) = extension_of(value) {
            let name = value.rsplit(['/', '\\']).next().unwrap_or(value).to_owned();
            return Some(Candidate::Known { format, file_name: Some(name) });
        }
    }
    if has_page_extension(&last) {
        return None;
    }
    let text = link_text.trim();
    if let Some(format) = extension_of(text) {
        return Some(Candidate::Known { format, file_name: Some(text.to_owned()) });
    }
    let lower_path = url.path().to_ascii_lowercase();
    let download_path = lower_path.split('/').any(|seg| {
        let stem = seg.split('.').next().unwrap_or(seg);
        DOWNLOAD_WORDS.contains(&stem)
    });
    let download_key = url.query_pairs().any(|(k, _)| DOWNLOAD_WORDS.contains(&k.to_ascii_lowercase().as_str()));
    let download_text = ["附件", "下载", "download"].iter().any(|w| text.to_lowercase().contains(w));
    (download_path || download_key || download_text).then_some(Candidate::Maybe)
}

/// What a response turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    /// `None`: not an attachment (a web page, an image, something unknown).
    pub format: Option<AttachmentFormat>,
    pub file_name: Option<String>,
}

/// Identifies a response from, in order: the Content-Disposition file name, the content type,
/// the body's magic bytes, the URL. A web page is no attachment, whatever the link said.
#[must_use]
pub fn identify(url: &Url, content_type: Option<&str>, content_disposition: Option<&str>, body: &[u8]) -> Identified {
    let file_name = content_disposition.and_then(file_name_of);
    let mime = content_type.map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase()).unwrap_or_default();
    if is_html(&mime, body) {
        return Identified { format: None, file_name };
    }
    let from_name = file_name.as_deref().and_then(extension_of);
    let magic = sniff(body);
    let format = from_name
        // A name that says .doc, .xls or .wps sharpens an OLE2 sniff; otherwise the bytes win
        // over a name that lies about them.
        .filter(|f| magic.is_none_or(|m| m == *f || (m == AttachmentFormat::Doc && !f.readable())))
        .or(magic)
        .or_else(|| from_mime(&mime))
        .or_else(|| match candidate(url, "") {
            Some(Candidate::Known { format, .. }) => Some(format),
            _ => None,
        });
    Identified { format, file_name }
}

/// Why an attachment's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Unreadable {
    pub reason: String,
}

impl Unreadable {
    fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }
}

/// What a compressed part of a file may expand to when read in-process (the helper process
/// passes its own memory limit instead): `[fetch] extract_memory`'s default.
pub const MAX_EXPANSION: u64 = crate::config::defaults::EXTRACT_MEMORY;

/// The reason given for a file that needs more memory than `limit` bytes to read.
#[must_use]
pub fn too_big(limit: u64) -> String {
    format!("text extraction needed more than {}", crate::isolate::size(limit))
}

/// The text of a readable attachment as normalised, non-empty lines. Never panics: the PDF
/// parser's panics on hostile files are caught and reported as `Unreadable`.
///
/// In-process this bounds what it can (compressed streams, the DOCX XML), but the PDF
/// library's own allocations are unbounded: the pipeline reads attachments through
/// `isolate::Extractor`, which runs [`extract_text_within`] in a helper process.
pub fn extract_text(format: AttachmentFormat, body: &[u8]) -> Result<Vec<String>, Unreadable> {
    extract_text_within(format, body, MAX_EXPANSION)
}

/// `extract_text`, refusing PDF streams that expand past `max_expansion` bytes.
pub fn extract_text_within(
    format: AttachmentFormat,
    body: &[u8],
    max_expansion: u64,
) -> Result<Vec<String>, Unreadable> {
    if !format.readable() {
        return Err(Unreadable::new(format!("{} files are not read; text not extracted", format.description())));
    }
    let read = std::panic::catch_unwind(|| match format {
        AttachmentFormat::Pdf => pdf::text(body, max_expansion),
        _ => docx::text(body),
    });
    let lines = read.unwrap_or_else(|_| {
        Err(Unreadable::new(format!("the {} parser crashed on this file", format.description())))
    })?;
    let lines: Vec<String> = lines.iter().map(|l| tidy(l)).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return Err(Unreadable::new(match format {
            AttachmentFormat::Pdf => "PDF has no text layer (a scanned image?)",
            _ => "the document has no text",
        }));
    }
    Ok(lines)
}

/// A line normalised like block text. When most neighbouring Chinese characters are split by
/// a space (PDF extraction of letter-spaced text: `第 一 条 为 了`), those spaces go; a single
/// separator (`第一条 为了规范`) stays.
fn tidy(line: &str) -> String {
    let line = crate::extract::blocks::normalise_line(line);
    let chars: Vec<char> = line.chars().collect();
    let spaced_at =
        |i: usize| chars[i] == ' ' && i > 0 && i + 1 < chars.len() && is_cjk(chars[i - 1]) && is_cjk(chars[i + 1]);
    let spaced = (0..chars.len()).filter(|i| spaced_at(*i)).count();
    let joined = chars.windows(2).filter(|w| is_cjk(w[0]) && is_cjk(w[1])).count();
    if spaced == 0 || spaced < joined {
        return line;
    }
    chars.iter().enumerate().filter(|(i, _)| !spaced_at(*i)).map(|(_, c)| c).collect()
}

/// Han characters and CJK punctuation (full-width forms included).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
}

fn extension_of(name: &str) -> Option<AttachmentFormat> {
    let (_, ext) = name.rsplit_once('.')?;
    AttachmentFormat::from_extension(ext)
}

fn has_page_extension(name: &str) -> bool {
    // Not .jsp, .php or .asp: those are as often download endpoints as pages.
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        ["htm", "html", "shtml", "xhtml", "jpg", "jpeg", "png", "gif", "svg", "webp", "css", "js"]
            .contains(&ext.to_ascii_lowercase().as_str())
    })
}

fn percent_decoded(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn is_html(mime: &str, body: &[u8]) -> bool {
    if matches!(mime, "text/html" | "application/xhtml+xml") {
        return true;
    }
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = start.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |i| &start[i..]);
    start.first() == Some(&b'<') && sniff(body).is_none()
}

/// The format the bytes announce: `%PDF-`, a ZIP holding a Word or Excel part, an OLE2 file.
fn sniff(body: &[u8]) -> Option<AttachmentFormat> {
    if body.starts_with(b"%PDF-") || body.get(..1024).is_some_and(|head| find(head, b"%PDF-").is_some()) {
        return Some(AttachmentFormat::Pdf);
    }
    if body.starts_with(b"PK\x03\x04") {
        if find(body, b"word/document.xml").is_some() {
            return Some(AttachmentFormat::Docx);
        }
        if find(body, b"xl/workbook.xml").is_some() {
            return Some(AttachmentFormat::Xlsx);
        }
        return None;
    }
    body.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1").then_some(AttachmentFormat::Doc)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn from_mime(mime: &str) -> Option<AttachmentFormat> {
    Some(match mime {
        "application/pdf" | "application/x-pdf" => AttachmentFormat::Pdf,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => AttachmentFormat::Docx,
        "application/msword" => AttachmentFormat::Doc,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => AttachmentFormat::Xlsx,
        "application/vnd.ms-excel" => AttachmentFormat::Xls,
        "application/vnd.ms-works" | "application/kswps" | "application/wps-office.wps" | "application/x-wps" => {
            AttachmentFormat::Wps
        }
        _ => return None,
    })
}

#[cfg(test)]
#[path = "../../../tests/attachment_docs/mod.rs"]
mod docs;

#[cfg(test)]
mod tests;
