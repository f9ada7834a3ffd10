"""Parts of the article page kept between renders (broadsheet/fragmentcache.py): what an
editor changes shows on the very next render, and nothing a draft or a reader did is
kept for others.

Every test renders the article once first, so that what it then changes has been kept,
and reads the page again as an anonymous reader with the page cache off (the settings
of the suite), which is how a signed-in reader or a page-cache miss gets it."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from broadsheet import fragmentcache
from broadsheet.discovery import services as discovery
from broadsheet.newsroom.models import (
    Author,
    PublicationSettings,
    RelatedArticlePick,
    SupportCallToAction,
)
from broadsheet.newsroom.tests.factories import ArticlePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


def read(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


@pytest.fixture
def story(world, ada):
    return ArticlePageFactory(
        parent=world,
        title="Ferry fares rise",
        slug="ferry-fares-rise",
        authors=[ada],
        body=[("paragraph", "<p>The council voted at night.</p>")],
    )


def test_a_published_edit_shows_on_the_next_render(client, story):
    read(client, story.url)
    story.title = "Ferry fares frozen"
    story.body = [("paragraph", "<p>The council changed its mind.</p>")]
    story.save_revision().publish()

    html = read(client, story.url)

    assert '<h1 id="headline" class="headline">Ferry fares frozen</h1>' in html
    assert "<title>Ferry fares frozen · " in html
    assert '<meta property="og:title" content="Ferry fares frozen">' in html
    assert "The council changed its mind." in html
    assert "The council voted at night." not in html
    assert json_ld(html)["headline"] == "Ferry fares frozen"


def test_an_author_renamed_shows_in_the_byline_and_structured_data(client, story, ada):
    read(client, story.url)
    author = Author.objects.get(pk=ada.pk)
    author.name = "Ada Byrne-Okafor"
    author.save()

    html = read(client, story.url)

    assert "Ada Byrne-Okafor</a>" in html
    assert json_ld(html)["author"][0]["name"] == "Ada Byrne-Okafor"


def test_the_publication_renamed_shows_in_the_masthead_title_and_footer(client, story):
    read(client, story.url)
    publication = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    publication.name = "The Harbour Herald"
    publication.tagline = "Since 1852"
    publication.save()

    html = read(client, story.url)

    assert '<a class="masthead-name" href="/">The Harbour Herald</a>' in html
    assert '<p class="masthead-tagline">Since 1852</p>' in html
    assert "<title>Ferry fares rise · The Harbour Herald</title>" in html
    assert "The Harbour Herald. Published with Broadsheet." in html
    assert json_ld(html)["publisher"]["name"] == "The Harbour Herald"


def test_a_new_section_appears_in_the_navigation_of_an_article(client, home, story):
    read(client, story.url)
    SectionPageFactory(parent=home, title="Harbour", slug="harbour")

    html = read(client, story.url)

    assert '<a href="/harbour/">Harbour</a>' in html


def test_a_call_to_action_edited_shows_under_the_article(client, world, story):
    cta = SupportCallToAction.objects.create(
        text="Readers pay for this.", label="Join", link="https://example.org/join"
    )
    world.support_cta = cta
    world.save_revision().publish()
    assert "Readers pay for this." in read(client, story.url)
    cta.text = "Members keep the ferry desk open."
    cta.save()

    html = read(client, story.url)

    assert "Members keep the ferry desk open." in html
    assert "Readers pay for this." not in html


def test_related_stories_follow_picks_and_recomputed_lists(client, world, ada, story):
    other = ArticlePageFactory(parent=world, title="Tide tables printed", authors=[ada])
    read(client, story.url)
    story.related_picks.add(RelatedArticlePick(article=other))
    story.save_revision().publish()
    assert "Tide tables printed" in read(client, story.url)

    third = ArticlePageFactory(parent=world, title="Ferry crossing fares", authors=[ada])
    read(client, story.url)
    discovery.refresh_all()  # a background task, after the publication above

    related = read(client, story.url).split('id="related"', 1)[1]
    assert "Tide tables printed" in related
    assert third.title in related


def test_an_unpublished_article_is_gone_at_once(client, story):
    read(client, story.url)
    story.unpublish()

    assert client.get(story.url).status_code == 404


def test_a_moved_article_answers_at_its_new_address_only(client, home, story):
    old_url = story.url
    read(client, old_url)
    business = SectionPageFactory(parent=home, title="Business", slug="business")
    story.move(business, pos="last-child")
    story.refresh_from_db()

    moved = client.get(old_url)
    assert (moved.status_code, moved["Location"]) == (301, "/business/ferry-fares-rise/")
    html = read(client, story.url)
    assert story.url == "/business/ferry-fares-rise/"
    assert '<a href="/business/">Business</a>' in html.split('class="kicker"', 1)[1]


def test_a_password_put_on_a_section_applies_to_its_articles_at_once(client, world, story):
    read(client, story.url)
    PageViewRestriction.objects.create(
        page=world, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )

    html = read(client, story.url)

    assert "The council voted at night." not in html
    assert 'name="password"' in html


def test_a_preview_of_a_draft_neither_uses_nor_leaves_kept_parts(client, story):
    read(client, story.url)
    story.title = "Draft headline"

    preview = story.make_preview_request().content.decode()
    html = read(client, story.url)

    assert "Draft headline" in preview
    assert "Draft headline" not in html
    assert '<h1 id="headline" class="headline">Ferry fares rise</h1>' in html


def test_comments_and_ratings_are_never_kept(client, story):
    from broadsheet.engagement.tests.conftest import Reader

    read(client, story.url)
    Reader("198.51.100.7").comment(story, "The night vote was rushed.")

    html = read(client, story.url)

    assert "The night vote was rushed." in html
    assert json_ld(html)["commentCount"] == 1


def test_a_second_render_reads_only_what_readers_change(client, story):
    read(client, story.url)  # a first render makes what is missing (the settings' row)
    fragmentcache.content_changed()  # as an editor's change would
    with CaptureQueriesContext(connection) as first:
        read(client, story.url)
    with CaptureQueriesContext(connection) as second:
        read(client, story.url)

    tables = " ".join(query["sql"] for query in second.captured_queries)
    assert len(second) < len(first) / 2
    for kept in ("taggit_tag", "newsroom_correction", "newsroom_publicationsettings"):
        assert kept in " ".join(query["sql"] for query in first.captured_queries)
        assert kept not in tables


def test_the_site_renamed_shows_in_canonical_addresses_at_once(client, story):
    read(client, story.url)
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "news.example.org", 443
    site.save()

    html = read(client, story.url)

    assert '<link rel="canonical" href="https://news.example.org/world/ferry-fares-rise/">' in html
    assert json_ld(html)["url"] == "https://news.example.org/world/ferry-fares-rise/"
