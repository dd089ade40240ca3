//! `/metrics` in the Prometheus text format (0.0.4), read from the database so that
//! `regwatch serve` and `regwatch run` report the same figures.
//!
//! The fetch log keeps two days and is pruned as it goes, so its figures cannot be monotonic
//! counters: they are gauges over the last hour (`_1h`), named so. Changes are never deleted,
//! so their count is a true counter; the outbox and sources are reported as they stand.
//!
//! Not here: the queries (`store::reading`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};

use super::WebState;
use super::reply::Reply;
use crate::store::{FetchWindow, Tallies};

/// The fetch log's window.
const WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Upper bounds of the fetch latency buckets, in milliseconds.
const LATENCY_BOUNDS_MS: [u64; 9] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];

pub(crate) async fn metrics(State(state): State<WebState>) -> Reply {
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let since = now - WINDOW;
    let (window, tallies) =
        state.db.read(move |store| Ok((store.fetch_window(since, &LATENCY_BOUNDS_MS)?, store.tallies()?))).await?;
    let body = render(&window, &tallies, now);
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

fn render(window: &FetchWindow, tallies: &Tallies, now: Timestamp) -> String {
    let mut out = String::new();
    fetches(&mut out, window);
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    metric("regwatch_polls_1h", "gauge", "Source polls in the last hour.", &[(String::new(), window.polls)]);
    let by_event: Vec<(String, u64)> =
        tallies.changes_by_event.iter().map(|(event, n)| (labels(&[("event", event)]), *n)).collect();
    metric("regwatch_changes_total", "counter", "Changes recorded, by event.", &by_event);
    let deliveries: Vec<(String, u64)> = tallies
        .deliveries
        .iter()
        .map(|(channel, status, n)| (labels(&[("channel", channel), ("status", status)]), *n))
        .collect();
    metric("regwatch_deliveries", "gauge", "Outbox rows by channel and status.", &deliveries);
    let pending: u64 = tallies.deliveries.iter().filter(|(_, s, _)| s == "pending").map(|(_, _, n)| n).sum();
    metric("regwatch_outbox_depth", "gauge", "Deliveries waiting to be sent.", &[(String::new(), pending)]);
    let oldest = tallies.oldest_pending.map_or(0, |at| seconds_since(at, now));
    metric(
        "regwatch_outbox_oldest_pending_age_seconds",
        "gauge",
        "Age of the oldest pending delivery (0 when none is pending).",
        &[(String::new(), oldest)],
    );
    let health: Vec<(String, u64)> =
        tallies.sources_by_health.iter().map(|(h, n)| (labels(&[("health", h)]), *n)).collect();
    metric("regwatch_sources", "gauge", "Sources by health.", &health);
    metric("regwatch_documents", "gauge", "Documents known.", &[(String::new(), tallies.documents)]);
    metric("regwatch_versions", "gauge", "Versions stored.", &[(String::new(), tallies.versions)]);
    if let Some(newest) = tallies.newest_poll {
        metric(
            "regwatch_last_poll_age_seconds",
            "gauge",
            "Time since the newest poll of any source.",
            &[(String::new(), seconds_since(newest, now))],
        );
    }
    out
}

fn fetches(out: &mut String, window: &FetchWindow) {
    // result and reason → count; a 304 is its own result, the conditional GET paying off.
    let mut by_reason: BTreeMap<(&str, String), u64> = BTreeMap::new();
    let (mut answered, mut not_modified, mut bytes, mut elapsed_ms) = (0u64, 0u64, 0u64, 0u64);
    for (status, n, b, ms) in &window.answered {
        let result = if *status == Some(304) { "not_modified" } else { "ok" };
        *by_reason.entry((result, String::new())).or_default() += n;
        answered += n;
        if *status == Some(304) {
            not_modified += n;
        }
        bytes += b;
        elapsed_ms += ms;
    }
    for (status, error, n) in &window.failed {
        *by_reason.entry(("failed", failure_reason(*status, error))).or_default() += n;
    }
    let _ = writeln!(
        out,
        "# HELP regwatch_fetches_1h HTTP requests to sources in the last hour, by result and failure reason.\n\
         # TYPE regwatch_fetches_1h gauge"
    );
    for ((result, reason), n) in &by_reason {
        let _ = writeln!(out, "regwatch_fetches_1h{} {n}", labels(&[("result", result), ("reason", reason)]));
    }
    let _ = writeln!(
        out,
        "# HELP regwatch_fetch_bytes_1h Body bytes received from sources in the last hour.\n\
         # TYPE regwatch_fetch_bytes_1h gauge\nregwatch_fetch_bytes_1h {bytes}"
    );
    let share = if answered == 0 {
        0.0
    } else {
        f64::from(u32::try_from(not_modified).unwrap_or(u32::MAX))
            / f64::from(u32::try_from(answered).unwrap_or(u32::MAX))
    };
    let _ = writeln!(
        out,
        "# HELP regwatch_fetch_not_modified_ratio_1h Share of answered requests that were 304 Not Modified.\n\
         # TYPE regwatch_fetch_not_modified_ratio_1h gauge\nregwatch_fetch_not_modified_ratio_1h {share:.4}"
    );
    let _ = writeln!(
        out,
        "# HELP regwatch_fetch_duration_seconds_1h Latency of answered requests in the last hour (cumulative buckets).\n\
         # TYPE regwatch_fetch_duration_seconds_1h gauge"
    );
    for (bound, n) in LATENCY_BOUNDS_MS.iter().zip(&window.latency_buckets) {
        let le = format!("{}", Seconds(*bound));
        let _ = writeln!(out, "regwatch_fetch_duration_seconds_1h{} {n}", labels(&[("le", &le)]));
    }
    let _ = writeln!(out, "regwatch_fetch_duration_seconds_1h{} {answered}", labels(&[("le", "+Inf")]));
    let _ = writeln!(
        out,
        "# HELP regwatch_fetch_duration_seconds_1h_sum Total latency of answered requests in the last hour.\n\
         # TYPE regwatch_fetch_duration_seconds_1h_sum gauge\nregwatch_fetch_duration_seconds_1h_sum {}",
        Seconds(elapsed_ms)
    );
}

/// Milliseconds written as seconds, exactly (`250` → `0.25`).
struct Seconds(u64);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, ms) = (self.0 / 1000, self.0 % 1000);
        if ms == 0 { write!(f, "{whole}") } else { write!(f, "{}", format!("{whole}.{ms:03}").trim_end_matches('0')) }
    }
}

/// A small, fixed vocabulary of reasons from a stored fetch error ("{url}: {what happened}").
pub(crate) fn failure_reason(status: Option<u16>, error: &str) -> String {
    if let Some(status) = status {
        return format!("http_{status}");
    }
    let what = error.split_once(": ").map_or(error, |(_, rest)| rest);
    let reason = [
        ("timed out", "timeout"),
        ("connection failed", "connect"),
        ("refused address", "refused_address"),
        ("robots.txt", "robots"),
        ("redirect", "redirect"),
        ("body larger than", "too_large"),
        ("reading the body failed", "body"),
        ("only http and https", "scheme"),
        ("HTTP status", "http_status"),
        ("request failed", "request"),
    ]
    .iter()
    .find(|(needle, _)| what.contains(needle))
    .map_or("other", |(_, reason)| reason);
    reason.to_owned()
}

/// `{a="x",b="y"}` with values escaped; empty values are left out, and no labels is "".
fn labels(pairs: &[(&str, &str)]) -> String {
    let shown: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")))
        .collect();
    if shown.is_empty() { String::new() } else { format!("{{{}}}", shown.join(",")) }
}

fn seconds_since(at: Timestamp, now: Timestamp) -> u64 {
    u64::try_from(now.duration_since(at).as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Some(404), "https://x/a: HTTP status 404", "http_404")]
    #[case(None, "https://x/a: timed out after 30s", "timeout")]
    #[case(None, "https://x:8080/a: connection failed: refused", "connect")]
    #[case(None, "https://x/a: redirect loop back to https://x/a", "redirect")]
    #[case(None, "https://x/a: body larger than 10 bytes", "too_large")]
    #[case(None, "something else", "other")]
    fn failures_fall_into_few_reasons(#[case] status: Option<u16>, #[case] error: &str, #[case] reason: &str) {
        assert_eq!(failure_reason(status, error), reason);
    }

    #[test]
    fn exposition_is_well_formed() {
        let window = FetchWindow {
            answered: vec![(Some(200), 3, 3000, 600), (Some(304), 1, 0, 20)],
            failed: vec![(Some(503), "u: HTTP status 503".into(), 2)],
            latency_buckets: vec![1, 1, 2, 4, 4, 4, 4, 4, 4],
            polls: 2,
        };
        let tallies = Tallies {
            changes_by_event: vec![("document.changed".into(), 5)],
            deliveries: vec![("webhook".into(), "pending".into(), 2)],
            ..Tallies::default()
        };
        let text = render(&window, &tallies, Timestamp::UNIX_EPOCH);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            assert!(name.chars().next().unwrap().is_ascii_lowercase(), "{line}");
        }
        assert!(text.contains("regwatch_fetches_1h{result=\"not_modified\"} 1"), "{text}");
        assert!(text.contains("regwatch_fetches_1h{result=\"failed\",reason=\"http_503\"} 2"));
        assert!(text.contains("regwatch_fetch_not_modified_ratio_1h 0.2500"));
        assert!(text.contains("regwatch_fetch_duration_seconds_1h{le=\"0.25\"} 2"));
        assert!(text.contains("regwatch_changes_total{event=\"document.changed\"} 5"));
        assert!(text.contains("regwatch_outbox_depth 2"));
    }
}
