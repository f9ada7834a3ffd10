"""The cache is a cache: with Redis stopped or hung, readers read and write as before,
/healthz says the cache is degraded, and Redis is used again when it returns.

Each test runs a Redis of its own (broadsheet/tests/services.py) and points the site at
it with the CACHES that broadsheet/settings.py makes for REDIS_URL, so what is tested is
what production runs. The test client runs in this (the main) thread: a request stuck on
a hung Redis is cut off by an alarm after HUNG_BOUND seconds and fails the test.
The same journeys against `broadsheet serve` are in test_cache_outage_serve.py.
"""

import contextlib
import importlib.util
import logging
import os
import signal
import time
from unittest import mock

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from broadsheet import pagecache
from broadsheet.engagement.models import Comment, Rating, Vote
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.ratelimit import Limit, RateLimited, check_all
from broadsheet.ratelimit import counted as real_counted
from broadsheet.ratelimit import hit as real_hit
from broadsheet.tests.services import RedisServer

HUNG_BOUND = 10  # seconds: generous; a request on today's hung Redis never answers
RETRY_SECONDS = 0.3


def production_caches(redis_url: str) -> dict:
    """CACHES as broadsheet/settings.py makes them for REDIS_URL=redis_url."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "settings.py")
    spec = importlib.util.spec_from_file_location("_settings_with_redis", path)
    module = importlib.util.module_from_spec(spec)
    env = {"REDIS_URL": redis_url, "CACHE_BACKEND": "", "REDIS_RETRY_SECONDS": str(RETRY_SECONDS)}
    with mock.patch.dict(os.environ, env):
        os.environ.pop("CACHE_BACKEND")
        spec.loader.exec_module(module)
    return module.CACHES


class Hung(BaseException):
    """Not an Exception: Django must not turn it into a 500 page."""


@contextlib.contextmanager
def answers_within(seconds: int = HUNG_BOUND):
    def cut_off(signum, frame):
        raise Hung(f"no answer within {seconds} s: the request hangs on the cache")

    previous = signal.signal(signal.SIGALRM, cut_off)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
def site_on_redis(settings, redis_server, monkeypatch):
    """The site as production runs it on Redis: Redis cache, page cache and the real
    rate limits on (with room for a test's few writes)."""
    settings.CACHES = production_caches(redis_server.url)
    settings.PAGE_CACHE = True
    monkeypatch.setattr("broadsheet.ratelimit.counted", real_counted)
    pagecache.local_entries.clear()
    yield redis_server
    redis_server.resume_quietly()
    pagecache.local_entries.clear()


@pytest.fixture
def article(db):
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    return ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


class Browser:
    """A reader's browser: cookies, and the CSRF token from /api/v1/session."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.token = ""

    def get(self, url, **query):
        return self.client.get(url, query)

    def session(self):
        response = self.client.get("/api/v1/session")
        if response.status_code == 200:
            self.token = response.json()["csrf_token"]
        return response

    def post(self, url, payload):
        return self.client.post(
            url, payload, content_type="application/json", HTTP_X_CSRFTOKEN=self.token
        )


def a_reader_reads_and_writes(browser, article) -> None:
    """The journey every outage test runs: each step answers and each write is stored."""
    url = article.url
    assert browser.get(url).status_code == 200
    assert browser.session().status_code == 200
    response = browser.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Said while the cache was away.", "author_name": "Ola", "author_email": "o@x.org"},
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(pk=response.json()["id"])
    other = Browser()
    assert other.session().status_code == 200
    response = other.post(f"/api/v1/comments/{comment.pk}/vote", {"value": 1})
    assert response.status_code == 200, response.content
    assert Vote.objects.filter(comment=comment).count() == 1
    response = other.post(f"/api/v1/articles/{article.pk}/rating", {"stars": 4})
    assert response.status_code == 200, response.content
    assert Rating.objects.filter(page=article).count() == 1


def healthz(browser) -> tuple[int, str]:
    response = browser.get("/healthz")
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_with_redis_stopped_readers_read_write_and_healthz_says_degraded(site_on_redis, article):
    site_on_redis.stop()
    browser = Browser()
    with answers_within():
        a_reader_reads_and_writes(browser, article)
        assert healthz(browser) == (200, "ok\ncache: degraded\n")
    assert Comment.objects.filter(page=article).count() == 1


@pytest.mark.django_db
def test_with_redis_stopped_a_signed_in_reader_stays_signed_in(
    site_on_redis, article, django_user_model
):
    """Sessions live in the database (Django's default SESSION_ENGINE), not the cache."""
    mara = django_user_model.objects.create_user("mara", "mara@example.org", "pw-unused-1")
    browser = Browser()
    browser.client.force_login(mara)
    site_on_redis.stop()
    with answers_within():
        response = browser.session()
        assert response.status_code == 200
        assert response.json()["user"]["name"] == "mara"
        assert browser.get(article.url).status_code == 200
    assert "cache" not in django_settings.SESSION_ENGINE


@pytest.mark.django_db
def test_with_redis_hung_every_request_answers_within_a_bound(site_on_redis, article):
    browser = Browser()
    assert browser.get(article.url).status_code == 200  # connections made, then it hangs
    site_on_redis.pause()
    with answers_within():
        a_reader_reads_and_writes(browser, article)
        status, body = healthz(browser)
    assert (status, body) == (200, "ok\ncache: degraded\n")


@pytest.mark.django_db
def test_when_redis_returns_the_cache_is_used_again(site_on_redis, article):
    browser = Browser()
    site_on_redis.stop()
    with answers_within():
        assert browser.get(article.url)["X-Cache"] == "miss"
    site_on_redis.start()  # the same port, empty
    time.sleep(RETRY_SECONDS * 2)  # the back-off after the failure
    redis_keys = redis.Redis.from_url(site_on_redis.url).keys
    with answers_within():
        assert browser.get(article.url)["X-Cache"] == "miss"
        assert browser.get(article.url)["X-Cache"] == "hit"
        assert healthz(browser) == (200, "ok\n")
    assert any(b"pagecache:entry:" in key for key in redis_keys("*"))


@pytest.mark.django_db
def test_a_page_changed_while_redis_hung_is_not_served_stale_when_it_returns(
    site_on_redis, article, django_capture_on_commit_callbacks
):
    """A new comment bumps the article's version counter; if that write is lost while
    Redis hangs, the page Redis still holds must not be served once it answers again."""
    browser = Browser()
    browser.get(article.url)
    assert browser.get(article.url)["X-Cache"] == "hit"
    site_on_redis.pause()
    with answers_within(), django_capture_on_commit_callbacks(execute=True):
        Browser().session()  # the first timeout opens the circuit
        writer = Browser()
        writer.session()
        response = writer.post(
            f"/api/v1/articles/{article.pk}/comments",
            {"body": "A late correction.", "author_name": "Ola", "author_email": "o@x.org"},
        )
        assert response.status_code == 201
    site_on_redis.resume()
    time.sleep(RETRY_SECONDS * 2)
    pagecache.local_entries.clear()  # as in another process, which kept no copy
    with answers_within():
        page = browser.get(article.url)
    assert "A late correction." in page.content.decode()


@pytest.mark.moderation
@pytest.mark.django_db
def test_rate_limits_count_in_redis_several_at_once_and_a_refusal_charges_no_later_one(
    site_on_redis,
):
    """One pipeline counts both limits; the identity's refusal leaves the address's
    count where it was, for the other readers behind it."""
    identity, address = Limit("outage-identity", 2, 60), Limit("outage-address", 5, 60)
    client = redis.Redis.from_url(site_on_redis.url)
    with answers_within():
        for _ in range(2):
            check_all([(identity, "ana"), (address, "10.0.0.1")])
        with pytest.raises(RateLimited) as refused:
            check_all([(identity, "ana"), (address, "10.0.0.1")])
        check_all([(identity, "ben"), (address, "10.0.0.1")])
    assert refused.value.limit == identity
    counts = sorted(int(client.get(key)) for key in client.keys("*ratelimit:outage-*"))
    assert counts == [1, 3, 3]  # ben 1, ana 3 (refused once), the address 3


@pytest.mark.moderation
@pytest.mark.django_db
def test_rate_limits_count_in_the_process_while_redis_is_away(site_on_redis):
    limit = Limit("outage-test", 2, 60)
    site_on_redis.stop()
    with answers_within():
        real_hit(limit, "reader")
        real_hit(limit, "reader")
        with pytest.raises(RateLimited):
            real_hit(limit, "reader")


@pytest.mark.django_db
def test_an_unreachable_redis_is_logged_once_not_per_call(site_on_redis, caplog):
    site_on_redis.stop()
    with caplog.at_level(logging.WARNING, logger="broadsheet.redis_cache"):
        for _ in range(20):
            assert cache.get("anything") is None
            cache.set("anything", 1)
            time.sleep(RETRY_SECONDS / 5)
    warnings = [r for r in caplog.records if r.name == "broadsheet.redis_cache"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unavailable" in warnings[0].getMessage()
    assert django_settings.CACHES["default"]["OPTIONS"]["socket_timeout"] > 0


@pytest.mark.django_db
def test_image_renditions_are_made_and_found_with_redis_away_and_cached_on_its_return(
    site_on_redis,
):
    """Wagtail keeps renditions in the default cache (no "renditions" cache here)."""
    from broadsheet.newsroom.tests.factories import ImageFactory

    image = ImageFactory(title="Harbour at dawn")
    site_on_redis.pause()
    with answers_within():
        first = image.get_rendition("fill-120x80")
        again = image.get_rendition("fill-120x80")
    assert first.pk == again.pk and first.file.name
    site_on_redis.resume()
    time.sleep(RETRY_SECONDS * 2)
    with answers_within():
        image.get_rendition("fill-120x80")
    cached = redis.Redis.from_url(site_on_redis.url).keys("*")
    assert any(b"wagtail-rendition" in key for key in cached), cached
