//! The one HTTP client regwatch uses for sources: conditional GET, a body cap counted after
//! content decoding, bounded redirects kept to http(s), and the address policy on every hop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect;
use url::Url;

use super::address::{AddressPolicy, GuardedResolver, RefusedAddress};
use super::error::{Capped, Delay, FetchError};
use crate::clock::{Clock, SystemClock};
use crate::config::model::FetchConfig;

/// How long an idle keep-alive connection is kept: long enough for the article pages of one
/// poll, short against an hourly interval.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// Redirects followed before a fetch fails.
pub const MAX_REDIRECTS: usize = 5;

/// What the server told us last time, sent back so an unchanged resource costs a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One request to make.
#[derive(Debug, Clone)]
pub struct FetchRequest<'a> {
    pub url: &'a Url,
    pub validators: &'a Validators,
    pub shape: &'a RequestShape,
}

impl<'a> FetchRequest<'a> {
    /// A plain conditional GET with the client's defaults.
    #[must_use]
    pub fn plain(url: &'a Url, validators: &'a Validators) -> Self {
        static PLAIN: std::sync::LazyLock<RequestShape> = std::sync::LazyLock::new(RequestShape::default);
        Self { url, validators, shape: &PLAIN }
    }
}

/// What one source's requests carry beyond the client's defaults: extra headers (a Referer,
/// the cookies a prime request set) and its own deadline and body cap.
#[derive(Debug, Clone, Default)]
pub struct RequestShape {
    pub headers: HeaderMap,
    pub timeout: Option<Duration>,
    pub max_body: Option<u64>,
}

/// A successful response with its body read (within the cap).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub final_url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub validators: Validators,
    /// `Content-Disposition`: names the file behind an extensionless download link.
    pub content_disposition: Option<String>,
    pub body: Bytes,
    pub elapsed: Duration,
    /// The origin's robots.txt Crawl-delay, when it was larger than allowed and capped.
    pub capped: Option<Capped>,
}

#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 304: nothing to parse, nothing to write.
    NotModified {
        elapsed: Duration,
        /// Where the request ended after redirects.
        final_url: Url,
        /// As `Fetched::capped`.
        capped: Option<Capped>,
    },
    Fetched(Fetched),
}

impl FetchOutcome {
    /// A server-supplied delay that was capped on the way to this answer, for the source's
    /// warnings.
    #[must_use]
    pub fn capped(&self) -> Option<&Capped> {
        match self {
            Self::NotModified { capped, .. } | Self::Fetched(Fetched { capped, .. }) => capped.as_ref(),
        }
    }

    pub(crate) fn set_capped(&mut self, note: Option<Capped>) {
        match self {
            Self::NotModified { capped, .. } | Self::Fetched(Fetched { capped, .. }) => *capped = note,
        }
    }
}

/// The shared client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    /// For prime requests, whose cookies may sit on a redirect (MOJ's WAF answers 302 with
    /// Set-Cookie back to the same URL): built on first use.
    unredirected: Arc<std::sync::OnceLock<reqwest::Client>>,
    user_agent: String,
    connect_timeout: Duration,
    policy: Arc<AddressPolicy>,
    max_body: u64,
    timeout: Duration,
    max_retry_after: Duration,
}

/// Why reqwest's redirect policy stopped, carried through reqwest's error chain.
#[derive(Debug, thiserror::Error)]
enum RedirectRefusal {
    #[error("redirect loop back to {0}")]
    Loop(Url),
    #[error("too many redirects")]
    TooMany,
    #[error("redirect to non-http(s) URL {0}")]
    Scheme(String),
    #[error(transparent)]
    Refused(RefusedAddress),
}

impl HttpClient {
    /// Builds the client. Fails only if TLS cannot be set up.
    pub fn new(config: &FetchConfig) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let policy = Arc::new(AddressPolicy::new(config.private_networks.clone()));
        let inner = builder(&config.user_agent, config.connect_timeout, &policy)
            .timeout(config.timeout)
            // The host gate never has more in flight to one host; an idle daemon holds no
            // sockets (or their buffers) between cycles that are an hour apart.
            .pool_max_idle_per_host(config.per_host_concurrency)
            .pool_idle_timeout(POOL_IDLE)
            .redirect(redirect_policy(Arc::clone(&policy)))
            .build()?;
        Ok(Self {
            inner,
            unredirected: Arc::default(),
            user_agent: config.user_agent.clone(),
            connect_timeout: config.connect_timeout,
            policy,
            max_body: config.max_body,
            timeout: config.timeout,
            max_retry_after: config.max_retry_after,
        })
    }

    /// The client `alert` posts webhooks with: the same address policy and deadlines, but
    /// redirects are never followed (a signed body must not be replayed to another host).
    pub fn webhook_client(config: &FetchConfig) -> Result<reqwest::Client, reqwest::Error> {
        install_crypto_provider();
        let policy = Arc::new(AddressPolicy::new(config.private_networks.clone()));
        builder(&config.user_agent, config.connect_timeout, &policy)
            .timeout(config.timeout)
            .redirect(redirect::Policy::none())
            .build()
    }

    #[must_use]
    pub fn policy(&self) -> &AddressPolicy {
        &self.policy
    }

    /// One GET whose redirects are not followed, for the cookies it sets (`name=value` pairs,
    /// attributes dropped). Any status is accepted: a WAF challenge answers 302 or 403.
    pub async fn prime(&self, url: &Url, shape: &RequestShape) -> Result<Vec<String>, FetchError> {
        self.check_target(url)?;
        let timeout = shape.timeout.unwrap_or(self.timeout);
        let client = if let Some(client) = self.unredirected.get() {
            client.clone()
        } else {
            let built = builder(&self.user_agent, self.connect_timeout, &self.policy)
                .redirect(redirect::Policy::none())
                .build()
                .map_err(|e| FetchError::Other { url: url.clone(), reason: e.to_string() })?;
            self.unredirected.get_or_init(|| built).clone()
        };
        let response = client
            .get(url.clone())
            .headers(shape.headers.clone())
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| Self::classify(url, &e, timeout))?;
        if let Some(remote) = response.remote_addr()
            && !self.policy.allows(remote.ip())
        {
            return Err(FetchError::RefusedAddress { url: url.clone(), addr: remote.ip() });
        }
        Ok(response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::trim)
            .filter(|pair| pair.split_once('=').is_some_and(|(name, _)| !name.trim().is_empty()))
            .map(str::to_owned)
            .collect())
    }

    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme { url: url.clone() });
        }
        if let Some(addr) = self.policy.allows_url_host(url) {
            return Err(FetchError::RefusedAddress { url: url.clone(), addr });
        }
        Ok(())
    }

    /// One conditional GET.
    pub async fn fetch(&self, request: &FetchRequest<'_>) -> Result<FetchOutcome, FetchError> {
        let url = request.url;
        self.check_target(url)?;
        let timeout = request.shape.timeout.unwrap_or(self.timeout);
        let mut headers = request.shape.headers.clone();
        headers.extend(conditional_headers(request.validators));
        let started = Instant::now();
        let response = self
            .inner
            .get(url.clone())
            .headers(headers)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| Self::classify(url, &e, timeout))?;
        if let Some(remote) = response.remote_addr()
            && !self.policy.allows(remote.ip())
        {
            return Err(FetchError::RefusedAddress { url: url.clone(), addr: remote.ip() });
        }
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified {
                elapsed: started.elapsed(),
                final_url: response.url().clone(),
                capped: None,
            });
        }
        if status.is_redirection()
            && let Some(to) = header_string(response.headers(), &header::LOCATION)
        {
            // reqwest hands back, unfollowed, a redirect to a scheme it cannot fetch.
            return Err(FetchError::RedirectScheme { url: url.clone(), to });
        }
        if !status.is_success() {
            let (retry_after, capped) = self.capped_retry_after(url, response.headers());
            return Err(FetchError::Status { url: url.clone(), status: status.as_u16(), retry_after, capped });
        }
        let final_url = response.url().clone();
        let content_type = header_string(response.headers(), &header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_string(response.headers(), &header::ETAG),
            last_modified: header_string(response.headers(), &header::LAST_MODIFIED),
        };
        let content_disposition = header_string(response.headers(), &header::CONTENT_DISPOSITION);
        let limit = request.shape.max_body.unwrap_or(self.max_body);
        let body = self.read_capped(url, response, limit, timeout).await?;
        Ok(FetchOutcome::Fetched(Fetched {
            final_url,
            status: status.as_u16(),
            content_type,
            validators,
            content_disposition,
            body,
            elapsed: started.elapsed(),
            capped: None,
        }))
    }

    /// The answer's Retry-After, at most `fetch.max_retry_after`; a larger one is logged and
    /// kept as a note for the source.
    fn capped_retry_after(&self, url: &Url, headers: &HeaderMap) -> (Option<Duration>, Option<Box<Capped>>) {
        let Some(asked) = retry_after(headers, SystemClock.now()) else { return (None, None) };
        if asked <= self.max_retry_after {
            return (Some(asked), None);
        }
        let raw = header_string(headers, &header::RETRY_AFTER).unwrap_or_default();
        let capped = Capped::new(Delay::RetryAfter, url.clone(), &raw, self.max_retry_after);
        tracing::warn!(%url, retry_after = %capped.asked, used = ?self.max_retry_after, "Retry-After is longer than fetch.max_retry_after; capped.");
        (Some(self.max_retry_after), Some(Box::new(capped)))
    }

    /// Reads the decoded body, failing as soon as it passes the cap (a gzip bomb stops there).
    async fn read_capped(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        limit: u64,
        timeout: Duration,
    ) -> Result<Bytes, FetchError> {
        let too_large = || FetchError::TooLarge { url: url.clone(), limit };
        let encoded = response.headers().contains_key(header::CONTENT_ENCODING);
        if !encoded && response.content_length().is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| Self::classify(url, &e, timeout))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    fn classify(url: &Url, error: &reqwest::Error, timeout: Duration) -> FetchError {
        let url = url.clone();
        if let Some(refusal) = find_source::<RedirectRefusal>(error) {
            return match refusal {
                RedirectRefusal::Loop(to) => FetchError::RedirectLoop { url, to: to.to_string() },
                RedirectRefusal::TooMany => FetchError::TooManyRedirects { url, max: MAX_REDIRECTS },
                RedirectRefusal::Scheme(to) => FetchError::RedirectScheme { url, to: to.clone() },
                RedirectRefusal::Refused(r) => FetchError::RefusedAddress { url, addr: r.addr },
            };
        }
        if let Some(refused) = find_source::<RefusedAddress>(error) {
            return FetchError::RefusedAddress { url, addr: refused.addr };
        }
        if error.is_timeout() {
            return FetchError::Timeout { url, after: timeout };
        }
        let reason = innermost_message(error);
        if error.is_connect() {
            FetchError::Connect { url, reason }
        } else if error.is_body() || error.is_decode() {
            FetchError::Body { url, reason }
        } else {
            FetchError::Other { url, reason }
        }
    }
}

/// reqwest built without a default provider must be given one; ring keeps one TLS stack and
/// no C toolchain beyond what ring needs.
fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What every client regwatch builds shares: an honest User-Agent, the connect deadline, the
/// address policy in the resolver, and no proxy from the environment.
fn builder(user_agent: &str, connect_timeout: Duration, policy: &Arc<AddressPolicy>) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .dns_resolver(GuardedResolver::new(Arc::clone(policy)))
        .no_proxy()
}

fn redirect_policy(policy: Arc<AddressPolicy>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        let next = attempt.url().clone();
        if !matches!(next.scheme(), "http" | "https") {
            return attempt.error(RedirectRefusal::Scheme(next.to_string()));
        }
        if attempt.previous().contains(&next) {
            return attempt.error(RedirectRefusal::Loop(next));
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(RedirectRefusal::TooMany);
        }
        if let Some(addr) = policy.allows_url_host(&next) {
            let host = next.host_str().unwrap_or_default().to_owned();
            return attempt.error(RedirectRefusal::Refused(RefusedAddress { host, addr }));
        }
        attempt.follow()
    })
}

fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let pairs = [
        (header::IF_NONE_MATCH, validators.etag.as_deref()),
        (header::IF_MODIFIED_SINCE, validators.last_modified.as_deref()),
    ];
    for (name, value) in pairs {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

fn header_string(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// `Retry-After` as delay-seconds or an HTTP date, relative to `now`; a past date is zero.
/// Sources (429/503) and webhook receivers both send it. Not capped: a number of seconds too
/// large for a `u64` saturates, so an absurd value stays absurd for the caller to cap, rather
/// than vanishing as unparsable.
#[must_use]
pub fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: the parse can only fail by overflowing.
        return Some(Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(Duration::try_from(when.duration_since(now)).unwrap_or(Duration::ZERO))
}

fn find_source<T: std::error::Error + 'static>(error: &reqwest::Error) -> Option<&T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn innermost_message(error: &reqwest::Error) -> String {
    let mut current: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers, SystemClock.now()), Some(Duration::from_secs(120)));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&headers, SystemClock.now()), Some(Duration::ZERO));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, SystemClock.now()), None);
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("18446744073709551615"));
        assert_eq!(retry_after(&headers, SystemClock.now()), Some(Duration::from_secs(u64::MAX)));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("99999999999999999999999999"));
        assert_eq!(retry_after(&headers, SystemClock.now()), Some(Duration::from_secs(u64::MAX)));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("-5"));
        assert_eq!(retry_after(&headers, SystemClock.now()), None);
    }

    #[test]
    fn conditional_headers_carry_both_validators() {
        let v =
            Validators { etag: Some("\"abc\"".into()), last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()) };
        let h = conditional_headers(&v);
        assert_eq!(h.get(header::IF_NONE_MATCH).unwrap(), "\"abc\"");
        assert!(h.contains_key(header::IF_MODIFIED_SINCE));
        assert!(conditional_headers(&Validators::default()).is_empty());
    }
}
