"""The desk: from the dashboard to a published article in few actions (the browser
journey is test_browser_desk.py; these are its server-side rules)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from broadsheet.newsroom.tests.factories import ArticlePageFactory, png_bytes

pytestmark = pytest.mark.django_db


def create_url(section) -> str:
    return f"/admin/pages/add/newsroom/articlepage/{section.pk}/"


def test_the_dashboard_links_to_a_new_article_in_each_section_one_may_write_in(
    client, world, opinion, reporter
):
    client.force_login(reporter)
    html = client.get("/admin/").content.decode()
    assert "Write an article in" in html
    assert f'href="{create_url(world)}">World</a>' in html
    assert f'href="{create_url(opinion)}">Opinion (column)</a>' in html

    reader = User.objects.create_user("viewer", "viewer@example.org", "a-long-password-3")
    group = Group.objects.create(name="Admin viewers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    reader.groups.add(group)
    client.force_login(reader)
    assert "Write an article in" not in client.get("/admin/").content.decode()


def test_publish_is_the_first_action_for_editors_who_may_publish(
    client, world, reporter, desk_editor
):
    def first_action(user, url):
        client.force_login(user)
        footer = client.get(url).content.decode().split('class="w-dropdown-button"', 1)[1]
        button = re.search(r"<button[^>]*>", footer).group(0)
        name = re.search(r'name="([^"]+)"', button)
        return name.group(1) if name else "save draft"

    assert first_action(desk_editor, create_url(world)) == "action-publish"
    assert first_action(reporter, create_url(world)) == "save draft"

    # While a page waits in moderation, Wagtail's order stays (approving is the way).
    article = ArticlePageFactory(parent=world, live=False)
    article.save_revision(user=reporter)
    article.get_workflow().start(article, reporter)
    assert first_action(desk_editor, f"/admin/pages/{article.pk}/edit/") != "action-publish"


def test_a_duplicate_upload_in_the_image_chooser_stays_in_its_upload_tab(client, desk_editor):
    """The chooser swaps its upload tab's panel for the duplicate warning: the swapped-in
    panel must be a panel of the tabs, or Wagtail's tabs script throws."""
    client.force_login(desk_editor)
    for _ in range(2):
        upload = SimpleUploadedFile("IMG_0412.png", png_bytes(), content_type="image/png")
        response = client.post(
            "/admin/images/chooser/create/",
            {"image-chooser-upload-file": upload, "image-chooser-upload-description": "Steps"},
        )
    data = response.json()
    assert data["step"] == "duplicate_found"
    panel = re.search(r'<section id="tab-upload"[^>]*>', data["htmlFragment"]).group(0)
    assert 'role="tabpanel"' in panel and 'data-w-tabs-target="panel"' in panel
