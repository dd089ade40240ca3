//! The validated configuration: what the rest of regwatch reads. Built only by `validate`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use encoding_rs::Encoding;
use ipnet::IpNet;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use url::Url;

use crate::ids::SourceId;
use crate::json_path::{JsonPath, LinkTemplate};
use crate::redact::Redacted;

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

/// One `[[source]]`. Its `Debug` shows the URL with credentials masked.
#[derive(Clone)]
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
    /// Shared: the many sources that set no request options hold one plain spec.
    pub request: Arc<RequestSpec>,
    // Shared by the sources that write the same list (`config::shared`); boxed, as most
    // sources are feeds or pages.
    pub list: Option<Arc<ListSpec>>,
    pub json: Option<Box<JsonListSpec>>,
    /// Shared by every source with the same rules (`config::shared`).
    pub article: Arc<ArticleSpec>,
    pub attachments: Arc<AttachmentSpec>,
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

impl fmt::Debug for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceSpec")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &Redacted(&self.url).to_string())
            .field("enabled", &self.enabled)
            .field("interval", &self.interval)
            .field("follow", &self.follow)
            .field("encoding", &self.encoding)
            .field("max_items", &self.max_items)
            .field("recheck_window", &self.recheck_window)
            .field("strip_params", &self.strip_params)
            .field("recheck_interval", &self.recheck_interval)
            .field("request", &self.request)
            .field("list", &self.list)
            .field("json", &self.json)
            .field("article", &self.article)
            .field("attachments", &self.attachments)
            .finish()
    }
}

/// `[source.request]` and `[source.auth]`: what this source's requests carry beyond the
/// defaults. The `query` pairs (secret ones included) are already part of `SourceSpec::url`.
/// Its `Debug` hides secret header values and masks URL credentials.
#[derive(Clone, Default)]
pub struct RequestSpec {
    /// Sent with the source's requests to its own origins: use `headers_for`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Headers from `headers_env`, `headers_file` and `[source.auth]`, values marked sensitive;
    /// sent like `headers`, through `headers_for`.
    pub secret_headers: Vec<(HeaderName, HeaderValue)>,
    /// Hosts besides the source's own origins that get its headers, lower-case; `*.example.org`
    /// covers the subdomains of example.org.
    pub header_hosts: Vec<String>,
    /// The source URL's origin, and the prime URL's.
    pub origins: Vec<url::Origin>,
    /// Fetched first on every poll, redirects not followed; the cookies it sets go with the
    /// poll's requests to its host.
    pub prime: Option<Url>,
    pub timeout: Option<Duration>,
    pub max_body: Option<u64>,
}

impl RequestSpec {
    /// Whether this asks for nothing beyond the defaults: no headers, no prime request, no
    /// deadline or body cap of its own.
    #[must_use]
    pub fn is_plain(&self) -> bool {
        self.headers.is_empty()
            && self.secret_headers.is_empty()
            && self.header_hosts.is_empty()
            && self.prime.is_none()
            && self.timeout.is_none()
            && self.max_body.is_none()
    }

    /// The headers a request to `url` carries: all of the source's (plain and secret) when
    /// `url` is on one of its origins (or the https upgrade of one) or on a `header_hosts`
    /// host, none otherwise, so a Referer or an API key never follows a link to another site.
    #[must_use]
    pub fn headers_for(&self, url: &Url) -> HeaderMap {
        let mut map = HeaderMap::new();
        if self.sends_headers_to(url) {
            for (name, value) in self.headers.iter().chain(&self.secret_headers) {
                map.append(name.clone(), value.clone());
            }
        }
        map
    }

    /// Whether `url` gets this source's headers (see `headers_for`).
    #[must_use]
    pub fn sends_headers_to(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
        let listed = self.header_hosts.iter().any(|allowed| match allowed.strip_prefix("*.") {
            Some(parent) => host.strip_suffix(parent).is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
            None => *allowed == host,
        });
        listed || self.origins.iter().any(|origin| same_origin_or_upgrade(origin, url))
    }
}

/// `url` is on `origin`, or on its https form when `origin` is plain http on the default port.
fn same_origin_or_upgrade(origin: &url::Origin, url: &Url) -> bool {
    let there = url.origin();
    if *origin == there {
        return true;
    }
    match (origin, &there) {
        (url::Origin::Tuple(scheme, host, 80), url::Origin::Tuple(to_scheme, to_host, 443)) => {
            scheme == "http" && to_scheme == "https" && host == to_host
        }
        _ => false,
    }
}

impl fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSpec")
            .field("headers", &self.headers)
            .field("secret_headers", &self.secret_headers)
            .field("header_hosts", &self.header_hosts)
            .field("origins", &self.origins.iter().map(url::Origin::ascii_serialization).collect::<Vec<_>>())
            .field("prime", &self.prime.as_ref().map(|p| Redacted(p).to_string()))
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish()
    }
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
/// Shared whole, one pointer per use: 50,000 sources that write `ul.list > li` hold one of it.
#[derive(Debug, Clone)]
pub struct CssSelector(Arc<CssParts>);

#[derive(Debug)]
pub struct CssParts {
    pub source: String,
    pub selector: scraper::Selector,
    pub attribute: Option<String>,
}

impl CssSelector {
    #[must_use]
    pub fn new(source: impl Into<String>, selector: scraper::Selector, attribute: Option<String>) -> Self {
        Self(Arc::new(CssParts { source: source.into(), selector, attribute }))
    }

    /// Whether `self` and `other` are one compiled selector.
    #[must_use]
    pub fn is_same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl From<Arc<CssParts>> for CssSelector {
    fn from(parts: Arc<CssParts>) -> Self {
        Self(parts)
    }
}

impl std::ops::Deref for CssSelector {
    type Target = CssParts;

    fn deref(&self) -> &CssParts {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct ListSpec {
    pub item: CssSelector,
    pub title: CssSelector,
    /// `href` of the first match unless an `@attr` is given. `None` only when the items are
    /// their own documents (`own_text`): each is then known by its title.
    pub link: Option<CssSelector>,
    pub date: Option<CssSelector>,
    /// The comment deadline; it overrides one found in the article's text.
    pub deadline: Option<CssSelector>,
    /// The response is JSON and the list's HTML is the string at this path.
    pub json: Option<JsonPath>,
    /// Set when the source does not follow its links (`follow = false`): each item's own text
    /// is its document.
    pub own_text: Option<ItemText>,
}

/// What of a list item is its document when the item is not followed: a newsletter's entries,
/// a page of short notices.
#[derive(Debug, Clone)]
pub struct ItemText {
    pub extent: ItemExtent,
    /// `[source.article] ignore`: removed before the text is read.
    pub ignore: Vec<CssSelector>,
    /// `[source.article] ignore_text`: matching lines are dropped.
    pub ignore_text: Vec<regex::Regex>,
}

/// Where an item's text is.
#[derive(Debug, Clone)]
pub enum ItemExtent {
    /// Inside the item element: the regions this selector matches (`text`), else the whole element.
    Within(Option<CssSelector>),
    /// A flat page where an item is a heading followed by its paragraphs (`until`): the
    /// elements after the item element, up to the next item or an element this matches.
    Until(CssSelector),
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

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn spec(source: &str, prime: Option<&str>, hosts: &[&str]) -> RequestSpec {
        let source = Url::parse(source).unwrap();
        let prime = prime.map(|p| Url::parse(p).unwrap());
        let mut value = HeaderValue::from_static("k");
        value.set_sensitive(true);
        RequestSpec {
            headers: vec![(reqwest::header::REFERER, HeaderValue::from_static("https://example.org/"))],
            secret_headers: vec![(HeaderName::from_static("x-api-key"), value)],
            header_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            origins: std::iter::once(&source).chain(&prime).map(Url::origin).collect(),
            prime,
            ..RequestSpec::default()
        }
    }

    #[rstest]
    #[case("https://www.miit.gov.cn/api/list", true)]
    #[case("https://WWW.MIIT.GOV.CN/art/1.html", true)]
    #[case("https://www.miit.gov.cn:443/art/1.html", true)]
    #[case("http://www.miit.gov.cn/art/1.html", false)]
    #[case("https://miit.gov.cn/art/1.html", false)]
    #[case("https://www.miit.gov.cn.evil.example/", false)]
    #[case("https://www.miit.gov.cn:8443/", false)]
    #[case("https://prime.miit.gov.cn/index.html", true)]
    #[case("https://files.example.org/a.pdf", true)]
    #[case("https://a.b.cdn.example.net/x", true)]
    #[case("https://cdn.example.net/x", false)]
    #[case("https://other.example.org/", false)]
    fn headers_stay_on_their_hosts(#[case] target: &str, #[case] sent: bool) {
        let spec = spec(
            "https://www.miit.gov.cn/api/list?x=1",
            Some("https://prime.miit.gov.cn/index.html"),
            &["files.example.org", "*.cdn.example.net"],
        );
        let headers = spec.headers_for(&Url::parse(target).unwrap());
        assert_eq!(headers.len(), if sent { 2 } else { 0 }, "{target}");
        assert_eq!(spec.sends_headers_to(&Url::parse(target).unwrap()), sent);
    }

    #[rstest]
    #[case("http://www.npc.gov.cn/flcaw/x", true)]
    #[case("https://www.npc.gov.cn/flcaw/x", true)]
    #[case("https://www.npc.gov.cn:8443/flcaw/x", false)]
    fn a_plain_http_source_keeps_its_headers_on_the_https_upgrade(#[case] target: &str, #[case] sent: bool) {
        let spec = spec("http://www.npc.gov.cn/flcaw/flca-list", None, &[]);
        assert_eq!(spec.sends_headers_to(&Url::parse(target).unwrap()), sent, "{target}");
    }

    #[test]
    fn debug_hides_secret_headers_and_url_credentials() {
        let mut spec = spec("https://www.miit.gov.cn/api", None, &[]);
        spec.prime = Some(Url::parse("https://u:hunter2@www.miit.gov.cn/?token=abc").unwrap());
        let shown = format!("{spec:?}");
        assert!(shown.contains("Sensitive") && !shown.contains("\"k\""), "{shown}");
        assert!(!shown.contains("hunter2") && !shown.contains("abc"), "{shown}");
    }
}
