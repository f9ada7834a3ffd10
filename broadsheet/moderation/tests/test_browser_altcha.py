"""ALTCHA in a real browser: the widget (fetched from npm by the build, served from our
static files) solves the site's challenge by itself, and the comment goes through.
Playwright driving Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from broadsheet.engagement.models import Comment
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_widget_solves_the_challenge_and_the_comment_posts(site_server, chromium, settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_COST = 200  # quick in a test browser; production sets the cost
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
    problems: list[str] = []

    with chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        # Content-Security-Policy refusals are console errors.
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.goto(f"{site_server}/world/harbour-talks/")
        expect(page.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        form = page.locator("#comment-form")
        solved = form.locator("input[name=altcha]")
        expect(solved).to_have_count(1, timeout=20_000)
        expect(solved).not_to_have_value("", timeout=20_000)
        form.locator("textarea[name=body]").fill("Proved I am patient.")
        form.locator("input[name=author_name]").fill("Browser Reader")
        form.locator("input[name=author_email]").fill("browser@example.org")
        form.locator("input[name=consent]").check()
        form.locator("button[type=submit]").click()
        expect(page.locator("#comment-list")).to_contain_text("Proved I am patient.")

    assert problems == []
    assert Comment.objects.get().body == "Proved I am patient."
