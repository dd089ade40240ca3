//! Webhook delivery per Standard Webhooks: the signature (`v1,` + base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}`), its verification (what a receiver does; used by our tests and
//! handy for users), and one POST turned into a [`DeliveryOutcome`].
//!
//! Not here: the HTTP client and its address policy (the caller passes the one client, built
//! with redirects off), when to retry (`retry`), or the outbox.

pub use crate::fetch::client::retry_after;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use sha2::Sha256;
use url::Url;

use super::retry::DeliveryOutcome;
use crate::clock::{Clock, SystemClock};
pub use crate::config::webhook_secret::{SECRET_PREFIX, WebhookError, signing_key};

/// The `user-agent` of every webhook request.
pub const USER_AGENT: &str = concat!("regwatch/", env!("CARGO_PKG_VERSION"), " (webhook)");

/// How far a `webhook-timestamp` may be from the receiver's clock, either way.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// How much of an error response's body goes into the stored reason.
const REASON_BODY_BYTES: usize = 200;

/// `v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">`, keyed by `key` (see [`signing_key`]).
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", BASE64.encode(mac(key, msg_id, timestamp, body).finalize().into_bytes()))
}

/// Whether `headers` carry a valid signature of `body` made within [`TOLERANCE`] of now.
pub fn verify(key: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    verify_at(key, headers, body, SystemClock.now().as_second())
}

/// [`verify`] against an explicit clock (unix seconds). Accepts any of several space-separated
/// `v1,` signatures (key rotation); compares in constant time.
pub fn verify_at(key: &[u8], headers: &HeaderMap, body: &[u8], now: i64) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signatures)) =
        (text("webhook-id"), text("webhook-timestamp"), text("webhook-signature"))
    else {
        return false;
    };
    let Ok(timestamp) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    let tolerance = i64::try_from(TOLERANCE.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(timestamp) > tolerance.unsigned_abs() {
        return false;
    }
    signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).filter_map(|s| BASE64.decode(s).ok()).any(|tag| {
        // A fresh MAC per candidate: `verify_slice` consumes it and compares in constant time.
        mac(key, id, timestamp, body).verify_slice(&tag).is_ok()
    })
}

fn mac(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC hashes long keys and pads short ones: no input reaches the error branch.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// POSTs one delivery. `msg_id` is the delivery id, the same on every retry; `timestamp` is
/// this attempt's unix time (signed fresh each attempt). 2xx → `Delivered`; 410 → `Gone`;
/// anything else, a timeout or a connection error → `Retry` with a reason and the receiver's
/// `Retry-After`. Redirects are answered with `Retry` and never followed: a webhook URL that
/// moved is the subscriber's to fix, and following would resend a signed body elsewhere.
pub async fn send(
    client: &reqwest::Client,
    url: &Url,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    secret: Option<&[u8]>,
    timeout: Duration,
) -> DeliveryOutcome {
    let mut request = client
        .post(url.clone())
        .timeout(timeout)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, USER_AGENT)
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .body(body.to_vec());
    if let Some(key) = secret {
        request = request.header("webhook-signature", sign(key, msg_id, timestamp, body));
    }
    match request.send().await {
        Ok(response) => judge(response, url).await,
        Err(e) => DeliveryOutcome::Retry { retry_after: None, reason: describe_error(&e, url, timeout) },
    }
}

async fn judge(response: reqwest::Response, url: &Url) -> DeliveryOutcome {
    let status = response.status();
    if status.is_success() {
        return DeliveryOutcome::Delivered { status: Some(status.as_u16()) };
    }
    if status == StatusCode::GONE {
        return DeliveryOutcome::Gone { reason: format!("HTTP 410 Gone from {}", redacted(url)) };
    }
    if status.is_redirection() {
        let target = response
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .map_or_else(|| "an unnamed location".to_owned(), |l| redacted(&l));
        return DeliveryOutcome::Retry {
            retry_after: None,
            reason: format!("HTTP {status} to {target} not followed: webhooks never follow redirects; update the URL"),
        };
    }
    // The server's Retry-After date is read against the time its answer came back.
    let retry_after = retry_after(response.headers(), SystemClock.now());
    let snippet = body_snippet(response).await;
    let reason = if snippet.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {snippet}") };
    DeliveryOutcome::Retry { retry_after, reason }
}

/// The first bytes of an error body, one line of printable text, for the stored reason.
async fn body_snippet(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < REASON_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(REASON_BODY_BYTES);
    let text = String::from_utf8_lossy(&bytes);
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe_error(error: &reqwest::Error, url: &Url, timeout: Duration) -> String {
    let target = redacted(url);
    if error.is_timeout() {
        return format!("no response from {target} within {}s", timeout.as_secs_f32());
    }
    let mut cause: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_connect() {
        return format!("cannot connect to {target}: {cause}");
    }
    format!("request to {target} failed: {cause}")
}

/// A URL for messages: scheme, host, port and path. Query strings and user info often carry
/// the receiver's token, which must not land in logs or `deliveries list`.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Only fails for URLs that cannot have credentials, which then have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;
    use rstest::rstest;

    use super::*;

    /// The vector of the Standard Webhooks reference libraries
    /// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts,
    /// "sign function works").
    const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const VECTOR_TS: i64 = 1_614_265_330;
    const VECTOR_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const VECTOR_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(id: &str, ts: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", HeaderValue::from_str(id).unwrap());
        h.insert("webhook-timestamp", HeaderValue::from_str(&ts.to_string()).unwrap());
        h.insert("webhook-signature", HeaderValue::from_str(signature).unwrap());
        h
    }

    #[rstest]
    #[case::spec_vector(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY, VECTOR_SIGNATURE)]
    // The reference Rust library's own vector (libraries/rust/src/lib.rs, `test_sign`).
    #[case::rust_library_vector(
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1_649_367_553,
        br#"{"email":"test@example.com","username":"test_user"}"#,
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    )]
    fn signs_like_the_reference_libraries(
        #[case] secret: &str,
        #[case] id: &str,
        #[case] ts: i64,
        #[case] body: &[u8],
        #[case] expected: &str,
    ) {
        let key = signing_key(secret).unwrap();
        assert_eq!(sign(&key, id, ts, body), expected);
        assert!(verify_at(&key, &headers(id, ts, expected), body, ts));
    }

    #[test]
    fn raw_secrets_are_used_as_bytes() {
        assert_eq!(signing_key("plain-text-key").unwrap(), b"plain-text-key");
        assert!(matches!(signing_key("whsec_!!!"), Err(WebhookError::SecretBase64 { .. })));
        assert!(matches!(signing_key(""), Err(WebhookError::SecretEmpty)));
    }

    #[rstest]
    #[case::five_minutes_late_is_fine(300, VECTOR_SIGNATURE, VECTOR_BODY, true)]
    #[case::too_late(301, VECTOR_SIGNATURE, VECTOR_BODY, false)]
    #[case::too_early(-301, VECTOR_SIGNATURE, VECTOR_BODY, false)]
    #[case::one_of_several(0, "v1,bm9wZQ== v2,abc v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", VECTOR_BODY, true)]
    #[case::tampered_body(0, VECTOR_SIGNATURE, br#"{"test": 2432232315}"#, false)]
    #[case::wrong_version(0, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", VECTOR_BODY, false)]
    #[case::truncated(0, "v1,g0hM9SsE+OTPJTGt", VECTOR_BODY, false)]
    #[case::empty(0, "v1,", VECTOR_BODY, false)]
    fn verify_checks_signature_and_age(
        #[case] clock_skew: i64,
        #[case] signature: &str,
        #[case] body: &[u8],
        #[case] expected: bool,
    ) {
        let key = signing_key(VECTOR_SECRET).unwrap();
        let h = headers(VECTOR_ID, VECTOR_TS, signature);
        assert_eq!(verify_at(&key, &h, body, VECTOR_TS + clock_skew), expected);
    }

    #[test]
    fn verify_needs_all_three_headers() {
        let key = signing_key(VECTOR_SECRET).unwrap();
        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIGNATURE);
            h.remove(missing);
            assert!(!verify_at(&key, &h, VECTOR_BODY, VECTOR_TS), "{missing}");
        }
    }

    #[rstest]
    #[case::seconds("120", Some(120))]
    #[case::date_ahead("Sun, 22 Nov 2026 08:10:00 GMT", Some(600))]
    #[case::date_past("Sun, 22 Nov 2026 07:00:00 GMT", Some(0))]
    #[case::garbage("soon", None)]
    fn retry_after_reads_seconds_and_dates(#[case] value: &str, #[case] expected: Option<u64>) {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        let now: jiff::Timestamp = "2026-11-22T08:00:00Z".parse().unwrap();
        assert_eq!(retry_after(&h, now), expected.map(Duration::from_secs));
    }

    #[test]
    fn messages_never_show_tokens() {
        let url = Url::parse("https://user:pw@hooks.example.org/in?token=s3cret#x").unwrap();
        assert_eq!(redacted(&url), "https://hooks.example.org/in");
    }
}
