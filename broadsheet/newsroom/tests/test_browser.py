"""A reader's browser on the demo newsroom: Playwright driving Debian's Chromium."""

from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_opens_an_article_and_sees_figure_and_byline(site_server, chromium, request):
    call_command("seed_demo")  # all database work happens before the browser starts
    problems: list[str] = []
    screenshots = request.config.getoption("--screenshots")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"),
        )

        page.goto(site_server + "/")
        assert page.locator(".sections-nav").get_by_role("link", name="Opinion").is_visible()
        if screenshots:
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{screenshots}/home.png", full_page=True)

        page.locator(".lead-story .card-headline a").click()
        page.wait_for_load_state("networkidle")

        figure = page.locator("figure.figure-lead")
        assert figure.is_visible()
        image = figure.locator("img")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        caption = figure.locator("figcaption").inner_text()
        assert "Delegates leave the Hotel Miren" in caption
        assert "Photo: Ostmark Foreign Ministry/Handout" in caption
        assert "could not independently verify" in caption
        assert "Editorial use only" in caption

        byline = page.locator(".byline")
        assert byline.is_visible()
        assert byline.inner_text() == "By Mara Lind in World, 24 November 2026"
        assert page.locator("h1#headline").inner_text().startswith("Border talks stall")
        if screenshots:
            page.screenshot(path=f"{screenshots}/article.png", full_page=True)
            form = page.locator("#comments-section").bounding_box()
            page.screenshot(
                path=f"{screenshots}/comment-form.png",
                full_page=True,
                clip={"x": 0, "y": form["y"] - 20, "width": 1280, "height": 1100},
            )

    assert problems == []
