"""Live threads under load: 2,000 open event streams on one uvicorn worker.

`make bench-live`. A small site of its own (bench/processes.py, SQLite; the Redis
channel when REDIS_URL is set, else the database one), served by `broadsheet serve` with
one sync worker for pages and one uvicorn worker for the streams (its default), then:

1. The live worker's memory (RSS) before and after BENCH_LIVE_STREAMS (2,000) readers
   open the article's stream: memory per stream.
2. BENCH_LIVE_POSTS (20) comments posted, one a second, each through the posting
   service an HTTP POST calls (so that no rate limit or moderation hold is measured):
   for each, the delay from the post to its event reaching every reader; p50 and p99
   over all readers and posts.
3. CPU per request of an article page, rendered (uncached) and from the page cache, on
   the sync worker (how `serve` serves pages) and on the uvicorn worker (had all
   requests gone to ASGI), with wrk: the reason pages stay on sync workers.

Writes bench/results/live.json and live.md. Nothing fails a run: figures are reported.
"""

import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from nginx import tool  # noqa: E402
from processes import Serve, children, collect_static, prepared_site, site_env  # noqa: E402

VAR = ROOT / "var" / "bench-live"
RESULTS = BENCH / "results"
STREAMS = int(os.environ.get("BENCH_LIVE_STREAMS", "2000"))
POSTS = int(os.environ.get("BENCH_LIVE_POSTS", "20"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))


def say(text: str) -> None:
    print(text, flush=True)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def live_worker(server: Serve) -> int:
    """The uvicorn worker: the child of the live master, itself a child of serve."""
    for _ in range(600):
        for child in children(server.process.pid):
            grandchildren = children(child)
            if grandchildren:
                return grandchildren[0]
        time.sleep(0.1)
    raise SystemExit("the live listener did not start")


def page_worker(server: Serve) -> int:
    return next(pid for pid in children(server.process.pid) if not children(pid))


class Reader:
    """One open stream read with a bare socket: the times events arrived, by comment."""

    def __init__(self):
        self.arrived: dict[int, float] = {}
        self.open = asyncio.Event()

    async def run(self, port: int, path: str, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        buffer = b""
        try:
            while not stop.is_set():
                chunk = await reader.read(65536)
                if not chunk:
                    break
                buffer += chunk
                if not self.open.is_set() and b"retry:" in buffer:
                    self.open.set()
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    if b"event: comment" in block:
                        match = re.search(rb'"id":(\d+)', block)
                        if match:
                            self.arrived[int(match[1])] = time.monotonic()
        finally:
            writer.close()


def post_comment(env: dict, article: int) -> tuple[int, float]:
    """One approved comment by a signed-in reader, through engagement's service, in this
    process (Django set up for the bench site); returns its id and when it was posted."""
    from django.contrib.auth import get_user_model

    from broadsheet.engagement import services
    from broadsheet.engagement.identity import Reader as Identity

    # A reader per post: the per-reader rate limit is not what is measured.
    user = get_user_model().objects.create(username=f"live-bench-{time.time_ns()}")
    began = time.monotonic()
    comment = services.post_comment(
        page_id=article,
        reader=Identity(user=user, guest_key="", ip_hash="bench"),
        body=f"Live comment at {time.time()}",
    )
    return comment.pk, began


async def streams_round(env: dict, port: int, article: int, worker: int) -> dict:
    stop = asyncio.Event()
    readers = [Reader() for _ in range(STREAMS)]
    before = rss_kib(worker)
    path = f"/live/articles/{article}/events?since=0"
    tasks = []
    for n, reader in enumerate(readers):
        tasks.append(asyncio.create_task(reader.run(port, path, stop)))
        if n % 50 == 49:
            await asyncio.sleep(0.5)  # opened in waves, as readers arrive
    began = time.monotonic()
    while sum(r.open.is_set() for r in readers) < STREAMS and time.monotonic() - began < 300:
        await asyncio.sleep(0.2)
    opened = sum(r.open.is_set() for r in readers)
    await asyncio.sleep(2)
    after = rss_kib(worker)
    say(f"{opened} streams open; live worker {before / 1024:.0f} MiB -> {after / 1024:.0f} MiB")
    posted = []
    for _ in range(POSTS):
        posted.append(await asyncio.to_thread(post_comment, env, article))
        await asyncio.sleep(1)
    waited = time.monotonic()
    while time.monotonic() - waited < 120 and any(  # bounded: stragglers, two minutes
        comment not in reader.arrived
        for comment, _ in posted
        for reader in readers
        if reader.open.is_set()
    ):
        await asyncio.sleep(0.5)
    delays, missed = [], 0
    for comment, at in posted:
        for reader in readers:
            if comment in reader.arrived:
                delays.append((reader.arrived[comment] - at) * 1000)
            elif reader.open.is_set():
                missed += 1
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    delays.sort()
    return {
        "streams_open": opened,
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_stream": round((after - before) / max(opened, 1), 1),
        "posts": POSTS,
        "deliveries": len(delays),
        "missed": missed,
        "delay_p50_ms": round(statistics.median(delays), 1) if delays else None,
        "delay_p99_ms": round(delays[int(len(delays) * 0.99) - 1], 1) if delays else None,
    }


def cpu_per_request(wrk: str, url: str, pid: int) -> dict:
    subprocess.run([wrk, "-t1", "-c4", "-d2s", url], capture_output=True, check=False)  # warm
    start = cpu_seconds(pid)
    done = subprocess.run(
        [wrk, "-t1", "-c4", f"-d{SECONDS}s", url], capture_output=True, text=True, check=False
    )
    used = cpu_seconds(pid) - start
    match = re.search(r"(\d+) requests in", done.stdout)
    requests = int(match[1]) if match else 0
    return {"requests": requests, "cpu_ms_per_request": round(used * 1000 / max(requests, 1), 2)}


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, STREAMS * 2 + 200)), hard))
    shutil.rmtree(VAR, ignore_errors=True)
    extra = {"PAGE_CACHE": "1", "LIVE_MAX_STREAMS": str(STREAMS + 100)}
    # Every reader here comes from 127.0.0.1; the per-address cap is the tests' business.
    extra["LIVE_MAX_STREAMS_PER_ADDRESS"] = str(STREAMS + 100)
    if os.environ.get("REDIS_URL"):
        extra["REDIS_URL"] = os.environ["REDIS_URL"]
        extra["CACHE_KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "bench-live")
    env = site_env(VAR, **extra)
    env["TRUSTED_PROXIES"] = ""  # the readers' own address counts, not a forwarded one
    collect_static(env)
    site = prepared_site(env, articles=4, comments=300, ratings=20)
    article = site["articles"][0]
    os.environ.update(env)
    import django

    django.setup()
    from wagtail.models import Page

    article_path = Page.objects.get(pk=article).url
    server = Serve(env, VAR / "server.log", workers=1, live=True)
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 1),
        "channel": "redis" if env.get("REDIS_URL") else "database",
    }
    server.start()
    try:
        server.wait_healthy(180)
        worker = live_worker(server)
        wrk = tool("wrk", "wrk")
        pages = {}
        for name, port, pid in (
            ("sync", server.port, page_worker(server)),
            ("uvicorn", server.live_port, worker),
        ):
            base = f"http://127.0.0.1:{port}{article_path}"
            pages[name] = {
                "cached": cpu_per_request(wrk, base, pid),
                # An unknown query parameter makes the page uncacheable: rendered each time.
                "uncached": cpu_per_request(wrk, f"{base}?fresh=1", pid),
            }
            say(f"pages on {name}: {json.dumps(pages[name])}")
        report["pages"] = pages
        say(f"Streams: {STREAMS} readers of article {article} ({report['channel']} channel)")
        report["streams"] = asyncio.run(streams_round(env, server.live_port, article, worker))
        say(json.dumps(report["streams"]))
    finally:
        server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "live.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "live.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict) -> str:
    s, p = report["streams"], report["pages"]
    return (
        f"### Live threads ({report['channel']} channel, {report['cores']} cores, "
        f"load {report['load_average']})\n\n"
        "| figure | value |\n|---|---|\n"
        f"| streams held open by one uvicorn worker | {s['streams_open']} |\n"
        f"| memory per open stream | {s['kib_per_stream']} KiB |\n"
        f"| post to every reader, p50 | {s['delay_p50_ms']} ms |\n"
        f"| post to every reader, p99 | {s['delay_p99_ms']} ms |\n"
        f"| events missed | {s['missed']} of {s['posts'] * s['streams_open']} |\n"
        f"| article page CPU, sync worker: cached / rendered | "
        f"{p['sync']['cached']['cpu_ms_per_request']} / "
        f"{p['sync']['uncached']['cpu_ms_per_request']} ms |\n"
        f"| article page CPU, uvicorn worker: cached / rendered | "
        f"{p['uvicorn']['cached']['cpu_ms_per_request']} / "
        f"{p['uvicorn']['uncached']['cpu_ms_per_request']} ms |\n"
    )


if __name__ == "__main__":
    main()
