//! How the reading room answers: HTML pages, the stylesheet, errors as pages with the right
//! status, and the security headers every response carries (a Content-Security-Policy that
//! allows no script at all and nothing from elsewhere).
//!
//! Not here: what a page says (`pages`, `redline`, `view`).

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::view::{ErrorPage, Frame};
use crate::store::StoreError;

/// Served at `/style.css`: the only stylesheet, and the only asset.
const STYLESHEET: &str = include_str!("style.css");

/// No scripts, no inline styles, nothing from another origin; forms submit only here.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// A request that could not be answered, as the reader sees it.
#[derive(Debug)]
pub(crate) enum WebError {
    NotFound(String),
    BadRequest(String),
    Store(StoreError),
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Self::Store(e) => {
                tracing::error!(error = %e, "Reading room query failed.");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("The database could not answer: {e}"))
            }
            Self::Internal(m) => {
                tracing::error!(error = %m, "Reading room request failed.");
                (StatusCode::INTERNAL_SERVER_ERROR, m)
            }
        };
        let title = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
        let page = ErrorPage { frame: Frame { title, active: "" }, status: status.as_u16(), message };
        match page.render() {
            Ok(body) => (status, html_headers(), body).into_response(),
            Err(_) => (status, page.message).into_response(),
        }
    }
}

pub(crate) type Reply = Result<Response, WebError>;

fn html_headers() -> [(HeaderName, HeaderValue); 1] {
    [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))]
}

/// A rendered template as a 200 page.
pub(crate) fn page(template: &impl Template) -> Reply {
    let body = template.render().map_err(|e| WebError::Internal(format!("template failed: {e}")))?;
    Ok((html_headers(), body).into_response())
}

pub(crate) async fn stylesheet() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    (headers, STYLESHEET).into_response()
}

/// The tab icon: a page with a red and a green line, in the brand's spirit.
const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#1f2328\"/><rect x=\"3\" y=\"4\" width=\"10\" height=\"2\" fill=\"#ff8182\"/><rect x=\"3\" y=\"8\" width=\"8\" height=\"2\" fill=\"#4ac26b\"/><rect x=\"3\" y=\"12\" width=\"6\" height=\"1\" fill=\"#d1d9e0\"/></svg>";

pub(crate) async fn icon() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
    ];
    (headers, ICON).into_response()
}

pub(crate) async fn not_found() -> Response {
    WebError::NotFound("There is no such page.".into()).into_response()
}

/// Adds the security headers to every response.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
