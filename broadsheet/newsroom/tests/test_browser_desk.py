"""An editor publishes the reference page from an empty newsroom, in the real Wagtail
admin, in at most 20 actions: Playwright driving Debian's Chromium.

The newsroom is configured (a home page, a news section, an opinion column with its
disclaimer, the publication's call-to-action) but has no article, no author and no
image. The editor signs in, starts from the dashboard and publishes an opinion column
with a handout photo the newsroom could not verify, several paragraphs and two
attributed quotes. Every click, fill, choice and upload counts; the count is printed
and held to the budget. A reader then checks what the page says. Meanwhile the admin
must make no request outside the site (it works offline and tells no third party who
edits) and log no error to the console.
"""

import io
import json
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from wagtail.models import Site

from broadsheet.newsroom.models import ArticlePage, PublicationSettings, SupportCallToAction
from broadsheet.newsroom.tests.factories import HomePageFactory, SectionPageFactory

BUDGET = 20  # editor actions, from the dashboard to a published article
# Wagtail's editor looks for changes every half second (its unsaved-changes check) and
# autosaves what it found. People are slower than that, so their changes are autosaved
# between their actions: the desk waits for each autosave's answer, as long as that takes,
# instead of a fixed pace (1.5 s after every action, before).
CHECK_EVERY = 0.5  # seconds, Wagtail's UnsavedController.checkInterval default
NOTICE_AFTER = CHECK_EVERY + 0.03  # and its notifyDelayValue: when it tells the autosave
AUTOSAVE_WAIT = 10  # seconds an autosave may take at most before the desk moves on

PARAGRAPHS = (
    "The ministry sent the picture at midnight, with a caption of its own.\n"
    "We publish it because readers will meet it elsewhere, and say what we know.\n"
    "We know who sent it. We do not know when it was taken, or where."
)
QUOTES = [
    ("A picture handed out is an argument, not evidence.", "Mira Holt"),
    ("We asked for the original file and are still waiting.", "Jonas Vell"),
]

# What the editor's form tells the desk, from the events Wagtail's controllers dispatch:
# whether it watches for changes yet (it takes its first snapshot of the form about 2 s
# after the page loads), and how many autosaves started and answered, well or badly.
WATCH_THE_FORM = """
window.desk = {watching: false, started: 0, saved: 0, failed: []};
document.addEventListener("w-autosave:save", () => { window.desk.started += 1; });
document.addEventListener("w-unsaved:watch-edits", () => { window.desk.watching = true; });
document.addEventListener("w-autosave:success", () => { window.desk.saved += 1; });
document.addEventListener("w-autosave:error", (e) => { window.desk.failed.push(e.detail.text); });
"""
EDIT_FORM = "form[data-edit-form]"
HAS_EDITS = "data-w-unsaved-has-edits-value"


class Desk:
    """The editor's hands: each click, fill, choice or upload is one action, counted.

    Before each action the desk waits for the admin's requests in flight to answer. After
    it, the desk waits as an editor reading the screen would: until the editor's form
    watches for changes, then until Wagtail has noticed the change, if the action made
    one, and its autosave has answered. So changes are autosaved between actions, as for
    people, and `autosaved` names the actions whose change was."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []
        self.autosaved: list[str] = []  # the actions whose change was autosaved
        self.in_flight: set = set()
        page.add_init_script(WATCH_THE_FORM)
        page.on("request", lambda r: self.in_flight.add(r))
        page.on("requestfinished", lambda r: self.in_flight.discard(r))
        page.on("requestfailed", lambda r: self.in_flight.discard(r))

    def _wait(self, condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            self.page.wait_for_timeout(25)
        return condition()

    def _form(self, script: str):
        """`script` run on the editor's form (None when this page has none)."""
        return self.page.evaluate(
            f"() => {{ const form = document.querySelector('{EDIT_FORM}');"
            f" return form && ({script}); }}"
        )

    def _page_until(self, condition: str, seconds: float) -> bool:
        """Whether `condition` (JavaScript, `form` the editor's form) comes true within
        `seconds` of the page's own time: its timers fire in the order they are due, so
        Wagtail's checks due before the last look have run by then, however busy the
        machine."""
        return self.page.evaluate(
            f"""() => new Promise(done => {{
                const form = document.querySelector('{EDIT_FORM}');
                const end = performance.now() + {seconds * 1000:.0f};
                const look = () => ({condition}) ? done(true)
                    : performance.now() >= end ? done(false) : setTimeout(look, 20);
                look();
            }})"""
        )

    def _settle(self, what: str, pending: bool) -> None:
        self.page.wait_for_load_state()
        self._wait(lambda: not self.in_flight, AUTOSAVE_WAIT)  # an upload's answer, say
        if self._form("true") is None:
            return
        self._wait(lambda: self.page.evaluate("window.desk.watching"), AUTOSAVE_WAIT)
        started, saved = self.page.evaluate("[window.desk.started, window.desk.saved]")
        has_edits = f"form.getAttribute('{HAS_EDITS}') === 'true'"
        # A change shows at the form's next check, due within CHECK_EVERY. No change by
        # then, the action changed nothing the form holds (a menu opened, a dialog's field).
        # Edits not autosaved before it (no headline yet) show already: its own show at the
        # next check, as late as CHECK_EVERY from now.
        notice = NOTICE_AFTER + (CHECK_EVERY if pending else 0)
        if not pending and not self._page_until(has_edits, CHECK_EVERY + 0.05):
            return
        # Wagtail tells its autosave of the change NOTICE_AFTER its check found it; one
        # more check's time allowed, for a page whose interval timer fired late (a loaded
        # machine delays and merges setInterval's runs). It returns as soon as it starts.
        if not self._page_until(f"window.desk.started > {started}", notice + CHECK_EVERY):
            return
        self._wait(
            lambda: self._form(
                f"window.desk.failed.length > 0 || (window.desk.saved > {saved}"
                f" && form.getAttribute('{HAS_EDITS}') !== 'true')"
            ),
            AUTOSAVE_WAIT,
        )
        if self.page.evaluate(f"window.desk.saved > {saved}"):
            self.autosaved.append(what)

    def _do(self, what: str, action) -> None:
        self._wait(lambda: not self.in_flight, AUTOSAVE_WAIT)
        pending = bool(self._form(f"form.getAttribute('{HAS_EDITS}') === 'true'"))
        self.actions.append(what)
        action()
        self._settle(what, pending)

    def click(self, locator, what: str) -> None:
        self._do(f"click {what}", locator.click)

    def fill(self, locator, text: str, what: str) -> None:
        self._do(f"fill {what}", lambda: locator.fill(text))

    def type(self, locator, text: str, what: str) -> None:
        """Fill by typing, key by key (Enter between paragraphs): one action, as a fill."""
        self._do(f"type {what}", lambda: locator.press_sequentially(text))

    def choose(self, locator, value: str, what: str) -> None:
        self._do(f"choose {what}", lambda: locator.select_option(value))

    def upload(self, locator, files, what: str) -> None:
        self._do(f"upload {what}", lambda: locator.set_input_files(files))


def handout_picture() -> bytes:
    """A picture worth a screenshot: sky, the steps of a building, two figures."""
    image = Image.new("RGB", (1200, 800))
    draw = ImageDraw.Draw(image)
    for y in range(460):
        draw.line([(0, y), (1200, y)], fill=(120 + y // 6, 150 + y // 8, 190))
    for step in range(9):
        shade = 150 + step * 10
        draw.rectangle([0, 460 + step * 38, 1200, 498 + step * 38], fill=(shade, shade, shade - 8))
    for x, colour in ((480, (40, 45, 60)), (640, (70, 40, 40))):
        draw.ellipse([x, 250, x + 70, 320], fill=(205, 170, 140))
        draw.rectangle([x - 15, 320, x + 85, 540], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def empty_newsroom() -> None:
    """The newsroom's configuration, no content: what an editor finds on day one."""
    home = HomePageFactory(title="The Harbour Ledger")
    SectionPageFactory(parent=home, title="News", slug="news")
    SectionPageFactory(
        parent=home,
        title="Opinion",
        slug="opinion",
        is_column=True,
        disclaimer="Columns are their authors' views, not the Ledger's.",
    )
    settings = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    settings.name = "The Harbour Ledger"
    settings.default_support_cta = SupportCallToAction.objects.create(
        text="Local reporting costs money. Readers pay for ours.",
        label="Become a member",
        link="https://members.example.org/join",
    )
    settings.save()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_publishes_the_reference_page_from_an_empty_newsroom_within_budget(
    site_server, chromium, settings, request
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    # Wagtail holds an autosave back this long in case more changes come (500 ms by
    # default). The desk waits for each autosave before its next action, as people do, so
    # the requests are the same with a shorter hold: it only spares the test the wait.
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 50
    empty_newsroom()
    editor = User.objects.create_user(
        "edda", "edda@example.org", "a-long-desk-password", first_name="Edda", last_name="Marsh"
    )
    # Wagtail's Editors group writes; its Moderators group publishes (docs/editorial.md).
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    assert not editor.is_superuser

    screenshots = request.config.getoption("--screenshots")

    def screenshot(name: str, element=None, on=None) -> None:
        """The viewport (not the whole page: small files), `element` at its top."""
        if screenshots:
            if element is not None:
                element.evaluate("e => e.scrollIntoView({block: 'start'})")
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            (on or page).screenshot(path=f"{screenshots}/{name}.png")

    origin = site_server.rstrip("/")
    problems: list[str] = []
    elsewhere: list[str] = []

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        page.on(
            "request",
            lambda r: r.url.startswith((origin + "/", "data:", "blob:")) or elsewhere.append(r.url),
        )

        # Signing in is not the desk's work: the count starts on the dashboard.
        page.goto(f"{site_server}/admin/")
        page.get_by_label("Username").fill("edda")
        page.get_by_label("Password").fill("a-long-desk-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Write an article in")).to_be_visible()
        screenshot("desk-dashboard")

        desk = Desk(page)
        desk.click(page.get_by_role("link", name="Opinion (column)"), "Opinion on the dashboard")
        expect(page.locator("#id_title")).to_be_visible()

        # The handout came in first: the editor starts with the picture, before the
        # headline (autosave must not fail meanwhile).
        desk.click(page.get_by_role("button", name="Choose an image"), "Choose an image")
        chooser = page.locator(".modal")
        expect(chooser.get_by_role("tab", name="Upload")).to_have_attribute("aria-selected", "true")
        expect(chooser.locator("#tab-search")).to_be_hidden()
        picture = {"name": "IMG_0412.png", "mimeType": "image/png", "buffer": handout_picture()}
        desk.upload(chooser.get_by_label("File"), picture, "the picture")
        desk.fill(
            chooser.get_by_label("Alt text"),
            "Two officials shake hands on the steps of a ministry",
            "alt text",
        )
        screenshot("desk-upload")
        desk.click(chooser.get_by_role("button", name="Upload"), "Upload")
        expect(chooser).to_have_count(0)
        lead = page.locator("#panel-child-content-lead_image-section")
        expect(lead.get_by_text("Two officials shake hands")).to_be_visible()

        desk.type(page.locator("#id_title"), "A handout is not a witness", "headline")
        desk.fill(
            page.get_by_label("Caption"),
            "Officials on the ministry steps, in a picture the ministry released.",
            "caption",
        )
        desk.fill(page.get_by_label("Credit"), "Harbour Ministry/Handout", "credit")
        desk.choose(page.get_by_label("Kind of source"), "handout", "kind: Handout")
        expect(page.get_by_label("Verified by the newsroom")).not_to_be_checked()
        desk.fill(page.get_by_label("Usage restriction"), "Editorial use only", "usage")
        screenshot("desk-photo", page.get_by_label("Caption"))

        body = page.locator("#panel-child-content-body-section")
        text = body.locator("[contenteditable=true]").first
        desk.type(text, PARAGRAPHS, "body text")
        for n, (quote, speaker) in enumerate(QUOTES, start=1):
            desk.click(body.get_by_role("button", name="Insert a block").last, "Insert a block")
            desk.click(page.get_by_role("option", name="Quote"), "Quote")
            desk.fill(page.locator(f"[name='body-{n}-value-quote']"), quote, "quote")
            desk.fill(page.locator(f"[name='body-{n}-value-speaker']"), speaker, "speaker")
        screenshot("desk-body", body)

        publish = page.locator("footer").get_by_role("button", name="Publish")
        desk.click(publish, "Publish")
        message = page.locator(".messages")
        expect(message).to_contain_text("has been published")
        print(f"\nEditor actions, dashboard to published: {len(desk.actions)}")
        for number, action in enumerate(desk.actions, start=1):
            print(f"  {number:2}. {action}{' (autosaved)' * (action in desk.autosaved)}")
        article_url = message.get_by_role("link", name="View live").get_attribute("href")
        admin_problems = list(problems)
        desk.failed_autosaves = page.evaluate("window.desk.failed")

        # What a reader sees (another browser context: not signed in).
        reader = browser.new_page(viewport={"width": 1280, "height": 800})
        reader.on("pageerror", lambda e: problems.append(f"reader page error: {e}"))
        reader.goto(article_url if "://" in article_url else site_server + article_url)
        expect(reader.locator(".kicker")).to_have_text("Opinion")
        expect(reader.locator("h1#headline")).to_have_text("A handout is not a witness")
        expect(reader.locator(".byline")).to_contain_text("By Edda Marsh in Opinion, ")
        figure = reader.locator("figure.figure-lead")
        assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
        caption = figure.locator("figcaption")
        expect(caption).to_contain_text("Officials on the ministry steps")
        expect(caption).to_contain_text("Photo: Harbour Ministry/Handout")
        expect(caption).to_contain_text("Handout picture")
        expect(caption).to_contain_text("could not independently verify")
        expect(caption).to_contain_text("Editorial use only")
        expect(reader.locator(".article-body p")).to_have_count(3 + len(QUOTES))
        quotes = reader.locator("blockquote.quote")
        expect(quotes).to_have_count(2)
        for n, (quote, speaker) in enumerate(QUOTES):
            expect(quotes.nth(n)).to_contain_text(quote)
            expect(quotes.nth(n).locator(".quote-speaker")).to_have_text(speaker)
        expect(reader.locator(".column-disclaimer")).to_have_text(
            "Columns are their authors' views, not the Ledger's."
        )
        cta = reader.locator(".support-cta")
        expect(cta).to_contain_text("Local reporting costs money.")
        expect(cta.get_by_role("link", name="Become a member")).to_have_attribute(
            "href", "https://members.example.org/join"
        )
        data = json.loads(reader.locator("script[type='application/ld+json']").text_content())
        assert data["@type"] == "OpinionNewsArticle"
        assert data["headline"] == "A handout is not a witness"
        assert [author["name"] for author in data["author"]] == ["Edda Marsh"]
        assert data["image"]["creditText"] == "Harbour Ministry/Handout"
        assert "could not independently verify" in data["image"]["description"]
        screenshot("desk-published", reader.locator("figure.figure-lead img"), on=reader)

    article = ArticlePage.objects.get(slug="a-handout-is-not-a-witness")
    assert article.live
    assert (article.lead_image_provenance, article.lead_image_verified) == ("handout", False)
    assert article.lead_image.title == "Two officials shake hands on the steps of a ministry"
    assert [author.user for author in article.authors] == [editor]
    assert len(desk.actions) <= BUDGET, desk.actions
    # Autosave ran between the actions, as it does for people: it saved the new draft with
    # its picture and headline, then the later changes, the quotes' speakers among them.
    assert desk.failed_autosaves == [], desk.failed_autosaves
    assert "type headline" in desk.autosaved, desk.autosaved
    assert "fill speaker" in desk.autosaved, desk.autosaved
    assert elsewhere == [], f"the admin requested other sites: {elsewhere}"
    assert admin_problems == [], admin_problems
    assert problems == [], problems
