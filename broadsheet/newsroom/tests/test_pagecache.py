"""The whole-page cache for anonymous readers: served without a query while nothing
changed, fresh at once after a comment, a vote, a rating or a publication, and never for
a signed-in reader or editor. Runs on the configured cache (Redis in CI's second round).
"""

import re

import pytest
from django.test import Client

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import ArticlePageFactory
from broadsheet.tests.cache import clear_own_keys
from broadsheet.tests.pages import page_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["configured cache", "database cache"])
def page_cache_on(request, settings):
    """Every test twice: on the configured cache (local memory, or Redis in CI's second
    round) and on the database cache that `make run` uses."""
    settings.PAGE_CACHE = True
    if request.param == "database cache":
        from django.core.management import call_command

        settings.CACHES = {
            "default": {
                "BACKEND": "broadsheet.dbcache.DatabaseCache",
                "LOCATION": "broadsheet_test_cache",
            }
        }
        call_command("createcachetable", verbosity=0)


@pytest.fixture
def article(world, ada):
    return ArticlePageFactory(parent=world, authors=[ada], title="Harbour talks", slug="harbour")


def test_a_second_anonymous_request_is_served_from_the_cache(client, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(article.url)
    assert first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(article.url)
    # No page is rendered: the only query, if any, reads the version counters from the
    # database cache's table (the page itself comes from this process's copy).
    assert all("broadsheet_test_cache" in q["sql"] for q in queries.captured_queries)
    from django.conf import settings

    in_database = "DatabaseCache" in settings.CACHES["default"]["BACKEND"]
    assert len(queries.captured_queries) == (1 if in_database else 0)
    assert second["X-Cache"] == "hit"
    # The same page, its scripts given this response's own nonce (broadsheet.csp).
    same = re.compile(rb'nonce="[^"]*"')
    assert same.sub(b"", second.content) == same.sub(b"", first.content)
    assert second.content != first.content
    assert "s-maxage=" in second["Cache-Control"] and "public" in second["Cache-Control"]
    assert second["Surrogate-Key"] == f"page-{article.pk} articles"
    assert "X-Broadsheet-Depends" not in second
    assert not second.cookies


def test_a_new_comment_vote_or_rating_shows_at_once(
    client, article, django_capture_on_commit_callbacks
):
    client.get(article.url)
    reader = Reader("198.51.100.9")
    with django_capture_on_commit_callbacks(execute=True):  # the invalidation runs on commit
        created = reader.comment(article, "Fresh from the quay.")
    page = client.get(article.url)
    assert page["X-Cache"] == "miss" and "Fresh from the quay." in page.content.decode()
    assert client.get(article.url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        Reader("198.51.100.10").vote(created["id"], 1)
    assert client.get(article.url)["X-Cache"] == "miss"
    with django_capture_on_commit_callbacks(execute=True):
        Reader("198.51.100.11").post(f"/api/v1/articles/{article.pk}/rating", {"stars": 4})
    rated = client.get(article.url)
    assert rated["X-Cache"] == "miss" and "1 rating" in rated.content.decode()


def test_a_vote_or_a_rating_leaves_the_listings_cached(
    client, article, world, django_capture_on_commit_callbacks
):
    created = Reader("198.51.100.9").comment(article, "Worth a vote.")
    client.get(world.url)
    assert client.get(world.url)["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        Reader("198.51.100.10").vote(created["id"], 1)
        Reader("198.51.100.11").post(f"/api/v1/articles/{article.pk}/rating", {"stars": 4})
    # No listing shows votes or ratings (comment counts and the latest comments only).
    assert client.get(world.url)["X-Cache"] == "hit"
    assert client.get(article.url)["X-Cache"] == "miss"


def test_a_change_made_by_another_process_is_never_served_from_this_ones_copy(client, article):
    """Each process keeps the pages it served; another web process or the worker only
    moves the counters in the shared cache, and that must be enough."""
    from django.core.cache import cache

    from broadsheet import pagecache
    from broadsheet.engagement.models import Comment

    client.get(article.url)
    assert client.get(article.url)["X-Cache"] == "hit"

    # Another process stores a comment and bumps the article's counter: nothing here
    # runs, so this process's copy of the page is all that is left to catch it.
    def stored_elsewhere(text):  # a comment saved by another process: no signal here
        Comment.objects.create(
            page=article, guest_name="Ines", body=text, body_html=f"<p>{text}</p>"
        )

    stored_elsewhere("Written elsewhere.")
    cache.incr(pagecache.page_key(article.pk))
    fresh = client.get(article.url)
    assert fresh["X-Cache"] == "miss" and "Written elsewhere." in fresh.content.decode()
    assert client.get(article.url)["X-Cache"] == "hit"
    # The shared cache emptied (Redis restarted, the cache table cleared): every counter
    # starts again from a new value, so no copy kept here matches.
    stored_elsewhere("After the restart.")
    clear_own_keys(cache)  # on Redis, this run's keys only: never FLUSHDB a shared database
    after = client.get(article.url)
    assert after["X-Cache"] == "miss" and "After the restart." in after.content.decode()


def test_publishing_refreshes_the_article_and_the_listings(client, article, world):
    client.get(article.url)
    client.get(world.url)
    assert client.get(world.url)["X-Cache"] == "hit"
    article.title = "Harbour deal signed"
    article.save_revision().publish()
    assert "Harbour deal signed" in client.get(article.url).content.decode()
    ArticlePageFactory(parent=world, title="Ferry strike ends", slug="ferry")
    section = client.get(world.url)
    assert section["X-Cache"] == "miss" and "Ferry strike ends" in section.content.decode()


def test_moving_an_article_refreshes_the_sections_it_left_and_joined(
    client, article, world, opinion
):
    for url in (world.url, opinion.url):
        client.get(url)
    assert "Harbour talks" in client.get(world.url).content.decode()
    article.move(opinion, pos="last-child")
    left, joined = client.get(world.url), client.get(opinion.url)
    assert left["X-Cache"] == joined["X-Cache"] == "miss"
    assert "Harbour talks" not in left.content.decode()
    assert "Harbour talks" in joined.content.decode()


def test_an_unrelated_discussion_leaves_other_articles_cached(
    client, article, world, django_capture_on_commit_callbacks
):
    other = ArticlePageFactory(parent=world, title="Bus fares", slug="bus")
    client.get(article.url)
    client.get(world.url)
    with django_capture_on_commit_callbacks(execute=True):
        Reader("198.51.100.12").comment(other, "About the buses.")
    assert client.get(article.url)["X-Cache"] == "hit"
    assert client.get(world.url)["X-Cache"] == "miss"  # it shows counts and latest comments


def test_signed_in_readers_and_editors_never_get_or_fill_the_cache(
    client, article, django_user_model
):
    client.get(article.url)
    editor = django_user_model.objects.create_superuser("ed", "ed@example.org", "pass-phrase-long")
    signed_in = Client()
    signed_in.force_login(editor)
    mine = signed_in.get(article.url)
    assert "X-Cache" not in mine
    assert mine["Cache-Control"].startswith("private")
    assert client.get(article.url)["X-Cache"] == "hit"
    assert "wagtail-userbar" not in page_html(client, article)


def test_odd_query_strings_bypass_the_cache_and_pages_of_comments_are_their_own(client, article):
    assert "X-Cache" not in client.get(article.url, {"utm_source": "x"})
    client.get(article.url, {"cpage": 2})
    assert client.get(article.url, {"cpage": 2})["X-Cache"] == "hit"
    assert client.get(article.url)["X-Cache"] == "miss"


def test_the_cache_can_be_switched_off(client, article, settings):
    settings.PAGE_CACHE = False
    client.get(article.url)
    assert "X-Cache" not in client.get(article.url)


def test_a_cdn_is_told_to_purge_on_publication_and_on_discussion_changes(
    client, article, settings, django_capture_on_commit_callbacks
):
    """A real HTTP server on loopback stands in for the CDN and records PURGE requests."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    purged: list[tuple[str, str]] = []

    class Cdn(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 - the HTTP method's name
            purged.append((self.headers["Host"], self.path))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Cdn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    try:
        article.title = "Harbour deal signed"
        article.save_revision().publish()
        assert ("localhost", article.url) in purged
        purged.clear()
        with django_capture_on_commit_callbacks(execute=True):
            Reader("198.51.100.13").comment(article, "Purge me.")
        assert purged == [("localhost", article.url)]
    finally:
        server.shutdown()


@pytest.mark.moderation  # a guest's first comment is held: only its author sees it
def test_the_comments_api_is_cached_for_readers_without_an_identity_only(
    client, article, django_capture_on_commit_callbacks
):
    url = f"/api/v1/articles/{article.pk}/comments"
    assert client.get(url)["X-Cache"] == "miss"
    shared = client.get(url)
    assert shared["X-Cache"] == "hit" and shared.json()["count"] == 0
    # Personal to whoever holds the reader cookie, so no CDN may keep it.
    assert shared["Cache-Control"] == "private, no-cache"

    guest = Reader("198.51.100.20")
    with django_capture_on_commit_callbacks(execute=True):
        held = guest.comment(article, "Held for a moderator.")
    assert held["status"] == "pending"
    # The guest sees their own held comment; nobody else does, from the cache or not.
    mine = guest.client.get(url)
    assert "X-Cache" not in mine
    assert [c["id"] for c in mine.json()["results"]] == [held["id"]]
    assert client.get(url).json()["count"] == 0
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        Reader("198.51.100.21").comment(
            article, "Approved at once.", author_name="Known", author_email="known@example.org"
        )
    # (its first comment is held too; approve it the way a moderator does)
    from broadsheet.engagement.models import Comment
    from broadsheet.engagement.services import approve_comment

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(Comment.objects.get(body="Approved at once.").pk)
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss" and fresh.json()["count"] == 1


@pytest.mark.moderation  # a guest's first comment is held
def test_a_held_comment_leaves_every_other_readers_cached_copy_in_place(
    client, article, world, django_capture_on_commit_callbacks
):
    api = f"/api/v1/articles/{article.pk}/comments"
    for url in (article.url, world.url, api):
        client.get(url)
    guest = Reader("198.51.100.22")
    with django_capture_on_commit_callbacks(execute=True):
        held = guest.comment(article, "Waiting for a moderator.")
    assert held["status"] == "pending"
    # Nothing another reader sees changed: the article, the section and the comments
    # API are still served from the cache.
    for url in (article.url, world.url, api):
        shared = client.get(url)
        assert shared["X-Cache"] == "hit" and "Waiting for a moderator." not in (
            shared.content.decode()
        )
    # Its author sees it, on a copy of their own.
    own = guest.client.get(article.url)
    assert "X-Cache" not in own and "Waiting for a moderator." in own.content.decode()
