"""The byline never renders with an empty part (the reference page shows “in ,”)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from broadsheet.newsroom.tests.factories import ArticlePageFactory, AuthorFactory

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def byline_text(article) -> str:
    request = RequestFactory().get("/")
    html = Template("{% load newsroom_tags %}{% byline article %}").render(
        Context({"article": article, "request": request})
    )
    text = re.sub(r"<[^>]+>", "", html)
    assert not re.search(r"\bin\s*,|\bBy\s*(,|in\b|$)|,\s*$|^\s*,", text), text
    return text


def test_two_authors_section_and_date(handout_article):
    handout_article.first_published_at = PUBLISHED
    assert byline_text(handout_article) == "By Ada Byrne and Ben Okafor in World, 24 November 2026"


def test_three_authors_are_joined_with_commas_and_and(world, ada, ben):
    cleo = AuthorFactory(name="Cleo Marr", slug="cleo-marr")
    article = ArticlePageFactory(parent=world, authors=[ada, ben, cleo])
    article.first_published_at = PUBLISHED
    assert byline_text(article) == (
        "By Ada Byrne, Ben Okafor and Cleo Marr in World, 24 November 2026"
    )


def test_no_authors_shows_section_and_date(world):
    article = ArticlePageFactory(parent=world)
    article.first_published_at = PUBLISHED
    assert byline_text(article) == "World, 24 November 2026"


def test_no_section_shows_authors_and_date(home, ada):
    article = ArticlePageFactory(parent=home, authors=[ada])
    article.first_published_at = PUBLISHED
    assert byline_text(article) == "By Ada Byrne, 24 November 2026"


def test_no_authors_and_no_section_shows_only_the_date(home):
    article = ArticlePageFactory(parent=home)
    article.first_published_at = PUBLISHED
    assert byline_text(article) == "24 November 2026"


def test_unpublished_draft_has_no_dangling_comma(world, ada):
    article = ArticlePageFactory(parent=world, authors=[ada], live=False)
    assert article.first_published_at is None
    assert byline_text(article) == "By Ada Byrne in World"


def test_nothing_at_all_renders_nothing(home):
    article = ArticlePageFactory(parent=home, live=False)
    assert byline_text(article) == ""


def test_update_line_appears_only_after_publication(world, ada):
    article = ArticlePageFactory(parent=world, authors=[ada])
    article.first_published_at = PUBLISHED
    article.updated_at = PUBLISHED + timedelta(hours=5)
    assert byline_text(article).endswith("Updated 24 November 2026, 14:30")

    article.updated_at = PUBLISHED - timedelta(hours=1)
    assert "Updated" not in byline_text(article)


def test_authors_link_to_their_pages(client, handout_article):
    html = client.get(handout_article.url).content.decode()
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert '<a href="/authors/ada-byrne/" rel="author">Ada Byrne</a>' in byline
    assert '<a href="/world/">World</a>' in byline


def test_author_names_are_escaped(world):
    author = AuthorFactory(name="<b>Mallory</b>", slug="mallory")
    article = ArticlePageFactory(parent=world, authors=[author])
    request = RequestFactory().get("/")
    html = Template("{% load newsroom_tags %}{% byline article %}").render(
        Context({"article": article, "request": request})
    )
    assert "<b>" not in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html
