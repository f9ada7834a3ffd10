"""A guest's first comment, as they live it in Chromium with production's page cache on:
held, and still theirs to see after a reload, in another tab and without JavaScript;
approved, and then everyone's. Real moderation defaults (the first comment is held)."""

import threading

import pytest
from playwright.sync_api import expect

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment
from broadsheet.moderation.models import ModerationRules
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.moderation,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def outside_the_browser_loop(work) -> None:
    """Playwright's sync API runs an event loop in which Django refuses ORM calls: a
    moderator's decision is taken in a thread of its own, as another process would."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)


def fill_guest_form(form, body: str, consent: bool = True) -> None:
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[name=author_name]").fill("Nadia")
    form.locator("input[name=author_email]").fill("nadia@example.org")
    if consent:
        form.locator("input[name=consent]").check()


def test_a_guests_held_comment_is_theirs_until_approved_then_everyones(
    site_server, chromium, settings, page_cache_on
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    rules = ModerationRules.load()
    rules.min_seconds_to_post = 2  # real, but short: the test waits it out once
    rules.save()
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
    url = f"{site_server}/world/harbour-talks/"
    problems: list[str] = []

    with chromium() as browser:
        stranger = browser.new_context().new_page()
        stranger.goto(url)  # renders the shared cached copy
        guest = browser.new_context()
        page = guest.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        first = page.goto(url)
        assert first.headers.get("x-cache") == "hit"
        expect(page.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        expect(page.locator("#comments-empty")).to_be_visible()
        page.wait_for_timeout(2200)  # a person reads before writing

        form = page.locator("#comment-form")
        fill_guest_form(form, "First time here: the harbour deal looks fragile.", consent=False)
        form.locator("button[type=submit]").click()
        expect(page.locator("#comment-form .field-error")).to_contain_text("Agree to the storage")
        # Corrected at once: the form still counts from when it was first opened.
        page.locator("#comment-form input[name=consent]").check()
        page.locator("#comment-form button[type=submit]").click()
        mine = page.locator("#comment-list > li.comment").first
        expect(mine.locator(".comment-text")).to_contain_text("the harbour deal looks fragile")
        expect(mine.locator(".comment-pending")).to_contain_text("Held for review")
        expect(page.locator("#comment-form .form-notice")).to_contain_text("held for review")
        expect(page.locator("#comments-empty")).to_be_hidden()
        expect(mine.locator(".votes")).to_have_count(0)

        page.reload()
        mine = page.locator("#comment-list > li.comment").first
        expect(mine.locator(".comment-pending")).to_contain_text("Held for review")
        expect(mine.locator(".votes")).to_have_count(0)
        other_tab = guest.new_page()
        other_tab.goto(url)
        expect(other_tab.locator(".comment-pending")).to_contain_text("Held for review")

        stranger.reload()
        expect(stranger.locator("#comments-empty")).to_be_visible()
        expect(stranger.locator(".comment-text")).to_have_count(0)

        # Without JavaScript: the plain form, the confirm step, and the held comment
        # on the article it lands on.
        plain = browser.new_context(java_script_enabled=False).new_page()
        plain.goto(url)
        plain.wait_for_timeout(2200)
        fill_guest_form(plain.locator("#comment-form"), "Posted without scripts.")
        plain.locator("#comment-form button[type=submit]").click()
        expect(plain.locator(".form-notice")).to_contain_text("Please confirm")
        plain.locator("#comment-form button[type=submit]").click()
        expect(plain.locator(".comment-pending")).to_contain_text("Held for review")
        expect(plain.locator(".comment-text")).to_contain_text("Posted without scripts.")

        held = Comment.objects.filter(body__startswith="First time here")
        outside_the_browser_loop(lambda: services.approve_comment(held.get().pk))

        page.reload()
        mine = page.locator("#comment-list > li.comment", has_text="harbour deal")
        expect(mine.locator(".comment-text")).to_be_visible()
        expect(mine.locator(".comment-pending")).to_have_count(0)
        expect(mine.locator(".votes")).to_have_count(0)
        expect(page.locator("#comments-heading")).to_have_text("1 comment")
        stranger.reload()
        theirs = stranger.locator("#comment-list > li.comment", has_text="harbour deal")
        expect(theirs.locator(".votes")).to_have_count(1)
        expect(stranger.locator("#comments-heading")).to_have_text("1 comment")
        expect(stranger.locator(".comment-text", has_text="without scripts")).to_have_count(0)

    assert problems == []
