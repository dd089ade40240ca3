//! Why a fetch failed, in words an operator can act on. Every variant names the URL. Also
//! `Capped`: a delay a server asked for that regwatch would not wait, kept so the pipeline can
//! record it on the source as a warning.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::config::units::format_duration;

/// Which server-supplied delay was capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// A `Retry-After` header on a 429 or 503 answer.
    RetryAfter,
    /// A `Crawl-delay` line in the origin's robots.txt.
    CrawlDelay,
}

/// A delay from the network that was larger than regwatch allows, and what was used instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped {
    pub delay: Delay,
    /// Where it was said: the answering URL, or the robots.txt URL.
    pub at: Url,
    /// As the server wrote it (shortened if absurdly long).
    pub asked: String,
    pub used: Duration,
}

impl Capped {
    #[must_use]
    pub fn new(delay: Delay, at: Url, asked: &str, used: Duration) -> Self {
        let mut asked = asked.trim().to_owned();
        if asked.len() > 40 {
            let mut end = 40;
            while !asked.is_char_boundary(end) {
                end -= 1;
            }
            asked.truncate(end);
            asked.push('…');
        }
        Self { delay, at, asked, used }
    }
}

impl fmt::Display for Capped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, unit) = match self.delay {
            Delay::RetryAfter => ("Retry-After", ""),
            Delay::CrawlDelay => ("Crawl-delay", " s"),
        };
        write!(f, "{}: {what} of {}{unit} capped at {}", self.at, self.asked, format_duration(self.used))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: only http and https URLs are fetched")]
    Scheme { url: Url },
    #[error(
        "{url}: refused address {addr} ({}): only public addresses are fetched (see fetch.allow_private_networks)",
        super::address::why_refused(*addr)
    )]
    RefusedAddress { url: Url, addr: IpAddr },
    #[error("{url}: timed out after {after:?}")]
    Timeout { url: Url, after: Duration },
    #[error("{url}: connection failed: {reason}")]
    Connect { url: Url, reason: String },
    #[error("{url}: redirect loop back to {to}")]
    RedirectLoop { url: Url, to: String },
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: Url, max: usize },
    #[error("{url}: redirect to a non-http(s) URL {to}")]
    RedirectScheme { url: Url, to: String },
    #[error("{url}: HTTP status {status}{}", capped_note(capped.as_deref()))]
    Status {
        url: Url,
        status: u16,
        /// The server's Retry-After, already capped (see `capped`).
        retry_after: Option<Duration>,
        /// Set when the server's Retry-After was larger than `fetch.max_retry_after`.
        capped: Option<Box<Capped>>,
    },
    #[error(
        "{url}: not requested: {} asked for a pause (Retry-After) that lasts another {}",
        url.host_str().unwrap_or_default(),
        format_duration(*wait)
    )]
    Deferred { url: Url, wait: Duration },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: Url, limit: u64 },
    #[error("{url}: reading the body failed: {reason}")]
    Body { url: Url, reason: String },
    #[error("{url}: request failed: {reason}")]
    Other { url: Url, reason: String },
    #[error("{url}: disallowed by the site's robots.txt (set fetch.respect_robots = false to override)")]
    Robots { url: Url },
}

impl FetchError {
    /// The URL that failed.
    #[must_use]
    pub fn url(&self) -> &Url {
        match self {
            Self::Scheme { url }
            | Self::RefusedAddress { url, .. }
            | Self::Timeout { url, .. }
            | Self::Connect { url, .. }
            | Self::RedirectLoop { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::RedirectScheme { url, .. }
            | Self::Status { url, .. }
            | Self::Deferred { url, .. }
            | Self::TooLarge { url, .. }
            | Self::Body { url, .. }
            | Self::Other { url, .. }
            | Self::Robots { url } => url,
        }
    }

    /// How long the server asked us to stay away (capped): a 429/503's Retry-After, or what is
    /// left of an earlier one on the same host. The source's next poll should not come sooner.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            Self::Deferred { wait, .. } => Some(*wait),
            _ => None,
        }
    }

    /// A server-supplied delay that was capped on the way to this error, for the source's
    /// warnings.
    #[must_use]
    pub fn capped(&self) -> Option<&Capped> {
        match self {
            Self::Status { capped, .. } => capped.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered with one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn capped_note(capped: Option<&Capped>) -> String {
    capped
        .map(|c| {
            format!(
                " ({} {} capped at {})",
                match c.delay {
                    Delay::RetryAfter => "Retry-After",
                    Delay::CrawlDelay => "Crawl-delay",
                },
                c.asked,
                format_duration(c.used)
            )
        })
        .unwrap_or_default()
}
