//! `cargo bench --bench daemon_idle`: `regwatch run` watching N locally served sources. Prints
//! the first full cycle's time and peak resident memory, then, over `IDLE_SECS` (default 60)
//! after it: resident memory (sampled: flat or growing), CPU time, and the schedule lag of every
//! poll started (due time to start, from the scheduler's debug log).
//!
//! Environment: `SOURCES` (default 1000), `LAYOUT` (`mixed` or `html-list`, as `check_pass`),
//! `INTERVAL` (default `1h`: idle after the first cycle; a shorter one, e.g. `10m`, makes the
//! window after the first cycle a steady state of polls whose lag can be measured).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod site;

fn proc_status(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat; `after` starts at field 3.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The `Environment=` assignments of the shipped unit: the daemon is measured as it runs.
fn unit_environment() -> Vec<(String, String)> {
    let unit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/regwatch.service"))
        .expect("read systemd/regwatch.service");
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix("Environment="))
        .flat_map(str::split_whitespace)
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Each "Poll started" line the scheduler logs (JSON, at debug), as it comes: its `lag_ms`, or -1
/// for a source's first poll.
fn collect_lags(stderr: std::process::ChildStderr, lags: Arc<Mutex<Vec<(Instant, i64, String)>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            let message = event["message"].as_str().unwrap_or_default();
            if !message.starts_with("Poll started") {
                if event["level"] == "ERROR" || event["level"] == "WARN" {
                    eprintln!("daemon: {line}");
                }
                continue;
            }
            // A first poll has no due time to be late against.
            // tracing writes an i128 field as a string in JSON.
            let lag = event["lag_ms"]
                .as_i64()
                .or_else(|| event["lag_ms"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(-1);
            let source = event["source"].as_str().unwrap_or_default().to_owned();
            lags.lock().unwrap().push((Instant::now(), lag, source));
        }
    });
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index"
    )]
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

#[expect(clippy::cast_precision_loss, reason = "KiB and tick counts printed with one decimal")]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let count: usize = std::env::var("SOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let watch_secs: u64 = std::env::var("IDLE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let interval = std::env::var("INTERVAL").unwrap_or_else(|_| "1h".to_owned());
    let layout = site::Layout::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (_site, base) = site::start(&runtime, layout, count);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regwatch.toml"), site::config(&base, layout, count, 8, &interval)).unwrap();
    let bin = env!("CARGO_BIN_EXE_regwatch");
    let unit_env = unit_environment();
    println!("environment as systemd/regwatch.service sets it: {unit_env:?}");
    let mut child = Command::new(bin)
        .args(["--config", "regwatch.toml", "--log-format", "json", "run"])
        .current_dir(dir.path())
        .envs(unit_env)
        .env("RUST_LOG", "warn,regwatch::daemon::scheduler=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start regwatch run");
    let pid = child.id();
    let lags = Arc::new(Mutex::new(Vec::new()));
    collect_lags(child.stderr.take().unwrap(), Arc::clone(&lags));
    let started = Instant::now();
    let limit = Duration::from_secs(300.max(count as u64 / 10));
    // The first cycle is over when every source has been polled once and is healthy.
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let starts = lags.lock().unwrap().len();
        assert!(started.elapsed() < limit, "first cycle did not finish: {starts}/{count} polls started");
        if starts < count {
            continue;
        }
        let out = Command::new(bin)
            .args(["--config", "regwatch.toml", "sources", "list", "--json"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let polled = rows.as_array().map_or(0, |r| r.iter().filter(|s| s["health"] == "ok").count());
        if polled == count {
            break;
        }
    }
    let cycle = started.elapsed();
    let peak = proc_status(pid, "VmHWM:").unwrap_or(0);
    let settled = Instant::now();
    let before = cpu_ticks(pid).unwrap_or(0);
    let mut rss = Vec::new();
    while settled.elapsed() < Duration::from_secs(watch_secs) {
        std::thread::sleep(Duration::from_secs(5).min(Duration::from_secs(watch_secs)));
        rss.push(proc_status(pid, "VmRSS:").unwrap_or(0));
    }
    let after = cpu_ticks(pid).unwrap_or(0);
    let watched = settled.elapsed().as_secs_f64();
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let status = child.wait().unwrap();
    let cpu_secs = (after - before) as f64 / ticks_per_second();
    let mut later: Vec<i64> = lags
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, lag, _)| *at >= settled && *lag >= 0)
        .map(|(_, lag, _)| *lag)
        .collect();
    later.sort_unstable();
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("daemon_idle: {count} sources, layout {}, interval {interval}", layout.name());
    println!("first full cycle             {:>7.2} s   peak RSS {:.1} MiB", cycle.as_secs_f64(), mib(peak));
    println!(
        "after it, over {watched:.0} s       RSS {:.1}..{:.1} MiB (min..max of {} samples, every 5 s)",
        mib(rss.iter().copied().min().unwrap_or(0)),
        mib(rss.iter().copied().max().unwrap_or(0)),
        rss.len()
    );
    println!(
        "CPU after the first cycle    {cpu_secs:.2} s over {watched:.0} s = {:.2}% of a core ({:.1} s per hour)",
        100.0 * cpu_secs / watched,
        cpu_secs * 3600.0 / watched
    );
    println!(
        "schedule lag after it        {} polls: p50 {} ms, p99 {} ms, max {} ms",
        later.len(),
        percentile(&later, 0.5),
        percentile(&later, 0.99),
        later.last().copied().unwrap_or(0)
    );
    println!("SIGTERM                      exit {status}");
}
