#!/usr/bin/env python3
"""Compares regwatch's feed reading with feedparser's over a corpus of feed files.

Each case is served on 127.0.0.1 with the HTTP headers its `Header:` comment lines simulate
(feedparser's test corpus convention) and read by `regwatch sources test ID --json` against a
generated config with one `kind = "feed"` source, as a user would; feedparser reads the same
bytes with the same headers (`feedparser.parse(bytes, response_headers=...)`, as its own test
suite does). The two are compared on the number of entries and on their plain-text titles
(entities decoded, markup removed, whitespace collapsed).

Agreement is counted over the cases where feedparser finds at least one titled entry. Cases
listed in known-disagreements.tsv (path, reason) are reported with their reason; any other
disagreement is a failure worth a look.

Run through run.sh, which makes the virtualenv with feedparser; this script needs only the
standard library and feedparser.
"""

import argparse
import concurrent.futures
import html
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser

HEADER_COMMENT_END = b"-->"


def header_lines(body: bytes) -> list[tuple[str, str]]:
    """The `Header: Name: value` lines of the case's leading comment.

    UTF-16/32 cases spell the comment with NULs between the letters, so those are dropped first.
    """
    ascii_ = bytes(b for b in body[:4096] if b != 0)
    end = ascii_.find(HEADER_COMMENT_END)
    if end < 0:
        return []
    headers = []
    for line in ascii_[:end].decode("latin-1").splitlines():
        line = line.strip()
        if not line.startswith("Header:"):
            continue
        name, _, value = line[len("Header:"):].strip().partition(":")
        if name.strip() and value.strip():
            headers.append((name.strip(), value.strip()))
    return headers


class Corpus:
    def __init__(self, root: Path, files: list[Path]):
        self.root = root
        self.cases = {}
        for i, path in enumerate(files):
            rel = path.relative_to(root).as_posix()
            body = path.read_bytes()
            self.cases[rel] = {"id": f"case-{i:04d}", "rel": rel, "body": body, "headers": header_lines(body)}


def serve(corpus: Corpus) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            case = corpus.cases.get(self.path.lstrip("/").split("?")[0])
            if case is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            names = {n.lower() for n, _ in case["headers"]}
            for name, value in case["headers"]:
                self.send_header(name, value)
            if "content-type" not in names:
                # No type at all, as feedparser's own tests simulate it: let both sniff.
                pass
            self.send_header("Content-Length", str(len(case["body"])))
            self.end_headers()
            self.wfile.write(case["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"


def collapse(text: str | None) -> str:
    """Whitespace collapsed, invisible characters dropped, and a line break between two CJK
    characters joined (regwatch's title normalisation; feedparser keeps the break)."""
    if not text:
        return ""
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff\u00ad]", "", text)
    text = re.sub(rf"(?<=[{CJK}])[^\S\n]*\n\s*(?=[{CJK}])", "", text)
    return " ".join(text.split())


def plain(text: str | None, media: str | None) -> str:
    """feedparser's value as plain text: for HTML and XHTML, markup removed and entities decoded."""
    if text and media in ("text/html", "application/xhtml+xml"):
        p = _Text()
        p.feed(text)
        p.close()
        text = "".join(p.parts)
    return collapse(text)


def feedparser_read(case: dict) -> dict:
    # The bytes and the simulated headers, as feedparser's own test suite hands them over: a
    # case without headers is no HTTP response at all (over HTTP, a missing Content-Type would
    # make feedparser read it as ISO-8859-1).
    headers = {name.lower(): value for name, value in case["headers"]} or None
    parsed = feedparser.parse(case["body"], response_headers=headers)
    entries = parsed.get("entries", [])
    return {
        "count": len(entries),
        "titles": [plain(e.get("title"), e.get("title_detail", {}).get("type")) for e in entries],
        "bozo": bool(parsed.get("bozo")),
        "encoding": parsed.get("encoding"),
    }


def regwatch_read(binary: str, config: Path, case_id: str) -> dict:
    proc = subprocess.run(
        [binary, "--config", str(config / f"{case_id}.toml"), "sources", "test", case_id, "--json"],
        capture_output=True,
        timeout=120,
        env={**os.environ, "RUST_LOG": "error"},
    )
    try:
        out = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"count": 0, "titles": [], "error": f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}"}
    items = out.get("items") or []
    return {
        "count": len(items),
        # regwatch's titles are plain text already.
        "titles": [collapse(i.get("title")) for i in items],
        "error": out.get("error"),
        "encoding": out.get("encoding"),
    }


def write_configs(folder: Path, corpus: Corpus, port: int) -> None:
    """One small config per case: each `sources test` reads only its own."""
    head = [
        "[storage]",
        'database = "unused.db"',
        "[fetch]",
        "allow_private_networks = true",
        "respect_robots = false",
        'per_host_delay = "0s"',
        'timeout = "30s"',
        "",
    ]
    for case in corpus.cases.values():
        url = f"http://127.0.0.1:{port}/{case['rel']}"
        lines = head + ["[[source]]", f'id = "{case["id"]}"', 'kind = "feed"', f"url = {json.dumps(url)}", ""]
        (folder / f"{case['id']}.toml").write_text("\n".join(lines), encoding="utf-8")


def judge(fp: dict, rw: dict) -> str | None:
    """Why the two readings disagree, or None when they agree."""
    if fp["count"] != rw["count"]:
        extra = f" ({rw['error']})" if rw.get("error") else ""
        return f"entries: feedparser {fp['count']}, regwatch {rw['count']}{extra}"
    for i, (a, b) in enumerate(zip(fp["titles"], rw["titles"])):
        if a and a != b:
            return f"title {i}: feedparser {a!r}, regwatch {b!r}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="folder of feed files (searched recursively)")
    ap.add_argument("--regwatch", required=True, help="path of the regwatch binary")
    ap.add_argument("--known", type=Path, help="TSV of explained disagreements: path<TAB>reason")
    ap.add_argument("--report", type=Path, help="write the per-case results here as JSON")
    ap.add_argument("--golden", type=Path, help="write feedparser's readings of the titled cases here (for tests)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="regex: compare only the cases whose path matches")
    args = ap.parse_args()

    exts = {".xml", ".rss", ".atom", ".rdf", ".json"}
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and p.suffix in exts)
    if args.only:
        files = [p for p in files if re.search(args.only, p.relative_to(args.corpus).as_posix())]
    corpus = Corpus(args.corpus, files)
    known = {}
    if args.known and args.known.exists():
        for line in args.known.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                rel, _, reason = line.partition("\t")
                known[rel.strip()] = reason.strip()

    server = serve(corpus)
    port = server.server_address[1]
    results = []
    with tempfile.TemporaryDirectory(prefix="feed-compare-") as tmp:
        config = Path(tmp)
        write_configs(config, corpus, port)

        def one(case):
            fp = feedparser_read(case)
            rw = regwatch_read(args.regwatch, config, case["id"])
            return {"case": case["rel"], "feedparser": fp, "regwatch": rw, "why": judge(fp, rw)}

        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(one, corpus.cases.values()))
    server.shutdown()

    titled = [r for r in results if any(r["feedparser"]["titles"])]
    agree = [r for r in titled if r["why"] is None]
    explained = [r for r in titled if r["why"] and r["case"] in known]
    unexplained = [r for r in titled if r["why"] and r["case"] not in known]
    for r in explained:
        print(f"explained   {r['case']}: {r['why']}\n            why: {known[r['case']]}")
    for r in unexplained:
        print(f"DISAGREE    {r['case']}: {r['why']}")
    stale = sorted(k for k in known if not any(r["case"] == k and r["why"] for r in results))
    for rel in stale:
        print(f"stale       {rel}: listed as a disagreement but the readers agree (or it is not in the corpus)")
    others = [r for r in results if not any(r["feedparser"]["titles"])]
    extra = [r for r in others if r["regwatch"]["count"] > r["feedparser"]["count"]]
    share = 100.0 * len(agree) / len(titled) if titled else 100.0
    print()
    print(f"cases: {len(results)}; feedparser finds titled entries in {len(titled)}")
    print(f"agree: {len(agree)} of {len(titled)} ({share:.1f}%); explained disagreements {len(explained)}; "
          f"unexplained {len(unexplained)}")
    print(f"cases without titled entries: {len(others)}; regwatch reads more entries than feedparser in {len(extra)}")
    if args.golden:
        golden = {
            r["case"]: {"headers": corpus.cases[r["case"]]["headers"], "count": r["feedparser"]["count"],
                        "titles": r["feedparser"]["titles"]}
            for r in titled
        }
        args.golden.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.report:
        args.report.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
