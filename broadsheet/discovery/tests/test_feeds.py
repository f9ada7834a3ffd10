"""RSS and Atom feeds, parsed with feedparser as a feed reader would."""

import feedparser
import pytest

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    ImageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world", intro="Far away.")
    politics = SectionPageFactory(parent=home, title="Politics", slug="politics")
    ada = AuthorFactory(name="Ada Byrne", slug="ada-byrne")
    picture = ImageFactory(title="Quay")
    stories = [
        ArticlePageFactory(
            parent=world,
            title=f"World story {n}",
            standfirst=f"Summary {n}.",
            authors=[ada],
            tags=["Harbour"],
            lead_image=picture,
        )
        for n in range(3)
    ]
    stories.append(ArticlePageFactory(parent=politics, title="Politics story", tags=["Vote"]))
    ArticlePageFactory(parent=world, title="Draft story", live=False)
    return {"world": world, "stories": stories}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


FEEDS = [
    ("/feed/", 4),
    ("/feed/atom/", 4),
    ("/world/feed/", 3),
    ("/world/feed/atom/", 3),
    ("/authors/ada-byrne/feed/", 3),
    ("/authors/ada-byrne/feed/atom/", 3),
    ("/tags/harbour/feed/", 3),
    ("/tags/harbour/feed/atom/", 3),
]


@pytest.mark.parametrize(("url", "count"), FEEDS)
def test_feeds_parse_and_list_live_articles(client, site, url, count):
    feed = parse(client, url)
    assert feed.feed.title
    assert feed.feed.link.startswith("http")
    assert len(feed.entries) == count
    titles = [entry.title for entry in feed.entries]
    assert "Draft story" not in titles
    for entry in feed.entries:
        assert entry.link.startswith("http")
        assert entry.id.startswith("urn:uuid:")
        assert entry.published_parsed is not None
        assert entry.get("summary")


def test_newest_first_with_authors_categories_and_enclosures(client, site):
    feed = parse(client, "/world/feed/")
    newest = feed.entries[0]
    assert newest.title == "World story 2"
    assert newest.author == "Ada Byrne"
    assert [tag.term for tag in newest.tags] == ["Harbour"]
    enclosure = newest.enclosures[0]
    assert enclosure.type == "image/png"
    assert enclosure.href.startswith("http") and int(enclosure.length) > 0


def test_summary_or_full_text_by_setting(client, site, settings):
    assert parse(client, "/feed/").entries[-1].summary.startswith("Summary 0.")
    settings.FEEDS_FULL_TEXT = True
    full = parse(client, "/world/feed/").entries[-1].summary
    assert "First paragraph of the story." in full


def test_comments_feed_per_article(client, site):
    story = site["stories"][0]
    reader = Reader()
    created = reader.comment(story, "A *thoughtful* remark")
    feed = parse(client, f"/feed/comments/{story.pk}/")
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert "<em>thoughtful</em>" in entry.summary
    assert entry.link.endswith(f"/world/{story.slug}/#comment-{created['id']}")
    assert parse(client, f"/feed/comments/{story.pk}/atom/").entries[0].title == entry.title


def test_unknown_feeds_are_404(client, site):
    for url in [
        "/nowhere/feed/",
        "/authors/nobody/feed/",
        "/tags/none/feed/",
        "/feed/comments/999999/",
    ]:
        assert client.get(url).status_code == 404, url


def test_pages_announce_their_feeds(client, site):
    html = client.get("/world/").content.decode()
    assert 'type="application/rss+xml"' in html and 'href="/world/feed/"' in html


def test_feed_query_count_does_not_grow_with_articles(client, site, django_assert_max_num_queries):
    client.get("/feed/")
    with django_assert_max_num_queries(40) as few:
        client.get("/feed/")
    baseline = len(few)  # read now: each request resets the query log
    world = site["world"]
    for n in range(6):
        ArticlePageFactory(parent=world, title=f"More {n}", tags=["Extra", "Harbour"])
    client.get("/feed/")
    with django_assert_max_num_queries(baseline):
        client.get("/feed/")
