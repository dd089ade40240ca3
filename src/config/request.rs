//! `[source.request]` and `[source.auth]` → `RequestSpec`, plus the source URL with its `query`
//! pairs appended: the request shaping real regulator sites need (a Referer, a cookie from the
//! column page, a longer timeout for a slow API, a larger body cap for 40 MB PDFs), and the
//! credentials a subscription API needs, read like every other secret from `*_env` / `*_file`.
//!
//! Secret header values are marked sensitive (their `Debug` says so and nothing more); secret
//! query parameters must have names that `redact` masks, so the URL they join is never shown
//! with them. Which hosts get the headers is `RequestSpec::headers_for`'s business.

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use toml::Spanned;
use url::Url;

use crate::config::EnvLookup;
use crate::config::check::{http_url, size};
use crate::config::issue::{Report, Reported};
use crate::config::model::RequestSpec;
use crate::config::raw::{RawAuth, RawPairs, RawRequest};
use crate::config::secrets::{self, SecretKeys};
use crate::config::units::parse_duration;
use crate::redact;

/// Headers regwatch sets itself: a source overriding them would break conditional requests,
/// the body cap or the honest User-Agent.
const RESERVED: [&str; 7] =
    ["host", "if-none-match", "if-modified-since", "content-length", "accept-encoding", "user-agent", "cookie"];

/// Appended to the problems of a disabled source's secrets, which are then only warnings.
const DISABLED: &str = " (the source is disabled, so this is only a warning until it is enabled)";

/// A secret query parameter, appended to the source URL by `with_query`.
pub(crate) type SecretPair = (String, SecretString);

/// What `[source.request]` and `[source.auth]` come to: the spec, and the secret query pairs
/// still to be appended to the URL.
pub(crate) struct Shaped {
    pub(crate) spec: RequestSpec,
    pub(crate) secret_query: Vec<SecretPair>,
}

/// Reads both tables. Secrets of a disabled source that cannot be had are warnings, and the
/// source is then read without them.
pub(crate) fn request(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&RawRequest>,
    auth: Option<&Spanned<RawAuth>>,
    env: EnvLookup<'_>,
    enabled: bool,
) -> Result<Shaped, Reported> {
    let rkey = format!("{key}.request");
    let empty = RawRequest::default();
    let raw = raw.unwrap_or(&empty);
    let headers = raw.headers.as_ref().map(|h| headers(report, &format!("{rkey}.headers"), h)).transpose();
    let mut secret = Secret { report, env, enabled };
    let from_env = raw.headers_env.as_ref().map(|h| secret.headers(&format!("{rkey}.headers_env"), h, Source::Env));
    let from_file = raw.headers_file.as_ref().map(|h| secret.headers(&format!("{rkey}.headers_file"), h, Source::File));
    let basic = auth.map(|a| secret.basic(&format!("{key}.auth"), a)).transpose();
    let query_env = raw.query_env.as_ref().map(|q| secret.query(&format!("{rkey}.query_env"), q, Source::Env));
    let query_file = raw.query_file.as_ref().map(|q| secret.query(&format!("{rkey}.query_file"), q, Source::File));
    let prime = raw.prime.as_ref().map(|p| http_url(report, &format!("{rkey}.prime"), p)).transpose();
    let timeout = raw
        .timeout
        .as_ref()
        .map(|t| match parse_duration(t.get_ref()) {
            Ok(d) if d.as_millis() >= 1 => Ok(d),
            Ok(_) => Err(report.error(Some(t.span()), &format!("{rkey}.timeout"), "timeout must be more than 0")),
            Err(e) => Err(report.error(Some(t.span()), &format!("{rkey}.timeout"), e.to_string())),
        })
        .transpose();
    let max_body = raw.max_body.as_ref().map(|m| size(report, &format!("{rkey}.max_body"), Some(m), 0)).transpose();
    let header_hosts = raw.header_hosts.as_ref().map_or(Ok(Vec::new()), |h| hosts(report, &rkey, h));
    let headers = headers?.unwrap_or_default();
    let mut secret_headers = Vec::new();
    for list in [from_env.transpose()?, from_file.transpose()?, basic?.flatten().map(|b| vec![b])] {
        secret_headers.extend(list.into_iter().flatten());
    }
    unique_headers(report, &rkey, raw, &headers, &secret_headers)?;
    let mut secret_query = Vec::new();
    for list in [query_env.transpose()?, query_file.transpose()?] {
        secret_query.extend(list.into_iter().flatten());
    }
    let spec = RequestSpec {
        headers,
        secret_headers,
        header_hosts: header_hosts?,
        origins: Vec::new(),
        prime: prime?,
        timeout: timeout?,
        max_body: max_body?,
    };
    Ok(Shaped { spec, secret_query })
}

fn headers(
    report: &mut Report<'_>,
    key: &str,
    raw: &Spanned<RawPairs>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Reported> {
    let mut out = Ok(Vec::new());
    for (name, value) in &raw.get_ref().0 {
        let here = format!("{key}.{}", name.get_ref());
        let parsed = header_name(report, &here, name).and_then(|n| {
            HeaderValue::from_str(value.get_ref().trim()).map(|v| (n, v)).map_err(|_| {
                let message = "header value must be one line of visible ASCII (percent-encode anything else)";
                report.error(Some(value.span()), &here, message)
            })
        });
        collect(&mut out, parsed);
    }
    out
}

fn header_name(report: &mut Report<'_>, key: &str, name: &Spanned<String>) -> Result<HeaderName, Reported> {
    match HeaderName::from_bytes(name.get_ref().trim().as_bytes()) {
        Err(_) => Err(report.error(Some(name.span()), key, format!("invalid header name `{}`", name.get_ref()))),
        Ok(n) if RESERVED.contains(&n.as_str()) => {
            let message = format!(
                "header `{}` is set by regwatch itself (cookies come from `prime`); remove it here",
                name.get_ref()
            );
            Err(report.error(Some(name.span()), key, message))
        }
        Ok(n) => Ok(n),
    }
}

/// A header set in two places (say `headers` and `headers_env`, or `Authorization` and
/// `[source.auth]`) would be sent twice.
fn unique_headers(
    report: &mut Report<'_>,
    key: &str,
    raw: &RawRequest,
    plain: &[(HeaderName, HeaderValue)],
    secret: &[(HeaderName, HeaderValue)],
) -> Result<(), Reported> {
    let mut seen: Vec<&HeaderName> = Vec::new();
    let mut result = Ok(());
    for (name, _) in plain.iter().chain(secret) {
        if seen.contains(&name) {
            let span =
                raw.headers_env.as_ref().or(raw.headers_file.as_ref()).or(raw.headers.as_ref()).map(Spanned::span);
            let message = if name == AUTHORIZATION {
                "`Authorization` is set twice: use either a header or [source.auth]".to_owned()
            } else {
                format!("header `{name}` is set twice; set it in one of headers, headers_env or headers_file")
            };
            result = Err(report.error(span, key, message));
        }
        seen.push(name);
    }
    result
}

/// `header_hosts`: host names (or `*.example.org` for its subdomains), lower-cased.
fn hosts(report: &mut Report<'_>, key: &str, raw: &Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, Reported> {
    let mut out = Ok(Vec::new());
    for (i, host) in raw.get_ref().iter().enumerate() {
        let text = host.get_ref().trim().to_ascii_lowercase();
        let bare = text.strip_prefix("*.").unwrap_or(&text);
        let valid = !bare.is_empty()
            && !bare.contains(['/', ':', '@', '?', '#', '*', ' '])
            && url::Host::parse(bare).is_ok_and(|h| matches!(h, url::Host::Domain(_)) || !text.starts_with("*."));
        let checked = if valid {
            Ok(text)
        } else {
            let message = format!(
                "invalid host `{}`: expected a host name such as api.example.org or *.example.org, without scheme or port",
                host.get_ref()
            );
            Err(report.error(Some(host.span()), &format!("{key}.header_hosts[{i}]"), message))
        };
        collect(&mut out, checked);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Env,
    File,
}

/// Reads a source's secrets into the report, leniently when the source is disabled.
struct Secret<'r, 'a, 'e> {
    report: &'r mut Report<'a>,
    env: EnvLookup<'e>,
    enabled: bool,
}

impl Secret<'_, '_, '_> {
    /// One secret named by `where_` (a variable or a file); `Ok(None)` when a disabled source
    /// cannot have it.
    fn read(&mut self, key: &str, where_: &Spanned<String>, source: Source) -> Result<Option<SecretString>, Reported> {
        let env = self.env;
        let read = |report: &mut Report<'_>| match source {
            Source::Env => secrets::from_env(report, key, where_.get_ref(), where_.span(), env),
            Source::File => secrets::from_file(report, key, where_.get_ref(), where_.span()),
        };
        if self.enabled { read(self.report).map(Some) } else { Ok(self.report.leniently(DISABLED, read).ok()) }
    }

    fn headers(
        &mut self,
        key: &str,
        raw: &Spanned<RawPairs>,
        source: Source,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, Reported> {
        let mut out = Ok(Vec::new());
        for (name, where_) in &raw.get_ref().0 {
            let here = format!("{key}.{}", name.get_ref());
            let parsed = header_name(self.report, &here, name).and_then(|n| {
                let Some(secret) = self.read(&here, where_, source)? else { return Ok(None) };
                let value = sensitive(secret.expose_secret().trim()).ok_or_else(|| {
                    let message = format!(
                        "the value {} holds is not a valid header value (one line of visible ASCII)",
                        holder(where_, source)
                    );
                    self.report.error(Some(where_.span()), &here, message)
                })?;
                Ok(Some((n, value)))
            });
            collect(&mut out, parsed.map(|pair| pair.into_iter().collect::<Vec<_>>()));
        }
        out.map(|lists: Vec<Vec<_>>| lists.into_iter().flatten().collect())
    }

    fn query(&mut self, key: &str, raw: &Spanned<RawPairs>, source: Source) -> Result<Vec<SecretPair>, Reported> {
        let mut out = Ok(Vec::new());
        for (name, where_) in &raw.get_ref().0 {
            let here = format!("{key}.{}", name.get_ref());
            let trimmed = name.get_ref().trim();
            let checked = if trimmed.is_empty() {
                Err(self.report.error(Some(name.span()), key, "empty parameter name"))
            } else if !redact::is_credential_name(trimmed) {
                let message = format!(
                    "`{trimmed}` does not name a credential (key, token, secret, sig, auth…), so it would not be \
                     masked where the URL is shown; put it in `query` if it is no secret"
                );
                Err(self.report.error(Some(name.span()), &here, message))
            } else {
                self.read(&here, where_, source).map(|secret| secret.map(|s| (trimmed.to_owned(), s)))
            };
            collect(&mut out, checked.map(|pair| pair.into_iter().collect::<Vec<_>>()));
        }
        out.map(|lists: Vec<Vec<_>>| lists.into_iter().flatten().collect())
    }

    /// `[source.auth]` → `Authorization: Basic …`.
    fn basic(&mut self, key: &str, raw: &Spanned<RawAuth>) -> Result<Option<(HeaderName, HeaderValue)>, Reported> {
        let auth = raw.get_ref();
        let keys = SecretKeys {
            table: key,
            stem: "password",
            env: auth.password_env.as_ref(),
            file: auth.password_file.as_ref(),
        };
        let username = match &auth.username {
            None => {
                return Err(self.report.error(Some(raw.span()), &format!("{key}.username"), "missing key `username`"));
            }
            Some(name)
                if name.get_ref().is_empty()
                    || name.get_ref().contains(':')
                    || name.get_ref().chars().any(char::is_control) =>
            {
                let message = "username must be non-empty, on one line and without `:`";
                return Err(self.report.error(Some(name.span()), &format!("{key}.username"), message));
            }
            Some(name) => name.get_ref().clone(),
        };
        if keys.given().is_none() {
            let message = "missing key `password_env` or `password_file`";
            return Err(self.report.error(Some(raw.span()), key, message));
        }
        let env = self.env;
        let password = if self.enabled {
            secrets::resolve(self.report, &keys, env)?
        } else {
            self.report.leniently(DISABLED, |report| secrets::resolve(report, &keys, env)).ok().flatten()
        };
        let Some(password) = password else { return Ok(None) };
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", password.expose_secret()));
        Ok(sensitive(&format!("Basic {token}")).map(|value| (AUTHORIZATION, value)))
    }
}

/// A header value whose `Debug` hides it (and which HTTP/2 never indexes).
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn holder(where_: &Spanned<String>, source: Source) -> String {
    match source {
        Source::Env => format!("environment variable `{}`", where_.get_ref()),
        Source::File => format!("file {}", where_.get_ref()),
    }
}

/// Keeps every good value, or the fact that one was bad.
fn collect<T>(all: &mut Result<Vec<T>, Reported>, one: Result<T, Reported>) {
    match (all, one) {
        (Ok(list), Ok(value)) => list.push(value),
        (all, Err(reported)) => *all = Err(reported),
        (Err(_), Ok(_)) => {}
    }
}

/// The source URL with `query` appended (sorted by name, as TOML tables are read), then the
/// secret pairs; values UTF-8 percent-encoded (sites such as MOHURD refuse GBK-encoded Chinese
/// in a query).
pub(crate) fn with_query(
    report: &mut Report<'_>,
    key: &str,
    url: Url,
    raw: Option<&RawRequest>,
    secret: &[SecretPair],
) -> Result<Url, Reported> {
    let query = raw.and_then(|r| r.query.as_ref());
    let mut url = url;
    if let Some(query) = query {
        for (name, _) in &query.get_ref().0 {
            if name.get_ref().trim().is_empty() {
                return Err(report.error(Some(name.span()), &format!("{key}.request.query"), "empty parameter name"));
            }
            if redact::is_credential_name(name.get_ref().trim()) {
                let message = format!(
                    "`{}` looks like a credential: read it from query_env or query_file instead of writing it here",
                    name.get_ref().trim()
                );
                report.warn(Some(name.span()), &format!("{key}.request.query.{}", name.get_ref().trim()), message);
            }
        }
    }
    if query.is_none() && secret.is_empty() {
        return Ok(url);
    }
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in query.iter().flat_map(|q| &q.get_ref().0) {
            pairs.append_pair(name.get_ref().trim(), value.get_ref());
        }
        for (name, value) in secret {
            pairs.append_pair(name, value.expose_secret());
        }
    }
    Ok(url)
}

/// Warns about credentials written into the URL itself: they work, and are masked wherever the
/// URL is shown, but the config file is no place for them.
pub(crate) fn warn_inline_credentials(report: &mut Report<'_>, key: &str, raw: &Spanned<String>, url: &Url) {
    if url.password().is_some() {
        let message = "the URL holds a password: move it to [source.auth] with password_env or password_file";
        report.warn(Some(raw.span()), key, message);
    }
    for (name, value) in url.query_pairs() {
        if !value.is_empty() && redact::is_credential_name(&name) {
            let message = format!(
                "query parameter `{name}` looks like a credential: move it to [source.request] query_env or query_file"
            );
            report.warn(Some(raw.span()), key, message);
        }
    }
}
