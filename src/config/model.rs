//! The validated configuration: what the rest of regwatch reads. Built only by `validate`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use encoding_rs::Encoding;
use ipnet::IpNet;
use secrecy::SecretString;
use url::Url;

use crate::ids::SourceId;

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
    Page,
}

impl SourceKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::HtmlList => "html-list",
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
    /// Feed: fetch each entry's link as an article. Always true for html-list.
    pub follow: bool,
    /// Overrides charset detection.
    pub encoding: Option<&'static Encoding>,
    /// Followed articles fetched per poll, newest first in list order.
    pub max_items: usize,
    /// How long an article that dropped off its list keeps being re-checked.
    pub recheck_window: Duration,
    /// How often such an article is re-checked.
    pub recheck_interval: Duration,
    pub list: Option<ListSpec>,
    pub article: ArticleSpec,
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
}

#[derive(Debug, Clone, Default)]
pub struct ArticleSpec {
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
