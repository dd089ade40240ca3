//! `cargo bench --bench check_pass`: `regwatch check` over 1,000 locally served sources watched
//! whole (500 RSS feeds read as feeds, 500 pages through a content selector, nothing followed),
//! pages of 10–200 KB. Prints wall time and peak RSS of the real binary for a baseline pass, an
//! unchanged pass (every request conditional, answered 304) and a pass where 10% changed.
//!
//! Environment: `SOURCES` (default 1000), `MAX_CONCURRENCY` (default 8, as shipped).

use std::process::Command;
use std::time::Instant;

mod site;

use site::{config, publish};

/// Runs `regwatch check` under /usr/bin/time for peak RSS; returns (seconds, peak KiB).
fn timed_check(dir: &std::path::Path) -> (f64, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_regwatch");
    let has_time = std::path::Path::new("/usr/bin/time").exists();
    let started = Instant::now();
    let output = if has_time {
        Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(bin)
            .args(["--config", "regwatch.toml", "check"])
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .output()
    } else {
        Command::new(bin).args(["--config", "regwatch.toml", "check"]).current_dir(dir).env("RUST_LOG", "warn").output()
    }
    .expect("run regwatch");
    let secs = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "check failed: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().last().unwrap_or_default().to_owned();
    let rss = has_time
        .then(|| String::from_utf8_lossy(&output.stderr).lines().last().and_then(|l| l.trim().parse().ok()))
        .flatten();
    println!("    {summary}");
    (secs, rss)
}

#[expect(clippy::cast_precision_loss, reason = "byte counts printed with one decimal")]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; this bench has no sub-benchmarks.
    }
    let count: usize = std::env::var("SOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let concurrency: usize = std::env::var("MAX_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (pages, base) = site::start(&runtime, count);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regwatch.toml"), config(&base, count, concurrency)).unwrap();
    let total: usize = pages.lock().unwrap().values().map(|(_, b)| b.len()).sum();
    println!(
        "check_pass: {count} sources, {:.1} MB served per full pass, max_concurrency {concurrency}",
        total as f64 / 1e6
    );

    let report = |label: &str, (secs, rss): (f64, Option<u64>)| {
        let rss = rss.map_or("n/a".to_owned(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        println!("{label:<28} {secs:>7.3} s   peak RSS {rss}");
    };
    report("baseline pass (all new)", timed_check(dir.path()));
    for round in 1..=3 {
        report(&format!("unchanged pass #{round} (304s)"), timed_check(dir.path()));
    }
    for round in 1..=2 {
        // Every tenth source: feeds (even) and pages (odd) alike.
        publish(&pages, count, |i| if i % 20 == 0 || i % 20 == 7 { round } else { 0 });
        report(&format!("10% changed pass #{round}"), timed_check(dir.path()));
    }
}
