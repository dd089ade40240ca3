//! The polite client against a real server on 127.0.0.1, reached as `127.0.0.1` and as
//! `localhost`: two hosts for the gate, one machine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::*;
use crate::clock::SystemClock;
use crate::config::model::PrivateNetworks;

/// What one path answers: status, headers, body, and a delay before answering.
type Answer = (u16, Vec<(&'static str, String)>, String, Duration);

/// Answers per path; counts every hit.
#[derive(Clone, Default)]
struct Site {
    pages: Arc<Mutex<HashMap<String, Answer>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    fn put(&self, path: &str, status: u16, headers: &[(&'static str, &str)], body: &str) {
        self.put_slow(path, status, headers, body, Duration::ZERO);
    }

    fn put_slow(&self, path: &str, status: u16, headers: &[(&'static str, &str)], body: &str, delay: Duration) {
        let headers = headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        self.pages.lock().unwrap().insert(path.to_owned(), (status, headers, body.to_owned(), delay));
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    async fn start(&self) -> SocketAddr {
        let app = Router::new().fallback(answer).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }
}

async fn answer(State(site): State<Site>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    *site.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let page = site.pages.lock().unwrap().get(&path).cloned();
    let Some((status, headers, body, delay)) = page else { return StatusCode::NOT_FOUND.into_response() };
    tokio::time::sleep(delay).await;
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

fn config(respect_robots: bool) -> FetchConfig {
    FetchConfig {
        user_agent: "regwatch-test/1".into(),
        timeout: Duration::from_secs(10),
        per_host_delay: Duration::ZERO,
        per_host_concurrency: 4,
        respect_robots,
        private_networks: PrivateNetworks::Allow(vec!["127.0.0.1/32".parse().unwrap()]),
        ..crate::config::defaults::fetch()
    }
}

fn polite(config: &FetchConfig) -> Polite {
    Polite::new(config, Arc::new(SystemClock)).unwrap()
}

fn url(addr: SocketAddr, host: &str, path: &str) -> Url {
    Url::parse(&format!("http://{host}:{}{path}", addr.port())).unwrap()
}

async fn get(polite: &Polite, url: &Url) -> Result<FetchOutcome, FetchError> {
    polite.fetch(url, &Validators::default(), &RequestShape::default()).await
}

#[tokio::test]
async fn a_host_deferred_for_an_hour_never_delays_another_host() {
    let site = Site::default();
    site.put("/busy", 503, &[("retry-after", "3600")], "later");
    site.put("/ok", 200, &[(header::CONTENT_TYPE.as_str(), "text/plain")], "fine");
    let addr = site.start().await;
    let polite = polite(&config(false));
    let busy = get(&polite, &url(addr, "127.0.0.1", "/busy")).await.unwrap_err();
    assert_eq!(busy.retry_after(), Some(Duration::from_secs(3600)));

    let started = Instant::now();
    let deferred = get(&polite, &url(addr, "127.0.0.1", "/ok")).await.unwrap_err();
    assert!(matches!(deferred, FetchError::Deferred { .. }), "{deferred}");
    assert!(deferred.retry_after().is_some_and(|w| w > Duration::from_secs(3500)), "{deferred}");
    assert_eq!(site.hits("/ok"), 0, "a deferred host is not asked");
    let other = get(&polite, &url(addr, "localhost", "/ok")).await;
    assert!(matches!(other, Ok(FetchOutcome::Fetched(_))), "{other:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "nobody waited: {:?}", started.elapsed());
}

#[tokio::test]
async fn an_absurd_retry_after_is_capped_and_said() {
    let site = Site::default();
    site.put("/busy", 429, &[("retry-after", "18446744073709551615")], "later");
    let addr = site.start().await;
    let config = config(false);
    let polite = polite(&config);
    let error = get(&polite, &url(addr, "127.0.0.1", "/busy")).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(config.max_retry_after));
    let capped = error.capped().expect("the cap is reported");
    assert_eq!((capped.delay, capped.asked.as_str()), (Delay::RetryAfter, "18446744073709551615"));
    assert!(error.to_string().contains("Retry-After 18446744073709551615 capped at 1d"), "{error}");
}

#[tokio::test]
async fn concurrent_requests_to_one_origin_fetch_robots_txt_once() {
    let site = Site::default();
    site.put_slow("/robots.txt", 200, &[], "User-agent: *\nDisallow: /private\n", Duration::from_millis(300));
    for i in 0..8 {
        site.put(&format!("/page/{i}"), 200, &[], "page");
    }
    let addr = site.start().await;
    let polite = polite(&config(true));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let polite = polite.clone();
        let url = url(addr, "127.0.0.1", &format!("/page/{i}"));
        tasks.spawn(async move { get(&polite, &url).await.map(|_| ()) });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(site.hits("/robots.txt"), 1);
    let refused = get(&polite, &url(addr, "127.0.0.1", "/private/x")).await.unwrap_err();
    assert!(matches!(refused, FetchError::Robots { .. }), "{refused}");
    assert_eq!(site.hits("/private/x"), 0);
}

#[tokio::test]
async fn a_slow_robots_txt_holds_up_only_its_own_origin() {
    let slow_site = Site::default();
    slow_site.put_slow("/robots.txt", 200, &[], "User-agent: *\nAllow: /\n", Duration::from_secs(3));
    slow_site.put("/page", 200, &[], "page");
    let slow_addr = slow_site.start().await;
    let quick_site = Site::default();
    quick_site.put("/robots.txt", 200, &[], "User-agent: *\nAllow: /\n");
    quick_site.put("/page", 200, &[], "page");
    let quick_addr = quick_site.start().await;
    let polite = polite(&config(true));
    let slow = {
        let polite = polite.clone();
        let url = url(slow_addr, "127.0.0.1", "/page");
        tokio::spawn(async move { get(&polite, &url).await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(slow_site.hits("/robots.txt"), 1, "the slow robots.txt is in flight");
    let started = Instant::now();
    get(&polite, &url(quick_addr, "127.0.0.1", "/page")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(slow_site.hits("/page"), 0, "still waiting for its robots.txt");
    slow.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_absurd_crawl_delay_is_capped_and_noted() {
    let site = Site::default();
    site.put("/robots.txt", 200, &[], "User-agent: *\nCrawl-delay: 10000000000000000000\n");
    site.put("/a", 200, &[], "a");
    site.put("/b", 200, &[], "b");
    let addr = site.start().await;
    let config = FetchConfig { max_crawl_delay: Duration::from_millis(300), ..config(true) };
    let polite = polite(&config);
    let started = Instant::now();
    let first = get(&polite, &url(addr, "127.0.0.1", "/a")).await.unwrap();
    let second = get(&polite, &url(addr, "127.0.0.1", "/b")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300), "spaced by the capped delay");
    assert!(started.elapsed() < Duration::from_secs(5), "and by no more");
    for outcome in [first, second] {
        let capped = outcome.capped().expect("the cap is noted on every answer");
        assert_eq!(capped.delay, Delay::CrawlDelay);
        assert_eq!(capped.used, Duration::from_millis(300));
        assert_eq!(
            capped.to_string(),
            format!("{}: Crawl-delay of 10000000000000000000 s capped at 300ms", url(addr, "127.0.0.1", "/robots.txt"))
        );
    }
}
