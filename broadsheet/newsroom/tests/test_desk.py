"""The desk: from the dashboard to a published article in few actions (the browser
journey is test_browser_desk.py; these are its server-side rules)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from broadsheet.newsroom.models import ArticleAuthor, ArticlePage, Author
from broadsheet.newsroom.tests.factories import ArticlePageFactory, AuthorFactory, png_bytes

pytestmark = pytest.mark.django_db


def new_article(section, **fields) -> dict:
    """What the admin's create form posts for a short article, authors left empty."""
    data = {
        "title": "Handout pictures need a second look",
        "slug": "handout-pictures",
        "standfirst": "",
        "article_authors": inline_formset([]),
        "lead_image_provenance": "staff",
        "lead_image_verified": "on",
        "body": streamfield([("paragraph", rich_text("<p>One.</p><p>Two.</p>"))]),
        "corrections": inline_formset([]),
        "related_picks": inline_formset([]),
        "comments": inline_formset([]),
        "comments_open": "on",
        "rating_enabled": "on",
        "action-publish": "action-publish",
    }
    data.update(fields)
    return nested_form_data(data)


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
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200  # the dashboard itself, not a refusal or sign-in
    assert "<title>Dashboard - Wagtail</title>" in dashboard.content.decode()
    assert "Write an article in" not in dashboard.content.decode()


def test_publish_is_the_first_action_for_editors_who_may_publish(
    client, world, reporter, desk_editor
):
    def first_action(user, url):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        footer = response.content.decode().split('class="w-dropdown-button"', 1)[1]
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


def test_an_article_left_without_authors_is_signed_by_the_editor_who_publishes_it(
    client, opinion, desk_editor
):
    client.force_login(desk_editor)
    response = client.post(create_url(opinion), new_article(opinion))
    assert response.status_code == 302, response.content.decode()[:3000]

    article = ArticlePage.objects.get(slug="handout-pictures")
    assert article.live
    assert [author.name for author in article.authors] == ["Dana Desk"]
    assert Author.objects.get(user=desk_editor).slug == "dana-desk"
    page = client.get(article.url).content.decode()
    assert 'rel="author">Dana Desk</a> in <a' in page

    # One Author per account: the next article reuses it.
    client.post(create_url(opinion), new_article(opinion, slug="second", title="Second"))
    assert ArticlePage.objects.get(slug="second").authors == [article.authors[0]]
    assert Author.objects.count() == 1


def test_chosen_authors_are_kept_and_a_published_article_may_lose_its_byline(
    client, world, ada, desk_editor
):
    client.force_login(desk_editor)
    authors = inline_formset([{"author": ada.pk, "id": "", "ORDER": "1"}])
    client.post(create_url(world), new_article(world, article_authors=authors))
    article = ArticlePage.objects.get(slug="handout-pictures")
    assert article.authors == [ada]

    published = ArticlePageFactory(parent=world, authors=[ada], slug="agency-copy")
    link = ArticleAuthor.objects.get(page=published)
    removed = inline_formset(
        [{"author": ada.pk, "id": link.pk, "ORDER": "1", "DELETE": "on"}], initial=1
    )
    data = new_article(world, slug="agency-copy", title="Agency copy", article_authors=removed)
    response = client.post(f"/admin/pages/{published.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ArticlePage.objects.get(pk=published.pk).authors == []
    assert not Author.objects.filter(user=desk_editor).exists()


def test_an_editors_own_byline_never_takes_over_a_namesake(desk_editor):
    namesake = AuthorFactory(name="Dana Desk", slug="dana-desk")
    author = Author.for_account(desk_editor)
    assert author != namesake
    assert (author.name, author.slug, author.user) == ("Dana Desk", "dana-desk-2", desk_editor)
    assert Author.for_account(desk_editor) == author


def test_a_new_article_starts_with_one_empty_text_block(client, world, desk_editor):
    client.force_login(desk_editor)
    html = client.get(create_url(world)).content.decode()
    assert re.search(r"&quot;type&quot;: &quot;paragraph&quot;", html), "no text block"

    article = ArticlePageFactory(parent=world, body=[])
    response = client.get(f"/admin/pages/{article.pk}/edit/")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="page-edit-form"' in html  # the editor
    assert not re.search(r"&quot;type&quot;: &quot;paragraph&quot;", html)


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
