"""The cache is a cache, proved on the production server: `broadsheet serve` (gunicorn,
two workers, page cache on) with REDIS_URL pointing at a Redis of the test's own, which
the test stops or hangs (SIGSTOP) and brings back. Every request has a 10 s client
timeout: before the fail-open cache, a stopped Redis answered 500 everywhere and a hung
one never answered. The quick in-process version is test_cache_outage.py.
"""

import http.cookiejar
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import redis

from broadsheet.newsroom.tests.test_serve import (
    free_port,
    migrated_database,
    serve_env,
    start_serve,
    wait_until_up,
)
from broadsheet.tests.services import RedisServer

pytestmark = [pytest.mark.resilience, pytest.mark.django_db]

CLIENT_TIMEOUT = 10  # seconds: generous; nothing here should take more than one
RETRY_SECONDS = 0.5

MAKE_ARTICLE = """
import django; django.setup()
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory, HomePageFactory, SectionPageFactory)
home = HomePageFactory()
section = SectionPageFactory(parent=home, title="World", slug="world")
article = ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
from broadsheet.moderation.models import ModerationRules
rules = ModerationRules.load()
rules.hold_first_guest_comment = False  # published at once: a discussion change, and votable
rules.save()
print(article.pk, article.url)
"""


class Browser:
    """A reader's browser against the server: cookies, CSRF token from the session."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def send(self, method: str, path: str, payload=None):
        """(status, headers, body); a request unanswered in CLIENT_TIMEOUT s raises."""
        headers = {}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", "X-CSRFToken": self.token}
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=CLIENT_TIMEOUT) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def session(self) -> int:
        status, _, body = self.send("GET", "/api/v1/session")
        if status == 200:
            self.token = json.loads(body)["csrf_token"]
        return status


@pytest.fixture
def served(tmp_path, db):
    """(server port, Redis, article id, article path, the server's SQLite file)."""
    with RedisServer() as cache_server:
        env = serve_env(
            tmp_path,
            REDIS_URL=cache_server.url,
            REDIS_RETRY_SECONDS=str(RETRY_SECONDS),
            PAGE_CACHE="1",
        )
        migrated_database(tmp_path, env)
        made = subprocess.run(
            [sys.executable, "-c", MAKE_ARTICLE],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        article_id, path = made.stdout.split()[-2:]
        port = free_port()
        server = start_serve(env, port, workers=2)
        try:
            wait_until_up(server, port)
            yield port, cache_server, int(article_id), path, tmp_path / "serve.sqlite3"
        finally:
            cache_server.resume_quietly()
            server.terminate()
            server.communicate(timeout=30)


def rows(database, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def a_reader_reads_and_writes(port, article_id, path, database) -> None:
    """Article page, session, comment, vote and rating answer, and each write is stored;
    /healthz answers 200 and says the cache is degraded."""
    comments, votes, ratings = (
        rows(database, t) for t in ("engagement_comment", "engagement_vote", "engagement_rating")
    )
    reader = Browser(port)
    assert reader.send("GET", path)[0] == 200
    assert reader.session() == 200
    status, _, body = reader.send(
        "POST",
        f"/api/v1/articles/{article_id}/comments",
        {"body": "Posted with the cache away.", "author_name": "Ola", "author_email": "o@ex.org"},
    )
    assert status == 201, body
    comment_id = json.loads(body)["id"]
    voter = Browser(port)
    assert voter.session() == 200
    status, _, body = voter.send("POST", f"/api/v1/comments/{comment_id}/vote", {"value": 1})
    assert status == 200, body
    status, _, body = voter.send("POST", f"/api/v1/articles/{article_id}/rating", {"stars": 4})
    assert status == 200, body
    assert rows(database, "engagement_comment") == comments + 1
    assert rows(database, "engagement_vote") == votes + 1
    assert rows(database, "engagement_rating") == ratings + 1
    status, headers, body = reader.send("GET", "/healthz")
    assert (status, body) == (200, b"ok\ncache: degraded\n")
    assert headers["Broadsheet-Cache"] == "degraded"


def the_cache_is_used_again(port, cache_server, path) -> None:
    """Once Redis answers, pages are stored there again and /healthz says ok."""
    reader = Browser(port)
    client = redis.Redis.from_url(cache_server.url)
    client.flushdb()  # so any entry found was made after the return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reader.send("GET", path)
        if any(b"pagecache:entry:" in key for key in client.keys("*")):
            break
        time.sleep(RETRY_SECONDS)
    assert any(b"pagecache:entry:" in key for key in client.keys("*"))
    for _ in range(5):  # each worker answers: both are over their back-off
        status, headers, body = reader.send("GET", "/healthz")
        assert (status, body, headers["Broadsheet-Cache"]) == (200, b"ok\n", "ok")


def test_broadsheet_serve_with_redis_stopped_then_hung_serves_and_recovers(served):
    """One server (its start is the slow part) through both outages in turn."""
    port, cache_server, article_id, path, database = served
    assert Browser(port).send("GET", path)[0] == 200  # Redis in use, pools connected
    cache_server.stop()
    for _ in range(2):  # twice: within the back-off and past it, on either worker
        a_reader_reads_and_writes(port, article_id, path, database)
        time.sleep(RETRY_SECONDS)
    cache_server.start()  # same port, empty: as after a crash
    the_cache_is_used_again(port, cache_server, path)

    cache_server.pause()  # hung: connections accepted, nothing answered
    for _ in range(2):
        a_reader_reads_and_writes(port, article_id, path, database)
        time.sleep(RETRY_SECONDS)
    cache_server.resume()
    the_cache_is_used_again(port, cache_server, path)
