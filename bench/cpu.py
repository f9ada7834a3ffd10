"""CPU per request of the production server: this checkout's code against a baseline
commit's, both measured in the same run, side by side.

`make bench-cpu` (alone) and part of `make bench`. Issue 19 sets its targets as fractions
of the CPU per request of the code before its work (commit 72c2264): an article rendered
at most a third, a comment POST, vote or rating at most a fifth. A figure stored once
cannot say that on another machine, or on this one under another load; so each run
measures the baseline's code too, on the same machine at the same moment.

The baseline: the commit BENCH_CPU_BASELINE_REF (72c2264 by default), taken out of git
(`git archive` into var/bench-cpu/baseline-src, kept while the commit is the same) and
run from there: its `broadsheet` first on PYTHONPATH, with PYTHONSAFEPATH so that this
checkout (the working directory, or the editable install) does not come first; its
static files collected into a folder of their own. Both sites are built by
bench/processes.py and bench/dataset.py from the same seed (the same articles, comment
trees, votes and ratings), each on its own code's models and migrations.

What is measured: `broadsheet serve` (gunicorn, production settings, page cache on,
the database cache, tasks to the database queue) on a small site of its own
(30 articles, one with 300 comments, one with 40). For each measure, requests are sent
one after another and the CPU time the server's processes used meanwhile (utime + stime
from /proc/<pid>/stat, summed over gunicorn's master and its workers) is divided by
their number. Wall time would count the machine's other work; CPU time counts only the
server's (on SQLite that includes the database, which runs inside the worker;
PostgreSQL's own processes are not counted).

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

Both servers run at once; each measure is split into BENCH_CPU_ROUNDS rounds (6) that
alternate between the two codes (baseline then now, now then baseline, ...), the same
requests to each, so a change in the machine's load falls on both alike. Each code's
figure is the median of its rounds; the ratio is now / baseline, printed beside the
issue's target (met or not).

With DATABASE_URL (PostgreSQL) the same runs on two scratch databases created beside the
one named (<name>_cpu and <name>_cpu_base, dropped afterwards); SQLite runs always. The
three writes are also run under wrk at 16 concurrent clients for their p99 latency, on
both codes (BENCH_CPU_LOAD_SECONDS each, 5 by default; 0 skips them).
BENCH_CPU_SCALE multiplies the numbers of requests (1; a shorter run: 0.3).

Without the baseline's code (`make bench-quick`, which CI runs and keeps short; the
commit not in this clone, e.g. a shallow one; no git; BENCH_CPU_BASELINE_REF=none) only
this checkout is measured, and compared with the figures stored in
bench/results/cpu-baseline.json (measured once on 72c2264, on a busy machine) through a
calibration: the CPU time of a fixed pure-Python loop run in this process between
measures, median of all runs; a machine twice as fast halves both. That estimate is
rougher, and the run says which one it made. BENCH_CPU_SAVE_BASELINE=1 measures this
checkout alone and writes its figures as that stored baseline.

Writes bench/results/cpu.json (both columns, the ratios and the targets) and cpu.md.
"""

import contextlib
import json
import math
import os
import random
import shutil
import statistics
import subprocess
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
SAVE_BASELINE = os.environ.get("BENCH_CPU_SAVE_BASELINE") == "1"
SCALE = float(os.environ.get("BENCH_CPU_SCALE", "0.25" if QUICK else "1"))
LOAD_SECONDS = int(os.environ.get("BENCH_CPU_LOAD_SECONDS", "0" if QUICK else "5"))
BASELINE_REF = os.environ.get("BENCH_CPU_BASELINE_REF", "72c2264").strip()
CLIENTS = 16
VAR = ROOT / "var" / "bench-cpu"
RESULTS = BENCH / "results"
BASELINE = RESULTS / "cpu-baseline.json"
TICK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = "1000"  # every comment shown
# Issue 19's targets, now / baseline: an article rendered a third, a write a fifth.
TARGETS = {
    "article_40": 1 / 3,
    "article_300": 1 / 3,
    "comment_post": 1 / 5,
    "vote": 1 / 5,
    "rating": 1 / 5,
}


def say(text: str) -> None:
    print(text, flush=True)


# -- the baseline's code ----------------------------------------------------------------


def materialise(ref: str) -> tuple[Path | None, str, str]:
    """The tree of commit `ref` under var/bench-cpu/ (taken out of git once per commit),
    its full hash, and why not when it cannot be had."""
    try:
        found = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            text=True,
        )
    except OSError as error:
        return None, "", f"git cannot be run ({error})"
    commit = found.stdout.strip()
    if found.returncode or not commit:
        shallow = (ROOT / ".git" / "shallow").exists() or "true" in subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
            capture_output=True,
            text=True,
        ).stdout
        hint = " (a shallow clone: `git fetch --unshallow` brings it)" if shallow else ""
        return None, "", f"commit {ref!r} is not in this clone{hint}"
    tree = VAR / "baseline-src"
    stamp = tree / ".bench-commit"
    if stamp.exists() and stamp.read_text().strip() == commit:
        return tree, commit, ""
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", commit], stdout=subprocess.PIPE)
    unpacked = subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout)
    archive.stdout.close()
    if archive.wait() or unpacked.returncode:
        shutil.rmtree(tree, ignore_errors=True)
        return None, commit, f"`git archive {commit[:12]} | tar -x` failed"
    stamp.write_text(commit + "\n")
    return tree, commit, ""


def baseline_env(tree: Path, folder: Path, database_url: str | None = None, **extra: str) -> dict:
    """Settings for a process running the baseline tree's code (static files of its own)."""
    return site_env(
        folder, database_url, source=tree, STATIC_ROOT=str(VAR / "baseline-static"), **extra
    )


def runs_baseline_code(tree: Path) -> str:
    """Why not, if a process given the baseline's settings would import another
    `broadsheet` than the tree's (this checkout is installed editable in the venv)."""
    env = baseline_env(tree, VAR / "collect-baseline")
    done = subprocess.run(
        [sys.executable, "-c", "import broadsheet; print(broadsheet.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    imported = done.stdout.strip()
    if done.returncode or not imported.startswith(str(tree.resolve())):
        return f"its processes would import {imported or done.stderr.strip()[-200:]}"
    return ""


def collect_baseline_static(tree: Path, commit: str) -> None:
    folder = VAR / "baseline-static"
    stamp = folder / ".bench-commit"
    done = (folder / "staticfiles.json").exists() and stamp.exists()
    if done and stamp.read_text().strip() == commit:
        return
    shutil.rmtree(folder, ignore_errors=True)
    collect_static(baseline_env(tree, VAR / "collect-baseline"))
    stamp.write_text(commit + "\n")


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


SCHEDSTAT = Path("/proc/self/schedstat").exists()


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:  # the thread or process ended meanwhile
        return ""


def server_cpu_ms(server: Serve) -> float:
    """CPU time the server's processes (gunicorn's master and workers) have used, in ms:
    the scheduler's own count in nanoseconds (schedstat, every thread), or utime + stime
    in clock ticks where the kernel keeps no schedstat. A tick is 10 ms: too coarse for
    rounds of a few requests each."""
    total = 0.0
    for pid in [server.process.pid, *server.workers()]:
        if SCHEDSTAT:
            for task in _read_tasks(pid):
                found = _read(f"/proc/{pid}/task/{task}/schedstat").split()
                total += int(found[0]) / 1e6 if found else 0
        else:
            found = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
            total += (int(found[11]) + int(found[12])) * 1000 / TICK if found else 0
    return total


def _read_tasks(pid: int) -> list[str]:
    try:
        return [task.name for task in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return []


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
    before = server_cpu_ms(server)
    wrong = sum(1 for request in requests if request() != expected)
    return (server_cpu_ms(server) - before) / len(requests), wrong


# -- the site and the runs ------------------------------------------------------------


def scratch_postgres(url: str, suffix: str) -> str:
    """A database of our own beside the one `url` names (created empty)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + suffix
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
        ("article_40", "article, 40 comments shown", n(48), 200, get(paths[small])),
        ("article_300", "article, 300 comments shown", n(24), 200, get(paths[big])),
        (
            "api_page",
            "comments API page (300 comments)",
            n(48),
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


SERVE_COMMAND = Path("broadsheet/newsroom/management/commands/serve.py")


class Side:
    """One code's site and server on one database: this checkout's ("now") or the
    baseline commit's."""

    def __init__(self, name: str, vendor: str, database_url: str | None, tree: Path | None):
        self.name = name
        folder = VAR / vendor / name
        for stale in folder.glob("site.sqlite3*"):
            stale.unlink()
        settings = {
            "CACHE_BACKEND": "database",
            "PAGE_CACHE": "1",
            "COMMENTS_PAGE_SIZE": PAGE_SIZE,
            "TASKS_BACKEND": "database",
            "CACHE_KEY_PREFIX": f"bench-cpu-{name}-{os.getpid()}",
        }
        if tree is None:
            env = site_env(folder, database_url, **settings)
        else:
            env = baseline_env(tree, folder, database_url, **settings)
        began = time.monotonic()
        self.site = prepared_site(env, articles=30, comments=600, ratings=200, busy=(300, 40))
        say(f"  {name}: site ready in {time.monotonic() - began:.0f} s")
        self.server = Serve(env, folder / "server.log")
        if tree is not None and "--live-port" not in (tree / SERVE_COMMAND).read_text():
            self.server.command = ["serve", "--port", str(self.server.port)]  # no live threads

    def ready(self) -> None:
        self.server.wait_healthy()
        self.client = Client(self.server.port)
        with urllib.request.urlopen(f"{self.server.url}/api/v1/session", timeout=30) as response:
            self.client.csrf = json.loads(response.read())["csrf_token"]
        self.paths = article_paths(self.server.url)
        self.plan = plan(self.site, self.paths)


def run_database(vendor: str, urls: dict, tree: Path | None) -> tuple[dict, list[float]]:
    """Every measure on one database, for this checkout and (with `tree`) the baseline,
    their rounds alternating: {key: {label, cpu_ms, rounds_ms, requests, baseline: {...}}},
    and the calibration runs made meanwhile."""
    sides = [Side("baseline", vendor, urls.get("baseline"), tree)] if tree else []
    sides.append(Side("now", vendor, urls["now"], None))
    rounds = max(1, int(os.environ.get("BENCH_CPU_ROUNDS", "6"))) if tree else 1
    figures: dict = {}
    calibrations = [calibrate()]
    with contextlib.ExitStack() as stack:
        for side in sides:
            stack.enter_context(side.server)
        for side in sides:
            side.ready()
        counter = 0
        for steps in zip(*(side.plan for side in sides), strict=True):
            key, label, count, expected, _ = steps[0]
            makers = {side.name: step[4] for side, step in zip(sides, steps, strict=True)}
            # Warm every worker (gunicorn's 2 per core): first requests fill caches.
            warm = 3 * len(sides[-1].server.workers())
            for side in sides:
                for j in range(warm):
                    makers[side.name](side.client, counter + j + 1)
            counter += warm
            calibrations.append(calibrate())
            per_round = max(1, math.ceil(count / rounds))
            spent = {side.name: [] for side in sides}
            wrong = dict.fromkeys(spent, 0)
            for turn in range(rounds):
                # The same requests to both, baseline first and now first in turn.
                for side in sides if turn % 2 == 0 else sides[::-1]:
                    make = makers[side.name]
                    requests = [
                        lambda i=counter + k + 1, make=make, side=side: make(side.client, i)
                        for k in range(per_round)
                    ]
                    cpu_ms, bad = measure(side.server, requests, expected)
                    spent[side.name].append(round(cpu_ms, 3))
                    wrong[side.name] += bad
                counter += per_round
            rows = {}
            for name, runs in spent.items():
                rows[name] = {"cpu_ms": round(statistics.median(runs), 3), "rounds_ms": runs}
                if wrong[name]:
                    rows[name]["unexpected_status"] = wrong[name]
            row = figures[key] = {"label": label, "requests": per_round * rounds, **rows["now"]}
            line = f"  {label}: {row['cpu_ms']:.2f} ms CPU per request"
            if tree:
                row["baseline"] = rows["baseline"]
                line += f", baseline {rows['baseline']['cpu_ms']:.2f} ms"
                if rows["baseline"]["cpu_ms"]:
                    judge(row, key, row["cpu_ms"] / rows["baseline"]["cpu_ms"])
                    line += f", ratio {row['ratio']:.2f}"
            say(f"{line} ({rounds} x {per_round} requests each)")
        if LOAD_SECONDS:
            from load import wrk

            for key in ("comment_post", "vote", "rating"):
                for side in sides:
                    lines = load_requests(side.site, side.paths)[key]
                    url, csrf = side.server.url, side.client.csrf
                    wrk(url, CLIENTS, 1, lines, csrf)  # warm
                    found = wrk(url, CLIENTS, LOAD_SECONDS, lines, csrf)
                    row = figures[key] if side.name == "now" else figures[key]["baseline"]
                    row["p99_ms_16_clients"] = found["p99_ms"]
                    row["rps_16_clients"] = found["rps"]
                    row["errors_16_clients"] = found["errors"] + sum(
                        count for status, count in found["statuses"].items() if int(status) >= 400
                    )
                    say(
                        f"  {figures[key]['label']} ({side.name}) at {CLIENTS} clients: "
                        f"p99 {found['p99_ms']} ms, {found['rps']} req/s"
                    )
    calibrations.append(calibrate())
    return figures, calibrations


def judge(row: dict, key: str, ratio: float) -> None:
    """The ratio now / baseline, and issue 19's target for it when it sets one."""
    row["ratio"] = round(ratio, 3)
    if key in TARGETS:
        row["target"] = round(TARGETS[key], 2)
        row["target_met"] = ratio <= TARGETS[key]


def against_stored(databases: dict, stored: dict | None) -> None:
    """Without the baseline's code: each figure beside the stored one, in calibration
    units (the only comparison across machines and loads a stored figure allows)."""
    for vendor, run in databases.items():
        before = (stored or {}).get("databases", {}).get(vendor, {})
        for key, row in run["measures"].items():
            old = before.get("measures", {}).get(key)
            if not old:
                continue
            row["baseline"] = {
                "cpu_ms": old["cpu_ms"],
                "units": old["units"],
                "stored": True,
                "calibration_ms": before.get("calibration_ms"),
            }
            for name in ("p99_ms_16_clients", "rps_16_clients"):
                if name in old:
                    row["baseline"][name] = old[name]
            judge(row, key, row["units"] / old["units"])


def table(report: dict) -> str:
    side_by_side = report["method"] == "side by side"
    about = report["baseline"]
    if side_by_side:
        intro = (
            f"Baseline: commit {about['commit'][:12]} ({about['ref']}), run beside this "
            "checkout in the same run on the same machine. Server CPU time (all gunicorn "
            f"processes) per request, ms: the median of {about['rounds']} rounds each, the "
            "two codes' rounds alternating."
        )
        unit = "ms"
    else:
        intro = (
            f"Baseline: the figures stored in bench/results/cpu-baseline.json "
            f"(measured {about.get('measured', '?')}), not run now: {about['why']}. "
            "Compared in calibration units (1 unit = the CPU time of bench/cpu.py's fixed "
            "Python loop on the machine that measured; ms beside it), a rougher estimate."
        )
        unit = "units (ms)"
    lines = [
        f"CPU per request, {report['date']} ({'quick' if report['quick'] else 'full'} run).",
        intro,
        "",
        f"| database | measure | baseline {unit} | now {unit} | now / baseline | target "
        f"| p99 ms at {CLIENTS} clients, now (baseline) |",
        "|---|---|---:|---:|---:|---|---:|",
    ]

    def cell(row: dict | None) -> str:
        if not row:
            return "-"
        if side_by_side:
            return f"{row['cpu_ms']:.2f}"
        return f"{row['units']:.3f} ({row['cpu_ms']:.2f})"

    for vendor, run in report["databases"].items():
        for row in run["measures"].values():
            old = row.get("baseline")
            ratio = f"{row['ratio']:.2f}" if "ratio" in row else "-"
            target = ""
            if "target" in row:
                met = "met" if row["target_met"] else "NOT met"
                target = f"≤ {row['target']:.2f}: {met}"
            p99 = ""
            if "p99_ms_16_clients" in row:
                p99 = f"{row['p99_ms_16_clients']}"
                if old and "p99_ms_16_clients" in old:
                    p99 += f" ({old['p99_ms_16_clients']})"
            lines.append(
                f"| {vendor} | {row['label']} | {cell(old)} | {cell(row)} | {ratio} | {target} "
                f"| {p99} |"
            )
        if not side_by_side:
            was = next(iter(run["measures"].values()), {}).get("baseline", {})
            lines.append(
                f"| {vendor} | calibration loop | {was.get('calibration_ms', '-')} ms | "
                f"{run['calibration_ms']} ms | | | |"
            )
    return "\n".join(lines) + "\n"


def choose_baseline() -> tuple[Path | None, dict]:
    """The baseline's tree if this run measures it, and what the report says of it."""
    if SAVE_BASELINE:
        why = "BENCH_CPU_SAVE_BASELINE=1 measures this checkout alone"
    elif QUICK:
        why = "a quick run (make bench-quick) measures this checkout alone"
    elif BASELINE_REF.lower() in ("", "none"):
        why = "BENCH_CPU_BASELINE_REF=none"
    else:
        tree, commit, why = materialise(BASELINE_REF)
        if tree is not None:
            why = runs_baseline_code(tree)
        if tree is not None and not why:
            say(
                f"Baseline: commit {commit[:12]} ({BASELINE_REF}), from "
                f"{tree.relative_to(ROOT)}, measured side by side with this checkout."
            )
            collect_baseline_static(tree, commit)
            return tree, {"ref": BASELINE_REF, "commit": commit}
        why = f"the baseline's code cannot be run: {why}"
    say(
        f"Baseline not measured ({why}): this checkout is compared with the figures "
        f"stored in {BASELINE.relative_to(ROOT)} through the calibration loop instead."
    )
    return None, {"ref": BASELINE_REF, "why": why}


def main() -> None:
    began = time.monotonic()
    tree, about = choose_baseline()
    collect_static(site_env(VAR / "collect"))
    databases: dict = {}
    urls: dict = {"sqlite": {"now": None, "baseline": None}}
    scratch = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        named = os.environ["DATABASE_URL"]
        urls["postgresql"] = {"now": scratch_postgres(named, "_cpu")}
        scratch.append(urls["postgresql"]["now"])
        if tree:
            urls["postgresql"]["baseline"] = scratch_postgres(named, "_cpu_base")
            scratch.append(urls["postgresql"]["baseline"])
    try:
        for vendor, named in urls.items():
            say(f"CPU per request on {vendor}")
            figures, calibrations = run_database(vendor, named, tree)
            unit = statistics.median(calibrations)
            for row in figures.values():
                row["units"] = round(row["cpu_ms"] / unit, 4)
                if "baseline" in row:
                    row["baseline"]["units"] = round(row["baseline"]["cpu_ms"] / unit, 4)
            databases[vendor] = {"calibration_ms": round(unit, 2), "measures": figures}
    finally:
        for url in scratch:
            drop_postgres(url)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": QUICK,
        "cores": os.cpu_count(),
        "method": "side by side" if tree else "stored baseline",
        "baseline": about,
        "targets": {key: round(value, 2) for key, value in TARGETS.items()},
        "databases": databases,
        "wall_s": round(time.monotonic() - began),
    }
    RESULTS.mkdir(exist_ok=True)
    if SAVE_BASELINE:
        saved = {key: report[key] for key in ("date", "quick", "cores", "databases")}
        if BASELINE.exists():  # keep a database measured earlier and not this time
            kept = json.loads(BASELINE.read_text())["databases"]
            saved["databases"] = {**kept, **databases}
        BASELINE.write_text(json.dumps(saved, indent=2) + "\n")
        say(f"Baseline written: {BASELINE.relative_to(ROOT)}")
    if tree:
        about["rounds"] = max(1, int(os.environ.get("BENCH_CPU_ROUNDS", "6")))
    else:
        stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
        about["measured"] = (stored or {}).get("date", "never")
        against_stored(databases, stored)
    (RESULTS / "cpu.json").write_text(json.dumps(report, indent=2) + "\n")
    text = table(report)
    (RESULTS / "cpu.md").write_text(text)
    say("")
    say(text)
    say(f"({report['wall_s']} s; bench/results/cpu.json, bench/results/cpu.md)")


if __name__ == "__main__":
    main()
