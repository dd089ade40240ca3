//! `cargo bench --bench check_pass`: `regwatch check` over N locally served sources. Prints wall
//! time and peak RSS of the real binary for a first pass (everything new), unchanged passes
//! (every request conditional, answered 304) and passes where 10% of the sources changed.
//!
//! Environment: `SOURCES` (default 1000), `LAYOUT` (`mixed`: feeds read as feeds and pages
//! through a content selector, the default; `html-list`: list pages with 5 followed articles
//! each), `MAX_CONCURRENCY` (default 8, as shipped), `PASSES` (unchanged passes, default 3), `CHANGED_PASSES` (default 2),
//! `PAGE_SCALE` (divides page sizes, for first passes at 20,000+ sources), `WRAP` (a command the binary runs under, e.g. `heaptrack -o /tmp/x`, for profiling; peak RSS
//! is then the wrapper's figure), `REGWATCH_BIN` (another build of regwatch to run, to compare
//! two builds on the same served corpus).

use std::process::Command;
use std::time::Instant;

mod site;

use site::{Layout, config, publish};

/// Runs `regwatch check` under /usr/bin/time for peak RSS; returns (seconds, peak KiB).
fn timed_check(dir: &std::path::Path) -> (f64, Option<u64>) {
    let bin = std::env::var("REGWATCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_regwatch").to_owned());
    let has_time = std::path::Path::new("/usr/bin/time").exists();
    let wrap: Vec<String> =
        std::env::var("WRAP").map(|w| w.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    let mut argv: Vec<String> = Vec::new();
    if has_time {
        argv.extend(["/usr/bin/time".to_owned(), "-f".to_owned(), "%M".to_owned()]);
    }
    argv.extend(wrap);
    argv.push(bin);
    argv.extend(["--config", "regwatch.toml", "check"].map(str::to_owned));
    let started = Instant::now();
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
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
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let count = env("SOURCES", 1000);
    let concurrency = env("MAX_CONCURRENCY", 8);
    let passes = env("PASSES", 3);
    let layout = Layout::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (site, base) = site::start(&runtime, layout, count);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regwatch.toml"), config(&base, layout, count, concurrency, "1h")).unwrap();
    let scale = std::env::var("PAGE_SCALE").unwrap_or_else(|_| "1".to_owned());
    println!(
        "check_pass: {count} sources, layout {}, page sizes / {scale}, max_concurrency {concurrency}",
        layout.name()
    );

    let report = |label: &str, (secs, rss): (f64, Option<u64>)| {
        let rss = rss.map_or("n/a".to_owned(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        let (bytes, requests) = site.take_served();
        println!(
            "{label:<28} {secs:>8.3} s   peak RSS {rss:>10}   {requests} requests, {:.1} MB served",
            bytes as f64 / 1e6
        );
    };
    report("first pass (all new)", timed_check(dir.path()));
    for round in 1..=passes {
        report(&format!("unchanged pass #{round} (304s)"), timed_check(dir.path()));
    }
    for round in 1..=env("CHANGED_PASSES", 2) {
        // Every tenth source: feeds (even) and pages (odd) alike.
        publish(&site, count, |i| if i % 20 == 0 || i % 20 == 7 { round } else { 0 });
        report(&format!("10% changed pass #{round}"), timed_check(dir.path()));
    }
    let db = std::fs::metadata(dir.path().join("bench.db")).map_or(0, |m| m.len());
    println!("database after the passes: {:.1} MB", db as f64 / 1e6);
}
