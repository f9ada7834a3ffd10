"""The newsroom's voice in Chromium (issue 20): a moderator picks one comment and pins
another in the admin's queue; a reader of the cached article then sees the "Picked by
the editors" strip, the pinned thread at the top and the "Author" badge on the
reporter's own comment, and none on a guest who typed the reporter's name."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.newsroom.models import Author
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def guest(name: str) -> Reader:
    return Reader(user=None, guest_key=keyed_hash("reader", name), ip_hash=name)


def say(article, reader: Reader, body: str, name: str):
    return services.post_comment(
        page_id=article.pk,
        reader=reader,
        body=body,
        author_name=name,
        author_email=f"{name.lower()}@example.org",
        consent=True,
    )


def test_a_moderator_picks_and_pins_and_a_reader_sees_the_strip_the_pin_and_the_badge(
    site_server, chromium, settings, page_cache_on
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    lina = User.objects.create_user("lina", "lina@example.org", "a long pass phrase")
    article = ArticlePageFactory(
        parent=world,
        title="Battle in its final stages",
        slug="battle",
        authors=[Author.for_account(lina)],
    )
    moderator = User.objects.create_user("mona", "mona@example.org", "a long pass phrase")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    question = say(article, guest("ana"), "Is the northern road open again?", "Ana")
    answer = services.post_comment(
        page_id=article.pk,
        reader=Reader(user=lina, guest_key="", ip_hash="lina"),
        body="Reporter here: yes, since this morning.",
        parent_id=question.pk,
    )
    impostor = say(article, guest("eve"), "I am the reporter, trust me.", "lina")
    correction = say(article, guest("kim"), "The map shows the wrong bridge.", "Kim")
    url = f"{site_server}/world/battle/"
    problems: list[str] = []

    with chromium() as browser:
        reader = browser.new_context().new_page()
        reader.on("console", lambda m: m.type == "error" and problems.append(m.text))
        reader.goto(url)  # now in the page cache, with no picks
        expect(reader.locator("#comment-picks")).to_have_count(0)

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.on("pageerror", lambda e: problems.append(str(e)))
        desk.goto(f"{site_server}/admin/")
        desk.fill("input[name=username]", "mona")
        desk.fill("input[name=password]", "a long pass phrase")
        desk.get_by_role("button", name="Sign in").click()
        desk.goto(f"{site_server}/admin/moderation/?tab=published")
        desk.locator(f"tr[data-comment='{answer.pk}']").get_by_role("button", name="Pick").click()
        expect(desk.locator(".messages")).to_contain_text("Pick: 1 comment")
        desk.locator(f"tr[data-comment='{correction.pk}']").get_by_role(
            "button", name="Pin to top"
        ).click()
        expect(desk.locator(".messages")).to_contain_text("Pin to top: 1 comment")
        desk.locator(".w-tabs__tab", has_text="Picked and pinned").click()
        expect(desk.locator(".w-tabs__tab[aria-current=page]")).to_have_text(
            "Picked and pinned (2)"
        )
        expect(desk.locator(f"tr[data-comment='{answer.pk}'] [data-voice=picked]")).to_be_visible()
        expect(
            desk.locator(f"tr[data-comment='{correction.pk}'] [data-voice=pinned]")
        ).to_be_visible()

        reader.reload()  # the cached copy was replaced: every reader sees it at once
        strip = reader.locator("#comment-picks")
        expect(strip.locator("h3")).to_have_text("Picked by the editors")
        expect(strip.locator(".comment-pick")).to_have_count(1)
        expect(strip).to_contain_text("Reporter here: yes, since this morning.")
        expect(strip.locator(".comment-badge")).to_have_text("Author")

        first = reader.locator("#comment-list > li").first
        expect(first).to_have_id(f"comment-{correction.pk}")
        expect(first).to_have_class("comment level-1 is-pinned")
        expect(first.locator(".comment-pinned").first).to_have_text("Pinned")

        answered = reader.locator(f"#comment-{answer.pk}")
        expect(answered.locator(".comment-badge")).to_have_text("Author")
        expect(answered.locator(".comment-picked")).to_have_text("Editors' pick")
        expect(reader.locator(f"#comment-{impostor.pk} .comment-badge")).to_have_count(0)
        expect(reader.locator(f"#comment-{impostor.pk} .comment-author")).to_have_text("lina")

        strip.get_by_role("link", name="Read it in the thread").click()
        expect(answered).to_be_in_viewport()

    assert problems == []
