"""What gzip costs and saves (issue 19): bytes on the wire and the server's CPU per
cached hit, for an article page (its comments shown) and the comments API, asked for
plain (what every client got before) and with Accept-Encoding: gzip.

    .venv/bin/python bench/compression.py        # or: make bench-compression

`broadsheet serve` with one worker, production settings, page cache on, on a built site
(bench/processes.py). CPU is the server's (master and worker, from /proc) over
REQUESTS sequential requests, so the client's own work is not counted. Also the one-off
cost of compressing the page when the page cache stores it (in this process). Writes
bench/results/compression.json. Separate from the CPU-per-request benchmark of the
render (make bench) on purpose: this one isolates the encoding.
"""

import json
import os
import shutil
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import ROOT, Serve, collect_static, prepared_site, site_env  # noqa: E402

VAR = ROOT / "var" / "bench-compression"
RESULTS = ROOT / "bench" / "results"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))


def get(url: str, encoding: str) -> tuple[dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(response.headers.items()), response.read()


def measure(server: Serve, url: str, encoding: str) -> dict:
    headers, body = get(url, encoding)  # stored, if it was not
    headers, body = get(url, encoding)
    assert headers.get("X-Cache") == "hit", headers
    began = server.cpu_seconds()
    for _ in range(REQUESTS):
        get(url, encoding)
    cpu = server.cpu_seconds() - began
    return {
        "encoding": headers.get("Content-Encoding", "identity"),
        "bytes": len(body),
        "cpu_ms_per_hit": round(1000 * cpu / REQUESTS, 3),
    }


def store_cost(page: bytes) -> dict:
    """CPU to compress the page once, when the page cache stores it (in this process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import re

    from django.utils.text import compress_string

    from broadsheet import compression

    nonce = re.search(rb'nonce="([^"]+)"', page)[1].decode()
    rounds = 50
    began = time.process_time()
    for _ in range(rounds):
        stored = compression.stored_gzip(page, nonce)
    spliced = (time.process_time() - began) / rounds
    began = time.process_time()
    for _ in range(rounds):
        whole = compress_string(page)
    plain = (time.process_time() - began) / rounds
    began = time.process_time()
    for _ in range(rounds * 10):
        compression.gzip_with_nonce(stored, "x" * len(nonce))
    serve = (time.process_time() - began) / (rounds * 10)
    return {
        "store_ms": round(1000 * spliced, 2),
        "store_bytes": len(compression.gzip_with_nonce(stored, nonce)),
        "one_stream_ms": round(1000 * plain, 2),
        "one_stream_bytes": len(whole),
        "new_nonce_per_hit_ms": round(1000 * serve, 3),
    }


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    env = site_env(VAR, PAGE_CACHE="1", TASKS_BACKEND="database", COMMENTS_PAGE_SIZE="1000")
    collect_static(env)
    article = prepared_site(env, articles=8, comments=200, ratings=20)["articles"][0]
    report: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    report["requests"], report["load_average"] = REQUESTS, round(os.getloadavg()[0], 1)
    with Serve(env, VAR / "server.log", workers=1) as server:
        server.wait_healthy()
        listing = json.loads(get(f"{server.url}/api/v1/articles?limit=50", "identity")[1])
        found = next(a for a in listing["results"] if a["id"] == article)
        targets = {
            "article page": server.url + urlsplit(found["url"]).path,
            "comments API": f"{server.url}/api/v1/articles/{article}/comments",
        }
        for name, url in targets.items():
            report[name] = {enc: measure(server, url, enc) for enc in ("identity", "gzip")}
        page = get(targets["article page"], "identity")[1]
    report["compressing the article page"] = store_cost(page)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "compression.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{REQUESTS} cached hits each, load average {report['load_average']}")
    print(f"{'':14} {'asked':9} {'bytes':>8} {'CPU ms/hit':>11}")
    for name in targets:
        for asked, row in report[name].items():
            print(f"{name:14} {asked:9} {row['bytes']:>8} {row['cpu_ms_per_hit']:>11}")
    print("once, when stored:", json.dumps(report["compressing the article page"]))


if __name__ == "__main__":
    main()
