//! Every way a source can fail ends as a clear stored error on that source, while the other
//! sources of the pass still complete.

mod common;

use std::time::Duration;

use common::{Page, TestSite, Workspace};

fn source(id: &str, kind: &str, url: &str) -> String {
    let list = if kind == "html-list" { "[source.list]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\n" } else { "" };
    format!("[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\n{list}")
}

#[test]
fn each_failure_is_stored_with_its_reason_and_others_complete() {
    let site = TestSite::start();
    site.put("/good.xml", Page::bytes("application/rss+xml", b"<rss version=\"2.0\"><channel><title>ok</title><item><title>One</title><link>http://example.invalid/1</link></item></channel></rss>".to_vec()));
    site.put(
        "/malformed.xml",
        Page::bytes(
            "application/rss+xml",
            b"<rss version=\"2.0\"><channel><title>broken<item><title>x</title></channel".to_vec(),
        ),
    );
    site.put("/html-not-feed.xml", Page::html("<!DOCTYPE html><html><body><p>We moved!</p></body></html>"));
    site.put("/server-error", Page::status(500));
    site.put("/slow", Page::html("<p>late</p>").with_delay(Duration::from_secs(4)));
    site.put("/huge", Page::html(&"<p>padding</p>".repeat(2000)));
    site.put("/loop-a", Page::redirect("/loop-b"));
    site.put("/loop-b", Page::redirect("/loop-a"));
    // 127.0.0.2 is loopback but outside the allowed 127.0.0.1/32: the hop must be refused.
    site.put("/to-refused", Page::redirect(&format!("http://127.0.0.2:{}/good.xml", site.addr.port())));
    let sources = [
        source("good", "feed", &site.url("/good.xml")),
        source("malformed", "feed", &site.url("/malformed.xml")),
        source("html-not-feed", "feed", &site.url("/html-not-feed.xml")),
        source("missing", "page", &site.url("/missing")),
        source("server-error", "page", &site.url("/server-error")),
        source("slow", "page", &site.url("/slow")),
        source("huge", "page", &site.url("/huge")),
        source("redirect-loop", "page", &site.url("/loop-a")),
        source("redirect-refused", "page", &site.url("/to-refused")),
        source("refused-literal", "page", &format!("http://127.0.0.3:{}/good.xml", site.addr.port())),
    ]
    .join("\n");
    let config = format!(
        "[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\nper_host_delay = \"0s\"\nper_host_concurrency = 8\nmax_concurrency = 16\ntimeout = \"1s\"\nmax_body = \"8KiB\"\n\n{sources}"
    );
    let ws = Workspace::new(&config);
    let pass = ws.run(&["check", "--json"]).success().json();
    let error_of = |id: &str| -> String {
        let report =
            pass.as_array().unwrap().iter().find(|r| r["source"] == id).unwrap_or_else(|| panic!("no report for {id}"));
        report["error"].as_str().unwrap_or("").to_owned()
    };
    assert_eq!(error_of("good"), "", "the good source completes");
    let expectations = [
        ("malformed", "feed"),
        ("html-not-feed", "html"),
        ("missing", "404"),
        ("server-error", "500"),
        ("slow", "timed out"),
        ("huge", "larger than 8192 bytes"),
        ("redirect-loop", "redirect loop"),
        ("redirect-refused", "refused address 127.0.0.2"),
        ("refused-literal", "refused address 127.0.0.3"),
    ];
    for (id, needle) in expectations {
        let error = error_of(id);
        assert!(error.to_lowercase().contains(needle), "{id}: expected `{needle}` in `{error}`");
    }
    // The reasons are stored on the sources, not only printed.
    let listed = ws.run(&["sources", "list", "--json"]).success().json();
    for (id, needle) in expectations {
        let row = listed.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
        let stored = row["last_error"].as_str().unwrap_or_default().to_lowercase();
        assert!(stored.contains(needle), "{id}: stored `{stored}`");
    }
    let good = listed.as_array().unwrap().iter().find(|r| r["id"] == "good").unwrap();
    assert_eq!(good["health"], "ok");
    assert!(
        site.hits("/good.xml").iter().all(|h| h.user_agent.as_deref().is_some_and(|ua| ua.starts_with("regwatch/")))
    );
}

#[test]
fn default_policy_refuses_loopback_sources() {
    let site = TestSite::start();
    site.put(
        "/feed.xml",
        Page::bytes("application/rss+xml", b"<rss version=\"2.0\"><channel><title>t</title></channel></rss>".to_vec()),
    );
    let ws = Workspace::new(&source("local", "feed", &site.url("/feed.xml")));
    let pass = ws.run(&["check", "--json"]).success().json();
    let error = pass[0]["error"].as_str().unwrap();
    assert!(error.contains("refused address 127.0.0.1"), "{error}");
    assert!(site.all_hits().is_empty(), "nothing may reach a refused address");
}

#[test]
fn robots_txt_is_fetched_once_per_host_and_obeyed() {
    let site = TestSite::start();
    site.put(
        "/robots.txt",
        Page::bytes(
            "text/plain",
            b"User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n".to_vec(),
        ),
    );
    site.put("/private/page", Page::html("<p>secret</p>"));
    site.put("/public/page", Page::html("<p>open</p>"));
    let sources =
        [source("private", "page", &site.url("/private/page")), source("public", "page", &site.url("/public/page"))]
            .join("\n");
    let fetch = "[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\nper_host_delay = \"0s\"\n";
    let ws = Workspace::new(&format!("{fetch}{sources}"));
    let pass = ws.run(&["check", "--json"]).success().json();
    let error_of = |id: &str| pass.as_array().unwrap().iter().find(|r| r["source"] == id).unwrap()["error"].clone();
    assert!(error_of("private").as_str().unwrap().contains("robots.txt"), "{pass:#}");
    assert!(error_of("public").is_null(), "{pass:#}");
    assert!(site.hits("/private/page").is_empty(), "a disallowed page is never requested");
    assert_eq!(site.hits("/robots.txt").len(), 1, "one robots.txt per host per process");

    let ws = Workspace::new(&format!("{fetch}respect_robots = false\n{sources}"));
    let pass = ws.run(&["check", "--json"]).success().json();
    assert!(pass.as_array().unwrap().iter().all(|r| r["error"].is_null()), "{pass:#}");
}
