//! Turns decoded responses into list items and documents. Pure: no I/O here.
//!
//! `feed` reads RSS/Atom/JSON Feed, `html_list` reads a list page through CSS selectors, `page`
//! reads one article page into block text. `blocks` owns block text and its normalisation;
//! `date` parses the dates real Chinese and English sites print; `guard` refuses hopeless pages
//! up front and `html` parses the rest within depth, node and time limits.

pub mod attachment;
pub mod blocks;
pub mod canonical;
pub mod date;
pub mod feed;
pub mod guard;
pub mod html;
pub mod html_list;
pub mod json_list;
pub mod links;
pub mod page;

pub use blocks::BlockText;

use encoding_rs::Encoding;
use jiff::civil::Date;
use url::Url;

/// What the body of a response is, from its content type and a sniff of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Html,
    Xml,
    Json,
    Text,
}

impl ContentKind {
    /// The kind's name in messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Xml => "xml",
            Self::Json => "json",
            Self::Text => "text",
        }
    }
}

/// A response body as text, with the encoding it was read in.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The final URL (after redirects): relative links resolve against it.
    pub url: Url,
    pub text: String,
    pub encoding: &'static Encoding,
    pub kind: ContentKind,
}

impl Decoded {
    /// HTML, or text that may be HTML: never XML or JSON read as HTML by mistake.
    pub fn expect_html(&self) -> Result<(), ExtractError> {
        match self.kind {
            ContentKind::Html | ContentKind::Text => Ok(()),
            other => Err(ExtractError::WrongKind { expected: "html", got: other.name() }),
        }
    }
}

/// One entry of a feed or a list page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// The document's identity: the link when there is one, else the entry's guid/id (as a
    /// `urn:x-regwatch:guid:` URL unless it is an absolute URL), else
    /// `urn:x-regwatch:sha256:` of its title and text.
    pub url: Url,
    /// The http(s) page to follow; `None` for a feed entry without one, whose document is its
    /// own `content`.
    pub link: Option<Url>,
    /// Plain text: entities decoded, markup removed, whitespace normalised.
    pub title: String,
    pub published: Option<Date>,
    /// A feed entry's own text (content, else summary), used when the source does not follow links.
    pub content: Option<BlockText>,
    /// The comment deadline the list states (a JSON field, MIIT's hidden `endtime`).
    pub deadline: Option<Date>,
    /// An attachment the list names for the item (a json-list `attachment_template`).
    pub attachment: Option<Url>,
}

/// A link on an article page that may lead to an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLink {
    pub url: Url,
    /// The link's text: a fallback title.
    pub label: String,
}

/// An article page read through an `ArticleSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// From `<h1>` in the content region, else `og:title`, else `<title>`.
    pub title: Option<String>,
    pub published: Option<Date>,
    pub blocks: BlockText,
    /// Links that look like attachments (`.pdf`, `.docx`, download links), in page order.
    pub attachments: Vec<AttachmentLink>,
}

/// One document as seen by one poll: what `store` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub doc_url: Url,
    pub title: String,
    pub published: Option<Date>,
    pub blocks: BlockText,
    /// A deadline the source states outside the text; it overrides one found in the text.
    pub deadline: Option<Date>,
    /// Set when this document is an attachment of another.
    pub attachment: Option<AttachmentOf>,
}

impl Observation {
    /// A document the source's list or page shows directly.
    #[must_use]
    pub fn new(doc_url: Url, title: String, published: Option<Date>, blocks: BlockText) -> Self {
        Self { doc_url, title, published, blocks, deadline: None, attachment: None }
    }
}

/// What an attachment document records besides its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentOf {
    /// The article (or list item) it was found on.
    pub parent: Url,
    /// `pdf`, `docx`, ...; `None` when the response did not say.
    pub format: Option<&'static str>,
    /// Why its text could not be read, when it could not; the text then describes the file.
    pub unreadable: Option<String>,
}

/// Why a body could not be read. Each names what was wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("not a feed: {reason}")]
    Feed { reason: String },
    #[error("expected {expected}, got {got}")]
    WrongKind { expected: &'static str, got: &'static str },
    #[error("page too large to parse: {bytes} bytes (limit {limit})")]
    TooLarge { bytes: usize, limit: usize },
    #[error("page nested too deeply to parse: depth {depth} (limit {limit})")]
    TooDeep { depth: usize, limit: usize },
    #[error("page has too many nodes to parse: more than {limit} ({nodes} when parsing stopped)")]
    TooManyNodes { nodes: usize, limit: usize },
    #[error("parsing the page took longer than {after:?}; stopped")]
    ParseTimeout { after: std::time::Duration },
    #[error("content selector `{selector}` matched nothing")]
    ContentNotFound { selector: String },
    #[error("not valid JSON: {reason}")]
    Json { reason: String },
    #[error("JSON path `{path}` holds {found}, not {expected}")]
    JsonShape { path: String, found: &'static str, expected: &'static str },
}
