//! A local site for benchmarks: 1,000 sources (RSS feeds and pages of 10–200 KB), served
//! from memory on 127.0.0.1 with ETags, that a benchmark can revise between passes.

#![allow(dead_code, unreachable_pub, reason = "each benchmark uses part of it")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

pub type Pages = Arc<Mutex<HashMap<String, (String, Arc<Vec<u8>>)>>>;

const PARAGRAPH_ZH: &str = "第十二条 网络数据处理者应当按照网络安全等级保护制度的要求，加强网络数据安全防护，建立健全网络数据安全管理制度，采取加密、备份、访问控制、安全认证等技术措施，保障网络数据安全。";
const PARAGRAPH_EN: &str = "Article 12: Network data handlers shall, in accordance with the multi-level protection scheme, strengthen the security of network data, establish data security management systems, and adopt technical measures such as encryption, backup, access control and authentication.";

fn size_of(index: usize) -> usize {
    // Spread evenly over 10–200 KB.
    10_000 + (index * 7_919) % 190_000
}

/// A source's text. A revision edits one paragraph, as a regulator amending a draft would.
fn paragraphs(index: usize, revision: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut len = 0;
    let mut n = 0;
    while len < size_of(index) {
        let p = if n % 2 == 0 { PARAGRAPH_ZH } else { PARAGRAPH_EN };
        let mut line = format!("{p} ({index}-{n})");
        if revision > 0 && n == 3 {
            line.push_str(&format!(" Amended in revision {revision}."));
        }
        len += line.len() + 7;
        out.push(line);
        n += 1;
    }
    out
}

fn page(index: usize, revision: usize) -> Vec<u8> {
    let body: String = paragraphs(index, revision).iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page {index}</title><script>var stat = {index};</script></head>\
         <body><nav><a href=\"/\">Home</a></nav><div class=\"content\"><h1>Measures {index}</h1>{body}</div><footer>footer</footer></body></html>"
    )
    .into_bytes()
}

/// A feed's entries; a revision publishes one more entry at the top.
fn feed(index: usize, revision: usize) -> Vec<u8> {
    let paras = paragraphs(index, 0);
    let per_item = paras.len().div_ceil(10).max(1);
    let items: String = paras
        .chunks(per_item)
        .enumerate()
        .map(|(n, chunk)| {
            let content: String = chunk.iter().map(|p| format!("&lt;p&gt;{p}&lt;/p&gt;")).collect();
            format!(
                "<item><title>Post {index}-{n}</title><link>http://feeds.example/{index}/{n}</link><guid>{index}-{n}</guid>\
                 <pubDate>Tue, 08 Aug 2023 09:00:00 +0000</pubDate><description>{content}</description></item>"
            )
        })
        .collect();
    let fresh: String = (1..=revision)
        .map(|r| {
            format!(
                "<item><title>New post {index}-{r}</title><link>http://feeds.example/{index}/new-{r}</link><guid>{index}-new-{r}</guid>\
                 <description>&lt;p&gt;{PARAGRAPH_EN}&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    let items = fresh + &items;
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Feed {index}</title><link>http://feeds.example/</link>{items}</channel></rss>").into_bytes()
}

pub fn publish(pages: &Pages, count: usize, revision_of: impl Fn(usize) -> usize) {
    let mut map = pages.lock().unwrap();
    for i in 0..count {
        let rev = revision_of(i);
        if i % 2 == 0 {
            map.insert(format!("/feed/{i}.xml"), ("application/rss+xml; charset=utf-8".into(), Arc::new(feed(i, rev))));
        } else {
            map.insert(format!("/page/{i}.html"), ("text/html; charset=utf-8".into(), Arc::new(page(i, rev))));
        }
    }
}

pub async fn serve(State(pages): State<Pages>, uri: Uri, headers: HeaderMap) -> Response {
    let Some((ct, body)) = pages.lock().unwrap().get(uri.path()).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(body.as_slice())[..8]));
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut response = (StatusCode::OK, body.as_ref().clone()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).unwrap());
    response.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
    response
}

pub fn config(base: &str, count: usize, concurrency: usize) -> String {
    let mut out = format!(
        "[storage]\ndatabase = \"bench.db\"\n[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\nper_host_delay = \"0s\"\n\
         per_host_concurrency = {concurrency}\nmax_concurrency = {concurrency}\n"
    );
    for i in 0..count {
        if i % 2 == 0 {
            out.push_str(&format!(
                "[[source]]\nid = \"feed-{i}\"\nname = \"Feed {i}\"\nkind = \"feed\"\nurl = \"{base}/feed/{i}.xml\"\n"
            ));
        } else {
            out.push_str(&format!(
                "[[source]]\nid = \"page-{i}\"\nname = \"Page {i}\"\nkind = \"page\"\nurl = \"{base}/page/{i}.html\"\n[source.article]\ncontent = \"div.content\"\n"
            ));
        }
    }
    out
}

/// Starts the site on `runtime`; returns its pages (to revise) and base URL.
pub fn start(runtime: &tokio::runtime::Runtime, count: usize) -> (Pages, String) {
    let pages: Pages = Arc::default();
    publish(&pages, count, |_| 0);
    let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(serve).with_state(Arc::clone(&pages));
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (pages, base)
}
