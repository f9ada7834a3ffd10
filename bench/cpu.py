"""CPU per request of the production server, as a ratio to a calibration loop.

`make bench-cpu` (alone), and part of `make bench` and `make bench-quick` (fewer
requests). Issue 19 sets its targets as fractions of the figures this measured on the
code of 1 December 2026, kept in bench/results/cpu-baseline.json.

What is measured: `broadsheet serve` (gunicorn, production settings, page cache on,
the database cache, tasks to the database queue) on a small site of its own
(bench/processes.py: 30 articles, one with 300 comments, one with 40). For each measure,
N requests are sent one after another and the CPU time the server's processes used
meanwhile (utime + stime from /proc/<pid>/stat, summed over gunicorn's master and its
workers) is divided by N. Wall time would count the machine's other work; CPU time
counts only the server's (on SQLite that includes the database, which runs inside the
worker; PostgreSQL's own processes are not counted).

- article, 40 / 300 comments: the article page rendered with every comment shown
  (COMMENTS_PAGE_SIZE=1000), as an anonymous reader gets it on a page-cache miss. A query
  parameter the pages do not use (`?cpu=<n>`) makes the page cache pass it through, so
  every request renders; nothing else about the render changes.
- comments API page: GET /api/v1/articles/<300-comment article>/comments (all threads,
  same page size), past the page cache the same way.
- comment POST, vote, rating: each from a distinct reader (its own address behind the
  trusted proxy, its own new guest identity), as on a live site: the per-reader rate
  limits stay on and never trip. The page cache is on, so what a write invalidates is
  counted.
- healthz: for reference (the cheapest request through the whole middleware stack).

Each figure is then expressed as a ratio to a calibration: the CPU time of a fixed
pure-Python loop (dicts, strings, calls; no I/O) run in this process between measures,
median of all runs. A machine twice as fast halves both, so the ratio holds across
machines (and across a busy or idle shared machine, roughly). /healthz was the other
candidate, but it runs the same middleware the write path does: cutting that work would
shrink the yardstick along with the thing measured.

With DATABASE_URL (PostgreSQL) the same runs on a scratch database created beside the
one named (<name>_cpu, dropped afterwards); SQLite runs always. The three writes are
also run under wrk at 16 concurrent clients for their p99 latency
(BENCH_CPU_LOAD_SECONDS each, 5 by default; 0, as in `make bench-quick`, skips them).

Prints each figure beside the baseline's and the ratio now/baseline; writes
bench/results/cpu.json. BENCH_CPU_SAVE_BASELINE=1 writes the figures as the new
baseline instead (done once, on the code the targets are measured against).
"""

import json
import os
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from processes import Serve, collect_static, prepared_site, site_env  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
SCALE = 0.25 if QUICK else 1.0  # quick: fewer requests, and no run at 16 clients
LOAD_SECONDS = int(os.environ.get("BENCH_CPU_LOAD_SECONDS", "0" if QUICK else "5"))
CLIENTS = 16
VAR = ROOT / "var" / "bench-cpu"
RESULTS = BENCH / "results"
BASELINE = RESULTS / "cpu-baseline.json"
TICK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = "1000"  # every comment shown


def say(text: str) -> None:
    print(text, flush=True)


# -- the yardstick --------------------------------------------------------------------


def calibration_loop() -> int:
    """A fixed amount of pure-Python work of the kinds a request does (dict and attribute
    look-ups, string building, calls): never change it, or every ratio moves."""

    class Row:
        __slots__ = ("name", "value")

        def __init__(self, name, value):
            self.name, self.value = name, value

    def render(row: Row) -> str:
        return f"<li data-id={row.value}>{row.name.upper()}</li>"

    total = 0
    table: dict[str, int] = {}
    for i in range(120_000):
        key = "k" + str(i % 997)
        table[key] = table.get(key, 0) + i
        total += len(render(Row(key, i)))
    return total + len(table)


def calibrate(rounds: int = 3) -> float:
    """CPU milliseconds of the calibration loop in this process (least of `rounds`)."""
    best = float("inf")
    for _ in range(rounds):
        began = time.process_time()
        calibration_loop()
        best = min(best, time.process_time() - began)
    return best * 1000


# -- the server's CPU time --------------------------------------------------------------


def server_ticks(server: Serve) -> int:
    total = 0
    for pid in [server.process.pid, *server.workers()]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


class Client:
    """Requests one after another, each on its own connection (gunicorn's sync workers
    close it), with a distinct reader address behind the trusted proxy."""

    def __init__(self, port: int):
        self.port = port
        self.csrf = ""
        self.rng = random.Random(19)

    def address(self) -> str:
        rng = self.rng
        return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    def send(self, method: str, path: str, body: dict | None = None) -> int:
        headers = {"X-Forwarded-For": self.address()}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers.update(
                {
                    "Content-Type": "application/json",
                    "Cookie": f"csrftoken={self.csrf}",
                    "X-CSRFToken": self.csrf,
                }
            )
        connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


def measure(server: Serve, requests, expected: int) -> tuple[float, int]:
    """CPU ms per request over `requests` (callables returning a status), and how many
    answered with another status than `expected`."""
    before = server_ticks(server)
    wrong = sum(1 for request in requests if request() != expected)
    used = server_ticks(server) - before
    return used * 1000 / TICK / len(requests), wrong


# -- the site and the runs ------------------------------------------------------------


def scratch_postgres(url: str) -> str:
    """A database of our own beside the one `url` names (created empty)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_cpu"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def drop_postgres(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def n(count: int) -> int:
    return max(5, int(count * SCALE))


def article_paths(url: str) -> dict[int, str]:
    with urllib.request.urlopen(f"{url}/api/v1/articles?limit=100", timeout=30) as response:
        found = json.loads(response.read())["results"]
    return {row["id"]: urllib.parse.urlsplit(row["url"]).path for row in found}


def plan(site: dict, paths: dict[int, str]) -> list[tuple[str, str, int, int, object]]:
    """(key, label, requests, expected status, request maker) for each measure; the
    maker takes the client and a running number and returns the request to send."""
    by_size = {count: int(pk) for pk, count in site["busy"].items()}
    big, small = by_size[300], by_size[40]
    quiet = [pk for pk in site["articles"] if pk not in (big, small)]
    votable = site["comments"]

    def get(path):
        return lambda client, i: client.send("GET", f"{path}{'&' if '?' in path else '?'}cpu={i}")

    def post_comment(client, i):
        return client.send(
            "POST",
            f"/api/v1/articles/{quiet[i % len(quiet)]}/comments",
            {
                "body": f"Reader view number {i}: the figures in paragraph {i % 7 + 2} "
                "need a second look.",
                "author_name": f"Reader {i % 100}",
                "author_email": f"reader{i % 100}@example.org",
                "consent": True,
            },
        )

    def vote(client, i):
        pk = votable[(i * 7) % len(votable)]
        return client.send("POST", f"/api/v1/comments/{pk}/vote", {"value": 1 - 2 * (i % 3 == 0)})

    def rate(client, i):
        pk = quiet[i % len(quiet)]
        return client.send("POST", f"/api/v1/articles/{pk}/rating", {"stars": 1 + i % 5})

    return [
        ("healthz", "/healthz (reference)", n(200), 200, get("/healthz")),
        ("article_40", "article, 40 comments shown", n(30), 200, get(paths[small])),
        ("article_300", "article, 300 comments shown", n(12), 200, get(paths[big])),
        (
            "api_page",
            "comments API page (300 comments)",
            n(30),
            200,
            get(f"/api/v1/articles/{big}/comments?sort=newest&page=1"),
        ),
        ("comment_post", "comment POST", n(200), 201, post_comment),
        ("vote", "vote POST", n(300), 200, vote),
        ("rating", "rating POST", n(300), 200, rate),
    ]


def load_requests(site: dict, paths: dict[int, str]) -> dict[str, list[str]]:
    """The three writes as wrk request lines (bench/wrk.lua), for p99 at 16 clients."""
    by_size = {count: int(pk) for pk, count in site["busy"].items()}
    quiet = [pk for pk in site["articles"] if pk not in by_size.values()]
    comments = [
        f"POST\t/api/v1/articles/{quiet[i % len(quiet)]}/comments\t"
        + json.dumps(
            {
                "body": f"Busy reader {i}: paragraph {i % 5 + 1} misses the point.",
                "author_name": f"Busy reader {i % 50}",
                "author_email": f"busy{i % 50}@example.org",
                "consent": True,
            }
        )
        for i in range(500)
    ]
    votes = [
        f"POST\t/api/v1/comments/{pk}/vote\t" + json.dumps({"value": 1 - 2 * (pk % 3 == 0)})
        for pk in site["comments"][:2000]
    ]
    ratings = [
        f"POST\t/api/v1/articles/{pk}/rating\t" + json.dumps({"stars": 1 + pk % 5}) for pk in quiet
    ]
    return {"comment_post": comments, "vote": votes, "rating": ratings}


def run_database(database_url: str | None) -> tuple[dict, list[float]]:
    """Every measure on one database: {key: {label, cpu_ms, requests, wrong}}, and the
    calibration runs made meanwhile."""
    folder = VAR / ("postgresql" if database_url else "sqlite")
    for stale in folder.glob("site.sqlite3*"):
        stale.unlink()
    env = site_env(
        folder,
        database_url,
        CACHE_BACKEND="database",
        PAGE_CACHE="1",
        COMMENTS_PAGE_SIZE=PAGE_SIZE,
        TASKS_BACKEND="database",
        CACHE_KEY_PREFIX=f"bench-cpu-{os.getpid()}",
    )
    site = prepared_site(env, articles=30, comments=600, ratings=200, busy=(300, 40))
    figures: dict = {}
    calibrations = [calibrate()]
    with Serve(env, folder / "server.log") as server:
        server.wait_healthy()
        client = Client(server.port)
        with urllib.request.urlopen(f"{server.url}/api/v1/session", timeout=30) as response:
            client.csrf = json.loads(response.read())["csrf_token"]
        paths = article_paths(server.url)
        counter = 0
        for key, label, count, expected, make in plan(site, paths):
            # Warm every worker (gunicorn's 2 per core): first requests fill caches.
            for _ in range(3 * len(server.workers())):
                counter += 1
                make(client, counter)
            calibrations.append(calibrate())
            requests = []
            for _ in range(count):
                counter += 1
                requests.append(lambda i=counter, make=make: make(client, i))
            cpu_ms, wrong = measure(server, requests, expected)
            figures[key] = {"label": label, "cpu_ms": round(cpu_ms, 3), "requests": count}
            if wrong:
                figures[key]["unexpected_status"] = wrong
            say(f"  {label}: {cpu_ms:.2f} ms CPU per request ({count} requests)")
        if LOAD_SECONDS:
            from load import wrk

            for key, lines in load_requests(site, paths).items():
                wrk(server.url, CLIENTS, 1, lines, client.csrf)  # warm
                row = wrk(server.url, CLIENTS, LOAD_SECONDS, lines, client.csrf)
                figures[key]["p99_ms_16_clients"] = row["p99_ms"]
                figures[key]["rps_16_clients"] = row["rps"]
                figures[key]["errors_16_clients"] = row["errors"] + sum(
                    count for status, count in row["statuses"].items() if int(status) >= 400
                )
                say(
                    f"  {figures[key]['label']} at {CLIENTS} clients: p99 {row['p99_ms']} ms, "
                    f"{row['rps']} req/s"
                )
    calibrations.append(calibrate())
    return figures, calibrations


def table(report: dict, baseline: dict | None) -> str:
    lines = [
        f"CPU per request, {report['date']} ({'quick' if report['quick'] else 'full'} run): "
        "server CPU time (all gunicorn processes) per request, in calibration units "
        "(1 unit = the CPU time of bench/cpu.py's fixed Python loop on this machine; "
        "ms beside it).",
        "",
        "| database | measure | baseline units (ms) | now units (ms) | now / baseline "
        f"| p99 ms at {CLIENTS} clients (baseline) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for vendor, run in report["databases"].items():
        before = (baseline or {}).get("databases", {}).get(vendor, {})
        for key, row in run["measures"].items():
            old = before.get("measures", {}).get(key)
            ratio = f"{row['units'] / old['units']:.2f}" if old else "-"
            was = f"{old['units']:.3f} ({old['cpu_ms']:.2f})" if old else "-"
            p99 = ""
            if "p99_ms_16_clients" in row:
                p99 = f"{row['p99_ms_16_clients']}"
                if old and "p99_ms_16_clients" in old:
                    p99 += f" ({old['p99_ms_16_clients']})"
            lines.append(
                f"| {vendor} | {row['label']} | {was} | {row['units']:.3f} ({row['cpu_ms']:.2f}) "
                f"| {ratio} | {p99} |"
            )
        lines.append(
            f"| {vendor} | calibration loop | {before.get('calibration_ms', '-')} ms | "
            f"{run['calibration_ms']} ms | | |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    began = time.monotonic()
    collect_static(site_env(VAR / "collect"))
    databases: dict = {}
    urls = {"sqlite": None}
    scratch = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        scratch = urls["postgresql"] = scratch_postgres(os.environ["DATABASE_URL"])
    try:
        for vendor, url in urls.items():
            say(f"CPU per request on {vendor}")
            figures, calibrations = run_database(url)
            unit = statistics.median(calibrations)
            for row in figures.values():
                row["units"] = round(row["cpu_ms"] / unit, 4)
            databases[vendor] = {"calibration_ms": round(unit, 2), "measures": figures}
    finally:
        if scratch:
            drop_postgres(scratch)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": QUICK,
        "cores": os.cpu_count(),
        "databases": databases,
        "wall_s": round(time.monotonic() - began),
    }
    RESULTS.mkdir(exist_ok=True)
    if os.environ.get("BENCH_CPU_SAVE_BASELINE") == "1":
        if BASELINE.exists():  # keep a database measured earlier and not this time
            kept = json.loads(BASELINE.read_text())["databases"]
            report["databases"] = {**kept, **databases}
        BASELINE.write_text(json.dumps(report, indent=2) + "\n")
        say(f"Baseline written: {BASELINE.relative_to(ROOT)}")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    (RESULTS / "cpu.json").write_text(json.dumps(report, indent=2) + "\n")
    text = table(report, baseline)
    (RESULTS / "cpu.md").write_text(text)
    say("")
    say(text)
    say(f"({report['wall_s']} s; bench/results/cpu.json, bench/results/cpu.md)")


if __name__ == "__main__":
    main()
