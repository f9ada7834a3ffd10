"""`broadsheet serve` starts the production server (gunicorn) and it answers."""

import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

from broadsheet.tests.services import free_port, production_env


def start_serve(env: dict, port: int, workers: int) -> subprocess.Popen:
    """`broadsheet serve` on loopback; the caller stops it in a `finally`."""
    return subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "serve", "--port", str(port)]
        + ["--workers", str(workers), "--live-port", "0"],  # pages only (test_live_serve.py)
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_serve_runs_gunicorn_workers_that_answer(tmp_path):
    port = free_port()
    server = start_serve(serve_env(tmp_path), port, workers=2)
    try:
        body = b""
        for _ in range(300):  # bounded: at most about 30 s for the app to load and fork
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert body == b"ok\n", server.stdout.read1().decode() if server.poll() is not None else ""
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Booting worker" in output and output.count("Booting worker") == 2


def serve_env(tmp_path, **extra) -> dict:
    """The documented production defaults: no REDIS_URL, no CACHE_BACKEND (so the
    local-memory cache), DEBUG off; plain HTTP on loopback, so cookies not Secure."""
    return production_env(
        tmp_path / "var",
        secret_key="serve-test-secret",
        static_root=settings.STATIC_ROOT,  # collected at the start of the test run
        DATABASE_URL=f"sqlite:///{tmp_path}/serve.sqlite3",
        TASKS_BACKEND="immediate",
        **extra,
    )


def migrated_database(tmp_path, env) -> None:
    """A migrated SQLite file for the servers: a copy of the test database's schema when
    the suite runs on SQLite (a second), else `broadsheet migrate` (about 15 s)."""
    import sqlite3

    from django.db import connection

    target = tmp_path / "serve.sqlite3"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    subprocess.run(
        [sys.executable, "-m", "broadsheet", "migrate", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )


def wait_until_up(server, port) -> None:
    for _ in range(300):  # bounded: at most about 30 s for the workers to boot
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode()) from None
            time.sleep(0.1)
    raise AssertionError("broadsheet serve did not answer in 30 s")


def failed_sign_in(port: int, csrf: str) -> str:
    """One sign-in with a wrong password: allauth's answer, "wrong" or "throttled"."""
    import urllib.parse

    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "login": "mara@example.org", "password": "guess"}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/",
        data=data,
        headers={"Cookie": f"csrftoken={csrf}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        html = response.read().decode()
    if "Too many failed login attempts" in html:
        return "throttled"
    assert "are not correct" in html, html[:2000]
    return "wrong"


@pytest.mark.django_db
def test_the_sign_in_throttle_holds_across_the_workers_of_broadsheet_serve(tmp_path):
    """allauth allows 5 failed sign-ins per address (email) in 5 minutes. Under
    `broadsheet serve` with two workers and the default cache, attempts sent two at a
    time reach both workers (each is busy hashing the password while the other takes
    the next): the sixth is refused whichever worker gets it, not the eleventh."""
    import re
    from concurrent.futures import ThreadPoolExecutor

    env = serve_env(tmp_path)
    migrated_database(tmp_path, env)
    port = free_port()
    server = start_serve(env, port, workers=2)
    try:
        wait_until_up(server, port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as response:
            csrf = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"])[1]
        answers = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for _ in range(5):  # five pairs: ten attempts in all
                answers += pool.map(failed_sign_in, [port, port], [csrf, csrf])
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert output.count("Booting worker") == 2, output
    assert answers.count("wrong") == 5, (answers, output)
    assert answers.count("throttled") == 5


def test_serve_refuses_several_workers_on_an_explicit_local_memory_cache(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "serve", "--port", "0", "--workers", "2"],
        env=serve_env(tmp_path, CACHE_BACKEND="locmem"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CACHE_BACKEND=locmem" in result.stderr and "per process" in result.stderr
