"""Where a write's CPU goes: cProfile and the queries of the comment POST (or a vote, a
rating) run in this process through Django's WSGI handler, as gunicorn would call it.

    PYTHONPATH=$PWD python bench/write_profile.py [comment|vote|rating] [N] [--queries]
        [--approved] [--focus REGEX] [--cpu]

The site is a copy of the one bench/cpu.py builds (run it once first), with the same
production settings (DEBUG off, page cache on, the database cache, tasks to the
database queue), each request from a distinct reader address behind the trusted proxy
with no cookie but the CSRF token's, as bench/cpu.py sends them. Prints the function
calls per request (a figure a busy machine does not move, unlike time), the queries per
request, and the profile's top entries by cumulative and by own time (--focus: only
functions whose path matches). --approved: comments are approved at once instead of
held as each new guest's first one is by default. --cpu: the profile counts CPU time,
not wall time (on PostgreSQL, wall time is mostly the wait for the server). With
DATABASE_URL (PostgreSQL) a scratch database beside it is restored from the same
template, and dropped at the end.
"""

import cProfile
import glob
import io
import json
import os
import pstats
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from processes import STATIC, TEMPLATES, site_env  # noqa: E402

FOLDER = ROOT / "var" / "write-profile"


def prepare() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith("postgres")
    kind = "postgresql" if postgres else "sqlite"
    records = sorted(glob.glob(str(TEMPLATES / "*-b300-b40" / f"built-{kind}.json")))
    if not records:
        sys.exit(f"No built {kind} site: run bench/cpu.py once first.")
    template = Path(records[-1]).parent
    database = None
    if postgres:
        import atexit
        import subprocess

        from cpu import drop_postgres, scratch_postgres

        database = scratch_postgres(url, "_profile")

        def drop() -> None:
            from django.db import connections

            connections.close_all()  # a database in use cannot be dropped
            drop_postgres(database)

        atexit.register(drop)
        restore = ["pg_restore", "--no-owner", "--dbname", database, str(template / "site.pgdump")]
        subprocess.run(restore, check=True)
    else:
        FOLDER.mkdir(parents=True, exist_ok=True)
        for stale in FOLDER.glob("site.sqlite3*"):
            stale.unlink()
        shutil.copy(template / "site.sqlite3", FOLDER / "site.sqlite3")
    env = site_env(
        FOLDER,
        database,
        CACHE_BACKEND="database",
        PAGE_CACHE="1",
        COMMENTS_PAGE_SIZE="1000",
        TASKS_BACKEND="database",
        CACHE_KEY_PREFIX=f"write-profile-{os.getpid()}",
    )
    env["STATIC_ROOT"] = str(STATIC)
    os.environ.update(env)
    return json.loads(Path(records[-1]).read_text())


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "comment"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    site = prepare()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from broadsheet.lanes import LaneApplication

    application = LaneApplication()  # as broadsheet.wsgi serves it
    if "--approved" in sys.argv:
        # Comments approved at once (a returning guest's, say), not held as a new
        # guest's first one: the path that counts, notifies and announces.
        from broadsheet.moderation.models import ModerationRules

        rules = ModerationRules.load()
        rules.hold_first_guest_comment = False
        rules.save()
    quiet = [pk for pk in site["articles"] if str(pk) not in site["busy"]]
    votable = site["comments"]

    def call(method: str, path: str, body: dict | None, number: int, csrf: str = "") -> tuple:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": f"10.{number // 65536 % 256}.{number // 256 % 256}."
            f"{number % 254 + 1}",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "CONTENT_LENGTH": str(len(data)),
        }
        if body is not None:
            environ.update(
                CONTENT_TYPE="application/json",
                HTTP_COOKIE=f"csrftoken={csrf}",
                HTTP_X_CSRFTOKEN=csrf,
            )
        status = []
        chunks = application(environ, lambda s, h, *a: status.append(s))
        content = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        return status[0], content

    _, answer = call("GET", "/api/v1/session", None, 1)
    csrf = json.loads(answer)["csrf_token"]

    def request(i: int) -> tuple:
        if kind == "comment":
            path = f"/api/v1/articles/{quiet[i % len(quiet)]}/comments"
            body = {
                "body": f"Reader view number {i}: the figures in paragraph {i % 7 + 2} "
                "need a second look.",
                "author_name": f"Reader {i % 100}",
                "author_email": f"reader{i % 100}@example.org",
                "consent": True,
            }
        elif kind == "vote":
            path = f"/api/v1/comments/{votable[(i * 7) % len(votable)]}/vote"
            body = {"value": 1 - 2 * (i % 3 == 0)}
        else:
            path = f"/api/v1/articles/{quiet[i % len(quiet)]}/rating"
            body = {"stars": 1 + i % 5}
        return call("POST", path, body, i, csrf)

    expected = "201 Created" if kind == "comment" else "200 OK"
    for i in range(10):  # warm: imports, the spam model, first cache fills
        status, content = request(1000 + i)
        assert status == expected, (status, content[:300])
    # On an article (or comment) the warm-up wrote to already, as most writes are.
    with CaptureQueriesContext(connection) as queries:
        status, content = request(1000 + 100 * len(quiet) * len(votable))
    print(f"{kind}: {len(queries)} queries in one request ({status})")
    if "--queries" in sys.argv:
        for query in queries.captured_queries:
            print("  ", query["sql"][:220])

    import time

    began = time.process_time()
    for i in range(count):
        request(5000 + i)
    cpu = (time.process_time() - began) * 1000 / count
    print(f"{cpu:.2f} ms CPU per request unprofiled ({count} requests; machine load moves it)")

    # --cpu: the profile's clock is this process's CPU time, not the wall's: on
    # PostgreSQL the wall's is mostly waiting for the server, which is not ours to count.
    profile = cProfile.Profile(time.process_time) if "--cpu" in sys.argv else cProfile.Profile()
    profile.enable()
    for i in range(count):
        status, _ = request(3000 + i)
    profile.disable()
    assert status == expected, status
    stats = pstats.Stats(profile)
    print(f"{stats.total_calls / count:.0f} function calls per request ({count} requests)")
    if "--focus" in sys.argv:
        stats.sort_stats("cumulative").print_stats(sys.argv[sys.argv.index("--focus") + 1])
        return
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
