//! Turns decoded responses into list items and documents. Pure: no I/O here.
//!
//! `feed` reads RSS/Atom/JSON Feed, `html_list` reads a list page through CSS selectors, `page`
//! reads one article page into block text. `blocks` owns block text and its normalisation;
//! `date` parses the dates real Chinese and English sites print; `guard` bounds what reaches
//! html5ever.

pub mod blocks;
pub mod date;
pub mod feed;
pub mod guard;
pub mod html_list;
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

/// A response body as text, with the encoding it was read in.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The final URL (after redirects): relative links resolve against it.
    pub url: Url,
    pub text: String,
    pub encoding: &'static Encoding,
    pub kind: ContentKind,
}

/// One entry of a feed or a list page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    pub url: Url,
    /// Plain text: entities decoded, markup removed, whitespace normalised.
    pub title: String,
    pub published: Option<Date>,
    /// A feed entry's own text (content, else summary), used when the source does not follow links.
    pub content: Option<BlockText>,
}

/// An article page read through an `ArticleSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// From `<h1>` in the content region, else `og:title`, else `<title>`.
    pub title: Option<String>,
    pub published: Option<Date>,
    pub blocks: BlockText,
}

/// One document as seen by one poll: what `store` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub doc_url: Url,
    pub title: String,
    pub published: Option<Date>,
    pub blocks: BlockText,
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
    #[error("content selector `{selector}` matched nothing")]
    ContentNotFound { selector: String },
}
