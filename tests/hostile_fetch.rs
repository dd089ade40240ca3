//! Hostile servers against the fetch layer: compression bombs, bodies that never end or
//! trickle, answers that never come, redirect chains, and absurd delays asked for in
//! Retry-After and robots.txt. Each ends as a clear error (or a capped, reported delay), never
//! a hang, an unbounded buffer or a panic. Servers are raw sockets on 127.0.0.1, so a test can
//! send exactly the bytes an attacker would.

mod common;
#[path = "hostile_docs/mod.rs"]
mod hostile_docs;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};
use regwatch::config::model::{FetchConfig, PrivateNetworks};
use regwatch::fetch::{FetchError, FetchOutcome, FetchRequest, HttpClient, Validators};

/// What a raw server sends after the status line and headers.
#[derive(Clone)]
enum Body {
    Bytes(Vec<u8>),
    /// Zeros, for ever.
    Endless,
    /// One byte every `0`, for ever.
    Trickle(Duration),
    /// Nothing at all, not even the head: the connection stays open.
    Silent,
}

/// Answers every connection with `head` (status line and headers, without the blank line)
/// and then `body`.
fn raw_server(head: &str, body: Body) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let head = format!("{head}\r\n\r\n");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (head, body) = (head.clone(), body.clone());
            std::thread::spawn(move || answer(stream, &head, &body));
        }
    });
    addr
}

fn answer(mut stream: TcpStream, head: &str, body: &Body) {
    let mut request = Vec::new();
    let mut byte = [0_u8; 1];
    while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        request.push(byte[0]);
    }
    if matches!(body, Body::Silent) {
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    // Write errors end the answer: the client hung up, which is what the tests want.
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    match body {
        Body::Bytes(bytes) => drop(stream.write_all(bytes)),
        Body::Endless => {
            let zeros = vec![0_u8; 64 * 1024];
            while stream.write_all(&zeros).is_ok() {}
        }
        Body::Trickle(every) => {
            while stream.write_all(b"x").is_ok() {
                std::thread::sleep(*every);
            }
        }
        Body::Silent => {}
    }
}

fn client(max_body: u64, timeout: Duration) -> HttpClient {
    let config = FetchConfig {
        timeout,
        max_body,
        respect_robots: false,
        per_host_delay: Duration::ZERO,
        private_networks: PrivateNetworks::Allow(vec!["127.0.0.1/32".parse().unwrap()]),
        ..regwatch::config::defaults::fetch()
    };
    HttpClient::new(&config).unwrap()
}

fn get(client: &HttpClient, url: &str) -> Result<FetchOutcome, FetchError> {
    let url = url::Url::parse(url).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(client.fetch(&FetchRequest::plain(&url, &Validators::default())))
}

fn gzip_header_and_endless_zeros() -> Vec<u8> {
    // A gzip member that never ends: header, then deflate segments of zeros (no trailer, so a
    // reader that does not stop at its cap would read 1 GiB and then fail).
    let mut body = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let zlib = hostile_docs::zlib_zeros(1024);
    body.extend_from_slice(&zlib[2..zlib.len() - 6]);
    body
}

#[test]
fn a_gzip_bomb_stops_at_the_body_cap() {
    let bomb = gzip_header_and_endless_zeros();
    assert!(bomb.len() < 2 * 1024 * 1024, "1 GiB in {} bytes", bomb.len());
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: gzip\r\ncontent-length: {}",
        bomb.len()
    );
    let addr = raw_server(&head, Body::Bytes(bomb));
    let got = get(&client(1024 * 1024, Duration::from_secs(10)), &format!("http://{addr}/"));
    assert!(matches!(got, Err(FetchError::TooLarge { limit: 1_048_576, .. })), "{got:?}");
}

#[test]
fn a_brotli_bomb_stops_at_the_body_cap() {
    let mut bomb = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut bomb, 64 * 1024, 5, 22);
        let zeros = vec![0_u8; 1024 * 1024];
        for _ in 0..256 {
            writer.write_all(&zeros).unwrap();
        }
    }
    assert!(bomb.len() < 1024 * 1024, "256 MiB in {} bytes", bomb.len());
    let head =
        format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: br\r\ncontent-length: {}", bomb.len());
    let addr = raw_server(&head, Body::Bytes(bomb));
    let got = get(&client(1024 * 1024, Duration::from_secs(10)), &format!("http://{addr}/"));
    assert!(matches!(got, Err(FetchError::TooLarge { limit: 1_048_576, .. })), "{got:?}");
}

#[test]
fn an_endless_body_stops_at_the_body_cap() {
    let addr = raw_server("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close", Body::Endless);
    let started = Instant::now();
    let got = get(&client(4 * 1024 * 1024, Duration::from_secs(20)), &format!("http://{addr}/"));
    assert!(matches!(got, Err(FetchError::TooLarge { .. })), "{got:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_trickling_body_times_out_as_a_whole() {
    // Every byte arrives well within any read timeout; only a deadline on the whole request
    // ends it.
    let addr = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close",
        Body::Trickle(Duration::from_millis(100)),
    );
    let started = Instant::now();
    let got = get(&client(1024 * 1024, Duration::from_secs(2)), &format!("http://{addr}/"));
    assert!(matches!(got, Err(FetchError::Timeout { .. })), "{got:?}");
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
}

#[test]
fn a_server_that_never_answers_times_out() {
    let addr = raw_server("", Body::Silent);
    let got = get(&client(1024 * 1024, Duration::from_secs(1)), &format!("http://{addr}/"));
    assert!(matches!(got, Err(FetchError::Timeout { .. })), "{got:?}");
}

#[test]
fn redirect_chains_end() {
    let site = TestSite::start();
    for i in 0..10 {
        site.put(&format!("/hop/{i}"), Page::redirect(&format!("/hop/{}", i + 1)));
    }
    site.put("/self", Page::redirect("/self"));
    site.put("/away", Page::redirect(&format!("http://127.0.0.2:{}/", site.addr.port())));
    let client = client(1024 * 1024, Duration::from_secs(5));
    let got = get(&client, &site.url("/hop/0"));
    assert!(matches!(got, Err(FetchError::TooManyRedirects { max: 5, .. })), "{got:?}");
    let got = get(&client, &site.url("/self"));
    assert!(matches!(got, Err(FetchError::RedirectLoop { .. })), "{got:?}");
    let got = get(&client, &site.url("/away"));
    assert!(matches!(got, Err(FetchError::RefusedAddress { .. })), "{got:?}");
}

fn page_source(id: &str, url: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nkind = \"page\"\nurl = \"{url}\"\ninterval = \"1h\"\n")
}

#[test]
fn an_absurd_retry_after_is_capped_reported_and_scheduled_sanely() {
    let site = TestSite::start();
    site.put("/busy", Page::status(503).with_header("retry-after", "18446744073709551615"));
    let ws = Workspace::new(&format!("{LOOPBACK_FETCH}\n{}", page_source("busy", &site.url("/busy"))));
    let started = regwatch::clock::Clock::now(&regwatch::clock::SystemClock);
    let pass = ws.run(&["check", "--json"]).success().json();
    let error = pass[0]["error"].as_str().unwrap();
    assert!(error.contains("HTTP status 503 (Retry-After 18446744073709551615 capped at 1d)"), "{error}");
    let listed = ws.run(&["sources", "list", "--json"]).success().json();
    assert!(listed[0]["last_error"].as_str().unwrap().contains("capped at 1d"), "{listed:#}");
    let next_due: jiff::Timestamp = listed[0]["next_due"].as_str().unwrap().parse().unwrap();
    let wait = next_due.duration_since(started);
    assert!(
        wait >= jiff::SignedDuration::from_hours(23) && wait <= jiff::SignedDuration::from_hours(25),
        "due again in about a day, not in 1970 nor in centuries: {next_due}"
    );
}

#[test]
fn an_absurd_crawl_delay_is_capped_and_shown_on_the_source() {
    let site = TestSite::start();
    site.put("/robots.txt", Page::bytes("text/plain", b"User-agent: *\nCrawl-delay: 10000000000000000000\n".to_vec()));
    site.put("/page", Page::html("<html><body><p>Article 1.</p></body></html>"));
    let fetch = format!("{LOOPBACK_FETCH}respect_robots = true\nmax_crawl_delay = \"1s\"\n");
    let ws = Workspace::new(&format!("{fetch}\n{}", page_source("slowhost", &site.url("/page"))));
    let started = Instant::now();
    let pass = ws.run(&["check", "--json"]).success().json();
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(pass[0]["error"].is_null(), "{pass:#}");
    let warnings = pass[0]["warnings"].to_string();
    assert!(warnings.contains("Crawl-delay of 10000000000000000000 s capped at 1s"), "{warnings}");
    let listed = ws.run(&["sources", "list", "--json"]).success().json();
    assert!(listed[0]["last_error"].as_str().unwrap_or_default().contains("capped at 1s"), "{listed:#}");
    assert_eq!(site.hits("/page").len(), 1);
}
