"""`broadsheet serve`'s workers: a new connection wakes one idle worker, not all of them
(broadsheet/newsroom/workers.py), and busy workers still leave the next connection to an
idle one."""

import concurrent.futures
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from broadsheet.newsroom.tests.test_serve import serve_env, start_serve, wait_until_up
from broadsheet.tests.services import free_port

SLEEPY_APP = """
import os, time

def app(environ, start_response):
    time.sleep(float(environ.get("QUERY_STRING") or 0))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]
"""


def workers_of(server: subprocess.Popen) -> list[int]:
    path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in path.read_text().split()]


def wakeups(pids: list[int]) -> dict[int, int]:
    """Times each process has gone to sleep and been woken (voluntary context switches)."""
    found = {}
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                found[pid] = int(line.split()[1])
    return found


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_a_new_connection_wakes_one_idle_worker_of_broadsheet_serve(tmp_path):
    port = free_port()
    server = start_serve(serve_env(tmp_path), port, workers=4)
    try:
        wait_until_up(server, port)
        for _ in range(300):  # bounded: about 30 s for the other workers to fork
            if len(workers_of(server)) == 4:
                break
            time.sleep(0.1)
        for _ in range(10):
            get(f"http://127.0.0.1:{port}/healthz")
        pids = workers_of(server)
        assert len(pids) == 4
        before = wakeups(pids)
        for _ in range(100):  # one after another, as a quiet site gets them
            assert get(f"http://127.0.0.1:{port}/healthz") == b"ok\n"
        after = wakeups(pids)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    woken = sorted(after[pid] - before[pid] for pid in pids)
    # gunicorn's own sync workers all wait in select() on the one socket, so each of the
    # 100 connections woke all four (each ~100 times or more). Here a connection wakes
    # one waiting worker: at least one of the four slept through them all (at most its
    # heartbeat's wake-ups, every 15 s).
    assert woken[0] <= 2, woken


def test_busy_workers_leave_each_new_connection_to_an_idle_one(tmp_path):
    (tmp_path / "sleepy.py").write_text(SLEEPY_APP)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "4", "--chdir", str(tmp_path)]
    command += ["--worker-class", "broadsheet.newsroom.workers.ExclusiveSyncWorker"]
    command += ["--bind", f"127.0.0.1:{port}", "sleepy:app"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):  # bounded: about 30 s for the workers to boot
            try:
                get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.1)
        # Four requests at once, each holding its worker for a second: all four answered,
        # each by a worker of its own (a connection left waiting behind a busy worker
        # while another sat idle would show the same process twice).
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answered = list(pool.map(lambda _: get(f"http://127.0.0.1:{port}/?1"), range(4)))
        assert len(set(answered)) == 4, answered
        assert {int(pid) for pid in answered} == set(workers_of(server))
    finally:
        server.terminate()
        server.communicate(timeout=30)
