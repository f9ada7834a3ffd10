"""RSS and Atom feeds, parsed with feedparser as a feed reader would."""

import html
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.test import override_settings

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    ImageFactory,
    SectionPageFactory,
)
from broadsheet.tests.module_rows import module_rows

pytestmark = pytest.mark.django_db


def _site(media) -> dict:
    with override_settings(MEDIA_ROOT=media):
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
    return {"world": world, "stories": stories, "media": media}


@pytest.fixture(scope="module")
def newsroom(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; each test's additions (articles, comments) are rolled back after it."""
    media = tmp_path_factory.mktemp("feeds-media")
    with module_rows(django_db_blocker, _site, media) as newsroom:
        yield newsroom


@pytest.fixture
def site(newsroom, db, settings):
    """Two sections, three live stories with a picture and a politics story, a draft; the
    picture's file where its row says."""
    settings.MEDIA_ROOT = newsroom["media"]
    return newsroom


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


ATTACK = "<img src=x onerror=alert(1)>"
ATOM = "{http://www.w3.org/2005/Atom}"


class _Markup(HTMLParser):
    """The elements and the text of an HTML fragment, as a feed reader would see them."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text += data


def items(client, url) -> list[dict]:
    """Each item's title and description (RSS) or title and summary (Atom), read with an
    XML parser: what the feed says, before any reader's sanitizing."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = ET.fromstring(response.content)
    if root.tag == "rss":
        return [
            {
                "title_html": item.findtext("title"),
                "html": item.findtext("description"),
            }
            for item in root.iter("item")
        ]
    found = []
    for entry in root.iter(f"{ATOM}entry"):
        title, summary = entry.find(f"{ATOM}title"), entry.find(f"{ATOM}summary")
        assert title.get("type", "text") == "text" and summary.get("type") == "html"
        found.append({"title_text": title.text, "html": summary.text})
    return found


def assert_text_not_markup(item: dict, words: str) -> None:
    markup = _Markup(item["html"])
    assert words in markup.text
    assert "img" not in markup.elements
    if "title_html" in item:  # RSS readers take a title as HTML
        title = _Markup(item["title_html"])
        assert ATTACK in title.text and "img" not in title.elements
    else:  # Atom says its title is text
        assert ATTACK in item["title_text"]


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/world/feed/atom/"])
@pytest.mark.parametrize("full_text", [True, False])
def test_article_text_that_looks_like_markup_stays_text_in_feeds(
    client, site, settings, url, full_text
):
    settings.FEEDS_FULL_TEXT = full_text
    ArticlePageFactory(
        parent=site["world"],
        title=f"Headline {ATTACK}",
        standfirst=f"Standfirst {ATTACK} & more",
        body=[("paragraph", f"<p>Body {html.escape(ATTACK)} &amp; more</p>")],
    )
    newest = items(client, url)[0]
    words = f"Body {ATTACK} & more" if full_text else f"Standfirst {ATTACK} & more"
    assert_text_not_markup(newest, words)


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_reader_text_stays_text_in_comment_feeds(client, site, suffix):
    story = site["stories"][0]
    Reader().comment(
        story, f"Look: {ATTACK} & more", author_name=ATTACK, author_email="g@example.org"
    )
    [entry] = items(client, f"/feed/comments/{story.pk}/{suffix}")
    assert_text_not_markup(entry, f"Look: {ATTACK} & more")


CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_control_characters_never_break_a_comments_feed(client, site, suffix):
    """XML 1.0 cannot carry most C0 control characters: one in an approved comment made
    its article's comment feeds answer 500 until it scrolled out. They are dropped when
    a comment is posted, and when a feed is written (for rows stored before that)."""
    from broadsheet.engagement.models import Comment

    story = site["stories"][0]
    posted = Reader().comment(
        story, f"Ring{CONTROLS} the bell", author_name="Bo\x1b Reyes", author_email="b@example.org"
    )
    comment = Comment.objects.get(pk=posted["id"])
    assert (comment.body, comment.guest_name) == ("Ring the bell", "Bo Reyes")

    older = Reader("198.51.100.9").comment(story, "Stored before.")
    stored = CONTROLS.replace("\x00", "")  # PostgreSQL never stored a NUL (SQLite did)
    Comment.objects.filter(pk=older["id"]).update(
        guest_name=f"Old{stored} name", body_html=f"<p>Old{stored} words</p>"
    )
    feed = parse(client, f"/feed/comments/{story.pk}/{suffix}")
    entries = {entry.link.rsplit("-", 1)[1]: entry for entry in feed.entries}
    assert "Old name" in entries[str(older["id"])].title
    assert "Old words" in entries[str(older["id"])].summary
    assert "Ring the bell" in entries[str(posted["id"])].summary


def test_control_characters_in_a_headline_never_break_the_feeds(client, site):
    ArticlePageFactory(parent=site["world"], title="Form\x0cfeed", standfirst="Bell\x07 rings")
    for url in ["/feed/", "/feed/atom/", "/world/feed/"]:
        assert parse(client, url).entries[0].title == "Formfeed"
