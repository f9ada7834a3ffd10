"""The WordPress import through its command: what an editor runs and reads."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image as PillowImage
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image
from wagtail.models import PageViewRestriction, Revision

from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment, Discussion, RatingSummary
from broadsheet.engagement.services import recount
from broadsheet.migration.models import ImportedObject
from broadsheet.newsroom.models import ArticlePage, Author, SectionPage
from broadsheet.newsroom.tests.factories import HomePageFactory

FIXTURES = Path(__file__).parent / "wxr"
NEWSROOM = FIXTURES / "newsroom.xml"


@pytest.fixture
def home(db):
    return HomePageFactory()


@pytest.fixture
def uploads(tmp_path):
    """The site's wp-content/uploads tree, with one of the two attachments' files."""
    folder = tmp_path / "uploads" / "2016" / "09"
    folder.mkdir(parents=True)
    PillowImage.new("RGB", (64, 48), (30, 60, 90)).save(folder / "fish-market.jpg", "JPEG")
    return tmp_path / "uploads"


def run_import(path=NEWSROOM, *args) -> str:
    out = io.StringIO()
    call_command("import_wxr", str(path), *args, stdout=out)
    return out.getvalue()


def article(wp_id: str) -> ArticlePage:
    mapped = ImportedObject.objects.get(kind="article", source_id=wp_id)
    return ArticlePage.objects.get(pk=mapped.object_id)


def comment(wp_id: str) -> Comment:
    mapped = ImportedObject.objects.get(kind="comment", source_id=wp_id)
    return Comment.objects.get(pk=mapped.object_id)


@pytest.fixture
def mira(db):
    """An account with the same email as the WordPress author `mlind`."""
    return User.objects.create_user("mira", "Mira@Harbour.example", "a-long-password-3")


def test_authors_sections_and_tags_come_from_the_channel(home, uploads, mira):
    run_import(NEWSROOM, "--media-dir", str(uploads))

    assert set(Author.objects.values_list("name", "slug")) == {
        ("Mira Lind", "mlind"),
        ("Sam Okoro", "okoro"),
    }
    assert Author.objects.get(slug="mlind").user == mira  # matched by email, case aside
    sections = SectionPage.objects.child_of(home)
    # "tags" is a reserved URL prefix: the section gets a free slug instead.
    assert set(sections.values_list("title", "slug")) == {
        ("Harbour", "harbour"),
        ("Council", "council"),
        ("Tags", "tags-section"),
    }
    quay = article("11")
    assert quay.get_parent().specific.title == "Harbour"  # the first category
    # The second category and the post's tag become tags.
    assert {tag.name for tag in quay.tags.all()} == {"Council", "Ferries"}
    assert [author.name for author in quay.authors] == ["Mira Lind"]
    assert Tag.objects.filter(name="Ferries").count() == 1


def test_posts_keep_their_state_and_dates(home, uploads):
    run_import(NEWSROOM, "--media-dir", str(uploads))

    quay = article("11")
    assert quay.live and not quay.has_unpublished_changes
    assert quay.first_published_at.isoformat() == "2016-09-05T09:30:00+00:00"
    assert quay.last_published_at.isoformat() == "2016-09-06T08:00:00+00:00"
    assert quay.live_revision is not None
    assert quay.title == "Quay repairs start after storm damage"  # markup in titles dropped

    draft = article("12")  # a zero GMT date: the local one is used
    assert not draft.live and draft.first_published_at is None
    assert draft.slug == "lighthouse-to-open-for-visitors"  # drafts have no post_name

    scheduled = article("13")
    assert not scheduled.live
    assert scheduled.go_live_at.isoformat() == "2031-05-01T07:00:00+00:00"
    assert Revision.page_revisions.filter(
        object_id=str(scheduled.pk), approved_go_live_at=scheduled.go_live_at
    ).exists()
    assert scheduled.comments_open is False

    pending = article("14")
    assert not pending.live and pending.has_unpublished_changes
    assert pending.current_workflow_state is not None  # submitted for moderation

    private = article("15")
    assert private.live
    assert PageViewRestriction.objects.filter(
        page=private, restriction_type=PageViewRestriction.LOGIN
    ).exists()


def test_content_becomes_body_blocks_and_standfirst(home, uploads):
    run_import(NEWSROOM, "--media-dir", str(uploads))

    quay = article("11")
    # The text before <!--more--> is the standfirst; the body starts after it.
    assert quay.standfirst == "Work began on Monday to rebuild the east quay."
    types = [block.block_type for block in quay.body]
    assert types == ["paragraph", "image", "quote", "heading", "embed", "paragraph"]
    first = quay.body[0].value.source
    assert "<strong>six weeks</strong>" in first and "<br/>" in first.replace("<br>", "<br/>")
    figure = quay.body[1].value
    assert figure["image"].description == "Crates of fish on a wet quay"
    assert figure["caption"] == "The market moved to the west quay"
    assert figure["credit"] == "Ana Ruiz/Quayside"
    quote = quay.body[2].value
    assert quote["quote"] == "We will be back before the herring season."
    assert quote["speaker"] == "Jo Marsh, harbour master"
    assert quay.body[3].value == "What changes for ferries"
    assert quay.body[4].value.url == "https://www.youtube.com/watch?v=harbour01"
    # The unknown shortcode is kept as its text; hostile markup is gone.
    last = quay.body[5].value.source
    assert '[poll id="7"]' in last
    assert "script" not in last and "onclick" not in last and "javascript:" not in last
    assert "iframe" not in last
    assert '<a href="https://council.harbour.example/notice">' in last

    lighthouse = article("12")
    assert lighthouse.standfirst == "The old lighthouse opens its stairs to the public this summer."
    types = [block.block_type for block in lighthouse.body]
    assert types == [
        "paragraph",
        "heading",
        "paragraph",
        "quote",
        "image",
        "image",
        "embed",
        "paragraph",
    ]
    assert "<li>Weekends, 10:00 to 16:00</li>" in lighthouse.body[2].value.source
    assert lighthouse.body[3].value["speaker"] == "Ruth Bell, volunteer"
    assert lighthouse.body[4].value["caption"] == "The quay below the lighthouse"
    assert lighthouse.body[6].value.url == "https://vimeo.com/harbour02"
    assert "<td>Adults</td>" not in lighthouse.body[7].value.source  # sanitized: text kept
    assert "Adults" in lighthouse.body[7].value.source

    regatta = article("13")  # a manual excerpt is the standfirst
    assert regatta.standfirst == "The regatta returns next spring."


def test_featured_image_is_the_lead_image_with_alt_caption_and_credit(home, uploads):
    run_import(NEWSROOM, "--media-dir", str(uploads))

    quay = article("11")
    assert quay.lead_image.description == "Crates of fish on a wet quay"
    assert quay.lead_image_caption == "Boats unload the night's catch at the east quay."
    assert quay.lead_image_credit == "Ana Ruiz/Quayside"
    assert Image.objects.count() == 1


def test_missing_media_is_listed_and_a_later_run_picks_it_up(home, uploads):
    without = run_import(NEWSROOM)  # no --media-dir: nothing to read the files from
    assert "2 image: missing media (not in --media-dir)" in without
    assert "2016/09/fish-market.jpg" in without and "featured image 10 not imported" in without
    assert article("11").lead_image is None

    output = run_import(NEWSROOM, "--media-dir", str(uploads))

    assert "1 image: missing media (not in --media-dir) (2016/09/night-ferry.jpg)" in output
    assert article("11").lead_image.description == "Crates of fish on a wet quay"


def test_comments_keep_threads_states_and_only_a_keyed_address(home, uploads, mira):
    output = run_import(NEWSROOM, "--media-dir", str(uploads))

    first, reply, answer = comment("101"), comment("102"), comment("103")
    # The reply came before its parent in the export: threads are rebuilt anyway.
    assert reply.parent == first and reply.thread == first and reply.depth == 1
    assert answer.parent == reply and answer.thread == first and answer.depth == 2
    assert answer.user == mira and answer.guest_name == ""  # wp:comment_user_id → account
    assert first.guest_name == "Lee Harper" and first.guest_email == "lee@reader.example"
    assert first.guest_url == ""  # a javascript: website is dropped
    assert reply.guest_url == "https://pat.reader.example"
    assert first.created_at.isoformat() == "2016-09-05T10:00:00+00:00"
    assert first.ip_hash == keyed_hash("address", "203.0.113.9")
    assert not Comment.objects.filter(ip_hash__contains="203.0.113").exists()
    assert {comment(i).status for i in ("104", "105", "106")} == {"pending", "spam", "removed"}
    # Hostile HTML in a comment: the script's text and the image are gone, the link stays.
    assert "<script" not in first.body_html and "onerror" not in first.body_html
    assert "document.cookie" not in first.body
    assert '<a href="https://tides.example/east" rel="nofollow ugc noopener">' in first.body_html
    # Pingbacks and trackbacks are notices from other sites, not readers' comments:
    # skipped, each counted with its reason.
    assert "1 comment: pingback (not a comment) (107)" in output
    assert "1 comment: trackback (not a comment) (109)" in output
    assert "1 comment: comment whose parent is missing (108)" in output
    assert "comment 6 0 3" in " ".join(output.split())
    assert not ImportedObject.objects.filter(
        kind="comment", source_id__in=["107", "108", "109"]
    ).exists()
    assert not Comment.objects.filter(guest_name="Harbour Watch").exists()


def test_wpdiscuz_votes_and_ratings_become_totals_that_survive_a_recount(home, uploads):
    run_import(NEWSROOM, "--media-dir", str(uploads))

    first, reply = comment("101"), comment("102")
    assert (first.upvotes, first.downvotes, first.score) == (5, 3, 2)  # wpdiscuz_votes_seperate
    assert (reply.upvotes, reply.downvotes, reply.score) == (0, 2, -2)  # wpdiscuz_votes only
    quay = article("11")
    summary = RatingSummary.objects.get(page_id=quay.pk)
    assert (summary.count, summary.total, summary.average) == (2, 9, 4.5)
    assert (summary.imported_count, summary.imported_total) == (2, 9)
    discussion = Discussion.objects.get(page_id=quay.pk)
    assert discussion.comment_count == 3  # approved only
    assert Comment.objects.get(pk=first.pk).reply_count == 2

    before = _counts(quay.pk)
    recount()
    assert _counts(quay.pk) == before


def test_new_ratings_add_to_imported_ones(home, uploads):
    from broadsheet.engagement.identity import Reader
    from broadsheet.engagement.services import rate_page

    run_import(NEWSROOM, "--media-dir", str(uploads))
    quay = article("11")
    guest = Reader(user=None, guest_key="k" * 64, ip_hash=keyed_hash("address", "192.0.2.50"))
    result = rate_page(page_id=quay.pk, reader=guest, stars=3)

    assert (result.count, result.average) == (3, 4.0)
    summary = RatingSummary.objects.get(page_id=quay.pk)
    assert (summary.count, summary.total) == (3, 12)
    recount(quay.pk)
    summary.refresh_from_db()
    assert (summary.count, summary.total) == (3, 12)


def _counts(page_id: int):
    comments = Comment.objects.filter(page_id=page_id).order_by("pk")
    summary = RatingSummary.objects.get(page_id=page_id)
    return (
        list(comments.values_list("upvotes", "downvotes", "score", "reply_count")),
        Discussion.objects.get(page_id=page_id).comment_count,
        (summary.count, summary.total),
    )


def test_running_it_again_updates_and_never_duplicates(home, uploads):
    run_import(NEWSROOM, "--media-dir", str(uploads))
    rows = _rows()

    output = run_import(NEWSROOM, "--media-dir", str(uploads))

    assert _rows() == rows
    assert "article                0         5         0" in " ".join(output.split("\n"))
    quay = article("11")
    assert _counts(quay.pk)[2] == (2, 9)  # imported ratings replaced, not added twice


def _rows():
    return {
        "articles": ArticlePage.objects.count(),
        "sections": SectionPage.objects.count(),
        "authors": Author.objects.count(),
        "images": Image.objects.count(),
        "comments": Comment.objects.count(),
        "tags": Tag.objects.count(),
        "redirects": Redirect.objects.count(),
        "mapped": ImportedObject.objects.count(),
    }


def test_dry_run_prints_the_report_and_writes_nothing(home, uploads):
    rows = _rows()
    output = run_import(NEWSROOM, "--media-dir", str(uploads), "--dry-run")

    assert output.startswith("Import report (dry run: nothing was written)")
    assert "article" in output and "comment" in output
    assert _rows() == rows
    assert not list((Path(uploads).parent).glob("media/original_images/*"))


def test_old_links_answer_301_to_the_article(home, uploads, client):
    run_import(NEWSROOM, "--media-dir", str(uploads))
    quay = article("11")

    for old in ("/2016/09/05/quay-repairs-start/", "/?p=11", "/2016/09/05/quay-repairs-start"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == quay.url
    assert client.get(quay.url).status_code == 200
    assert client.get("/").status_code == 200  # the front page itself is untouched


def test_malformed_xml_stops_with_line_and_column(home, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text(NEWSROOM.read_text().replace("</wp:post_type>", "</wp:post_typo>", 3))
    with pytest.raises(CommandError, match=r"malformed XML at line \d+, column \d+"):
        run_import(broken)
    assert not ArticlePage.objects.exists()


def test_entity_expansion_and_external_entities_are_refused(home, tmp_path):
    laughs = tmp_path / "laughs.xml"
    laughs.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:base_site_url>https://x.example</wp:base_site_url>"
        "<item><title>&lol3;</title></item></channel></rss>"
    )
    external = tmp_path / "external.xml"
    external.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:base_site_url>https://x.example</wp:base_site_url>"
        "<item><title>&secret;</title></item></channel></rss>"
    )
    for path in (laughs, external):
        with pytest.raises(CommandError, match="refused"):
            run_import(path)
    assert not ArticlePage.objects.exists()


def test_a_failing_item_leaves_nothing_half_imported(home, uploads, monkeypatch):
    from broadsheet.migration import wxr

    def broken_comment(self, page, wp, parent, existing):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wxr.WxrImport, "_comment", broken_comment)
    output = run_import(NEWSROOM, "--media-dir", str(uploads))

    assert "failed (RuntimeError: disk full)" in output
    # The post with comments rolled back whole; posts without comments went in.
    assert not ImportedObject.objects.filter(kind="article", source_id="11").exists()
    assert not ArticlePage.objects.filter(title__startswith="Quay repairs").exists()
    assert not Comment.objects.exists()
    assert ImportedObject.objects.filter(kind="article", source_id="12").exists()


def test_wxr_1_1_exports_read_the_same(home, tmp_path):
    older = tmp_path / "wxr11.xml"
    older.write_text(NEWSROOM.read_text().replace("export/1.2/", "export/1.1/"))
    run_import(older)
    assert ArticlePage.objects.count() == 5
    assert comment("101").upvotes == 5


def test_related_lists_and_search_index_are_refreshed_by_tasks(
    home, uploads, monkeypatch, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    enqueued = []
    monkeypatch.setattr(  # discovery's own task, seen from the importer
        "broadsheet.migration.wxr.refresh_related_task",
        SimpleNamespace(enqueue=enqueued.append),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import(NEWSROOM, "--media-dir", str(uploads))
    live = set(ArticlePage.objects.live().values_list("pk", flat=True))
    assert set(enqueued) == live and len(live) == 2
    from wagtail.search.backends import get_search_backend

    found = get_search_backend().search("quay", ArticlePage)
    assert article("11").pk in [page.pk for page in found]


def test_the_report_lists_every_skip_and_everything_kept_to_check(home, uploads):
    """Nothing is dropped silently: pages, unknown post types, malformed items, unknown
    blocks and shortcodes and removed markup are each listed with their reason."""
    output = run_import(NEWSROOM, "--media-dir", str(uploads))

    skipped, _, to_check = output.partition("Kept, to check:")
    for line in (
        "1 page: pages are not imported (make them in the admin) (16)",
        "1 item: unknown post type 'nav_menu_item' (17)",
        "1 item: malformed item (an item without wp:post_id or wp:post_type) ((no id))",
        "1 image: missing media (not in --media-dir) (2016/09/night-ferry.jpg)",
    ):
        assert line in skipped, line
    for line in (
        "article: shortcode [poll] kept as text (11)",
        "article: <script> removed (11)",
        "article: <iframe> kept as sanitized HTML (11)",
        "article: block core/table kept as sanitized HTML (12)",
    ):
        assert line in to_check, line


def test_progress_bar_reports_the_whole_file_and_the_items_done(home, uploads):
    """`--progress` shows the bar where no terminal is (a log file, a pipe): it ends at
    the whole file read (both passes) with the count of items the report lists."""
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_wxr",
        str(NEWSROOM),
        "--media-dir",
        str(uploads),
        "--progress",
        stdout=out,
        stderr=err,
    )

    report = out.getvalue()
    assert report.startswith("Import report")
    table = report.split("Skipped:")[0].splitlines()[2:]
    items = sum(int(n) for row in table for n in row.split()[-3:])
    assert items == 34  # created, updated and skipped, of every kind
    final = err.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("Importing: 100%"), final
    assert final.endswith(f"{items} items]"), final


def test_no_progress_bar_without_a_terminal_or_with_no_progress(home, uploads):
    err = io.StringIO()  # not a terminal
    call_command("import_wxr", str(NEWSROOM), stdout=io.StringIO(), stderr=err)
    call_command("import_wxr", str(NEWSROOM), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
