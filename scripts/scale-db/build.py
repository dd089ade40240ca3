#!/usr/bin/env python3
"""Builds a regwatch database of N sources x V versions (default 50,000 x 30) for timing the
listing commands and the reading room's queries at scale, straight through SQL (seconds, not
the hours polling would take).

Usage: scripts/scale-db/build.py DIR [SOURCES] [VERSIONS]
Needs the release binary (target/release/regwatch, which creates and migrates the schema) and
the zstd command (version texts are stored zstd-compressed). Writes DIR/regwatch.toml (every
source, as `sources list` reads the config) and DIR/scale.db. One document per source, each
with V versions and V-1 changes; texts are ~2 KB of Chinese and English legal prose.
"""
import os
import random
import sqlite3
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
binary = os.path.join(here, "..", "..", "target", "release", "regwatch")
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
v = int(sys.argv[3]) if len(sys.argv) > 3 else 30
os.makedirs(out, exist_ok=True)
db = os.path.join(out, "scale.db")
cfg = os.path.join(out, "regwatch.toml")
if os.path.exists(db):
    os.remove(db)

with open(cfg, "w") as f:
    f.write('[storage]\ndatabase = "scale.db"\n')
    for i in range(n):
        f.write(f'[[source]]\nid = "s-{i:05}"\nname = "Source {i}"\nkind = "page"\nurl = "http://127.0.0.1:9/{i}.html"\n')
# The binary creates the schema (every migration) on open.
subprocess.run([binary, "--config", cfg, "sources", "list", "--json"], check=False, capture_output=True, cwd=out)
subprocess.run([binary, "--config", cfg, "check", "--source", "s-00000"], check=False, capture_output=True, cwd=out)

ZH = "第十二条 网络数据处理者应当按照网络安全等级保护制度的要求，加强网络数据安全防护，建立健全网络数据安全管理制度。"
EN = "Article 12: Network data handlers shall strengthen the security of network data and adopt technical measures."


def text(doc, version):
    lines = [f"{ZH if k % 2 == 0 else EN} ({doc}-{k})" for k in range(12)]
    lines[version % 12] += f" Amended in version {version}."
    return "\n".join(lines)


# Compressed texts: 64 variants cycled over (doc, version); the blobs are real zstd frames.
variants = []
for k in range(64):
    raw = text(k, k).encode()
    blob = subprocess.run(["zstd", "-3", "-c", "-q"], input=raw, capture_output=True, check=True).stdout
    variants.append((raw.decode(), blob))

conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = OFF")
t0 = 1_700_000_000_000
day = 86_400_000
rnd = random.Random(7)
topics = ['["data-security"]', '["personal-information"]', '["ai"]', '["cybersecurity","data-security"]', "[]"]
with conn:
    conn.execute("DELETE FROM fetch_log")
    conn.execute("DELETE FROM version")
    conn.execute("DELETE FROM change")
    # The search table is left alone (the check above stored no document, and Python's SQLite
    # may be too old to open a contentless table): regwatch indexes every document when a
    # writer opens the database (at the end), with its own rule for what a text's index holds.
    conn.execute("DELETE FROM meta WHERE key = 'search_index'")
    conn.execute("DELETE FROM document")
    for i in range(n):
        sid = f"s-{i:05}"
        last = t0 + v * day + rnd.randrange(day)
        conn.execute(
            "UPDATE source SET baseline_at = ?2, last_polled_at = ?3, last_success_at = ?3, next_due = ?4, "
            "last_status = 200, health = 'ok', config_hash = 'x' WHERE id = ?1",
            (sid, t0, last, last + 3_600_000),
        )
        blob = variants[(i + v - 1) % 64][1]
        cur = conn.execute(
            "INSERT INTO document (source_id, url, title, published, first_seen, last_seen, last_changed, versions, "
            "stage, deadline, topics, family_key, hash) VALUES (?, ?, ?, '2024-01-02', ?, ?, ?, ?, 'draft', ?, ?, ?, ?)",
            (sid, f"http://127.0.0.1:9/{i}.html", f"Measures {i} (draft for comment)", t0, last, last, v,
             f"2030-{1 + i % 12:02}-{1 + i % 28:02}" if i % 10 == 0 else None, topics[i % 5], f"measures {i}", f"h{i}-{v}"),
        )
        doc = cur.lastrowid
        for ver in range(1, v + 1):
            blob = variants[(i + ver) % 64][1]
            at = t0 + ver * day + (i % 1000)
            conn.execute(
                "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines, "
                "text_sha256) VALUES (?, ?, ?, ?, ?, ?, 1, 1, 'x')",
                (doc, ver, at, f"h{i}-{ver}", f"Measures {i}", blob),
            )
            if ver > 1:
                conn.execute(
                    "INSERT INTO change (doc_id, event, from_version, to_version, summary, articles, topics, added_lines, "
                    "removed_lines, created_at) VALUES (?, 'document.changed', ?, ?, 'Article 12 amended', '[]', ?, 1, 1, ?)",
                    (doc, ver - 1, ver, topics[i % 5], at),
                )
        conn.execute(
            "INSERT INTO fetch_log (source_id, url, at, status, bytes, elapsed_ms) VALUES (?, ?, ?, 200, 20000, 12)",
            (sid, f"http://127.0.0.1:9/{i}.html", last),
        )

conn.close()
# A writer indexes the documents as it opens the database; the poll itself fails (the address
# is refused by policy) and only updates s-00000's state.
subprocess.run([binary, "--config", cfg, "check", "--source", "s-00000"], check=False, capture_output=True, cwd=out)
print(f"{db}: {n} sources x {v} versions, {os.path.getsize(db) / 1e6:.0f} MB")
