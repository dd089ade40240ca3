//! The HTTP client against a real local server: conditional GET, the body cap after content
//! decoding, redirects, and the address policy.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Page, TestSite};
use regwatch::config::model::{FetchConfig, PrivateNetworks};
use regwatch::fetch::{FetchError, FetchOutcome, FetchRequest, HttpClient, Validators};

fn config(max_body: u64, private: PrivateNetworks) -> FetchConfig {
    FetchConfig {
        user_agent: "regwatch-test/1".into(),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_body,
        max_concurrency: 4,
        per_host_concurrency: 1,
        per_host_delay: Duration::ZERO,
        respect_robots: false,
        private_networks: private,
        ..regwatch::config::defaults::fetch()
    }
}

fn loopback() -> PrivateNetworks {
    PrivateNetworks::Allow(vec!["127.0.0.1/32".parse().unwrap()])
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn fetch(client: &HttpClient, url: &str, validators: &Validators) -> Result<FetchOutcome, FetchError> {
    let url = url::Url::parse(url).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(client.fetch(&FetchRequest::plain(&url, validators)))
}

#[test]
fn conditional_get_gets_304_with_remembered_validators() {
    let site = TestSite::start();
    site.put("/a", Page::html("<p>hello</p>"));
    let client = HttpClient::new(&config(1 << 20, loopback())).unwrap();
    let Ok(FetchOutcome::Fetched(first)) = fetch(&client, &site.url("/a"), &Validators::default()) else {
        panic!("first fetch")
    };
    assert!(first.validators.etag.is_some());
    let second = fetch(&client, &site.url("/a"), &first.validators).unwrap();
    assert!(matches!(second, FetchOutcome::NotModified { .. }), "{second:?}");
    assert_eq!(site.hits("/a")[1].answered, 304);
}

#[test]
fn body_cap_counts_decoded_bytes_so_a_gzip_bomb_stops() {
    let site = TestSite::start();
    let bomb = gzip(&vec![b'a'; 2 << 20]);
    assert!(bomb.len() < 16 * 1024, "the compressed body is small: {}", bomb.len());
    site.put("/bomb", Page::bytes("text/html", bomb).with_header("content-encoding", "gzip"));
    site.put("/small", Page::bytes("text/html", gzip(b"<p>fine</p>")).with_header("content-encoding", "gzip"));
    let client = HttpClient::new(&config(64 * 1024, loopback())).unwrap();
    let err = fetch(&client, &site.url("/bomb"), &Validators::default()).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 65536, .. }), "{err}");
    let Ok(FetchOutcome::Fetched(small)) = fetch(&client, &site.url("/small"), &Validators::default()) else {
        panic!("small")
    };
    assert_eq!(&small.body[..], b"<p>fine</p>");
}

#[test]
fn redirects_are_followed_up_to_five_hops() {
    let site = TestSite::start();
    for hop in 0..7 {
        site.put(&format!("/r{hop}"), Page::redirect(&format!("/r{}", hop + 1)));
    }
    site.put("/r7", Page::html("<p>end</p>"));
    site.put("/s0", Page::redirect("/s1"));
    site.put("/s1", Page::html("<p>end</p>"));
    let client = HttpClient::new(&config(1 << 20, loopback())).unwrap();
    let Ok(FetchOutcome::Fetched(ok)) = fetch(&client, &site.url("/s0"), &Validators::default()) else {
        panic!("one hop")
    };
    assert_eq!(ok.final_url.path(), "/s1");
    let err = fetch(&client, &site.url("/r0"), &Validators::default()).unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { max: 5, .. }), "{err}");
}

#[test]
fn redirect_to_other_schemes_is_refused() {
    let site = TestSite::start();
    site.put("/to-file", Page::redirect("file:///etc/passwd"));
    let client = HttpClient::new(&config(1 << 20, loopback())).unwrap();
    let err = fetch(&client, &site.url("/to-file"), &Validators::default()).unwrap_err();
    assert!(matches!(err, FetchError::RedirectScheme { .. }), "{err}");
}

#[test]
fn localhost_by_name_is_refused_by_the_default_policy() {
    let site = TestSite::start();
    site.put("/a", Page::html("<p>hello</p>"));
    let client = HttpClient::new(&config(1 << 20, PrivateNetworks::Deny)).unwrap();
    let url = format!("http://localhost:{}/a", site.addr.port());
    let err = fetch(&client, &url, &Validators::default()).unwrap_err();
    assert!(matches!(err, FetchError::RefusedAddress { .. }), "{err}");
    assert!(site.all_hits().is_empty());
}
