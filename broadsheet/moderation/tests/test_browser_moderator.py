"""A moderator's first hour, in Chromium, from an empty newsroom: sign in, see what
waits on the dashboard, approve one held comment, reject another, clear a report; the
approved comment is on the cached public page at once, for everyone."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.moderation.models import Report
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


def guest(name: str) -> Reader:
    return Reader(user=None, guest_key=keyed_hash("reader", name), ip_hash=name)


def post(article, reader: Reader, body: str, email: str) -> Comment:
    return services.post_comment(
        page_id=article.pk,
        reader=reader,
        body=body,
        author_name=email.split("@")[0].title(),
        author_email=email,
        consent=True,
    )


def test_a_moderator_clears_the_queue_and_readers_see_it_at_once(
    site_server, chromium, settings, page_cache_on, request
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    screenshots = request.config.getoption("--screenshots")
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=world, title="Harbour talks", slug="harbour-talks")
    moderator = User.objects.create_user("mona", "mona@example.org", "a long pass phrase")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    welcome = post(article, guest("ana"), "First time here: the quay needs lights.", "ana@x.org")
    junk = post(article, guest("bot"), "Cheap watches at example dot com", "bot@x.org")
    known = post(article, guest("kim"), "Known reader's point.", "kim@x.org")
    services.approve_comment(known.pk)
    Report.objects.create(comment=known, reporter="g:someone", reason="abuse")
    assert {welcome.status, junk.status} == {Comment.Status.PENDING}
    url = f"{site_server}/world/harbour-talks/"
    problems: list[str] = []

    with chromium() as browser:
        reader = browser.new_context().new_page()
        reader.goto(url)  # the shared cached copy: no held comment in it
        expect(reader.locator("#comments-heading")).to_have_text("1 comment")

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.on("console", lambda m: m.type == "error" and problems.append(m.text))
        desk.on("pageerror", lambda e: problems.append(str(e)))
        desk.goto(f"{site_server}/admin/")
        desk.fill("input[name=username]", "mona")
        desk.fill("input[name=password]", "a long pass phrase")
        desk.get_by_role("button", name="Sign in").click()
        panel = desk.locator("#moderation-panel-heading").locator("..")
        expect(panel).to_contain_text("2 comments held for moderation")
        expect(panel.locator("figcaption")).to_contain_text("3 in all")
        if screenshots:
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            panel.screenshot(path=f"{screenshots}/moderation-dashboard.png")

        panel.get_by_role("link", name="2 comments held for moderation").click()
        expect(desk.locator(".w-tabs__tab[aria-current=page]")).to_have_text("Held (2)")
        expect(desk.locator(".w-tabs__tab", has_text="Reported")).to_have_text("Reported (1)")
        if screenshots:
            desk.screenshot(path=f"{screenshots}/moderation-queue.png")
        row = desk.locator(f"tr[data-comment='{welcome.pk}']")
        row.get_by_role("button", name="Approve").click()
        expect(desk.locator(f"tr[data-comment='{welcome.pk}']")).to_have_count(0)
        expect(desk.locator(".w-tabs__tab[aria-current=page]")).to_have_text("Held (1)")
        desk.locator(f"tr[data-comment='{junk.pk}']").get_by_role(
            "button", name="Mark as spam"
        ).click()
        expect(desk.locator(".w-tabs__tab[aria-current=page]")).to_have_text("Held (0)")

        desk.locator(".w-tabs__tab", has_text="Reported").click()
        reported = desk.locator(f"tr[data-comment='{known.pk}']")
        expect(reported).to_contain_text("abuse")
        reported.get_by_role("button", name="Dismiss reports").click()
        expect(desk.locator(".w-tabs__tab[aria-current=page]")).to_have_text("Reported (0)")

        reader.reload()  # approved: on the public page at once, for everyone
        expect(reader.locator("#comments-heading")).to_have_text("2 comments")
        expect(reader.locator(".comment-text", has_text="the quay needs lights")).to_be_visible()
        expect(reader.locator(".comment-text", has_text="Cheap watches")).to_have_count(0)

    assert problems == []
