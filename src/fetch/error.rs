//! Why a fetch failed, in words an operator can act on. Every variant names the URL.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

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
    #[error("{url}: HTTP status {status}")]
    Status { url: Url, status: u16, retry_after: Option<Duration> },
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
            | Self::TooLarge { url, .. }
            | Self::Body { url, .. }
            | Self::Other { url, .. }
            | Self::Robots { url } => url,
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
