"""`broadsheet serve` starts the production server (gunicorn) and it answers."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_gunicorn_workers_that_answer(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "serve-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
        "STATIC_ROOT": str(settings.STATIC_ROOT),  # collected at the start of the test run
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = b""
        for _ in range(150):  # bounded: at most about 15 s for the workers to boot
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
