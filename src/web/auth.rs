//! HTTP basic auth for every route but `/healthz`, when `[web]` names a username and password.
//! Both are compared in constant time (as SHA-256 digests, so their lengths do not leak either).
//!
//! Not here: whether auth is required (config validation refuses a non-loopback `listen`
//! without it).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::WebState;
use crate::config::model::WebAuth;

/// Lets the request through when no auth is configured, the path is exempt, or the
/// credentials match; answers 401 with a challenge otherwise.
pub(super) async fn require(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let Some(auth) = &state.auth else { return next.run(request).await };
    // Load balancers and supervisors probe health without credentials; it reveals nothing.
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(credentials);
    if given.is_some_and(|(user, password)| matches(auth, &user, &password)) {
        return next.run(request).await;
    }
    let mut response = (StatusCode::UNAUTHORIZED, "authentication required\n").into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"regwatch\", charset=\"UTF-8\""));
    response
}

/// `Basic base64(user:password)` → (user, password).
fn credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn matches(auth: &WebAuth, user: &str, password: &str) -> bool {
    // Both compared, always: no early exit tells which one was wrong.
    let user_ok = constant_time_eq(user.as_bytes(), auth.username.as_bytes());
    let password_ok = constant_time_eq(password.as_bytes(), auth.password.expose_secret().as_bytes());
    user_ok & password_ok
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn auth() -> WebAuth {
        WebAuth { username: "reader".into(), password: "s3cret:x".to_owned().into() }
    }

    #[rstest]
    #[case::right("Basic cmVhZGVyOnMzY3JldDp4", true)]
    #[case::scheme_any_case("basic cmVhZGVyOnMzY3JldDp4", true)]
    #[case::wrong_password("Basic cmVhZGVyOnMzY3JldA==", false)]
    #[case::wrong_user("Basic cmVhZGVyMjpzM2NyZXQ6eA==", false)]
    #[case::not_base64("Basic ???", false)]
    #[case::bearer("Bearer cmVhZGVyOnMzY3JldDp4", false)]
    fn credentials_are_checked(#[case] header: &str, #[case] ok: bool) {
        let given = credentials(header);
        assert_eq!(given.is_some_and(|(u, p)| matches(&auth(), &u, &p)), ok);
    }
}
