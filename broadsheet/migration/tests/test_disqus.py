"""`broadsheet import_disqus`: a Disqus export's comments, on our articles, once."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.contrib.redirects.models import Redirect

from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment, Discussion
from broadsheet.engagement.services import recount
from broadsheet.migration.disqus import import_disqus
from broadsheet.migration.models import DisqusPost
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

EXPORT = Path(__file__).parent / "data" / "disqus-export.xml"
HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
OPEN = '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'


@pytest.fixture
def articles(db):
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    strike = ArticlePageFactory(parent=world, title="Ferry strike", slug="ferry-strike")
    tolls = ArticlePageFactory(parent=world, title="Port tolls", slug="port-tolls")
    Redirect.objects.create(old_path="/2019/04/port-tolls", redirect_page=tolls)
    return strike, tolls


def run(path) -> str:
    out = StringIO()
    call_command("import_disqus", str(path), stdout=out)
    return out.getvalue()


def test_comments_land_on_their_articles_in_their_threads(articles):
    strike, tolls = articles
    output = run(EXPORT)
    owen = Comment.objects.get(guest_name="Owen")
    marta = Comment.objects.get(guest_name="Marta")
    assert owen.page_id == strike.pk and owen.parent_id is None
    assert marta.parent_id == owen.pk and marta.thread_id == owen.pk and marta.depth == 1
    assert owen.created_at.isoformat() == "2019-04-02T09:30:00+00:00"
    assert owen.guest_email == "owen@example.org"
    assert owen.ip_hash == keyed_hash("address", "203.0.113.40")
    assert "203.0.113.40" not in str(Comment.objects.values_list())
    # Through the redirect from the old WordPress address.
    priya = Comment.objects.get(guest_name="Priya")
    assert priya.page_id == tolls.pk and priya.guest_email == ""
    assert "Threads: 3 (2 matched to articles, 1 unmatched)" in output
    assert "unmatched thread 2003: https://www.harbour-herald.example/2012/01/gone/" in output


def test_deleted_and_spam_keep_their_status_and_hostile_html_is_cleaned(articles):
    strike, _tolls = articles
    run(EXPORT)
    spam = Comment.objects.get(guest_name="Prize Desk")
    assert spam.status == Comment.Status.SPAM
    for dangerous in ("<script", "onerror", "javascript:", "<iframe", "<img"):
        assert dangerous not in spam.body_html
    removed = Comment.objects.get(body__contains="I take that back")
    assert removed.status == Comment.Status.REMOVED and removed.guest_name == "Anonymous"
    owen = Comment.objects.get(guest_name="Owen")
    assert owen.body_html == (
        "<p>The timetables were never kept anyway. "
        '<a href="https://example.org/timetable" rel="nofollow ugc noopener">'
        "See the 2018 figures</a>.</p>"
    )
    page = Client().get(strike.url).content.decode()
    assert "The timetables were never kept anyway." in page
    assert "Prize Desk" not in page and "I take that back" not in page


def test_counts_equal_a_recount(articles):
    strike, tolls = articles
    run(EXPORT)
    imported = {
        "pages": sorted(Discussion.objects.values_list("page_id", "comment_count")),
        "replies": sorted(Comment.objects.values_list("pk", "reply_count")),
    }
    recount()
    assert imported == {
        "pages": sorted(Discussion.objects.values_list("page_id", "comment_count")),
        "replies": sorted(Comment.objects.values_list("pk", "reply_count")),
    }
    assert Discussion.objects.get(page_id=strike.pk).comment_count == 2
    assert Comment.objects.get(guest_name="Owen").reply_count == 1


def test_a_second_run_imports_nothing_twice(articles):
    run(EXPORT)
    before = sorted(Comment.objects.values_list("pk", "parent_id", "status"))
    output = run(EXPORT)
    assert sorted(Comment.objects.values_list("pk", "parent_id", "status")) == before
    assert DisqusPost.objects.count() == 5
    assert "0 imported" in output and "5 imported before" in output


def test_a_thread_matched_later_imports_only_its_own(articles, tmp_path):
    """Run once before the redirect exists, add it, run again: only the new thread."""
    Redirect.objects.all().delete()
    first = import_disqus(EXPORT)
    assert first.imported == 4 and len(first.unmatched) == 2
    Redirect.objects.create(old_path="/2019/04/port-tolls", redirect_page=articles[1])
    second = import_disqus(EXPORT)
    assert second.imported == 1 and second.already_imported == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEAD + OPEN + "<thread dsq:id='1'><link>x</link></thread>", "line 2, column"),
        (HEAD + OPEN + "<post dsq:id='1'><message>&nbsp;</message></post></disqus>", "line 2"),
        ("not xml at all", "line 1, column 1"),
        ("", "line 1"),
    ],
)
def test_malformed_xml_is_a_clear_error_with_line_and_column(db, tmp_path, content, message):
    path = tmp_path / "broken.xml"
    path.write_text(content)
    with pytest.raises(CommandError, match=f"not well-formed XML at {message}"):
        run(path)
    assert not Comment.objects.exists()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE disqus [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<disqus xmlns="http://disqus.com"><category><title>&lol4;</title></category></disqus>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<post dsq:id="1"><message>&secret;</message></post></disqus>
"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_and_dtds_are_refused(articles, tmp_path, content):
    path = tmp_path / "hostile.xml"
    path.write_text(content)
    with pytest.raises(CommandError, match="refused, the file declares a DTD"):
        run(path)
    assert not Comment.objects.exists()


def test_a_file_that_is_not_a_disqus_export_is_refused(db, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    with pytest.raises(CommandError, match="not a Disqus export"):
        run(path)


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nowhere.xml")


WP_NEWSROOM = Path(__file__).parent / "wxr" / "newsroom.xml"


def disqus_thread(dsq_id: str, identifier: str, link: str, closed: bool, post: str) -> str:
    """One thread and one post, as Disqus's export writes them."""
    return f"""
  <thread dsq:id="{dsq_id}">
    <id>{identifier}</id>
    <forum>harbourherald</forum>
    <link>{link}</link>
    <title>A story</title>
    <createdAt>2016-09-05T09:30:00Z</createdAt>
    <isClosed>{"true" if closed else "false"}</isClosed>
    <isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="{post}">
    <id />
    <message><![CDATA[<p>Comment {post} from Disqus.</p>]]></message>
    <createdAt>2016-09-06T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Reader {post}</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="{dsq_id}" />
  </post>"""


@pytest.fixture
def wordpress_site(db):
    """The WordPress newsroom imported first, as a move from WordPress + Disqus goes."""
    HomePageFactory()
    call_command("import_wxr", str(WP_NEWSROOM), stdout=StringIO())
    from broadsheet.migration.models import ImportedObject
    from broadsheet.newsroom.models import ArticlePage

    def article(wp_id: str) -> ArticlePage:
        mapped = ImportedObject.objects.get(kind="article", source_id=wp_id)
        return ArticlePage.objects.get(pk=mapped.object_id)

    return article


def test_threads_match_imported_wordpress_posts_by_their_identifier(wordpress_site, tmp_path):
    """WordPress's Disqus plugin names each thread `<id>POST_ID URL</id>`: a thread whose
    link no longer leads anywhere still finds the article imported from that post."""
    quay, lighthouse = wordpress_site("11"), wordpress_site("12")
    path = tmp_path / "disqus.xml"
    path.write_text(
        HEAD
        + OPEN
        + disqus_thread(
            "4001",
            "11 https://old.harbour.example/?p=11",
            "https://old.harbour.example/renamed-long-ago/",
            False,
            "5001",
        )
        + disqus_thread("4002", "12", "https://old.harbour.example/amp/lighthouse/", False, "5002")
        # An identifier naming another site's post 11 is not this site's post 11.
        + disqus_thread(
            "4003",
            "11 https://elsewhere.example/?p=11",
            "https://elsewhere.example/x/",
            False,
            "5003",
        )
        + "</disqus>"
    )

    output = run(path)

    assert Comment.objects.get(guest_name="Reader 5001").page_id == quay.pk
    assert Comment.objects.get(guest_name="Reader 5002").page_id == lighthouse.pk
    assert not Comment.objects.filter(guest_name="Reader 5003").exists()
    assert "unmatched thread 4003: https://elsewhere.example/x/" in output
    assert "Threads: 3 (2 matched to articles, 1 unmatched)" in output


def test_a_closed_thread_closes_comments_on_its_article(
    wordpress_site, tmp_path, client, django_capture_on_commit_callbacks
):
    from broadsheet.engagement.services import stored_comments_state

    quay, lighthouse = wordpress_site("11"), wordpress_site("12")
    assert quay.comments_open and lighthouse.comments_open
    assert stored_comments_state(quay.pk).open  # as a web process read it, and keeps it
    path = tmp_path / "disqus.xml"
    path.write_text(
        HEAD
        + OPEN
        + disqus_thread("4001", "11 https://old.harbour.example/?p=11", quay.full_url, True, "5001")
        + disqus_thread("4002", "12", "https://old.harbour.example/?p=12", False, "5002")
        + "</disqus>"
    )

    with django_capture_on_commit_callbacks(execute=True):
        output = run(path)

    quay.refresh_from_db()
    assert quay.comments_open is False
    # Kept when an editor next publishes: the latest revision is closed too.
    assert quay.get_latest_revision_as_object().comments_open is False
    assert quay.live and not quay.has_unpublished_changes
    lighthouse.refresh_from_db()
    assert lighthouse.comments_open is True
    assert "Comments closed on 1 article (closed on Disqus)." in output
    # Its old comments still show; a reader can post no new one.
    assert Comment.objects.get(guest_name="Reader 5001").page_id == quay.pk
    from broadsheet.engagement.services import comments_state

    assert comments_state(quay).reason == "Comments are closed on this article."
    assert stored_comments_state(quay.pk).reason == "Comments are closed on this article."
