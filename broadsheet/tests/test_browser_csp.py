"""The Content-Security-Policy as a browser enforces it (Chromium through Playwright): an
article page from the page cache, its comment slot posting through htmx, and the Wagtail
admin's dashboard, page editor and preview panel, with no policy violation reported and
no console error."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Runs in every document and frame before the page's own scripts (Playwright injects it
# outside the page's policy): each violation the browser reports is kept.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def violations(page) -> list[str]:
    found = []
    for frame in page.frames:
        found += frame.evaluate("window.__violations || []")
    return found


def watched(context, problems: list[str]):
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def test_pages_comments_and_admin_run_under_the_policy(
    site_server, chromium, settings, page_cache_on
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=world, title="Harbour talks", slug="harbour-talks")
    User.objects.create_superuser("ed", "ed@example.org", "a long pass phrase")
    problems: list[str] = []
    seen: list[str] = []

    with chromium() as browser:
        context = browser.new_context()
        context.add_init_script(WATCH_VIOLATIONS)
        reader = watched(context, problems)
        reader.goto(f"{site_server}{article.url}")  # rendered and stored
        reader.goto(f"{site_server}{article.url}")  # served from the page cache
        expect(reader.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        reader.evaluate("window.notReloaded = true")
        form = reader.locator("#comment-form")
        form.locator("textarea[name=body]").fill("Posted under the policy")
        form.locator("input[name=author_name]").fill("Policy Reader")
        form.locator("input[name=author_email]").fill("policy@example.org")
        form.locator("input[name=consent]").check()
        form.locator("input[name=remember]").check()
        form.locator("button[type=submit]").click()
        expect(reader.locator("#comment-list .comment-text").first).to_have_text(
            "Posted under the policy"
        )
        assert reader.evaluate("window.notReloaded") is True  # htmx swapped it in
        seen += violations(reader)

        # Remembered details (an encrypted cookie) still fill the form on the next visit.
        reader.goto(f"{site_server}{article.url}")
        expect(reader.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        expect(reader.locator("#comment-form input[name=author_email]")).to_have_value(
            "policy@example.org"
        )
        seen += violations(reader)

        editor = watched(browser.new_context(viewport={"width": 1280, "height": 900}), problems)
        editor.context.add_init_script(WATCH_VIOLATIONS)
        editor.goto(f"{site_server}/admin/")
        editor.fill("input[name=username]", "ed")
        editor.fill("input[name=password]", "a long pass phrase")
        editor.get_by_role("button", name="Sign in").click()
        expect(editor.locator("main")).to_contain_text("Site summary")
        seen += violations(editor)

        editor.goto(f"{site_server}/admin/pages/{article.pk}/edit/")
        expect(editor.locator("#id_title")).to_have_value("Harbour talks")
        editor.locator("[data-side-panel-toggle='preview']").first.click()
        preview = editor.frame_locator("#w-preview-iframe")
        expect(preview.locator("h1")).to_contain_text("Harbour talks", timeout=20_000)
        seen += violations(editor)

        # The public page as the signed-in editor sees it, with Wagtail's user bar.
        editor.goto(f"{site_server}{article.url}")
        expect(editor.locator("wagtail-userbar")).to_have_count(1)
        expect(editor.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        seen += violations(editor)

    assert seen == []
    assert problems == []
