"""`broadsheet serve`: the production web server (gunicorn), workers per core.

Settings come from the environment as always; DEBUG stays off unless set. Static files
are served by whitenoise from STATIC_ROOT, so run `broadsheet collectstatic` first (the
command says so when the manifest is missing).

Several workers must share one cache: rate limits (ours and allauth's sign-in throttle)
and the page cache's version counters live there. The local-memory cache is one per
process, so with it every limit would be multiplied by the number of workers and a
comment would make a page stale in one worker only. When the cache is the default
local-memory one, `serve` with more than one worker moves it to the database cache
(creating its table) and says so; when CACHE_BACKEND=locmem was asked for explicitly, it
refuses to start.

gunicorn runs inside this process with `preload_app`: the application is loaded once, in
the master, before the workers are forked, so a worker that dies (or is recycled) is
replaced by a fork that answers at once, and a restarted server loads Django once, not
once for this command and again in each worker (a worker used to take 12 to 20 s to
serve after a crash on a busy 2-core machine; see bench/restart.py). Nothing opened while
loading may be shared by the forked workers: database connections and cache clients are
closed before the fork (each worker opens its own), and what is loaded lazily
(scikit-learn, in the background worker only) stays so.

The workers are gunicorn's sync workers, except that a new connection wakes one idle
worker rather than all of them (broadsheet/newsroom/workers.py): with several workers
per core, every request used to wake them all.

Live threads' event streams (broadsheet/live) are served beside the pages, not by the
same workers: a stream lives for minutes and a sync worker serves one request at a time.
`serve` also starts a second gunicorn master on LIVE_PORT (default: the port + 1; 0 for
none) whose LIVE_WORKERS workers (default 1) are uvicorn's (uvicorn-worker) running
broadsheet/asgi.py, thousands of streams each. Pages stay on the sync workers, where a
cached page costs least (docs/deployment.md has the measurements); the proxy in front
sends /live/ to LIVE_PORT (deploy/nginx-front-cache.conf). Asked directly, the pages'
port answers /live/ too, at once, and the browser asks again every 30 s.
"""

import gc
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from asgiref.local import Local
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication


class Command(BaseCommand):
    help = "Serve the site with gunicorn (production server)."
    # Django's system checks cost 0.4 s of CPU at every start, a restart after a crash
    # included, where each second counts; `broadsheet check --deploy` runs them when
    # deploying (docs/deployment.md), and an error in a URLconf still stops the start
    # (the master imports them all before forking).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", 0)) or 2 * (os.cpu_count() or 1),
            help="Worker processes (default: WEB_CONCURRENCY, else two per core).",
        )
        parser.add_argument("--threads", type=int, default=1, help="Threads per worker.")
        parser.add_argument("--access-log", action="store_true", help="Log each request.")
        parser.add_argument(
            "--live-port",
            type=int,
            default=int(os.environ["LIVE_PORT"]) if os.environ.get("LIVE_PORT") else None,
            help="Port of the live streams' ASGI listener (LIVE_PORT; default: port + 1; 0: none).",
        )
        parser.add_argument(
            "--live-workers",
            type=int,
            default=int(os.environ.get("LIVE_WORKERS", "1")),
            help="uvicorn workers for the live streams (LIVE_WORKERS, default 1).",
        )
        parser.add_argument(
            "--live-only",
            action="store_true",
            help="Serve only the live streams (on --port), e.g. on a host of their own.",
        )

    def handle(self, *args, **options):
        workers = max(1, options["workers"])
        live_only = options["live_only"]
        if workers > 1 and not live_only and "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
            self.share_the_cache(workers)
        manifest = settings.STATIC_ROOT / "staticfiles.json"
        if not manifest.exists():
            raise CommandError(
                f"No static files in {settings.STATIC_ROOT}: run `broadsheet collectstatic` first."
            )
        config = {
            "bind": f"{options['host']}:{options['port']}",
            "workers": workers,
            "threads": max(1, options["threads"]),
            "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",  # noqa: S108
            "graceful_timeout": 20,
            # Recycled now and then, so a slow leak never grows without bound; not more
            # often: a cached page takes ~0.3 ms, so 20,000 requests were half a minute,
            # and each new worker's first requests stalled others (816 ms p99).
            "max_requests": 200000,
            "max_requests_jitter": 20000,
            "preload_app": True,
        }
        if config["threads"] == 1:  # gunicorn's sync worker, woken alone (workers.py)
            config["worker_class"] = "broadsheet.newsroom.workers.ExclusiveSyncWorker"
        if options["access_log"]:
            config["accesslog"] = "-"
        if options["live_only"]:
            self.serve_live(options, options["port"], max(1, options["live_workers"]))
            return
        live_port = options["live_port"]
        if live_port is None:
            live_port = options["port"] + 1
        streams = self.start_live(options, live_port) if live_port else None
        if streams is not None:
            config["on_exit"] = lambda arbiter: streams.terminate()
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']} "
            f"with {workers} workers (gunicorn)"
        )
        self.stdout.flush()
        try:
            ProductionServer(config).run()
        finally:
            if streams is not None:
                streams.terminate()

    def start_live(self, options: dict, port: int) -> subprocess.Popen:
        """The live streams' listener, a child that ends with this process."""
        command = [sys.executable, "-m", "broadsheet", "serve", "--live-only"]
        command += ["--host", options["host"], "--port", str(port)]
        command += ["--live-workers", str(max(1, options["live_workers"]))]
        if options["access_log"]:
            command.append("--access-log")
        return subprocess.Popen(command, preexec_fn=_end_with_parent)  # noqa: S603, PLW1509

    def serve_live(self, options: dict, port: int, workers: int) -> None:
        config = {
            "bind": f"{options['host']}:{port}",
            "workers": workers,
            "worker_class": "uvicorn_worker.UvicornWorker",
            "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",  # noqa: S108
            # A stream ends by itself within LIVE_IDLE_SECONDS; on a restart the browsers
            # reconnect and catch up, so there is nothing to wait for.
            "graceful_timeout": 5,
            # uvicorn's worker tells gunicorn it is alive from its event loop's ticks; a
            # loop busy opening thousands of streams at once ticks slowly, and with the
            # default 30 s such a worker was killed while working (bench/live.py).
            "timeout": 300,
            "preload_app": True,
            # gunicorn's control socket has one default path: the pages' master has it.
            "control_socket_disable": True,
        }
        if options["access_log"]:
            config["accesslog"] = "-"
        self.stdout.write(
            f"Serving live streams on http://{options['host']}:{port} "
            f"with {workers} workers (gunicorn, uvicorn workers)"
        )
        self.stdout.flush()
        ProductionServer(config, asgi=True).run()

    def share_the_cache(self, workers: int) -> None:
        """Move the workers to the database cache, or refuse an explicit local-memory one
        (see the module docstring)."""
        if os.environ.get("CACHE_BACKEND", "").strip():
            raise CommandError(
                f"CACHE_BACKEND=locmem keeps a cache per process: with {workers} workers every "
                f"rate limit (sign-in attempts included) would allow {workers} times its count "
                "and pages would go stale in one worker only. Set REDIS_URL, or "
                "CACHE_BACKEND=database, or serve with --workers 1."
            )
        os.environ["CACHE_BACKEND"] = "database"
        # This process has read its settings already: the cache settings are read again
        # from the settings module (the one place that spells them), and the cache
        # handler forgets what it had built from the old ones.
        fresh = importlib.reload(importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]))
        settings.CACHES = fresh.CACHES
        caches._settings = None
        caches.__dict__.pop("settings", None)
        caches._connections = Local(caches.thread_critical)
        call_command("createcachetable")
        self.stdout.write(
            f"{workers} workers share one cache: using the database cache (the local-memory "
            "cache is per process). Set REDIS_URL for a faster shared cache."
        )


def _end_with_parent() -> None:
    """In the live listener's child, before exec: Linux sends it SIGTERM when `serve`
    dies, however it dies (elsewhere it is ended by `serve`'s exit hook only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ProductionServer(BaseApplication):
    """gunicorn's arbiter in this process, configured here rather than from argv."""

    def __init__(self, config: dict, asgi: bool = False):
        self.config = config
        self.asgi = asgi
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.config.items():
            self.cfg.set(name, value)

    def load(self):
        """The WSGI application, loaded in the master before any worker is forked, and
        warmed: URL patterns resolved (importing every view and the API's schemas) and
        the site's templates compiled, so a fresh fork has nothing left to load."""
        from django.template import TemplateDoesNotExist, TemplateSyntaxError
        from django.template.loader import get_template
        from django.urls import get_resolver

        if self.asgi:
            from broadsheet.asgi import application
        else:
            from broadsheet.wsgi import application

        get_resolver().url_patterns  # noqa: B018 - imports every URLconf and view
        package = Path(settings.PACKAGE_DIR)
        for folder in [package / "templates", *package.glob("*/templates")]:
            for template in folder.rglob("*.html"):
                try:
                    get_template(str(template.relative_to(folder)))
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue
        # Nothing opened so far may be shared by the workers: a forked SQLite or
        # PostgreSQL connection (or Redis socket) used from two processes corrupts both
        # sides' view of it. Each worker opens its own on its first request.
        connections.close_all()
        caches.close_all()
        gc.freeze()  # what warming made lives as long as the process, as in wsgi.py
        return application
