//! The validated configuration: what the rest of regwatch reads. Built only by `validate`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use encoding_rs::Encoding;
use ipnet::IpNet;
use secrecy::SecretString;
use url::Url;

use crate::ids::SourceId;
use crate::json_path::{JsonPath, LinkTemplate};

/// Everything regwatch was told, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main file, when the config came from one (`None` for built-in defaults).
    pub path: Option<PathBuf>,
    pub storage: StorageConfig,
    pub fetch: FetchConfig,
    pub sources: Vec<Arc<SourceSpec>>,
    /// Topics from config; merged over the built-in pack by id.
    pub topics: Vec<TopicSpec>,
    pub smtp: Option<SmtpConfig>,
    pub subscribers: Vec<SubscriberSpec>,
    /// `[web]`: the reading room, served by `run` too when present.
    pub web: Option<WebConfig>,
}

/// `[web]`.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub listen: std::net::SocketAddr,
    /// Where readers reach the reading room: links in emails, webhooks and feeds. Its path
    /// always ends in `/`.
    pub public_url: Option<Url>,
    /// HTTP basic auth; required when `listen` is not a loopback address.
    pub auth: Option<WebAuth>,
}

#[derive(Debug, Clone)]
pub struct WebAuth {
    pub username: String,
    pub password: SecretString,
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// Absolute, or relative to the working directory when no config file was used.
    pub database: PathBuf,
}

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// Total deadline of one request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Cap on the body after content decoding (gzip/brotli).
    pub max_body: u64,
    /// Polls in flight at once across all sources.
    pub max_concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_delay: Duration,
    pub respect_robots: bool,
    pub private_networks: PrivateNetworks,
    /// Failed polls in a row after which a source is marked unhealthy.
    pub unhealthy_after: u32,
    /// A server's Retry-After is honoured up to this long (a host and a source wait no more).
    pub max_retry_after: Duration,
    /// A robots.txt Crawl-delay is honoured up to this long between two requests to a host.
    pub max_crawl_delay: Duration,
    /// Address space the helper that reads one attachment's text may use, in bytes.
    pub extract_memory: u64,
    /// CPU and wall-clock time the helper may take for one attachment.
    pub extract_timeout: Duration,
}

/// Which non-public addresses sources and webhook targets may resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivateNetworks {
    Deny,
    AllowAll,
    Allow(Vec<IpNet>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Feed,
    HtmlList,
    JsonList,
    Page,
}

impl SourceKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::HtmlList => "html-list",
            Self::JsonList => "json-list",
            Self::Page => "page",
        }
    }
}

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub id: SourceId,
    pub name: String,
    pub kind: SourceKind,
    pub url: Url,
    pub enabled: bool,
    pub interval: Duration,
    /// Feed and json-list: fetch each entry's link as an article. Always true for html-list.
    pub follow: bool,
    /// Overrides charset detection.
    pub encoding: Option<&'static Encoding>,
    /// Followed articles fetched per poll, newest first in list order.
    pub max_items: usize,
    /// How long an article that dropped off its list keeps being re-checked.
    pub recheck_window: Duration,
    /// How often such an article is re-checked.
    pub recheck_interval: Duration,
    /// Query parameters that never name a different document, besides the built-in tracking
    /// parameters (`extract::canonical`): `name`, or `prefix*`.
    pub strip_params: Vec<String>,
    pub request: RequestSpec,
    // Boxed: most sources are feeds or pages, and a daemon holds a thousand specs.
    pub list: Option<Box<ListSpec>>,
    pub json: Option<Box<JsonListSpec>>,
    pub article: ArticleSpec,
    pub attachments: AttachmentSpec,
}

impl SourceSpec {
    /// The total deadline of one request of this source.
    #[must_use]
    pub fn timeout(&self, fetch: &FetchConfig) -> Duration {
        self.request.timeout.unwrap_or(fetch.timeout)
    }

    /// The body cap of one request of this source.
    #[must_use]
    pub fn max_body(&self, fetch: &FetchConfig) -> u64 {
        self.request.max_body.unwrap_or(fetch.max_body)
    }
}

/// `[source.request]`: what this source's requests carry beyond the defaults. The `query`
/// pairs are already part of `SourceSpec::url`.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    /// Sent with every request of the source: list, articles, attachments.
    pub headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Fetched first on every poll, redirects not followed; the cookies it sets go with the
    /// poll's requests to its host.
    pub prime: Option<Url>,
    pub timeout: Option<Duration>,
    pub max_body: Option<u64>,
}

/// `[source.json]`: a json-list's items and their fields.
#[derive(Debug, Clone)]
pub struct JsonListSpec {
    pub items: JsonPath,
    pub title: JsonPath,
    pub link: JsonLink,
    pub date: Option<JsonPath>,
    pub deadline: Option<JsonPath>,
    /// Fields whose text (markup removed) is the item's document when links are not followed.
    pub text: Vec<JsonPath>,
    pub attachment: Option<LinkTemplate>,
}

/// Where a json-list item's URL comes from.
#[derive(Debug, Clone)]
pub enum JsonLink {
    Field(JsonPath),
    Template(LinkTemplate),
}

/// `[source.attachments]`.
#[derive(Debug, Clone)]
pub struct AttachmentSpec {
    /// Per article; 0 turns attachments off.
    pub max_count: usize,
    /// `None`: the source's `max_body`.
    pub max_size: Option<u64>,
    /// Only links matched by this selector; `None`: every link on the page.
    pub selector: Option<CssSelector>,
}

/// A CSS selector, compiled once at load, with its text kept for messages.
/// A trailing `@attr` (`a@title`) reads that attribute instead of the element's text.
#[derive(Debug, Clone)]
pub struct CssSelector {
    pub source: String,
    pub selector: scraper::Selector,
    pub attribute: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListSpec {
    pub item: CssSelector,
    pub title: CssSelector,
    /// `href` of the first match unless an `@attr` is given.
    pub link: CssSelector,
    pub date: Option<CssSelector>,
    /// The comment deadline; it overrides one found in the article's text.
    pub deadline: Option<CssSelector>,
    /// The response is JSON and the list's HTML is the string at this path.
    pub json: Option<JsonPath>,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleSpec {
    /// When set, the document title; else the list's title, else the page's heading.
    pub title: Option<CssSelector>,
    pub content: Option<CssSelector>,
    pub ignore: Vec<CssSelector>,
    pub ignore_text: Vec<regex::Regex>,
}

/// One `[[topic]]`: merged over the built-in pack by `id`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regexes, matched case-insensitively.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Phrases that cancel the keyword hits they contain (e.g. "safeguard national security");
    /// a phrase containing no keyword of the topic vetoes it.
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    Email(String),
    Webhook(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Immediate,
    Daily { at: jiff::civil::Time, tz: jiff::tz::TimeZone },
    Weekly { day: jiff::civil::Weekday, at: jiff::civil::Time, tz: jiff::tz::TimeZone },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    DocumentNew,
    DocumentChanged,
    DocumentFinal,
    SourceUnhealthy,
    SourceRecovered,
}

impl EventType {
    pub const ALL: [Self; 5] =
        [Self::DocumentNew, Self::DocumentChanged, Self::DocumentFinal, Self::SourceUnhealthy, Self::SourceRecovered];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DocumentNew => "document.new",
            Self::DocumentChanged => "document.changed",
            Self::DocumentFinal => "document.final",
            Self::SourceUnhealthy => "source.unhealthy",
            Self::SourceRecovered => "source.recovered",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct SubscriberSpec {
    pub id: String,
    pub channel: Channel,
    /// Signs webhook deliveries.
    pub secret: Option<SecretString>,
    /// Topic ids; `None` means every topic (`["*"]`).
    pub topics: Option<Vec<String>>,
    /// Source ids; `None` means every source.
    pub sources: Option<Vec<SourceId>>,
    pub schedule: Schedule,
    pub events: Vec<EventType>,
}
