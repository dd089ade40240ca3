//! Crash safety, kept proven: `check` and `run` are SIGKILLed at random moments (at start, mid
//! poll, on a database write, mid delivery; some while recovering from the kill before; some
//! while both run on one database) over a site that changes every round. After every round the
//! database must pass `integrity_check` and have lost no version, no change and no outbox row;
//! at the end every change's alerts must have been delivered at least once, repeats under the
//! same `webhook-id`, and nothing may be left pending. See `tests/kill/`.
//!
//! CI runs a handful of kills. `KILL_HARNESS_KILLS=1000` runs more (`scripts/kill-harness/run.sh`),
//! `KILL_HARNESS_SEED` repeats a run's choices (timing still varies), `REGWATCH_BIN` tests
//! another build of the binary (a release build), and `KILL_HARNESS_REPORT=FILE` writes the
//! figures to FILE.

mod alert_common;
mod common;
mod kill;

use std::path::PathBuf;

use kill::harness::{Harness, Settings};

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(value.parse().unwrap_or_else(|e| panic!("{name}={value:?} is not a number: {e}")))
}

#[test]
fn sigkills_at_random_moments_lose_nothing() {
    let kills = env_number("KILL_HARNESS_KILLS").map_or(10, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let seed = env_number("KILL_HARNESS_SEED").unwrap_or_else(|| fastrand::u64(..));
    let binary =
        std::env::var_os("REGWATCH_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_regwatch")), PathBuf::from);
    eprintln!("kill harness: {kills} kills, seed {seed}, binary {}", binary.display());

    let figures = Harness::start(&Settings { kills, seed, binary }).run();

    eprintln!("{figures}");
    if let Some(path) = std::env::var_os("KILL_HARNESS_REPORT") {
        std::fs::write(&path, format!("{figures}\n")).expect("write the report");
    }
    assert_eq!(figures.lost, 0);
    assert!(figures.kills >= kills);
    assert!(
        figures.double_faults > 0 && figures.both_at_once > 0,
        "every run must include a double fault and a round of check and run at once:\n{figures}"
    );
    assert!(figures.changes > 0 && figures.deliveries > 0, "the rounds must have produced alerts:\n{figures}");
}
