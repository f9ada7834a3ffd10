"""A reader's browser in the comment slot: post, reply, vote, re-sort and load more,
all without a page reload. Playwright driving Debian's Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_posts_replies_votes_sorts_and_loads_more(site_server, chromium, settings):
    settings.COMMENTS_PAGE_SIZE = 3
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
    neighbour = Reader(user=None, guest_key=keyed_hash("reader", "n"), ip_hash="n")
    for n in range(5):
        services.post_comment(
            page_id=article.pk,
            reader=neighbour,
            body=f"Earlier comment {n}",
            author_name="Neighbour",
            author_email="neighbour@example.org",
            consent=True,
        )
    for n, comment in enumerate(Comment.objects.order_by("pk")):
        Comment.objects.filter(pk=comment.pk).update(
            created_at=timezone.now() - timedelta(hours=10 - n)
        )
    problems: list[str] = []

    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{site_server}/world/harbour-talks/")
        expect(page.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        page.evaluate("window.notReloaded = true")
        comments = page.locator("#comment-list > li.comment")
        expect(comments).to_have_count(3)

        # Post a comment.
        form = page.locator("#comment-form")
        form.locator("textarea[name=body]").fill("My *first* thought")
        form.locator("input[name=author_name]").fill("Browser Reader")
        form.locator("input[name=author_email]").fill("browser@example.org")
        form.locator("input[name=consent]").check()
        form.locator("input[name=remember]").check()
        form.locator("button[type=submit]").click()
        mine = page.locator("#comment-list > li.comment").first
        expect(mine.locator(".comment-text")).to_contain_text("My first thought")
        expect(mine.locator(".comment-text em")).to_have_text("first")
        expect(page.locator("#comment-form .form-notice")).to_have_text("Thank you: posted.")

        # Reply to it inline; remembered details fill the reply form.
        mine.locator(".comment-reply").first.click()
        reply_form = mine.locator("form.comment-form.is-reply")
        expect(reply_form).to_be_visible()
        expect(reply_form.locator("input[name=author_name]")).to_have_value("Browser Reader")
        reply_form.locator("input[name=consent]").check()
        reply_form.locator("textarea[name=body]").fill("Replying to myself")
        reply_form.locator("button[type=submit]").click()
        expect(mine.locator(".comment-replies .comment-text")).to_have_text("Replying to myself")
        expect(mine.locator("form.comment-form.is-reply")).to_have_count(0)

        # Vote on someone else's comment, then take the vote back.
        theirs = page.locator("#comment-list > li.comment").nth(1)
        theirs.locator(".vote-up").click()
        expect(theirs.locator(".vote-score")).to_have_text("1")
        expect(theirs.locator(".vote-up")).to_have_attribute("aria-pressed", "true")
        theirs.locator(".vote-up").click()
        expect(theirs.locator(".vote-score")).to_have_text("0")

        # Re-sort: oldest first.
        page.locator(".comment-sort").get_by_role("link", name="Oldest").click()
        first = page.locator("#comment-list > li.comment").first
        expect(first.locator(".comment-text").first).to_have_text("Earlier comment 0")

        # Load more.
        expect(page.locator("#comment-list > li.comment")).to_have_count(3)
        page.get_by_role("link", name="View all comments").click()
        expect(page.locator("#comment-list > li.comment")).to_have_count(6)

        assert page.evaluate("window.notReloaded") is True

    assert problems == []
    assert Comment.objects.filter(body="Replying to myself", parent__isnull=False).exists()
