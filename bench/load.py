"""The whole product under load, and its quality figures, in one report.

`make bench` (10,000 articles, 1,000,000 comments, 100,000 ratings) or `make bench-quick`
(a small dataset, under three minutes). Sizes: BENCH_ARTICLES, BENCH_COMMENTS,
BENCH_RATINGS; seconds per load run: BENCH_SECONDS; concurrent clients: BENCH_CLIENTS.

1. The dataset is bulk-built (bench/dataset.py) into var/bench/site-A-C-R.sqlite3, or
   into the database DATABASE_URL names (empty, or built by an earlier run of the same
   size), and reused while it exists.
2. The production server (`broadsheet serve`: gunicorn, two workers per core, DEBUG off,
   the Redis cache when REDIS_URL is set, else the database cache) is started, and wrk
   (Debian's package) drives it from another process:
   (a) an anonymous article page from the page cache; (b) the same page rendered (the
   page cache off), with 300 comments, and an article with 30,000 comments; (c) pages
   of the comment API; (d) comment POST; (e) vote POST; (f) rating POST; (g) search.
   Writes come from distinct readers (each request its own address behind a trusted
   proxy, and its own new guest identity), as they do on a live site, so the per-reader
   rate limits stay on and are not what is measured. The peak memory of each worker is
   sampled throughout.
3. nginx (Debian's package) serves the same article HTML as a static file, with the same
   clients, in the same run: (a) is reported as a share of that, the machine's limit.
4. The quality benchmarks (re-anchoring, spam, related articles, search at scale) run
   as they do alone, on SQLite, and their figures join the same results.
5. How fast the site comes back after `kill -9` (bench/restart.py, a small site of its
   own on SQLite; BENCH_RESTART=0 skips it): its table follows the others.

Writes bench/results/latest.json (and <database>.json) and latest.md, and prints the
table. No assertion fails a run: the targets are reported as met or missed.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from nginx import free_port, front_cache_server, nginx, nginx_binary, tool, wait_for  # noqa: E402

ORIGINAL_ENV = dict(os.environ)  # before prepare() points Django at the bench dataset
QUICK = os.environ.get("BENCH_QUICK") == "1"
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "500" if QUICK else "10000"))
COMMENTS = int(os.environ.get("BENCH_COMMENTS", "40000" if QUICK else "1000000"))
RATINGS = int(os.environ.get("BENCH_RATINGS", "5000" if QUICK else "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4" if QUICK else "15"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
QUALITY = os.environ.get("BENCH_QUALITY", "1") == "1"
RESTART = os.environ.get("BENCH_RESTART", "1") == "1"
SEARCHES = ["flood", "strike pay", "Harlow", "election turnout", "court hearing verdict", "Vosk"]
VAR = ROOT / "var" / "bench"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent


def say(text: str) -> None:
    print(text, flush=True)


# -- the dataset ---------------------------------------------------------------------


def database_env() -> dict[str, str]:
    VAR.mkdir(parents=True, exist_ok=True)
    env = {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        "DJANGO_SETTINGS_MODULE": "broadsheet.settings",
        "BROADSHEET_VAR_DIR": str(VAR),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{VAR}/site-{ARTICLES}-{COMMENTS}-{RATINGS}.sqlite3",
        "CACHE_BACKEND": "redis" if os.environ.get("REDIS_URL") else "database",
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


def prepare() -> dict:
    """Build (or reuse) the dataset; return what the load runs need to know about it."""
    os.environ.update(database_env())
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    import dataset

    from broadsheet.engagement.models import Comment, Discussion
    from broadsheet.newsroom.models import ArticlePage

    name = connection.settings_dict["NAME"]
    record = VAR / f"built-{Path(str(name)).name}.json"
    existing = ArticlePage.objects.count()
    if existing == 0:
        say(f"Building {ARTICLES:,} articles, {COMMENTS:,} comments, {RATINGS:,} ratings")
        built = dataset.build_site(ARTICLES, COMMENTS, RATINGS, report=say)
        built["database"] = connection.vendor
        record.write_text(json.dumps(built, indent=2))
        with connection.cursor() as cursor:
            # Fresh planner statistics, as after any bulk import; on PostgreSQL also the
            # visibility map that index-only scans need (autovacuum's work on a live site).
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        related_for_busy(built)
    elif existing < ARTICLES or not record.exists():
        sys.exit(f"{name} holds {existing} articles but no matching bench dataset: empty it.")
    built = json.loads(record.read_text())
    say(
        f"Dataset: {built['articles']:,} articles, {built['comments']:,} comments, "
        f"{built['ratings']:,} ratings ({connection.vendor})"
    )
    busy = sorted(built["busy"].items(), key=lambda item: -item[1])
    biggest, three_hundred = (int(pk) for pk, _ in busy[:2])
    url = {pk: ArticlePage.objects.get(pk=pk).url for pk in (biggest, three_hundred)}
    quiet = list(
        Discussion.objects.exclude(page_id__in=[biggest, three_hundred])
        .filter(comment_count__gt=0)
        .order_by("-page_id")
        .values_list("page_id", flat=True)[:200]
    )
    votable = list(
        Comment.objects.filter(page_id__in=quiet, status="approved").values_list("pk", flat=True)[
            :5000
        ]
    )
    from django.conf import settings

    threads = Comment.objects.filter(page_id=biggest, parent__isnull=True).count()
    last_page = max(1, -(-threads // settings.COMMENTS_PAGE_SIZE))
    connection.close()
    return {
        "built": built,
        "vendor": connection.vendor,
        "article": url[three_hundred],
        "article_big": url[biggest],
        "biggest": biggest,
        "biggest_comments": built["busy"][str(biggest)],
        "three_hundred_comments": built["busy"][str(three_hundred)],
        "quiet": quiet,
        "votable": votable,
        # 50 pages spread from the first to the last: the cost must not grow with depth.
        "api_pages": sorted({1 + i * (last_page - 1) // 49 for i in range(50)}),
    }


def related_for_busy(built: dict) -> None:
    """The busy articles show related stories, as live ones do (publishing computes them
    in the background; the bulk build skipped that)."""
    from broadsheet.discovery import services

    services.fit_vocabulary()
    for pk in built["busy"]:
        services.refresh_related(int(pk))


# -- the server and the load ---------------------------------------------------------


class Server:
    """`broadsheet serve` in its own process group, with its workers' memory sampled."""

    def __init__(self, env: dict[str, str], page_cache: bool):
        self.port = free_port()
        self.env = {
            **os.environ,
            **env,
            "DEBUG": "0",
            "PAGE_CACHE": "1" if page_cache else "0",
            "TRUSTED_PROXIES": "127.0.0.1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        self.peak_mb: dict[int, float] = {}
        self.process = None
        self._stop = threading.Event()

    def __enter__(self):
        self.log = (VAR / "server.log").open("a")
        self.process = subprocess.Popen(
            [str(BIN / "broadsheet"), "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"broadsheet serve did not start: see {VAR / 'server.log'}")
            time.sleep(0.3)
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for pid in self.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                peak = re.search(r"VmHWM:\s+(\d+) kB", status)
                if peak:
                    self.peak_mb[pid] = max(self.peak_mb.get(pid, 0), int(peak[1]) / 1024)


def csrf_token(url: str) -> str:
    with urllib.request.urlopen(f"{url}/api/v1/session", timeout=10) as response:
        return json.loads(response.read())["csrf_token"]


def wrk(url: str, clients: int, seconds: int, requests: list[str] | None = None, csrf="") -> dict:
    """One wrk run; `requests` are "METHOD\\tPATH\\tBODY" lines, walked in turn."""
    env = {**os.environ, "WRK_CSRF": csrf}
    env.pop("WRK_REQUESTS", None)
    if requests:
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
            handle.write("\n".join(requests) + "\n")
        env["WRK_REQUESTS"] = handle.name
    threads = min(clients, os.cpu_count() or 1)
    command = [
        tool("wrk", "wrk"),
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk.lua"),
        url,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    if requests:
        os.unlink(env["WRK_REQUESTS"])
    raw = json.loads(output.split("WRK-JSON", 1)[1])
    seconds_run = raw["duration_us"] / 1e6
    errors = (
        raw["connect_errors"]
        + raw["read_errors"]
        + raw["write_errors"]
        + raw["timeouts"]
        + raw["bad_status"]
    )
    return {
        "clients": clients,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": errors,
        "statuses": raw["statuses"],
        "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1024, 1),
    }


def run(name, label, results, url, clients, seconds, requests=None, csrf="") -> None:
    if requests and all(line.startswith("GET") for line in requests):
        for line in requests:  # each page once: the timed run measures a warm cache
            urllib.request.urlopen(url + line.split("\t")[1], timeout=30).read()
    wrk(url, clients, 1, requests, csrf)  # warm: connections, caches, compiled templates
    results[name] = {"label": label, **wrk(url, clients, seconds, requests, csrf)}
    row = results[name]
    say(
        f"  {label}: {row['rps']:,} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
        f"{row['errors']} errors"
    )


def static_baseline(html: bytes, results: dict) -> None:
    """nginx serving the same article bytes as a file: the machine's ceiling for (a)."""
    port = free_port()
    server = (
        f"server {{ listen 127.0.0.1:{port}; root @ROOT@; "
        "location / { try_files /article.html =404; } }"
    )
    with nginx(server, files={"article.html": html}):
        wait_for(f"http://127.0.0.1:{port}/")
        run(
            "static",
            "static file from nginx",
            results,
            f"http://127.0.0.1:{port}/",
            CLIENTS,
            SECONDS,
        )


def behind_front_cache(app_port: int, article: str, results: dict) -> None:
    """(a) again, through nginx with deploy/nginx-front-cache.conf in front of the same
    server: how the page reaches readers when deployed as the README advises."""
    port = free_port()
    server = front_cache_server(f"127.0.0.1:{port}", f"127.0.0.1:{app_port}", "@ROOT@/cache")
    with nginx(server, with_purge=True):
        url = f"http://127.0.0.1:{port}{article}"
        wait_for(url)
        with urllib.request.urlopen(url) as response:
            assert response.headers["X-Front-Cache"] in ("HIT", "MISS", "EXPIRED"), "no front cache"
        run(
            "a_front",
            "(a) article page behind the nginx front cache",
            results,
            url,
            CLIENTS,
            SECONDS,
        )


def load(info: dict) -> tuple[dict, dict]:
    env = database_env()
    results: dict = {}
    memory: dict = {}
    article, big = info["article"], info["article_big"]
    with Server(env, page_cache=True) as server:
        say(f"Production server with the page cache: {server.url}")
        with urllib.request.urlopen(server.url + article) as response:  # fills the cache
            html = response.read()
        with urllib.request.urlopen(server.url + article) as response:
            assert response.headers["X-Cache"] == "hit", "the article page was not cached"
        run(
            "a",
            "(a) article page from the page cache",
            results,
            server.url + article,
            CLIENTS,
            SECONDS,
        )
        static_baseline(html, results)
        behind_front_cache(server.port, article, results)
        api = [
            f"GET\t/api/v1/articles/{info['biggest']}/comments?sort={sort}&page={page}\t"
            for sort in ("newest", "oldest", "top", "hot")
            for page in info["api_pages"]
        ]
        run(
            "c",
            f"(c) comment API, pages of {info['biggest_comments']:,} comments",
            results,
            server.url,
            CLIENTS,
            SECONDS,
            requests=api,
        )
        searches = [f"GET\t/search/?q={q.replace(' ', '+')}\t" for q in SEARCHES]
        run("g", "(g) search page", results, server.url, CLIENTS, SECONDS, requests=searches)
        token = csrf_token(server.url)
        posts = [
            f"POST\t/api/v1/articles/{pk}/comments\t"
            + json.dumps(
                {
                    "body": f"Reader view number {n}: the figures in paragraph {n % 7 + 2} "
                    "need a second look.",
                    "author_name": f"Reader {n % 100}",
                    "author_email": f"reader{n % 100}@example.org",
                    "consent": True,
                }
            )
            for n, pk in enumerate(info["quiet"] * 10)
        ]
        run(
            "d",
            "(d) comment POST",
            results,
            server.url,
            CLIENTS,
            SECONDS,
            requests=posts,
            csrf=token,
        )
        votes = [
            f"POST\t/api/v1/comments/{pk}/vote\t" + json.dumps({"value": 1 - 2 * (pk % 3 == 0)})
            for pk in info["votable"]
        ]
        run("e", "(e) vote POST", results, server.url, CLIENTS, SECONDS, requests=votes, csrf=token)
        ratings = [
            f"POST\t/api/v1/articles/{pk}/rating\t" + json.dumps({"stars": 1 + pk % 5})
            for pk in info["quiet"]
        ]
        run(
            "f",
            "(f) rating POST",
            results,
            server.url,
            CLIENTS,
            SECONDS,
            requests=ratings,
            csrf=token,
        )
        memory["cached_server_mb"] = server.peak_mb
    with Server(env, page_cache=False) as server:
        say(f"Production server without the page cache: {server.url}")
        run(
            "b",
            f"(b) article page rendered, {info['three_hundred_comments']} comments",
            results,
            server.url + article,
            1,
            SECONDS,
        )
        run(
            "c_rendered",
            "(c) comment API rendered (page cache off)",
            results,
            server.url,
            1,
            SECONDS,
            requests=api,
        )
        run(
            "b_big",
            f"(b) article page rendered, {info['biggest_comments']:,} comments",
            results,
            server.url + big,
            1,
            SECONDS,
        )
        memory["rendering_server_mb"] = server.peak_mb
    peaks = [*memory["cached_server_mb"].values(), *memory["rendering_server_mb"].values()]
    return results, {
        "workers_seen": len(peaks),
        "peak_worker_mb": round(max(peaks), 1) if peaks else None,
    }


# -- quality -------------------------------------------------------------------------


def quality() -> dict:
    """The quality benchmarks, each as it runs alone (on SQLite), read from its file."""
    env = {k: v for k, v in ORIGINAL_ENV.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    if QUICK:
        env.setdefault("BENCH_ARTICLES", "2000")
        env.setdefault("BENCH_PUBLISHES", "5")
        env.setdefault("BENCH_ROUNDS", "2")
    else:
        env.pop("BENCH_ARTICLES", None)
    found = {}
    for script in ("anchoring", "spam", "related", "discovery"):
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(BENCH / f"{script}.py")], env=env, capture_output=True, text=True
        )
        if done.returncode:
            say(f"  {script}: failed\n{done.stderr[-2000:]}")
            found[script] = {"failed": done.stderr[-500:]}
            continue
        found[script] = json.loads((RESULTS / f"{script}.json").read_text())
        say(f"  {script}: {time.monotonic() - began:.0f} s")
    return found


# -- the report ----------------------------------------------------------------------


def targets(results: dict, memory: dict, vendor: str) -> list[dict]:
    a, static, b, big = results["a"], results["static"], results["b"], results["b_big"]
    share = a["rps"] / static["rps"] if static["rps"] else 0
    front = results["a_front"]["rps"] / static["rps"] if static["rps"] else 0
    rows = [
        {
            "target": "(a) at least half the static-file rate: Django's page cache alone",
            "measured": f"{share:.2f} of {static['rps']:,.0f} req/s",
            "met": share >= 0.5,
        },
        {
            "target": "(a) at least half the static-file rate: behind the nginx front cache",
            "measured": f"{front:.2f} of {static['rps']:,.0f} req/s",
            "met": front >= 0.5,
        },
        {
            "target": "(b) p50 under 30 ms" + (" (SQLite)" if vendor == "sqlite" else ""),
            "measured": f"{b['p50_ms']} ms",
            "met": b["p50_ms"] < 30,
        },
        {
            "target": "(b) 30,000-comment article within 20% of (b)",
            "measured": f"{big['p50_ms']} ms ({big['p50_ms'] / b['p50_ms'] - 1:+.0%})",
            "met": big["p50_ms"] <= b["p50_ms"] * 1.2,
        },
    ]
    for key in ("c", "d", "e", "f"):
        row = results[key]
        rows.append(
            {
                "target": f"{row['label'].split(')')[0]}) p99 under 50 ms at {CLIENTS} clients, "
                "no errors",
                "measured": f"p99 {row['p99_ms']} ms, {row['errors']} errors",
                "met": row["p99_ms"] < 50 and row["errors"] == 0,
            }
        )
    rows.append(
        {
            "target": "memory under 200 MB per worker",
            "measured": f"peak {memory['peak_worker_mb']} MB",
            "met": memory["peak_worker_mb"] is not None and memory["peak_worker_mb"] < 200,
        }
    )
    return rows


def quality_rows(found: dict) -> list[tuple[str, str]]:
    rows = []
    if "anchoring" in found and "failed" not in found["anchoring"]:
        a = found["anchoring"]
        rows.append(
            (f"re-anchoring: anchored right ({a['cases']:,} edits)", f"{a['anchored_right']:.1%}")
        )
    if "spam" in found and "failed" not in found["spam"]:
        p, r = found["spam"]["trained_precision_recall"]
        rows.append(("spam filter (trained): precision / recall", f"{p:.2f} / {r:.2f}"))
    if "related" in found and "failed" not in found["related"]:
        rows.append(
            ("related articles: precision at 3", f"{found['related']['precision_at_3']:.3f}")
        )
    if "discovery" in found and "failed" not in found["discovery"]:
        d = found["discovery"]
        rows.append(
            (
                f"search at {d['articles']:,} articles: page p50 / p95",
                f"{d['search_page_p50_ms']} / {d['search_page_p95_ms']} ms",
            )
        )
        rows.append(
            (
                f"related refresh at {d['articles']:,} articles: p50 / max",
                f"{d['refresh_p50_ms']} / {d['refresh_max_ms']} ms",
            )
        )
    for name, row in found.items():
        if "failed" in row:
            rows.append((name, "failed"))
    return rows


def markdown(report: dict) -> str:
    built, vendor = report["dataset"], report["database"]
    lines = [
        f"Broadsheet bench, {report['date']}: {vendor} with the {report['cache']} cache, "
        f"{report['cores']} cores, "
        f"{built['articles']:,} articles, {built['comments']:,} comments, "
        f"{built['ratings']:,} ratings (built in "
        f"{built['build_articles_s'] + built['build_comments_s'] + built['build_ratings_s']:.0f} s)"
        f", `broadsheet serve` with {report['server_workers']} workers, "
        f"{report['seconds']} s per run.",
        "",
        "| measure | clients | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["load"].values():
        lines.append(
            f"| {row['label']} | {row['clients']} | {row['rps']:,.0f} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['errors']} |"
        )
    lines += [
        "",
        f"Peak memory per worker: {report['memory']['peak_worker_mb']} MB "
        f"({report['memory']['workers_seen']} workers sampled).",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for row in report["targets"]:
        lines.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else 'no'} |")
    if report["quality"]:
        lines += ["", "| quality (SQLite) | value |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in quality_rows(report["quality"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    began = time.monotonic()
    tool("wrk", "wrk")
    nginx_binary(with_purge=True)
    info = prepare()
    say("Load (wrk)")
    results, memory = load(info)
    found = {}
    if QUALITY:
        say("Quality benchmarks")
        found = quality()
    restart = ""
    if RESTART:
        say("Restarts (bench/restart.py)")
        done = subprocess.run([sys.executable, str(BENCH / "restart.py")], env=ORIGINAL_ENV)
        if done.returncode == 0:
            restart = (RESULTS / "restart.md").read_text()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": info["vendor"],
        "cache": database_env()["CACHE_BACKEND"],
        "cores": os.cpu_count(),
        "server_workers": 2 * (os.cpu_count() or 1),
        "seconds": SECONDS,
        "quick": QUICK,
        "dataset": info["built"],
        "load": results,
        "static_share": round(results["a"]["rps"] / results["static"]["rps"], 3),
        "static_share_front_cache": round(results["a_front"]["rps"] / results["static"]["rps"], 3),
        "memory": memory,
        "targets": targets(results, memory, info["vendor"]),
        "quality": found,
        "wall_s": round(time.monotonic() - began),
    }
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(report, indent=2)
    (RESULTS / "latest.json").write_text(text)
    (RESULTS / f"{info['vendor']}.json").write_text(text)
    table = markdown(report) + (f"\n{restart}" if restart else "")
    (RESULTS / "latest.md").write_text(table)
    say("")
    say(table)
    say(f"({report['wall_s']} s; bench/results/latest.json, bench/results/latest.md)")


if __name__ == "__main__":
    main()
