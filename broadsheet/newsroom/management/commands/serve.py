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
"""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the site with gunicorn (production server)."

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

    def handle(self, *args, **options):
        workers = max(1, options["workers"])
        if workers > 1 and "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
            self.share_the_cache(workers)
        manifest = settings.STATIC_ROOT / "staticfiles.json"
        if not manifest.exists():
            raise CommandError(
                f"No static files in {settings.STATIC_ROOT}: run `broadsheet collectstatic` first."
            )
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "broadsheet.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(workers),
            "--threads",
            str(max(1, options["threads"])),
            "--worker-tmp-dir",
            "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",  # noqa: S108
            "--graceful-timeout",
            "20",
            # Recycled now and then, so a slow leak never grows without bound; not more
            # often: a cached page takes ~0.3 ms, so 20,000 requests were half a minute,
            # and each new worker's first requests stalled others (816 ms p99).
            "--max-requests",
            "200000",
            "--max-requests-jitter",
            "20000",
        ]
        if options["access_log"]:
            argv += ["--access-logfile", "-"]
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']} "
            f"with {workers} workers (gunicorn)"
        )
        self.stdout.flush()
        # gunicorn replaces this process rather than running inside it: workers forked
        # from the management command's process (Django set up, its checks run) rendered
        # an article 8% slower (33.8 against 31.3 ms p50) than a fresh gunicorn's; what
        # they inherited that cost this was not pinned down.
        os.execv(sys.executable, argv)  # noqa: S606

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
        os.environ["CACHE_BACKEND"] = "database"  # inherited by gunicorn and its workers
        # This process has loaded its settings already: the table is made by a fresh one.
        subprocess.run(  # noqa: S603 - our own console script
            [sys.executable, "-m", "broadsheet", "createcachetable"], check=True
        )
        self.stdout.write(
            f"{workers} workers share one cache: using the database cache (the local-memory "
            "cache is per process). Set REDIS_URL for a faster shared cache."
        )
