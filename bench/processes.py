"""A small site of its own and its processes, for the crash benchmarks (bench/restart.py,
bench/resilience.py): `broadsheet serve` and `broadsheet worker` as subprocesses that can
be killed with SIGKILL and started again, and the site they serve, built into a folder
of its own (SQLite there, or a PostgreSQL database the caller names).

    env = site_env(folder, database_url=None)   # the production settings of the site
    site = prepared_site(env, articles=20, comments=400, ratings=40)  # built or copied
    with Serve(env) as server: ...               # server.kill(), server.start(), ...

The processes run this checkout's `broadsheet`, or another tree's when the environment
names it (site_env(..., source=tree): bench/cpu.py runs an older commit's code beside
this one's): PYTHONPATH puts that tree first and PYTHONSAFEPATH keeps the working
directory (this checkout, or the editable install's) from coming before it.
"""

import glob
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# The tree whose `broadsheet` is imported here: this checkout's, unless this is the site
# builder (`processes.py build`) started for another tree (build_site).
SOURCE = Path(os.environ.get("BENCH_SOURCE_TREE", ROOT))
sys.path.insert(0, str(SOURCE))
from broadsheet.tests.services import free_port  # noqa: E402

STATIC = ROOT / "var" / "crash-static"  # collected once per run, shared by the sites
TEMPLATES = ROOT / "var" / "crash-sites"  # built sites, reused while migrations are unchanged
SECRET_KEY = "crash-bench-secret-not-for-production"  # noqa: S105 - a throwaway site


def site_env(
    folder: Path, database_url: str | None = None, source: Path | None = None, **extra: str
) -> dict[str, str]:
    """The production settings (DEBUG off, behind a trusted proxy on loopback so that each
    request may name its own reader address), for a site living in `folder`; run by the
    `broadsheet` of the tree `source` if given (its static files need a STATIC_ROOT of
    their own, in `extra`)."""
    from broadsheet.tests.services import production_env  # not in older trees' services

    folder.mkdir(parents=True, exist_ok=True)
    if source is not None:
        tree = str(Path(source).resolve())
        extra = {"PYTHONPATH": tree, "PYTHONSAFEPATH": "1", "BENCH_SOURCE_TREE": tree, **extra}
    return production_env(
        folder,
        secret_key=SECRET_KEY,
        static_root=STATIC,
        DJANGO_SETTINGS_MODULE="broadsheet.settings",
        DATABASE_URL=database_url or f"sqlite:///{folder}/site.sqlite3",
        TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )


def broadsheet(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "broadsheet", *args], env=env, check=True, **kwargs
    )


def collect_static(env: dict) -> None:
    broadsheet(env, "collectstatic", "--noinput", stdout=subprocess.DEVNULL)


def build_site(
    env: dict, articles: int, comments: int, ratings: int, busy: tuple[int, ...] = ()
) -> dict:
    """Migrate and bulk-build the articles, comments and ratings (bench/dataset.py) in a
    process of their own; returns what the clients need: article ids and approved
    comment ids, and the ids of the `busy` articles (exactly that many comments each)."""
    broadsheet(env, "migrate", "--noinput", stdout=subprocess.DEVNULL)
    # The built site is a template other benchmarks reuse (prepared_site), some with the
    # database cache: its table is made whatever cache this caller uses.
    broadsheet({**env, "CACHE_BACKEND": "database"}, "createcachetable")
    # This file and bench/dataset.py build every tree's site (the same data from the same
    # seed); the tree's own models, when env names one (BENCH_SOURCE_TREE, above).
    done = subprocess.run(
        [sys.executable, __file__, "build", str(articles), str(comments), str(ratings)]
        + [str(n) for n in busy],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def migrations_key(source: Path = ROOT) -> str:
    """Names and sizes of every migration installed (the `source` tree's and our
    dependencies') and of the dataset builder: a built site is reused while they are
    unchanged."""
    digest = hashlib.sha256((BENCH / "dataset.py").read_bytes())
    for base in (Path(source) / "broadsheet", Path(sysconfig.get_paths()["purelib"])):
        for path in sorted(base.glob("**/migrations/*.py")):
            digest.update(f"{path.relative_to(base)}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    if not found:
        raise SystemExit(f"PostgreSQL's {name} is not installed")
    return found if isinstance(found, str) else found[0]


def prepared_site(
    env: dict, articles: int, comments: int, ratings: int, busy: tuple[int, ...] = ()
) -> dict:
    """The site `env` names, empty before: built once (migrations take minutes on a busy
    machine) into var/crash-sites/, then copied in: SQLite's file through its backup
    API, a PostgreSQL database through pg_dump and pg_restore."""
    sizes = "".join(f"-b{n}" for n in busy)
    key = migrations_key(Path(env.get("BENCH_SOURCE_TREE", ROOT)))
    template = TEMPLATES / f"{key}-{articles}-{comments}-{ratings}{sizes}"
    url = env["DATABASE_URL"]
    postgres = url.startswith("postgres")
    copy = template / ("site.pgdump" if postgres else "site.sqlite3")
    record = template / f"built-{'postgresql' if postgres else 'sqlite'}.json"
    target = url.split("sqlite:///", 1)[-1]
    if not record.exists():
        built = build_site(env, articles, comments, ratings, busy)
        template.mkdir(parents=True, exist_ok=True)
        if postgres:
            dump = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(copy)]
            subprocess.run([*dump, url], check=True)
        else:
            _sqlite_copy(target, copy)
        record.write_text(json.dumps(built))
        return built
    if postgres:
        restore = [_pg_tool("pg_restore"), "--no-owner", "--dbname", url, str(copy)]
        subprocess.run(restore, check=True)
    else:
        _sqlite_copy(copy, target)
    return json.loads(record.read_text())


def _sqlite_copy(source_path, target_path) -> None:
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _build(articles: int, comments: int, ratings: int, *busy: int) -> None:
    import django

    sys.path.insert(0, str(BENCH))
    django.setup()
    import dataset

    from broadsheet.engagement.models import Comment

    built = dataset.build_site(articles, comments, ratings, busy=busy, report=lambda text: None)
    from broadsheet.newsroom.models import ArticlePage

    ids = list(ArticlePage.objects.order_by("pk").values_list("pk", flat=True))
    votable = list(
        Comment.objects.filter(status="approved").order_by("pk").values_list("pk", flat=True)
    )
    found = {"articles": ids, "comments": votable, "built": built["comments"]}
    print(json.dumps({**found, "busy": built["busy"]}))


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers of its master)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def answers(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class Process:
    """A command of ours in its own session (so a SIGKILL of the group takes its children
    too), its output appended to a log file."""

    command: list[str] = []

    def __init__(self, env: dict, log: Path):
        self.env, self.log_path, self.process = env, log, None

    def start(self) -> None:
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "broadsheet", *self.command],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the process and everything in its group: a crash, not a shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None:
            self.log.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class Serve(Process):
    """`broadsheet serve` (gunicorn) on a free loopback port, the same port after each
    restart, as behind a load balancer."""

    def __init__(self, env: dict, log: Path, workers: int | None = None, live: bool = False):
        super().__init__(env, log)
        self.port = free_port()
        self.live_port = free_port() if live else 0
        # The pages only, unless asked: the crash benchmarks kill and count page workers.
        self.command = ["serve", "--port", str(self.port), "--live-port", str(self.live_port)]
        if workers:
            self.command += ["--workers", str(workers)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, seconds: float = 90) -> float:
        """Seconds until /healthz answers 200."""
        began = time.monotonic()
        while not answers(f"{self.url}/healthz", timeout=1):
            if self.process.poll() is not None:
                raise SystemExit(f"broadsheet serve exited: see {self.log_path}")
            if time.monotonic() - began > seconds:
                raise SystemExit(f"broadsheet serve did not answer in {seconds} s")
            time.sleep(0.02)
        return time.monotonic() - began

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """CPU time the master and its live workers have used (user and system)."""
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return round(total / os.sysconf("SC_CLK_TCK"), 2)


class Worker(Process):
    command = ["worker", "--interval", "0.2"]


if __name__ == "__main__" and sys.argv[1:2] == ["build"]:
    _build(*(int(n) for n in sys.argv[2:]))
