"""Two readers of one article in Chromium, production's page cache on: the second
reader's comment arrives on the first reader's open (cached) page behind a "1 new
comment — show" bar; without JavaScript the page still works; with the stream refused
the page polls the cached comments API instead."""

import urllib.request

import pytest
from playwright.sync_api import expect

from broadsheet.live.tests.conftest import page_tree
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.tests.services import RedisServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def an_article():
    page_tree()
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


def post_as_guest(page, body: str, name: str) -> None:
    form = page.locator("#comment-form")
    expect(page.locator("[data-comments]")).to_have_attribute("data-ready", "true")
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[name=author_name]").fill(name)
    form.locator("input[name=author_email]").fill(f"{name.lower()}@example.org")
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#comment-form .form-notice")).to_have_text("Thank you: posted.")


def watch(page, problems: list[str]) -> None:
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))


@pytest.fixture(params=["database", "redis"])
def live_channel(request, settings):
    """Each browser journey on both channels: the event table polled, and Redis pub/sub
    (a Redis server of the test's own; the table's resync set to an hour)."""
    if request.param == "database":
        settings.REDIS_URL = ""
        settings.LIVE_POLL_SECONDS = 0.2
        yield request.param
        return
    with RedisServer() as redis:
        settings.REDIS_URL = redis.url
        settings.LIVE_RESYNC_SECONDS = 3600
        yield request.param


def test_a_second_readers_comment_arrives_on_the_first_readers_cached_page(
    live_channel, asgi_server, chromium, settings, page_cache_on
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    an_article()
    url = f"{asgi_server}/world/harbour-talks/"
    with urllib.request.urlopen(url) as response:  # someone renders the shared copy
        assert response.headers["X-Cache"] == "miss"
    problems: list[str] = []

    with chromium() as browser:
        first = browser.new_context().new_page()
        watch(first, problems)
        response = first.goto(url)
        assert response.headers["x-cache"] == "hit"
        first.evaluate("window.notReloaded = true")
        bar = first.locator("[data-live]")
        expect(bar).to_have_attribute("data-mode", "stream")
        expect(bar).to_be_hidden()

        second = browser.new_context().new_page()
        watch(second, problems)
        second.goto(url)
        post_as_guest(second, "Word from the *harbour*", "Second")

        # It waits behind the bar: nothing moves under the first reader's eyes.
        expect(bar).to_be_visible()
        expect(bar.locator(".live-show")).to_have_text("1 new comment — show")
        expect(first.locator("#comment-list > li.comment")).to_have_count(0)
        expect(first.locator("#comments-heading")).to_have_text("1 comment")
        bar.locator(".live-show").click()
        arrived = first.locator("#comment-list > li.comment")
        expect(arrived).to_have_count(1)
        expect(arrived.locator(".comment-text em")).to_have_text("harbour")
        expect(arrived.locator(".comment-author")).to_have_text("Second")
        expect(bar).to_be_hidden()
        expect(first.locator("#comments-empty")).to_be_hidden()

        # A third reader, already reading, sees the first reader's vote counted.
        third = browser.new_context().new_page()
        watch(third, problems)
        third.goto(url)
        third.evaluate("window.notReloaded = true")
        score = third.locator("#comment-list > li.comment .vote-score")
        expect(score).to_have_text("0")
        arrived.locator(".vote-up").click()
        expect(arrived.locator(".vote-score")).to_have_text("1")
        expect(score).to_have_text("1")
        assert first.evaluate("window.notReloaded") is True
        assert third.evaluate("window.notReloaded") is True

    assert problems == []


def test_without_javascript_or_a_stream_the_thread_still_updates(
    asgi_server, chromium, settings, page_cache_on
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LIVE_MAX_STREAMS = 0  # every stream refused (503): the page polls instead
    an_article()
    url = f"{asgi_server}/world/harbour-talks/"
    problems: list[str] = []

    with chromium() as browser:
        plain = browser.new_context(java_script_enabled=False).new_page()
        plain.goto(url)
        expect(plain.locator("[data-live]")).to_be_hidden()
        expect(plain.locator("#comment-form")).to_be_visible()

        first = browser.new_context().new_page()
        first.clock.install()
        first.on("pageerror", lambda e: problems.append(str(e)))
        first.goto(url)
        bar = first.locator("[data-live]")
        expect(bar).to_have_attribute("data-mode", "poll")

        second = browser.new_context().new_page()
        second.goto(url)
        post_as_guest(second, "Posted while the stream was refused", "Second")

        first.clock.run_for(20_000)  # no faster than every 30 s
        first.wait_for_timeout(300)
        expect(bar).to_be_hidden()
        first.clock.run_for(15_000)
        expect(bar.locator(".live-show")).to_have_text("1 new comment — show")
        bar.locator(".live-show").click()
        expect(first.locator("#comment-list > li.comment .comment-text")).to_have_text(
            "Posted while the stream was refused"
        )

        plain.reload()  # without JavaScript: a reload shows it, as always
        expect(plain.locator(".comment-text")).to_have_text("Posted while the stream was refused")

    assert problems == []
