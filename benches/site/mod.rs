//! A local site for benchmarks: N sources served from 127.0.0.1 with ETags, that a benchmark can
//! revise between passes. Two layouts (`LAYOUT`):
//!
//! - `mixed` (default): RSS feeds read as feeds (even sources) and pages of 10–200 KB read
//!   through a content selector (odd sources), nothing followed;
//! - `html-list`: list pages of 5 entries, each entry an article page of 2–40 KB that the
//!   source follows.
//!
//! `PAGE_SCALE` divides every page size (e.g. 20: 0.5–10 KB pages).
//!
//! Pages are rendered on each request from (source, revision): the site holds one revision
//! number per source, not the pages, so 50,000 sources cost the benchmark process no more memory
//! than 1,000. A body is a pure function of its path and revision, so the ETag names those.

#![allow(dead_code, unreachable_pub, reason = "each benchmark uses part of it")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Entries on each list page of the `html-list` layout.
pub const ARTICLES_PER_LIST: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Mixed,
    HtmlList,
}

impl Layout {
    /// `LAYOUT` from the environment: `mixed` (default) or `html-list`.
    pub fn from_env() -> Self {
        match std::env::var("LAYOUT").as_deref() {
            Ok("html-list") => Self::HtmlList,
            Ok("mixed") | Err(_) => Self::Mixed,
            Ok(other) => panic!("LAYOUT must be `mixed` or `html-list`, not `{other}`"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mixed => "mixed (feeds + pages)",
            Self::HtmlList => "html-list (5 followed articles each)",
        }
    }
}

/// The site's state: a revision per source, and a count of what it served.
#[derive(Debug)]
pub struct Site {
    pub layout: Layout,
    revisions: Mutex<Vec<usize>>,
    served_bytes: AtomicU64,
    requests: AtomicU64,
}

pub type Pages = Arc<Site>;

impl Site {
    /// Bytes and requests served since the last call, and resets both.
    pub fn take_served(&self) -> (u64, u64) {
        (self.served_bytes.swap(0, Ordering::Relaxed), self.requests.swap(0, Ordering::Relaxed))
    }

    fn revision(&self, index: usize) -> Option<usize> {
        self.revisions.lock().unwrap().get(index).copied()
    }
}

const PARAGRAPH_ZH: &str = "第十二条 网络数据处理者应当按照网络安全等级保护制度的要求，加强网络数据安全防护，建立健全网络数据安全管理制度，采取加密、备份、访问控制、安全认证等技术措施，保障网络数据安全。";
const PARAGRAPH_EN: &str = "Article 12: Network data handlers shall, in accordance with the multi-level protection scheme, strengthen the security of network data, establish data security management systems, and adopt technical measures such as encryption, backup, access control and authentication.";

fn size_of(index: usize) -> usize {
    // Spread evenly over 10–200 KB, divided by `PAGE_SCALE` (default 1): at 20,000 sources and
    // more a first pass of full-size pages takes longer than a benchmark should.
    static SCALE: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
        std::env::var("PAGE_SCALE").ok().and_then(|v| v.parse().ok()).filter(|s| *s > 0).unwrap_or(1)
    });
    (10_000 + (index * 7_919) % 190_000) / *SCALE
}

/// A text of about `size` bytes. A revision edits one paragraph, as a regulator amending a
/// draft would.
fn paragraphs(key: &str, size: usize, revision: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut len = 0;
    let mut n = 0;
    while len < size {
        let p = if n % 2 == 0 { PARAGRAPH_ZH } else { PARAGRAPH_EN };
        let mut line = format!("{p} ({key}-{n})");
        if revision > 0 && n == 3 {
            line.push_str(&format!(" Amended in revision {revision}."));
        }
        len += line.len() + 7;
        out.push(line);
        n += 1;
    }
    out
}

fn page(key: &str, size: usize, revision: usize) -> Vec<u8> {
    let body: String = paragraphs(key, size, revision).iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page {key}</title><script>var stat = 1;</script></head>\
         <body><nav><a href=\"/\">Home</a></nav><div class=\"content\"><h1>Measures {key}</h1>{body}</div><footer>footer</footer></body></html>"
    )
    .into_bytes()
}

/// A feed's entries; a revision publishes one more entry at the top.
fn feed(index: usize, revision: usize) -> Vec<u8> {
    let paras = paragraphs(&index.to_string(), size_of(index), 0);
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

/// A list page: its entries never change (a revision edits the first article, not the list).
fn list(index: usize) -> Vec<u8> {
    let items: String = (0..ARTICLES_PER_LIST)
        .map(|k| {
            format!("<li><a href=\"/list/{index}/{k}.html\">Measures {index}-{k} (draft for comment)</a><span class=\"date\">2023-08-0{}</span></li>\n", k + 1)
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>List {index}</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><ul class=\"list\">{items}</ul><footer>footer</footer></body></html>"
    )
    .into_bytes()
}

/// An article of a list: 2–40 KB.
fn article(index: usize, k: usize, revision: usize) -> Vec<u8> {
    let size = size_of(index * ARTICLES_PER_LIST + k) / 5;
    page(&format!("{index}.{k}"), size, if k == 0 { revision } else { 0 })
}

/// What a path names at the site's current revisions: its ETag at once, its body only when it
/// is sent. A conditional request answered 304 renders nothing, as a real server's cache does:
/// rendering a 200 KB body to throw it away made the benchmark's one-thread server the slowest
/// part of an unchanged pass.
enum Resource {
    Feed { index: usize, revision: usize },
    Page { index: usize, revision: usize },
    List { index: usize },
    Article { index: usize, k: usize, revision: usize },
}

impl Resource {
    fn find(site: &Site, path: &str) -> Option<Self> {
        let number = |s: &str, suffix: &str| s.strip_suffix(suffix)?.parse::<usize>().ok();
        if let Some(rest) = path.strip_prefix("/feed/") {
            let index = number(rest, ".xml")?;
            return Some(Self::Feed { index, revision: site.revision(index)? });
        }
        if let Some(rest) = path.strip_prefix("/page/") {
            let index = number(rest, ".html")?;
            return Some(Self::Page { index, revision: site.revision(index)? });
        }
        let rest = path.strip_prefix("/list/")?;
        match rest.split_once('/') {
            None => {
                let index = number(rest, ".html")?;
                site.revision(index)?;
                Some(Self::List { index })
            }
            Some((i, k)) => {
                let (index, k) = (i.parse::<usize>().ok()?, number(k, ".html")?);
                let revision = if k == 0 { site.revision(index)? } else { 0 };
                (k < ARTICLES_PER_LIST).then_some(Self::Article { index, k, revision })
            }
        }
    }

    fn etag(&self) -> String {
        match *self {
            Self::Feed { index, revision } => format!("\"f{index}-{revision}\""),
            Self::Page { index, revision } => format!("\"p{index}-{revision}\""),
            Self::List { index } => format!("\"l{index}\""),
            Self::Article { index, k, revision } => format!("\"a{index}.{k}-{revision}\""),
        }
    }

    fn content_type(&self) -> &'static str {
        match self {
            Self::Feed { .. } => "application/rss+xml; charset=utf-8",
            _ => "text/html; charset=utf-8",
        }
    }

    fn body(&self) -> Vec<u8> {
        match *self {
            Self::Feed { index, revision } => feed(index, revision),
            Self::Page { index, revision } => page(&index.to_string(), size_of(index), revision),
            Self::List { index } => list(index),
            Self::Article { index, k, revision } => article(index, k, revision),
        }
    }
}

/// Sets every source's revision.
pub fn publish(site: &Site, count: usize, revision_of: impl Fn(usize) -> usize) {
    let mut revisions = site.revisions.lock().unwrap();
    revisions.clear();
    revisions.extend((0..count).map(revision_of));
}

pub async fn serve(State(site): State<Pages>, uri: Uri, headers: HeaderMap) -> Response {
    site.requests.fetch_add(1, Ordering::Relaxed);
    let Some(resource) = Resource::find(&site, uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = resource.etag();
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let (ct, body) = (resource.content_type(), resource.body());
    site.served_bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    response.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
    response
}

/// The config for `count` sources of the site's layout; `interval` as the config writes it.
pub fn config(base: &str, layout: Layout, count: usize, concurrency: usize, interval: &str) -> String {
    let mut out = format!(
        "[storage]\ndatabase = \"bench.db\"\n[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\nper_host_delay = \"0s\"\n\
         per_host_concurrency = {concurrency}\nmax_concurrency = {concurrency}\n"
    );
    for i in 0..count {
        match layout {
            Layout::Mixed if i % 2 == 0 => out.push_str(&format!(
                "[[source]]\nid = \"feed-{i}\"\nname = \"Feed {i}\"\nkind = \"feed\"\nurl = \"{base}/feed/{i}.xml\"\ninterval = \"{interval}\"\n"
            )),
            Layout::Mixed => out.push_str(&format!(
                "[[source]]\nid = \"page-{i}\"\nname = \"Page {i}\"\nkind = \"page\"\nurl = \"{base}/page/{i}.html\"\ninterval = \"{interval}\"\n\
                 [source.article]\ncontent = \"div.content\"\n"
            )),
            Layout::HtmlList => out.push_str(&format!(
                "[[source]]\nid = \"list-{i}\"\nname = \"List {i}\"\nkind = \"html-list\"\nurl = \"{base}/list/{i}.html\"\ninterval = \"{interval}\"\n\
                 [source.list]\nitem = \"ul.list li\"\ntitle = \"a\"\nlink = \"a\"\ndate = \".date\"\n[source.article]\ncontent = \"div.content\"\n"
            )),
        }
    }
    out
}

/// Starts the site on `runtime` with every source at revision 0; returns it and its base URL.
pub fn start(runtime: &tokio::runtime::Runtime, layout: Layout, count: usize) -> (Pages, String) {
    let site = Arc::new(Site {
        layout,
        revisions: Mutex::new(Vec::new()),
        served_bytes: AtomicU64::new(0),
        requests: AtomicU64::new(0),
    });
    publish(&site, count, |_| 0);
    let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(serve).with_state(Arc::clone(&site));
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (site, base)
}
