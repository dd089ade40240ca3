//! Why a fetch failed, in words an operator can act on. Every variant names the URL, shown
//! with its credentials masked (`crate::redact`): these messages reach logs, `last_error` and
//! the fetch log.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::redact::{Redacted, text};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{}: only http and https URLs are fetched", Redacted(.url))]
    Scheme { url: Url },
    #[error(
        "{}: refused address {addr}: private, loopback or link-local networks are not allowed (see fetch.allow_private_networks)",
        Redacted(.url)
    )]
    RefusedAddress { url: Url, addr: IpAddr },
    #[error("{}: timed out after {after:?}", Redacted(.url))]
    Timeout { url: Url, after: Duration },
    #[error("{}: connection failed: {}", Redacted(.url), text(.reason))]
    Connect { url: Url, reason: String },
    #[error("{}: redirect loop back to {}", Redacted(.url), text(.to))]
    RedirectLoop { url: Url, to: String },
    #[error("{}: more than {max} redirects", Redacted(.url))]
    TooManyRedirects { url: Url, max: usize },
    #[error("{}: redirect to a non-http(s) URL {}", Redacted(.url), text(.to))]
    RedirectScheme { url: Url, to: String },
    #[error("{}: HTTP status {status}", Redacted(.url))]
    Status { url: Url, status: u16, retry_after: Option<Duration> },
    #[error("{}: body larger than {limit} bytes", Redacted(.url))]
    TooLarge { url: Url, limit: u64 },
    #[error("{}: reading the body failed: {}", Redacted(.url), text(.reason))]
    Body { url: Url, reason: String },
    #[error("{}: request failed: {}", Redacted(.url), text(.reason))]
    Other { url: Url, reason: String },
    #[error("{}: disallowed by the site's robots.txt (set fetch.respect_robots = false to override)", Redacted(.url))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_mask_url_credentials() {
        let url = Url::parse("http://reader:hunter2@127.0.0.1:8080/feed?api_key=SECRET&page=1").unwrap();
        let errors = [
            FetchError::Status { url: url.clone(), status: 500, retry_after: None },
            FetchError::Timeout { url: url.clone(), after: Duration::from_secs(3) },
            FetchError::Connect {
                url: url.clone(),
                reason: "error sending request for url (http://127.0.0.1:8080/feed?api_key=SECRET)".into(),
            },
            FetchError::RedirectLoop { url: url.clone(), to: "http://127.0.0.1:8080/login?token=SECRET".into() },
            FetchError::Robots { url },
        ];
        for error in errors {
            let shown = error.to_string();
            assert!(!shown.contains("hunter2") && !shown.contains("SECRET"), "{shown}");
            assert!(shown.starts_with("http://***@127.0.0.1:8080/feed?api_key=***&page=1: "), "{shown}");
        }
    }
}
