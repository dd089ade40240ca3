//! Shared test harness: a real HTTP server on 127.0.0.1 whose pages tests can change between
//! passes, and a workspace that writes a config and runs the real `regwatch` binary.

#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

/// One page the test server answers with.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub delay: Option<Duration>,
    /// Send an ETag and answer If-None-Match with 304.
    pub etag: bool,
    /// Answer 403 unless the request's `Cookie` header carries this `name=value` pair (the
    /// MIIT pattern: a JSON endpoint that wants the cookie its column page set).
    pub required_cookie: Option<String>,
    /// With `required_cookie`: answer a request without it with a 302 back to the same URL that
    /// sets it (MOJ's WAF challenge), instead of a 403.
    pub challenge: bool,
}

impl Page {
    pub fn html(body: &str) -> Self {
        Self::bytes("text/html; charset=utf-8", body.as_bytes().to_vec())
    }

    pub fn bytes(content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: content_type.to_owned(),
            body,
            headers: Vec::new(),
            delay: None,
            etag: true,
            required_cookie: None,
            challenge: false,
        }
    }

    pub fn status(status: u16) -> Self {
        Self { status, ..Self::html("error") }
    }

    pub fn redirect(to: &str) -> Self {
        Self { status: 302, headers: vec![("location".into(), to.into())], etag: false, ..Self::html("") }
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers requests without the cookie `pair` with a 302 to the same URL setting it.
    pub fn behind_cookie_challenge(mut self, pair: &str) -> Self {
        self.required_cookie = Some(pair.to_owned());
        self.challenge = true;
        self
    }

    /// Answers 403 to requests without the cookie `pair` (`name=value`).
    pub fn requiring_cookie(mut self, pair: &str) -> Self {
        self.required_cookie = Some(pair.to_owned());
        self
    }
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub if_none_match: Option<String>,
    pub user_agent: Option<String>,
    pub cookie: Option<String>,
    pub referer: Option<String>,
    pub answered: u16,
    pub at: std::time::Instant,
}

#[derive(Debug, Default)]
struct SiteState {
    pages: HashMap<String, Page>,
    hits: Vec<Hit>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A local site on 127.0.0.1:0, served from a thread of its own so the binary under test can
/// talk to it while the test waits.
pub struct TestSite {
    pub addr: SocketAddr,
    state: Arc<Mutex<SiteState>>,
    _runtime: tokio::runtime::Runtime,
}

impl TestSite {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let state = Arc::new(Mutex::new(SiteState::default()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(serve).with_state(Arc::clone(&state));
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state, _runtime: runtime }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn put(&self, path: &str, page: Page) {
        self.state.lock().unwrap().pages.insert(path.to_owned(), page);
    }

    pub fn remove(&self, path: &str) {
        self.state.lock().unwrap().pages.remove(path);
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.state.lock().unwrap().hits.iter().filter(|h| h.path == path).cloned().collect()
    }

    pub fn all_hits(&self) -> Vec<Hit> {
        self.state.lock().unwrap().hits.clone()
    }

    /// The most requests this server had in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    pub fn clear_hits(&self) {
        self.state.lock().unwrap().hits.clear();
    }
}

async fn serve(State(state): State<Arc<Mutex<SiteState>>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), ToString::to_string);
    let page = {
        let mut s = state.lock().unwrap();
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        // `/api?*` answers `/api` with any query string.
        s.pages.get(&path).or_else(|| s.pages.get(&format!("{}?*", uri.path()))).cloned()
    };
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (answered, response) = match page {
        None => (404, (StatusCode::NOT_FOUND, "no such page").into_response()),
        Some(page)
            if page
                .required_cookie
                .as_deref()
                .is_some_and(|pair| !cookie.as_deref().unwrap_or_default().split(';').any(|c| c.trim() == pair)) =>
        {
            if page.challenge {
                let pair = page.required_cookie.clone().unwrap_or_default();
                let headers = [(header::LOCATION, path.clone()), (header::SET_COOKIE, format!("{pair}; Path=/"))];
                (302, (StatusCode::FOUND, headers, "").into_response())
            } else {
                (403, (StatusCode::FORBIDDEN, "cookie required").into_response())
            }
        }
        Some(page) => {
            if let Some(delay) = page.delay {
                tokio::time::sleep(delay).await;
            }
            respond(&page, if_none_match.as_deref())
        }
    };
    let mut s = state.lock().unwrap();
    s.in_flight -= 1;
    s.hits.push(Hit { path, if_none_match, user_agent, cookie, referer, answered, at: std::time::Instant::now() });
    drop(s);
    response
}

fn respond(page: &Page, if_none_match: Option<&str>) -> (u16, Response) {
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&page.body)[..8]));
    let not_modified = page.etag && page.status == 200 && if_none_match == Some(etag.as_str());
    let status = if not_modified { 304 } else { page.status };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::from_u16(page.status).unwrap(), page.body.clone()).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&page.content_type).unwrap());
    if page.etag {
        h.insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
    }
    for (name, value) in &page.headers {
        h.insert(header::HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
    }
    (status, response)
}

/// A temporary folder with a config file, where the `regwatch` binary runs.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// What a run of the binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "regwatch failed\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Workspace {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("regwatch.toml"), config).unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("regwatch.toml")
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Starts `regwatch run` in the background, logging to a file in the workspace.
    pub fn spawn_daemon(&self) -> std::process::Child {
        let log = std::fs::File::create(self.dir.path().join("daemon.log")).unwrap();
        Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .arg("--config")
            .arg(self.config_path())
            .arg("run")
            .current_dir(self.dir.path())
            .env_remove("REGWATCH_CONFIG")
            .env_remove("NOTIFY_SOCKET")
            .env("RUST_LOG", "regwatch=debug")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    pub fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let output: Output = Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("REGWATCH_CONFIG")
            .env("RUST_LOG", "regwatch=info")
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `docs list --json`, as an array.
    pub fn docs(&self) -> Vec<serde_json::Value> {
        self.run(&["docs", "list", "--json"]).success().json().as_array().cloned().unwrap_or_default()
    }

    pub fn doc_by_url(&self, url: &str) -> serde_json::Value {
        self.docs().into_iter().find(|d| d["url"] == url).unwrap_or_else(|| panic!("no document {url}"))
    }
}

/// The `[fetch]` block every loopback test needs: the site is on 127.0.0.1, which the default
/// address policy refuses.
pub const LOOPBACK_FETCH: &str = r#"
[fetch]
allow_private_networks = ["127.0.0.1/32"]
per_host_delay = "0s"
per_host_concurrency = 4
timeout = "5s"
"#;
