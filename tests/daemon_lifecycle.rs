//! `regwatch run` as a child process against a local site and webhook receiver, with 1–2 s
//! intervals: baseline, a change delivered while running, conditional polls, the per-host gate,
//! Retry-After, SIGHUP (good and bad), SIGTERM, and a restart that keeps the schedule.

mod common;

use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{Page, TestSite, Workspace};

/// A webhook receiver on 127.0.0.1 that keeps every body.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Hook {
    fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let bodies: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let sink = Arc::clone(&bodies);
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: String| {
                let sink = Arc::clone(&sink);
                async move {
                    sink.lock().unwrap().push(serde_json::from_str(&body).unwrap_or_default());
                    StatusCode::NO_CONTENT
                }
            }),
        );
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, bodies, _runtime: runtime }
    }

    fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
}

fn page(text: &str) -> Page {
    Page::html(&format!("<html><body><div class=\"c\"><p>{text}</p></div></body></html>"))
}

fn source(id: &str, url: &str, interval: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"page\"\nurl = \"{url}\"\ninterval = \"{interval}\"\n[source.article]\ncontent = \"div.c\"\n"
    )
}

fn config(fetch: &str, sources: &[String], hook: &Hook) -> String {
    format!(
        "[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\ntimeout = \"5s\"\n{fetch}\n{}\n[[subscriber]]\nid = \"hook\"\nwebhook = \"{}\"\ntopics = [\"*\"]\nschedule = \"immediate\"\n",
        sources.join("\n"),
        hook.url
    )
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, name: &str) {
    let status =
        std::process::Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
}

fn stop(mut child: Child, ws: &Workspace) {
    signal(&child, "TERM");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "SIGTERM must exit 0: {status}\n{}", ws.daemon_log());
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(25), "no exit after SIGTERM\n{}", ws.daemon_log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn runs_on_schedule_delivers_changes_and_reloads() {
    let site = TestSite::start();
    let hook = Hook::start();
    site.put("/a", page("第一条 原文。"));
    site.put("/b", page("Second source."));
    let fetch = "per_host_delay = \"0s\"\nper_host_concurrency = 2";
    let ws = Workspace::new(&config(fetch, &[source("a", &site.url("/a"), "1s")], &hook));
    let daemon = ws.spawn_daemon();

    // Baseline, then conditional polls answered 304.
    wait_for("conditional polls", Duration::from_secs(20), || site.hits("/a").iter().any(|h| h.answered == 304));
    assert!(hook.bodies().is_empty(), "the baseline alerts nobody");

    // A change reaches the webhook while the daemon runs.
    site.put("/a", page("第一条 修改后的条文。"));
    wait_for("the change's webhook", Duration::from_secs(20), || !hook.bodies().is_empty());
    assert_eq!(hook.bodies()[0]["type"], "document.changed");

    // SIGHUP with a bad config: refused, the daemon keeps polling.
    let good = std::fs::read_to_string(ws.config_path()).unwrap();
    ws.write("regwatch.toml", &format!("{good}\nbogus_key = 1\n"));
    signal(&daemon, "HUP");
    wait_for("the rejection in the log", Duration::from_secs(10), || {
        ws.daemon_log().contains("Config reload rejected")
    });
    let before = site.hits("/a").len();
    wait_for("polls after the bad reload", Duration::from_secs(10), || site.hits("/a").len() > before + 1);

    // SIGHUP with a new source: it starts.
    ws.write(
        "regwatch.toml",
        &config(fetch, &[source("a", &site.url("/a"), "1s"), source("b", &site.url("/b"), "1s")], &hook),
    );
    signal(&daemon, "HUP");
    wait_for("the added source's first poll", Duration::from_secs(10), || !site.hits("/b").is_empty());

    stop(daemon, &ws);
    let sources = ws.run(&["sources", "list", "--json"]).success().json();
    assert!(sources.as_array().unwrap().iter().all(|s| s["health"] == "ok"), "{sources:#}");
}

#[test]
fn per_host_gate_and_retry_after_hold() {
    let site = TestSite::start();
    let hook = Hook::start();
    let sources: Vec<String> = (0..4)
        .map(|i| {
            site.put(&format!("/slow{i}"), page("slow page").with_delay(Duration::from_millis(300)));
            source(&format!("s{i}"), &site.url(&format!("/slow{i}")), "1h")
        })
        .collect();
    site.put("/busy", Page::status(503).with_header("retry-after", "3"));
    let mut all = sources;
    all.push(source("busy", &site.url("/busy"), "1s"));
    let ws =
        Workspace::new(&config("per_host_delay = \"0s\"\nper_host_concurrency = 1\nmax_concurrency = 8", &all, &hook));
    let daemon = ws.spawn_daemon();
    wait_for("every slow source polled", Duration::from_secs(20), || {
        (0..4).all(|i| !site.hits(&format!("/slow{i}")).is_empty())
    });
    wait_for("a second request to the busy page", Duration::from_secs(20), || site.hits("/busy").len() >= 2);
    stop(daemon, &ws);
    assert_eq!(site.max_in_flight(), 1, "per_host_concurrency = 1 allows one request in flight to a host");
    // The 503 asked for 3 s: the host's next request waited at least that long.
    let busy = site.hits("/busy");
    let gap = busy[1].at.duration_since(busy[0].at);
    assert!(gap >= Duration::from_millis(2900), "Retry-After: 3 was not honoured: next request after {gap:?}");
}

#[test]
fn restart_resumes_the_schedule_instead_of_polling_everything() {
    let site = TestSite::start();
    let hook = Hook::start();
    site.put("/hourly", page("hourly"));
    let ws = Workspace::new(&config("per_host_delay = \"0s\"", &[source("hourly", &site.url("/hourly"), "1h")], &hook));
    let daemon = ws.spawn_daemon();
    wait_for("the first poll", Duration::from_secs(20), || !site.hits("/hourly").is_empty());
    stop(daemon, &ws);
    let daemon = ws.spawn_daemon();
    std::thread::sleep(Duration::from_secs(3));
    stop(daemon, &ws);
    assert_eq!(site.hits("/hourly").len(), 1, "a source not due is not polled again after a restart");
    let listed = ws.run(&["sources", "list", "--json"]).success().json();
    assert!(listed[0]["next_due"].is_string());
}

#[test]
fn db_backup_copies_a_consistent_database_while_the_daemon_runs() {
    let site = TestSite::start();
    let hook = Hook::start();
    site.put("/a", page("第一条 原文。"));
    let ws = Workspace::new(&config("per_host_delay = \"0s\"", &[source("a", &site.url("/a"), "1s")], &hook));
    let daemon = ws.spawn_daemon();
    // The poll's commit, not its request: a listing read between the two finds nothing yet.
    // Listing commands read while the daemon writes.
    wait_for("the first poll's document", Duration::from_secs(20), || {
        !site.hits("/a").is_empty() && ws.docs().len() == 1
    });
    let backup = ws.path().join("backup.db");
    ws.run(&["db", "backup", backup.to_str().unwrap()]).success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy is the owner's alone, whatever the umask");
    }
    stop(daemon, &ws);
    let copy = Workspace::new(&format!("[storage]\ndatabase = \"{}\"\n", backup.display()));
    assert_eq!(copy.docs().len(), 1, "the backup holds the document");
}
