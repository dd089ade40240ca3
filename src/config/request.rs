//! `[source.request]` → `RequestSpec`, plus the source URL with its `query` pairs appended:
//! the request shaping real regulator sites need (a Referer, a cookie from the column page,
//! a longer timeout for a slow API, a larger body cap for 40 MB PDFs).

use reqwest::header::{HeaderName, HeaderValue};
use toml::Spanned;
use url::Url;

use crate::config::check::{http_url, size};
use crate::config::issue::{Report, Reported};
use crate::config::model::RequestSpec;
use crate::config::raw::{RawPairs, RawRequest};
use crate::config::units::parse_duration;

/// Headers regwatch sets itself: a source overriding them would break conditional requests,
/// the body cap or the honest User-Agent.
const RESERVED: [&str; 7] =
    ["host", "if-none-match", "if-modified-since", "content-length", "accept-encoding", "user-agent", "cookie"];

pub(crate) fn request(report: &mut Report<'_>, key: &str, raw: &RawRequest) -> Result<RequestSpec, Reported> {
    let key = format!("{key}.request");
    let headers = raw.headers.as_ref().map(|h| headers(report, &format!("{key}.headers"), h)).transpose();
    let prime = raw.prime.as_ref().map(|p| http_url(report, &format!("{key}.prime"), p)).transpose();
    let timeout = raw
        .timeout
        .as_ref()
        .map(|t| match parse_duration(t.get_ref()) {
            Ok(d) if d.as_millis() >= 1 => Ok(d),
            Ok(_) => Err(report.error(Some(t.span()), &format!("{key}.timeout"), "timeout must be more than 0")),
            Err(e) => Err(report.error(Some(t.span()), &format!("{key}.timeout"), e.to_string())),
        })
        .transpose();
    let max_body = raw.max_body.as_ref().map(|m| size(report, &format!("{key}.max_body"), Some(m), 0)).transpose();
    Ok(RequestSpec { headers: headers?.unwrap_or_default(), prime: prime?, timeout: timeout?, max_body: max_body? })
}

fn headers(
    report: &mut Report<'_>,
    key: &str,
    raw: &Spanned<RawPairs>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Reported> {
    let mut out = Ok(Vec::new());
    for (name, value) in &raw.get_ref().0 {
        let here = format!("{key}.{}", name.get_ref());
        let parsed = match HeaderName::from_bytes(name.get_ref().trim().as_bytes()) {
            Err(_) => Err(report.error(Some(name.span()), &here, format!("invalid header name `{}`", name.get_ref()))),
            Ok(n) if RESERVED.contains(&n.as_str()) => {
                let message = format!(
                    "header `{}` is set by regwatch itself (cookies come from `prime`); remove it here",
                    name.get_ref()
                );
                Err(report.error(Some(name.span()), &here, message))
            }
            Ok(n) => HeaderValue::from_str(value.get_ref().trim()).map(|v| (n, v)).map_err(|_| {
                let message = "header value must be one line of visible ASCII (percent-encode anything else)";
                report.error(Some(value.span()), &here, message)
            }),
        };
        match (&mut out, parsed) {
            (Ok(list), Ok(pair)) => list.push(pair),
            (out, Err(reported)) => *out = Err(reported),
            (Err(_), Ok(_)) => {}
        }
    }
    out
}

/// The source URL with `query` appended (sorted by name, as TOML tables are read), values UTF-8 percent-encoded
/// (sites such as MOHURD refuse GBK-encoded Chinese in a query).
pub(crate) fn with_query(
    report: &mut Report<'_>,
    key: &str,
    url: Url,
    raw: Option<&RawRequest>,
) -> Result<Url, Reported> {
    let Some(query) = raw.and_then(|r| r.query.as_ref()) else { return Ok(url) };
    let mut url = url;
    for (name, _) in &query.get_ref().0 {
        if name.get_ref().trim().is_empty() {
            return Err(report.error(Some(name.span()), &format!("{key}.request.query"), "empty parameter name"));
        }
    }
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &query.get_ref().0 {
            pairs.append_pair(name.get_ref().trim(), value.get_ref());
        }
    }
    Ok(url)
}
