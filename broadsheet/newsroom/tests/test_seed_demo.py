"""`broadsheet seed_demo`: the demo newsroom, complete and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from taggit.models import Tag
from wagtail.images.models import Image
from wagtail.models import Page, Revision, Site

from broadsheet.engagement.models import Comment, Rating, Vote
from broadsheet.newsroom.models import ArticlePage, Author, Correction, SectionPage
from broadsheet.tests.module_rows import module_rows

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("url_path", "live", "title")),
        "revisions": Revision.objects.count(),
        "images": sorted(Image.objects.values_list("title", "file")),
        "authors": sorted(Author.objects.values_list("slug", "name", "bio")),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "corrections": Correction.objects.count(),
        "comments": sorted(Comment.objects.values_list("page_id", "body", "score", "reply_count")),
        "votes": Vote.objects.count(),
        "ratings": sorted(Rating.objects.values_list("page_id", "stars")),
    }


PASSWORD = "desk-password-1"


def _one_command(media) -> str:
    out = StringIO()
    with override_settings(MEDIA_ROOT=media):
        call_command("seed_demo", "--editor", "--password", PASSWORD, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def one_command(django_db_setup, django_db_blocker, tmp_path_factory):
    """`seed_demo --editor` run once on an empty site (3 s), for the tests of a class
    that look at what it made; each test's changes are rolled back after it. (The other
    tests, outside the class, start from an empty site.)"""
    media = tmp_path_factory.mktemp("demo-media")
    with module_rows(django_db_blocker, _one_command, media) as output:
        yield {"media": media, "output": output}


@pytest.fixture
def demo(one_command, db, settings):
    """The demo newsroom and editor, the pictures where the rows say they are; what the
    command printed."""
    settings.MEDIA_ROOT = one_command["media"]
    return one_command["output"]


def test_demo_pictures_are_deterministic():
    from broadsheet.newsroom.demo import draw_scene

    assert draw_scene("a-slug", "world") == draw_scene("a-slug", "world")
    assert draw_scene("a-slug", "world") != draw_scene("other-slug", "world")


def test_if_empty_leaves_an_existing_newsroom_alone(world, capsys):
    from broadsheet.newsroom.tests.factories import ArticlePageFactory

    ArticlePageFactory(parent=world)
    call_command("seed_demo", "--if-empty")
    assert ArticlePage.objects.count() == 1
    assert "already has articles" in capsys.readouterr().out


class TestTheDemoNewsroom:
    """What `seed_demo --editor` made on an empty site, built once for the class."""

    def test_seed_builds_the_demo_newsroom(self, demo, client):
        sections = SectionPage.objects.live()
        assert sections.count() >= 3
        assert sections.filter(is_column=True).exclude(disclaimer="").exists()
        assert Author.objects.count() >= 3
        articles = ArticlePage.objects.live()
        assert articles.count() >= 24
        handouts = articles.filter(
            lead_image_provenance="handout", lead_image_verified=False
        ).exclude(lead_image_usage_restriction="")
        assert handouts.count() >= 3
        assert Correction.objects.count() >= 1
        assert all(
            a.lead_image_id and a.tags.exists() and a.article_authors.exists() for a in articles
        )
        quotes = [
            block.value
            for article in articles
            for block in article.body
            if block.block_type == "quote"
        ]
        assert quotes and all(q["speaker"] for q in quotes)

        busiest = max(
            Comment.objects.values_list("page_id", flat=True).distinct(),
            key=lambda pk: Comment.objects.filter(page_id=pk).count(),
        )
        assert Comment.objects.filter(page_id=busiest).count() >= 200
        assert Comment.objects.filter(depth__gte=5).exists()  # deeper than the display depth

        site = Site.objects.get(is_default_site=True)
        assert site.root_page.specific_class.__name__ == "HomePage"
        assert client.get("/").status_code == 200

    def test_seed_twice_changes_nothing(self, demo):
        first = snapshot()
        call_command("seed_demo")
        assert snapshot() == first

    def test_one_command_makes_a_demo_editor_who_can_sign_in_and_moderate(self, demo, client):
        assert f"as editor, password {PASSWORD}" in demo
        assert "/admin/" in demo
        editor = User.objects.get(username="editor")
        assert not editor.is_superuser and editor.has_perm("moderation.moderate_comments")
        assert client.login(username="editor", password=PASSWORD)
        assert client.get("/admin/").status_code == 200
        assert client.get("/admin/moderation/").status_code == 200

        call_command("seed_demo", "--editor", "--password", "another-one-2", stdout=StringIO())
        assert User.objects.filter(username="editor").count() == 1  # reset, not duplicated

    def test_make_runs_last_lines_say_where_to_sign_in_and_how_to_make_an_editor(self, demo):
        # As `make run` leaves it: the demo newsroom (seed_demo --if-empty), no editor yet.
        User.objects.filter(username="editor").delete()
        out = StringIO()
        call_command("welcome", stdout=out)
        text = out.getvalue()
        assert "/admin/" in text and "broadsheet seed_demo --editor" in text
        call_command("seed_demo", "--editor", stdout=StringIO())
        out = StringIO()
        call_command("welcome", stdout=out)
        assert "seed_demo --editor" not in out.getvalue() and "/admin/" in out.getvalue()
