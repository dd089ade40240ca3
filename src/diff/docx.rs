//! A redline as a Word document: a [`Comparison`] of the whole text (see
//! [`compare_whole`](super::compare_whole)) written as WordprocessingML with **tracked
//! changes**, so a lawyer opens it in Word or LibreOffice and accepts, rejects and forwards the
//! edits. One paragraph per line of block text; a line edited in place is one paragraph with
//! deleted and inserted runs, a removed line a deleted paragraph (its mark too, so accepting
//! removes it whole), an added line an inserted one. Every revision is authored "regwatch" and
//! dated when the newer version was fetched.
//!
//! Pure: `Comparison` and labels in, the bytes of a `.docx` out. Chinese renders because the
//! document's default run font names East Asian faces and the language is marked zh-CN. It
//! does not decide which versions to compare (the CLI and `web` do).

use std::fmt::Write as _;
use std::io::Write as _;

use jiff::Timestamp;

use super::words::{inline, pair_lines};
use super::{Comparison, HunkLine, LineKind, SegmentKind};

/// The author of every tracked change.
pub const AUTHOR: &str = "regwatch";

/// What the document says about the two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redline {
    /// The document's title, the first paragraph.
    pub title: String,
    /// e.g. "version 3, fetched 2026-11-20 08:00 UTC".
    pub from_label: String,
    pub to_label: String,
    /// When the newer version was fetched: the date of every revision.
    pub changed_at: Timestamp,
    /// Where the text came from, printed under the title.
    pub source_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("cannot write the redline document: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the redline document: {0}")]
    Io(#[from] std::io::Error),
}

/// The `.docx` file of `comparison` (which should hold the whole text as context).
pub fn write(comparison: &Comparison, redline: &Redline) -> Result<Vec<u8>, DocxError> {
    let body = Body::new(redline.changed_at).render(comparison, redline);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let core = core_properties(redline);
    let parts: [(&str, &str); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("docProps/core.xml", &core),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
        ("word/settings.xml", SETTINGS),
        ("word/document.xml", &body),
    ];
    for (name, text) in parts {
        zip.start_file(name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Builds `word/document.xml`, numbering revisions as it goes (Word wants unique ids).
struct Body {
    xml: String,
    next_id: u32,
    date: String,
}

impl Body {
    fn new(changed_at: Timestamp) -> Self {
        // Word reads w:date as an ISO 8601 time without fractions.
        let date = changed_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        Self { xml: String::new(), next_id: 1, date }
    }

    fn render(mut self, comparison: &Comparison, redline: &Redline) -> String {
        self.xml.push_str(DOCUMENT_HEAD);
        self.plain_paragraph("Title", &redline.title);
        self.plain_paragraph("Subtitle", &format!("{} → {}", redline.from_label, redline.to_label));
        self.plain_paragraph("Subtitle", &redline.source_url);
        if !comparison.summary.trim().is_empty() {
            self.plain_paragraph("Subtitle", &comparison.summary);
        }
        for hunk in &comparison.hunks {
            self.lines(&hunk.lines);
        }
        self.xml.push_str(DOCUMENT_TAIL);
        self.xml
    }

    /// A hunk's lines in order; each block of removed lines followed by added ones is a
    /// replacement whose similar lines pair up into one edited paragraph.
    fn lines(&mut self, lines: &[HunkLine]) {
        let mut i = 0;
        while let Some(line) = lines.get(i) {
            if line.kind == LineKind::Context {
                self.plain_paragraph("Normal", &line.text);
                i += 1;
                continue;
            }
            let removed: Vec<&str> =
                lines[i..].iter().take_while(|l| l.kind == LineKind::Removed).map(|l| l.text.as_str()).collect();
            let after = i + removed.len();
            let added: Vec<&str> =
                lines[after..].iter().take_while(|l| l.kind == LineKind::Added).map(|l| l.text.as_str()).collect();
            self.replacement(&removed, &added);
            i = after + added.len();
        }
    }

    fn replacement(&mut self, removed: &[&str], added: &[&str]) {
        let (mut r, mut a) = (0, 0);
        for (pr, pa) in pair_lines(removed, added).into_iter().chain(std::iter::once((removed.len(), added.len()))) {
            for text in removed.get(r..pr).unwrap_or_default() {
                self.changed_paragraph(Revision::Delete, text);
            }
            for text in added.get(a..pa).unwrap_or_default() {
                self.changed_paragraph(Revision::Insert, text);
            }
            if let (Some(old), Some(new)) = (removed.get(pr), added.get(pa)) {
                self.edited_paragraph(old, new);
            }
            (r, a) = (pr + 1, pa + 1);
        }
    }

    fn plain_paragraph(&mut self, style: &str, text: &str) {
        let _ = write!(self.xml, "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>");
        self.run(None, text);
        self.xml.push_str("</w:p>");
    }

    /// A whole paragraph inserted or deleted, paragraph mark included.
    fn changed_paragraph(&mut self, revision: Revision, text: &str) {
        let mark = self.revision_attributes();
        let _ = write!(self.xml, "<w:p><w:pPr><w:rPr><{tag} {mark}/></w:rPr></w:pPr>", tag = revision.tag());
        self.run(Some(revision), text);
        self.xml.push_str("</w:p>");
    }

    /// One line edited in place: equal runs, and deleted and inserted ones where it changed.
    fn edited_paragraph(&mut self, old: &str, new: &str) {
        self.xml.push_str("<w:p>");
        for segment in inline(old, new) {
            let revision = match segment.kind {
                SegmentKind::Equal => None,
                SegmentKind::Delete => Some(Revision::Delete),
                SegmentKind::Insert => Some(Revision::Insert),
            };
            self.run(revision, &segment.text);
        }
        self.xml.push_str("</w:p>");
    }

    fn run(&mut self, revision: Option<Revision>, text: &str) {
        let text = xml_text(text);
        match revision {
            None => {
                let _ = write!(self.xml, "<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>");
            }
            Some(revision) => {
                let attributes = self.revision_attributes();
                let (tag, text_tag) = (revision.tag(), revision.text_tag());
                let _ = write!(
                    self.xml,
                    "<{tag} {attributes}><w:r><{text_tag} xml:space=\"preserve\">{text}</{text_tag}></w:r></{tag}>"
                );
            }
        }
    }

    fn revision_attributes(&mut self) -> String {
        let id = self.next_id;
        self.next_id += 1;
        format!("w:id=\"{id}\" w:author=\"{AUTHOR}\" w:date=\"{}\"", self.date)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Revision {
    Insert,
    Delete,
}

impl Revision {
    fn tag(self) -> &'static str {
        match self {
            Self::Insert => "w:ins",
            Self::Delete => "w:del",
        }
    }

    fn text_tag(self) -> &'static str {
        match self {
            Self::Insert => "w:t",
            Self::Delete => "w:delText",
        }
    }
}

/// Text escaped for XML, without the characters XML 1.0 forbids (scraped pages carry stray
/// control characters, and one would make Word refuse the whole file).
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn core_properties(redline: &Redline) -> String {
    let created = redline.changed_at.strftime("%Y-%m-%dT%H:%M:%SZ");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:creator>{AUTHOR}</dc:creator>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created>\
         </cp:coreProperties>",
        xml_text(&redline.title)
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/></Relationships>"#;

/// Track changes stays on, so the reader's own edits are revisions too.
const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:trackRevisions/><w:defaultTabStop w:val="720"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

/// Default fonts name a Latin face and East Asian ones (Word picks the first installed of the
/// eastAsia face; LibreOffice substitutes Noto CJK or WenQuanYi where SimSun is missing).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="SimSun" w:cs="Arial" w:hint="eastAsia"/><w:sz w:val="22"/><w:lang w:val="en-GB" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:spacing w:after="200"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:rPr><w:color w:val="595959"/><w:sz w:val="20"/></w:rPr></w:style></w:styles>"#;

const DOCUMENT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;

const DOCUMENT_TAIL: &str = r#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::compare_whole;

    fn lines(text: &str) -> Vec<String> {
        text.split('|').map(str::to_owned).collect()
    }

    fn body(old: &str, new: &str) -> String {
        let redline = Redline {
            title: "T".into(),
            from_label: "v1".into(),
            to_label: "v2".into(),
            changed_at: "2026-11-22T08:00:00Z".parse().unwrap(),
            source_url: "https://example.org/".into(),
        };
        Body::new(redline.changed_at).render(&compare_whole(&lines(old), &lines(new)), &redline)
    }

    #[test]
    fn an_edited_line_is_one_paragraph_with_both_revisions() {
        let xml = body("第一条 总则|第九条 每日不得超过二小时。", "第一条 总则|第九条 每日不得超过一小时。");
        assert!(xml.contains("<w:t xml:space=\"preserve\">第一条 总则</w:t>"), "{xml}");
        assert!(xml.contains("<w:delText xml:space=\"preserve\">二</w:delText>"), "{xml}");
        assert!(xml.contains("<w:t xml:space=\"preserve\">一</w:t></w:r></w:ins>"), "{xml}");
        assert!(xml.contains("w:author=\"regwatch\" w:date=\"2026-11-22T08:00:00Z\""));
    }

    #[test]
    fn whole_lines_carry_their_paragraph_mark() {
        let xml = body("a|gone entirely", "a|brand new text here");
        assert!(xml.contains("<w:pPr><w:rPr><w:del "), "{xml}");
        assert!(xml.contains("<w:pPr><w:rPr><w:ins "), "{xml}");
    }

    #[test]
    fn revision_ids_are_unique() {
        let xml = body("a b c|d e f", "a x c|d y f");
        let mut ids: Vec<&str> = xml.match_indices("w:id=\"").map(|(i, _)| &xml[i + 6..i + 9]).collect();
        let before = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), before);
        assert!(before >= 4);
    }

    #[test]
    fn hostile_text_is_escaped_and_control_characters_dropped() {
        let xml = body("x", "<script>&\u{8}</script>");
        assert!(xml.contains("&lt;script&gt;&amp;&lt;/script&gt;"), "{xml}");
        assert!(!xml.contains('\u{8}'));
    }
}
