#!/usr/bin/env bash
# Runs the kill harness (tests/kill_harness.rs, tests/kill/) for many kills against a release
# build of regwatch, at the lowest CPU priority, and prints the figures the README quotes.
# Usage: scripts/kill-harness/run.sh [KILLS] [SEED]
# Environment: REGWATCH_BIN (default: a release build of this checkout), KILL_HARNESS_REPORT
# (default: target/kill-harness-report.txt). A run of 1,000 kills took 13 minutes on a busy
# 2-core machine.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
export KILL_HARNESS_KILLS="${1:-1000}"
if [ $# -gt 1 ]; then
    export KILL_HARNESS_SEED="$2"
fi
if [ -z "${REGWATCH_BIN:-}" ]; then
    nice -n 19 cargo build --release --bin regwatch
    REGWATCH_BIN="$repo/target/release/regwatch"
fi
export REGWATCH_BIN
export KILL_HARNESS_REPORT="${KILL_HARNESS_REPORT:-$repo/target/kill-harness-report.txt}"
nice -n 19 cargo test --test kill_harness -- --exact sigkills_at_random_moments_lose_nothing --nocapture
echo "figures written to $KILL_HARNESS_REPORT"
