"""How fast the site comes back: `make bench-restart`.

On a small site of its own (bench/processes.py: SQLite in var/bench-restart/, a copy of
one built once and reused), `broadsheet serve` with its default workers is started and then crashed:

1. cold start: from launching `broadsheet serve` to the first answer and to the first
   acknowledged write (a rating POST answered 200);
2. `kill -9` of the whole server (master and workers), then started again at once, as
   systemd's Restart=always does: from the kill to the first answer and the first
   acknowledged write (BENCH_RESTART_ROUNDS times; median and worst);
3. `kill -9` of one worker: how long until the master has its full count of workers
   again, and the longest gap between answers a client polling the site saw meanwhile;
4. `kill -9` of every worker at once (the master lives): from the kill to the first
   answer, which only a respawned worker can give.

BENCH_RESTART_CLIENTS readers (0 by default) fetch the article page all along, so the
restarts can be measured under load too. Writes bench/results/restart.json and
restart.md, and prints the table. No assertion: figures only.
"""

import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import ROOT, Serve, answers, collect_static, prepared_site, site_env  # noqa: E402

VAR = ROOT / "var" / "bench-restart"
RESULTS = ROOT / "bench" / "results"
ROUNDS = int(os.environ.get("BENCH_RESTART_ROUNDS", "3"))
CLIENTS = int(os.environ.get("BENCH_RESTART_CLIENTS", "0"))


def say(text: str) -> None:
    print(text, flush=True)


def rate(url: str, article: int, timeout: float = 2) -> bool:
    """One acknowledged write: a new guest's rating, answered 200."""
    try:
        with urllib.request.urlopen(f"{url}/api/v1/session", timeout=timeout) as response:
            token = json.loads(response.read())["csrf_token"]
        request = urllib.request.Request(
            f"{url}/api/v1/articles/{article}/rating",
            data=json.dumps({"stars": 4}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": token,
                "Cookie": f"csrftoken={token}; bs_reader={secrets.token_urlsafe(32)}",
                "X-Forwarded-For": f"10.9.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}",
            },
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def until(check, began: float, seconds: float = 120) -> float:
    while not check():
        if time.monotonic() - began > seconds:
            raise SystemExit(f"nothing within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - began


def back(server: Serve, article: int, began: float) -> tuple[float, float, float]:
    """Seconds from `began` to the first answer, then to the first acknowledged write, and
    the CPU seconds the server had used by then (what a busy machine stretches)."""
    answer = until(lambda: answers(f"{server.url}/healthz", timeout=1), began)
    write = until(lambda: rate(server.url, article), began)
    return round(answer, 2), round(write, 2), server.cpu_seconds()


class Readers:
    """Clients fetching a page in a loop (load during the restarts); counts answers."""

    def __init__(self, url: str, clients: int):
        self.url, self.stop, self.answered = url, threading.Event(), 0
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(clients)]

    def read(self) -> None:
        while not self.stop.is_set():
            if answers(self.url, timeout=5):
                self.answered += 1
            else:
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()


def one_worker(server: Serve) -> dict:
    """kill -9 one worker; time the master's respawn and the longest gap a poller saw."""
    workers = server.workers()
    gaps, last, stop = [], [time.monotonic()], threading.Event()

    def poll():
        while not stop.is_set():
            if answers(f"{server.url}/healthz", timeout=5):
                now = time.monotonic()
                gaps.append(now - last[0])
                last[0] = now

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    time.sleep(0.5)
    victim = workers[0]
    began = time.monotonic()
    os.kill(victim, signal.SIGKILL)

    def replaced() -> bool:
        now = server.workers()
        return victim not in now and len(now) == len(workers)

    respawned = until(replaced, began, 60)
    time.sleep(1)
    stop.set()
    poller.join()
    return {"respawned_s": round(respawned, 2), "longest_gap_s": round(max(gaps), 2)}


def all_workers(server: Serve, article: int) -> dict:
    workers = server.workers()
    began = time.monotonic()
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    answer, write, cpu = back(server, article, began)
    return {"first_answer_s": answer, "first_write_s": write, "cpu_s": cpu}


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    env = site_env(VAR, PAGE_CACHE="1", TASKS_BACKEND="database")
    collect_static(env)
    article = prepared_site(env, articles=8, comments=200, ratings=20)["articles"][0]
    server = Serve(env, VAR / "server.log")
    report: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    report["cores"], report["clients"] = os.cpu_count(), CLIENTS
    report["load_average"] = round(os.getloadavg()[0], 1)
    began = time.monotonic()
    server.start()
    try:
        answer, write, cpu = back(server, article, began)
        report["cold_start"] = {"first_answer_s": answer, "first_write_s": write, "cpu_s": cpu}
        say(f"cold start: first answer {answer} s, first acknowledged write {write} s")
        article_url = f"{server.url}/api/v1/articles/{article}/comments"
        with Readers(article_url, CLIENTS):
            time.sleep(1)
            crashes = []
            for n in range(ROUNDS):
                time.sleep(1)
                began = time.monotonic()
                server.kill()
                server.start()
                answer, write, cpu = back(server, article, began)
                crashes.append({"first_answer_s": answer, "first_write_s": write, "cpu_s": cpu})
                say(f"kill -9 of the server #{n + 1}: first answer {answer} s, write {write} s")
            report["server_killed"] = crashes
            time.sleep(1)
            report["workers"] = len(server.workers())  # all forked by now
            report["worker_killed"] = one_worker(server)
            say(f"kill -9 of one worker: {report['worker_killed']}")
            time.sleep(1)
            report["all_workers_killed"] = all_workers(server, article)
            say(f"kill -9 of every worker: {report['all_workers_killed']}")
    finally:
        server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "restart.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    (RESULTS / "restart.md").write_text(table)
    say("")
    say(table)


def markdown(report: dict) -> str:
    crashes = report["server_killed"]
    answer = [c["first_answer_s"] for c in crashes]
    write = [c["first_write_s"] for c in crashes]
    cold, every = report["cold_start"], report["all_workers_killed"]
    cpu = [c["cpu_s"] for c in crashes]
    lines = [
        f"Broadsheet restart bench, {report['date']}: SQLite, {report['cores']} cores (load "
        f"average {report['load_average']} at the start), `broadsheet serve` with "
        f"{report['workers']} workers, {report['clients']} readers loading pages meanwhile.",
        "",
        "| event | first answer s | first acknowledged write s | server CPU s by then |",
        "|---|---:|---:|---:|",
        f"| cold start | {cold['first_answer_s']} | {cold['first_write_s']} | {cold['cpu_s']} |",
        f"| kill -9 of the whole server, restarted at once (median of {len(crashes)}) | "
        f"{statistics.median(answer)} | {statistics.median(write)} | {statistics.median(cpu)} |",
        f"| the same, worst | {max(answer)} | {max(write)} | {max(cpu)} |",
        f"| kill -9 of every worker (master alive) | {every['first_answer_s']} | "
        f"{every['first_write_s']} | |",
        "",
        f"kill -9 of one worker: replaced by the master in "
        f"{report['worker_killed']['respawned_s']} s; longest gap between answers to a "
        f"polling client {report['worker_killed']['longest_gap_s']} s.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
