//! `cargo bench --bench daemon_idle`: `regwatch run` watching 1,000 locally served sources on 1h
//! intervals. Prints resident memory during the first full cycle (peak) and when idle, and the
//! CPU time an idle hour costs (measured over `IDLE_SECS`, default 60, and scaled).

use std::process::{Command, Stdio};
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

#[expect(clippy::cast_precision_loss, reason = "KiB and tick counts printed with one decimal")]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let count: usize = std::env::var("SOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let idle_secs: u64 = std::env::var("IDLE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (_pages, base) = site::start(&runtime, count);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regwatch.toml"), site::config(&base, count, 8)).unwrap();
    let bin = env!("CARGO_BIN_EXE_regwatch");
    let unit_env = unit_environment();
    println!("environment as systemd/regwatch.service sets it: {unit_env:?}");
    let mut child = Command::new(bin)
        .args(["--config", "regwatch.toml", "run"])
        .current_dir(dir.path())
        .envs(unit_env)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start regwatch run");
    let pid = child.id();
    let started = Instant::now();
    // The first cycle is over when every source has been polled once.
    loop {
        std::thread::sleep(Duration::from_millis(500));
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
        assert!(started.elapsed() < Duration::from_secs(300), "first cycle did not finish: {polled}/{count}");
    }
    let cycle = started.elapsed();
    let peak = proc_status(pid, "VmHWM:").unwrap_or(0);
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid).unwrap_or(0);
    std::thread::sleep(Duration::from_secs(idle_secs));
    let after = cpu_ticks(pid).unwrap_or(0);
    let idle_rss = proc_status(pid, "VmRSS:").unwrap_or(0);
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let status = child.wait().unwrap();
    let cpu_secs = (after - before) as f64 / ticks_per_second();
    println!("daemon_idle: {count} sources on 1h intervals");
    println!("first full cycle             {:>7.2} s   peak RSS {:.1} MiB", cycle.as_secs_f64(), peak as f64 / 1024.0);
    println!("idle                         RSS {:.1} MiB", idle_rss as f64 / 1024.0);
    println!(
        "CPU while idle               {cpu_secs:.2} s over {idle_secs} s = {:.1} s per idle hour",
        cpu_secs * 3600.0 / idle_secs as f64
    );
    println!("SIGTERM                      exit {status}");
}
