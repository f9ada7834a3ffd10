"""`broadsheet export` and `broadsheet import`: everything out, and back in as it was."""

import io
import json
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image
from wagtail.models import Page, Revision, Site

from broadsheet.engagement.models import Comment, Discussion, Rating, RatingSummary
from broadsheet.migration import jsonl
from broadsheet.moderation.models import Ban, ModerationAction, ModerationRules, Report
from broadsheet.newsroom.models import Author, SupportCallToAction
from broadsheet.notifications.models import Address

WP = "{http://wordpress.org/export/1.2/}"


def read(directory, kind: str) -> list[dict]:
    return [json.loads(line) for line in (directory / f"{kind}.jsonl").read_text().splitlines()]


def wipe_site() -> None:
    """Everything the export carries, gone: the database an import expects (plus what
    Wagtail's migrations leave: the root page and its collection)."""
    for image in Image.objects.all():
        image.file.delete(save=False)
    for model in (Comment, Rating, Address, Ban, Report, ModerationAction, Redirect):
        model.objects.all().delete()
    Page.objects.filter(depth__gt=1).delete()
    for model in (Revision, Site, Author, Tag, Image, SupportCallToAction, ModerationRules, User):
        model.objects.all().delete()


def test_export_writes_a_file_per_kind_and_a_manifest(rich_site, tmp_path):
    call_command("export", str(tmp_path / "out"), stdout=open("/dev/null", "w"))  # noqa: SIM115
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == jsonl.FORMAT_VERSION
    assert manifest["generator"] == "Broadsheet"
    assert manifest["counts"]["articles"] == 4
    assert manifest["counts"]["comments"] == 5
    for kind in jsonl.KINDS:
        lines = (out / kind.file_name).read_text().splitlines()
        assert len(lines) == manifest["counts"][kind.name]

    story = next(a for a in read(out, "articles") if a["slug"] == "bridge-talks-stall")
    assert [a["author_id"] for a in story["authors"]] == [
        Author.objects.get(slug=slug).pk for slug in ("ada-byrne", "ben-okafor")
    ]
    assert story["lead_image_provenance"] == "handout"
    assert story["lead_image_verified"] is False
    assert story["lead_image_credit"] == "Ministry/Handout"
    assert story["content_type_id"] == "newsroom.articlepage"
    assert len(story["revisions"]) == 2
    assert story["corrections"][0]["text"].startswith("An earlier version")
    assert {block["type"] for block in story["body"]} == {"paragraph", "heading", "quote", "image"}

    comments = {c["body"]: c for c in read(out, "comments")}
    assert (
        comments["Taxpayers, as ever."]["parent_id"] == comments["Who *pays* for the bridge?"]["id"]
    )
    assert comments["Cheap pills"]["status"] == "spam"
    assert comments["Second thoughts"]["status"] == "removed"
    assert comments["Who *pays* for the bridge?"]["guest_email"] == "alice@example.org"
    anchors = read(out, "passage_anchors")
    assert anchors[0]["exact"] == "Lorries still queue." and anchors[0]["history"]
    assert {(s["kind"], s["confirmed_at"] is None) for s in read(out, "subscriptions")} == {
        ("comments", False),
        ("replies", True),
        ("mentions", False),
    }
    users = {u["username"]: u for u in read(out, "users")}
    assert "password" not in users["desk"]
    assert users["desk"]["groups"] == ["Moderators"]
    assert users["desk"]["emails"][0]["verified"] is True
    for image in read(out, "images"):
        assert (out / "media" / image["file"]).read_bytes() == default_storage.open(
            image["file"]
        ).read()


def test_wxr_parses_and_has_what_wordpress_needs(rich_site, tmp_path):
    call_command("export", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    channel = ElementTree.parse(tmp_path / "wordpress.xml").getroot().find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url")
    logins = {a.findtext(f"{WP}author_login") for a in channel.iter(f"{WP}author")}
    assert {"ada-byrne", "ben-okafor"} <= logins
    assert {c.findtext(f"{WP}category_nicename") for c in channel.iter(f"{WP}category")} == {
        "world",
        "opinion",
    }
    assert "Bridges & Tunnels" in {t.findtext(f"{WP}tag_name") for t in channel.iter(f"{WP}tag")}
    items = {i.findtext(f"{WP}post_name"): i for i in channel.iter("item")}
    story = items["bridge-talks-stall"]
    assert story.findtext(f"{WP}post_type") == "post"
    assert story.findtext(f"{WP}status") == "publish"
    assert items["draft-story"].findtext(f"{WP}status") == "draft"
    content = story.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert "Lorries still queue." in content and "misnamed the hotel" in content
    assert story.findtext("{http://purl.org/dc/elements/1.1/}creator") == "ada-byrne"
    comments = {c.findtext(f"{WP}comment_id"): c for c in story.iter(f"{WP}comment")}
    first, reply = rich_site["first"], rich_site["reply"]
    assert comments[str(reply.pk)].findtext(f"{WP}comment_parent") == str(first.pk)
    assert comments[str(first.pk)].findtext(f"{WP}comment_approved") == "1"
    passage = {
        m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value")
        for m in comments[str(first.pk)].iter(f"{WP}commentmeta")
    }
    assert passage["broadsheet_passage"] == "Lorries still queue."
    column = items["build-the-bridge"]
    statuses = [c.findtext(f"{WP}comment_approved") for c in column.iter(f"{WP}comment")]
    assert statuses == ["trash"]  # the spam is left out, as WordPress does
    attachments = [i for i in items.values() if i.findtext(f"{WP}post_type") == "attachment"]
    assert len(attachments) == Image.objects.count()
    thumbnail = {
        m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value")
        for m in story.iter(f"{WP}postmeta")
    }["_thumbnail_id"]
    assert thumbnail in {a.findtext(f"{WP}post_id") for a in attachments}
    assert all(a.findtext(f"{WP}attachment_url").startswith("http") for a in attachments)


def test_import_of_an_export_gives_the_same_site(rich_site, tmp_path):
    story_url = rich_site["story"].url
    before = Client().get(story_url)
    assert before.status_code == 200
    call_command("export", str(tmp_path / "a"), stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = {
        "discussions": sorted(
            Discussion.objects.filter(comment_count__gt=0).values_list("page_id", "comment_count")
        ),
        "ratings": sorted(RatingSummary.objects.values_list("page_id", "count", "total")),
    }
    moments = sorted(Comment.objects.values_list("pk", "created_at"))
    assert any(moment.microsecond % 1000 for _pk, moment in moments)  # finer than ms
    wipe_site()
    assert not Comment.objects.exists() and not Image.objects.exists()

    call_command("import", str(tmp_path / "a"), "--no-index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("export", str(tmp_path / "b"), stdout=open("/dev/null", "w"))  # noqa: SIM115

    for kind in jsonl.KINDS:
        first = (tmp_path / "a" / kind.file_name).read_text()
        second = (tmp_path / "b" / kind.file_name).read_text()
        assert first == second, kind.name
    wxr = [(tmp_path / d / "wordpress.xml").read_text().splitlines() for d in "ab"]
    assert [line for line in wxr[0] if "pubDate" not in line] == [
        line for line in wxr[1] if "pubDate" not in line
    ]
    assert counts == {
        "discussions": sorted(
            Discussion.objects.filter(comment_count__gt=0).values_list("page_id", "comment_count")
        ),
        "ratings": sorted(RatingSummary.objects.values_list("page_id", "count", "total")),
    }
    assert sorted(Comment.objects.values_list("pk", "created_at")) == moments
    after = Client().get(story_url)
    assert after.status_code == 200
    for text in ("Bridge talks stall", "Who <em>pays</em> for the bridge?", "Ministry/Handout"):
        assert text in after.content.decode()
    # New rows get new ids after the imported ones (sequences moved on).
    assert Comment.objects.create(page_id=rich_site["story"].pk, body="x", guest_name="N").pk


def test_import_refuses_a_site_with_content(rich_site, tmp_path):
    call_command("export", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    with pytest.raises(CommandError, match="This site is not empty"):
        call_command("import", str(tmp_path), "--no-index")


def test_import_refuses_a_folder_that_is_no_export(db, tmp_path):
    with pytest.raises(CommandError, match="not a Broadsheet export"):
        call_command("import", str(tmp_path))


def test_export_queries_do_not_grow_with_the_site(rich_site):
    """Each kind costs a fixed number of queries per page of rows (a few hundred)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from broadsheet.engagement import services
    from broadsheet.migration.tests.conftest import guest
    from broadsheet.newsroom.tests.factories import ArticlePageFactory

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            for kind in jsonl.KINDS:
                for _line in jsonl.lines(kind):
                    pass
        return len(captured)

    before = queries()
    story = rich_site["story"]
    for n in range(5):
        article = ArticlePageFactory(
            parent=story.get_parent(), slug=f"more-{n}", tags=[f"t{n}"], authors=story.authors
        )
        services.post_comment(
            page_id=article.pk,
            reader=guest(f"g{n}"),
            body="More",
            author_name="G",
            author_email="g@example.org",
            consent=True,
        )
    assert queries() == before


def test_a_damaged_export_is_refused_whole_and_never_reads_outside_its_folder(rich_site, tmp_path):
    from broadsheet.migration.jsonl_import import import_site

    export = tmp_path / "export"
    call_command("export", str(export), stdout=open("/dev/null", "w"))  # noqa: SIM115
    wipe_site()
    (tmp_path / "secret.png").write_bytes(b"not for import")
    images = read(export, "images")
    images[0]["file"] = "../secret.png"
    (export / "images.jsonl").write_text("".join(json.dumps(i) + "\n" for i in images))
    articles = (export / "articles.jsonl").read_text()
    lines = articles.splitlines()
    (export / "articles.jsonl").write_text("\n".join([lines[0], lines[1][:40], *lines[2:]]))

    with pytest.raises(CommandError, match=r"articles.jsonl, line 2: not JSON"):
        call_command("import", str(export), "--no-index")
    assert not Page.objects.filter(depth__gt=1).exists()
    assert not Comment.objects.exists() and not Image.objects.exists()

    (export / "articles.jsonl").write_text(articles)
    report = import_site(export)
    assert report.missing_files == ["../secret.png"]
    assert not default_storage.exists("secret.png")
    assert Comment.objects.count() == 5


def _articles() -> dict:
    """What WXR carries of each article, by slug: title, state, date (to the second, as
    WXR writes it), section, tags, bylines, standfirst, lead image with its caption."""
    from broadsheet.newsroom.models import ArticlePage, SectionPage

    found = {}
    for page in ArticlePage.objects.all():
        parent = page.get_parent().specific
        found[page.slug] = {
            "title": page.title,
            "live": page.live,
            "first_published_at": page.first_published_at
            and page.first_published_at.replace(microsecond=0),
            "section": parent.slug if isinstance(parent, SectionPage) else None,
            "tags": sorted(tag.name for tag in page.tags.all()),
            "authors": [a.author.slug for a in page.article_authors.all()],
            "standfirst": page.standfirst,
            "lead_image": page.lead_image and page.lead_image.file.read(),
            "body_images": [
                block.value["image"].file.read()
                for block in page.body
                if block.block_type == "image"
            ],
            **{
                f"lead_image_{key}": getattr(page, f"lead_image_{key}")
                for key in ("caption", "credit", "source", "provenance", "verified")
            },
            "lead_image_usage_restriction": page.lead_image_usage_restriction,
        }
    return found


def _comments() -> dict:
    """What WXR carries of each comment, by body: author, status, parent, date, votes."""
    return {
        c.body: {
            "author": c.author_name,
            "status": c.status,
            "parent": c.parent.body if c.parent_id else None,
            "thread": c.thread.body if c.thread_id else None,
            "article": c.page.slug,
            "created_at": c.created_at.replace(microsecond=0),
            "votes": (c.upvotes, c.downvotes, c.score),
        }
        for c in Comment.objects.select_related("parent", "thread", "page", "user")
    }


def test_our_wordpress_xml_imports_back_into_an_empty_site(rich_site, tmp_path):
    """The WXR file is the way out to WordPress and back in: `import_wxr` on it, in an
    empty Broadsheet, gives the articles and discussions it carries."""
    from broadsheet.newsroom.models import HomePage

    out = tmp_path / "out"  # not tmp_path itself: the tests' MEDIA_ROOT is tmp_path/media
    call_command("export", str(out), stdout=open("/dev/null", "w"))  # noqa: SIM115
    articles, comments = _articles(), _comments()
    authors = sorted(Author.objects.values_list("slug", "name"))
    ratings = {
        page.slug: RatingSummary.objects.values_list("count", "total").get(page_id=page.pk)
        for page in Page.objects.filter(pk__in=RatingSummary.objects.values("page_id"))
    }
    assert ratings == {"bridge-talks-stall": (2, 6)}
    assert comments["Who *pays* for the bridge?"]["votes"] == (1, 1, 0)
    hostname = Site.objects.get(is_default_site=True).hostname
    wipe_site()
    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Front page", slug="front-page")
    )
    Site.objects.create(hostname=hostname, root_page=home, is_default_site=True)

    printed = io.StringIO()
    call_command(
        "import_wxr", str(out / "wordpress.xml"), "--media-dir", str(out / "media"), stdout=printed
    )
    report = printed.getvalue()

    assert "Skipped:" not in report and "not imported" not in report, report
    assert _articles() == articles
    assert articles["bridge-talks-stall"]["authors"] == ["ada-byrne", "ben-okafor"]
    assert articles["bridge-talks-stall"]["lead_image_credit"] == "Ministry/Handout"
    assert len(articles["bridge-talks-stall"]["body_images"]) == 1
    assert articles["draft-story"]["authors"] == []  # unsigned, not "the newsroom"
    assert sorted(Author.objects.values_list("slug", "name")) == authors
    # WordPress leaves spam out of its exports, and so does ours.
    del comments["Cheap pills"]
    assert _comments() == comments
    assert {
        page.slug: (summary.count, summary.total, summary.imported_count)
        for page in Page.objects.filter(pk__in=RatingSummary.objects.values("page_id"))
        for summary in [RatingSummary.objects.get(page_id=page.pk)]
    } == {"bridge-talks-stall": (2, 6, 2)}
    # Readers' names stay on their comments; the account's comment comes back as a
    # guest's under the same name (WXR has the name, not the account).
    assert Comment.objects.get(body="Deep reply").guest_name == "cy"
