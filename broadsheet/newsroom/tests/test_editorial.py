"""Editorial flow: authors submit, editors publish, schedules go live on time, revisions kept."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from broadsheet.newsroom.tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def test_author_submits_and_editor_publishes(client, world, reporter, desk_editor):
    article = ArticlePageFactory(parent=world, live=False, slug="awaiting-approval")
    assert article.permissions_for_user(reporter).can_edit()
    assert not article.permissions_for_user(reporter).can_publish()
    assert article.permissions_for_user(desk_editor).can_publish()

    workflow = article.get_workflow()
    assert workflow is not None, "the moderation workflow must be on for articles"
    article.save_revision(user=reporter)
    state = workflow.start(article, reporter)
    article.refresh_from_db()
    assert not article.live
    assert client.get("/world/awaiting-approval/").status_code == 404

    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, desk_editor, "approve")

    article.refresh_from_db()
    assert article.live
    assert client.get("/world/awaiting-approval/").status_code == 200


def test_reporter_cannot_publish_or_unpublish_through_the_admin(client, world, reporter):
    story = ArticlePageFactory(parent=world, slug="on-the-site")
    client.force_login(reporter)
    refused = client.post(f"/admin/pages/{story.pk}/unpublish/")  # Wagtail: back to the desk
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    story.refresh_from_db()
    assert story.live
    assert Client().get("/world/on-the-site/").status_code == 200  # readers still see it
    draft = ArticlePageFactory(parent=world, live=False)
    edit = client.get(f"/admin/pages/{draft.pk}/edit/")
    assert edit.status_code == 200
    assert 'name="action-publish"' not in edit.content.decode()
    assert 'name="action-submit"' in edit.content.decode()


def test_scheduled_article_goes_live_at_its_time(client, world):
    article = ArticlePageFactory(parent=world, live=False, slug="embargoed")
    go_live_at = timezone.now() + timedelta(hours=1)
    article.go_live_at = go_live_at
    article.save_revision().publish()
    article.refresh_from_db()
    assert not article.live
    assert client.get("/world/embargoed/").status_code == 404

    call_command("publish_scheduled")  # before the time: nothing happens
    article.refresh_from_db()
    assert not article.live

    # The embargo passes: the stored times move back, rather than the test waiting.
    past = timezone.now() - timedelta(seconds=1)
    scheduled = article.revisions.get(approved_go_live_at=go_live_at)
    scheduled.content["go_live_at"] = past.isoformat()
    scheduled.approved_go_live_at = past
    scheduled.save(update_fields=["content", "approved_go_live_at"])
    type(article).objects.filter(pk=article.pk).update(go_live_at=past)
    call_command("scheduler", "--runs", "1")

    article.refresh_from_db()
    assert article.live
    assert client.get("/world/embargoed/").status_code == 200


def test_revisions_are_kept(world):
    article = ArticlePageFactory(parent=world, title="First headline")
    article.title = "Second headline"
    article.save_revision().publish()
    titles = [r.as_object().title for r in article.revisions.order_by("created_at")]
    assert titles[-2:] == ["First headline", "Second headline"]


def test_preview_shows_unsaved_changes_with_unsaved_authors(world, ada, ben):
    article = ArticlePageFactory(parent=world, title="Saved headline", authors=[ada])
    from broadsheet.newsroom.models import ArticleAuthor

    article.title = "Previewed headline"
    article.article_authors.add(ArticleAuthor(author=ben, sort_order=1))

    response = article.make_preview_request()
    html = response.content.decode()

    assert response.status_code == 200
    assert "Previewed headline" in html
    assert "By <a" in html and "Ada Byrne</a> and <a" in html and "Ben Okafor</a>" in html


def test_the_edit_form_names_the_call_to_action_and_disclaimer_readers_will_see(
    client, home, opinion, desk_editor
):
    from broadsheet.newsroom.models import SupportCallToAction

    members = SupportCallToAction.objects.create(
        text="Columns need readers who pay.", label="Join", link="https://example.org/join"
    )
    opinion.support_cta = members
    opinion.save_revision().publish()
    client.force_login(desk_editor)

    new = client.get(f"/admin/pages/add/newsroom/articlepage/{opinion.pk}/").content.decode()
    assert "“Columns need readers who pay.” (Join), from the section Opinion." in new
    assert "“Columnists speak for themselves, not for the paper.” (the column Opinion)" in new

    own = SupportCallToAction.objects.create(
        text="This investigation took a year.", label="Back it", link="https://example.org/x"
    )
    article = ArticlePageFactory(parent=opinion, support_cta=own, slug="own-cta")
    edit = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "“This investigation took a year.” (Back it), chosen for this article." in edit
    page = client.get(article.url).content.decode()
    assert "This investigation took a year." in page
    assert "Columns need readers who pay." not in page


def test_an_upload_asks_for_alt_text_and_takes_it_as_title(client, desk_editor):
    from wagtail.images.models import Image

    from broadsheet.newsroom.tests.factories import png_bytes

    client.force_login(desk_editor)
    form = client.get("/admin/images/add/").content.decode()
    assert "Alt text" in form and "newsroom/admin-images" in form
    upload = SimpleUploadedFile("DSC_0042.png", png_bytes(), content_type="image/png")
    response = client.post(
        "/admin/images/add/",
        {"title": "", "file": upload, "description": "Delegates leave the hotel at dawn"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert image.title == "Delegates leave the hotel at dawn"


def test_a_lead_image_needs_alt_text(world):
    from django.core.exceptions import ValidationError

    from broadsheet.newsroom.tests.factories import ImageFactory

    with pytest.raises(ValidationError, match="no alt text"):
        ArticlePageFactory(parent=world, lead_image=ImageFactory(description=""))
