#!/usr/bin/env bash
# Compares regwatch with feedparser over feedparser's test corpus (see compare.py).
# Usage: scripts/feed-compare/run.sh [CORPUS] [extra compare.py arguments...]
# Environment: VENV (default: $TMPDIR/regwatch-feed-compare-venv), REGWATCH (default: a debug
# build of this checkout), FEEDPARSER_VERSION (default 6.0.14),
# CHARDET_VERSION (default 5.2.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus="${1:-$repo/../shared/fixtures/real/feeds/feedparser}"
[ $# -gt 0 ] && shift
venv="${VENV:-${TMPDIR:-/tmp}/regwatch-feed-compare-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    # chardet: feedparser sniffs undeclared legacy encodings with it when it is installed.
    "$venv/bin/pip" install --quiet "feedparser==${FEEDPARSER_VERSION:-6.0.14}" "chardet==${CHARDET_VERSION:-5.2.0}"
fi
if [ -z "${REGWATCH:-}" ]; then
    (cd "$repo" && cargo build --quiet --bin regwatch)
    REGWATCH="$repo/target/debug/regwatch"
fi
exec "$venv/bin/python" "$here/compare.py" --corpus "$corpus" --regwatch "$REGWATCH" \
    --known "$here/known-disagreements.tsv" "$@"
