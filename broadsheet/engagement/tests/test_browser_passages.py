"""A reader rates an article and comments on a passage; a correction is published and the
highlight stays on the same words. Playwright driving Debian's Chromium."""

import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from broadsheet.engagement.models import Annotation, RatingSummary
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

BODY = [
    ("paragraph", "<p>Talks ended before dawn at the lakeside hotel.</p>"),
    ("paragraph", "<p>Lorries have queued for two days at the <b>Dessa</b> bridge.</p>"),
]

SELECT = """passage => {
  const body = document.querySelector('.article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
  const full = nodes.map(n => n.data).join('');
  const at = full.indexOf(passage);
  let offset = 0, range = document.createRange(), started = false;
  for (const node of nodes) {
    const end = offset + node.data.length;
    if (!started && at < end) { range.setStart(node, at - offset); started = true; }
    if (started && at + passage.length <= end) {
      range.setEnd(node, at + passage.length - offset);
      break;
    }
    offset = end;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


HIGHLIGHTED = """text => [...document.querySelectorAll('.article-body mark.passage')]
  .map(mark => mark.textContent).join('') === text"""


def in_a_thread(work):
    """Database work while Playwright's event loop owns this thread (Django refuses ORM
    calls there): run it in a plain thread and wait."""
    errors = []

    def run():
        try:
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rate_comment_on_a_passage_and_keep_the_highlight_after_a_correction(
    site_server, chromium, settings
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Bridge", slug="bridge", body=BODY)
    problems: list[str] = []

    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{site_server}/world/bridge/")
        expect(page.locator("[data-comments]")).to_have_attribute("data-ready", "true")
        expect(page.locator(".rating-summary")).to_have_text("No ratings yet")

        # Rate with the keyboard-usable radio group (label click = choosing the radio).
        page.locator("label[for$='-4']").click()
        expect(page.locator(".rating-summary")).to_contain_text("4.0 out of 5, 1 rating")

        # Select a passage and comment on it.
        page.evaluate(SELECT, "queued for two days at the Dessa bridge")
        offer = page.get_by_role("button", name="Comment on this passage")
        expect(offer).to_be_visible()
        offer.click()
        form = page.locator("#comment-form")
        expect(form.locator(".quote-preview-text")).to_have_text(
            "queued for two days at the Dessa bridge"
        )
        form.locator("textarea[name=body]").fill("Two days is an understatement.")
        form.locator("input[name=author_name]").fill("Passage Reader")
        form.locator("input[name=author_email]").fill("passage@example.org")
        form.locator("input[name=consent]").check()
        form.locator("button[type=submit]").click()
        expect(page.locator("#comment-list .comment-quote")).to_contain_text("Dessa bridge")

        page.wait_for_function(HIGHLIGHTED, arg="queued for two days at the Dessa bridge")
        expect(page.locator("mark.passage[data-count='1']")).to_have_count(1)

        # An editor publishes a revision with a new paragraph before the passage.
        def correct():
            article.refresh_from_db()
            article.body = [("paragraph", "<p>An editor's new opening paragraph.</p>"), *BODY]
            article.save_revision().publish()

        in_a_thread(correct)
        page.reload()
        expect(page.locator(".article-body")).to_have_attribute("data-passages-ready", "true")
        page.wait_for_function(HIGHLIGHTED, arg="queued for two days at the Dessa bridge")
        marks = page.locator(".article-body mark.passage")
        assert "".join(marks.all_text_contents()) == "queued for two days at the Dessa bridge"
        marks.first.click()
        expect(page.locator(".comment.is-highlighted")).to_have_count(1)

    assert problems == []
    assert RatingSummary.objects.get(page_id=article.pk).count == 1
    assert Annotation.objects.get().status == "moved"
