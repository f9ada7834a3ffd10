"""PostgreSQL and Redis servers of a test's own, on free loopback ports.

Fault tests stop, hang and restart the services they talk to; they must never touch the
machine's own (other tests, other sessions, CI use those). Each server here lives in a
temporary folder, listens on a port nobody else holds, and is stopped by the test that
started it. Standard library only: these start before Django is configured.

    with RedisServer() as redis:        # redis.url -> redis://127.0.0.1:PORT/0
        redis.pause(); redis.resume()   # SIGSTOP / SIGCONT: a hung server
        redis.stop(); redis.start()     # a stopped one, and its return (same port)

    with PostgresServer() as pg:        # pg.url -> postgres://postgres@127.0.0.1:PORT/postgres
        pg.create_database("site")      # -> its URL
        pg.stop(); pg.start()
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    """A loopback port free at the time of asking (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


# What a server a test or benchmark starts never takes from the environment it is started
# from: the machine's own services (its Redis, database, SMTP relay, task queue), which
# are not the test's to use, and the settings that make a development server of it.
NOT_INHERITED = frozenset(
    {"REDIS_URL", "CACHE_BACKEND", "DATABASE_URL", "EMAIL_URL", "TASKS_BACKEND"}
    | {"TRUSTED_PROXIES", "DEBUG"}
)


def production_env(var_dir, *, secret_key: str, static_root, **settings: str) -> dict[str, str]:
    """The environment of a `broadsheet` process with the production settings on
    loopback: this process's environment without NOT_INHERITED, DEBUG off, plain HTTP
    (so cookies are not Secure), static files collected in `static_root`, the site's
    files in `var_dir` (its SQLite database too, unless `settings` names a
    DATABASE_URL). `settings` add to these or replace them. One builder for the
    servers of the tests and of the benchmarks, so what "production" means there
    cannot drift apart."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    env.update(
        DEBUG="0",
        SECRET_KEY=secret_key,
        BROADSHEET_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
    )
    env.update(settings)
    return env


class _Server:
    process: subprocess.Popen | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    @property
    def pid(self) -> int:
        assert self.process is not None, "not running"
        return self.process.pid


class RedisServer(_Server):
    """redis-server on a free port, keeping nothing on disk."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.folder = tempfile.mkdtemp(prefix="broadsheet-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", self.folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(lambda: _answers(self.port), f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.resume_quietly()
            self.process.kill()
            self.process.wait()
            self.process = None

    def resume_quietly(self) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.resume()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found if isinstance(found, str) else found[-1]


class PostgresServer(_Server):
    """A PostgreSQL cluster of its own (initdb into a temporary folder, trust auth) on a
    free port. PostgreSQL refuses to run as root: as root, it runs as the `postgres` user."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.folder = tempfile.mkdtemp(prefix="broadsheet-pg-")
        self.data = os.path.join(self.folder, "data")
        self._as = {}
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            # Popen's own switch, not runuser: runuser stops itself when its child is
            # stopped, and pause() stops the server.
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        subprocess.run(
            [_pg_bin("initdb"), "-D", self.data, "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._as,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [_pg_bin("postgres"), "-D", self.data, "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._as,
        )  # fmt: skip
        _wait(self._ready, f"PostgreSQL on port {self.port}")

    def _ready(self) -> bool:
        probe = subprocess.run(
            [_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
        )
        return probe.returncode == 0

    def pause(self) -> None:
        """Freeze every PostgreSQL process (SIGSTOP): a hung database server."""
        for pid in self._all_pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._all_pids():
            os.kill(pid, signal.SIGCONT)

    def _all_pids(self) -> list[int]:
        parent = self.pid  # the postmaster; its children are the backends
        found = [parent]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                            found.append(int(entry))
                except OSError:
                    continue
        return found

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            [_pg_bin("psql"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-c", sql],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url_of(name)

    def stop(self) -> None:
        """Immediate shutdown (as a crash would): clients see their connections drop."""
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self.resume()
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._as,
        )
        self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
