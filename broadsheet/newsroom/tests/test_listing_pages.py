"""Home, section, author and tag pages: what they list, and a query count that stays flat."""

import re

import pytest

from broadsheet.newsroom.models import ArticlePage
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    ImageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db


def headlines(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-headline"><a href="[^"]+">([^<]+)</a>', html)


def publish_stories(section, authors, count, prefix):
    image = ImageFactory()
    return [
        ArticlePageFactory(
            parent=section,
            title=f"{prefix} {n}",
            authors=authors,
            tags=["Harbour"],
            lead_image=image,
        )
        for n in range(count)
    ]


def test_home_page_shows_lead_story_and_latest_by_section(client, home, world, ada):
    politics = SectionPageFactory(parent=home, title="Politics", slug="politics")
    publish_stories(world, [ada], 6, "World story")
    publish_stories(politics, [ada], 2, "Politics story")

    html = client.get("/").content.decode()

    lead = re.search(r'<section class="lead-story".*?</section>', html, re.S).group(0)
    assert "Politics story 1" in lead  # the newest article leads
    world_block = re.search(r'id="section-\d+".*?World.*?</section>', html, re.S).group(0)
    assert headlines(world_block) == [
        "World story 5",
        "World story 4",
        "World story 3",
        "World story 2",
    ]
    assert "Politics story 0" in html


def test_editor_chosen_lead_story_leads(client, home, world):
    older, newer = publish_stories(world, [], 2, "Story")
    home.lead_article = older
    home.save_revision().publish()

    html = client.get("/").content.decode()
    lead = re.search(r'<section class="lead-story".*?</section>', html, re.S).group(0)
    assert "Story 0" in lead


def test_a_new_opinion_column_never_leads_by_accident(client, home, world, opinion):
    publish_stories(world, [], 1, "News story")
    publish_stories(opinion, [], 1, "Column piece")  # the newest article on the site
    lead = re.search(
        r'<section class="lead-story".*?</section>', client.get("/").content.decode(), re.S
    )[0]
    assert "News story 0" in lead and "Column piece" not in lead

    home.lead_article = ArticlePage.objects.get(title="Column piece 0")
    home.save_revision().publish()
    lead = re.search(
        r'<section class="lead-story".*?</section>', client.get("/").content.decode(), re.S
    )[0]
    assert "Column piece 0" in lead  # an editor's choice leads, whatever it is


def test_home_page_query_count_does_not_grow_with_articles(
    client, home, world, ada, django_assert_max_num_queries
):
    publish_stories(world, [ada], 3, "Early")
    client.get("/")  # renditions for the pictures are made once, on first view
    with django_assert_max_num_queries(30) as few:
        client.get("/")
    baseline = len(few)  # read now: each request resets the query log
    publish_stories(world, [ada], 20, "Late")
    client.get("/")
    with django_assert_max_num_queries(baseline):
        assert client.get("/").status_code == 200


def test_section_page_lists_its_articles_newest_first_and_pages(client, world, ada):
    publish_stories(world, [ada], 22, "World story")

    first = client.get(world.url).content.decode()
    second = client.get(world.url + "?page=2").content.decode()

    assert headlines(first)[:2] == ["World story 21", "World story 20"]
    assert len(headlines(first)) == 20
    assert headlines(second) == ["World story 1", "World story 0"]
    assert 'rel="next"' in first
    assert client.get(world.url + "?page=nonsense").status_code == 200


def test_section_page_query_count_does_not_grow_with_articles(
    client, world, ada, ben, django_assert_max_num_queries
):
    publish_stories(world, [ada, ben], 3, "Early")
    client.get(world.url)
    with django_assert_max_num_queries(30) as few:
        client.get(world.url)
    baseline = len(few)  # read now: each request resets the query log
    publish_stories(world, [ada, ben], 15, "Late")
    client.get(world.url)
    with django_assert_max_num_queries(baseline):
        client.get(world.url)


def test_author_page_shows_bio_and_their_articles(client, world, ada, ben):
    publish_stories(world, [ada], 2, "By Ada")
    publish_stories(world, [ben], 1, "By Ben")

    response = client.get("/authors/ada-byrne/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Ada Byrne</h1>" in html
    assert "Writes about the city." in html
    assert headlines(html) == ["By Ada 1", "By Ada 0"]


def test_tag_page_lists_tagged_articles(client, world, ada):
    publish_stories(world, [ada], 2, "Harbour news")
    ArticlePageFactory(parent=world, title="Untagged story")

    html = client.get("/tags/harbour/").content.decode()

    assert "<h1>Harbour</h1>" in html
    assert headlines(html) == ["Harbour news 1", "Harbour news 0"]


def test_unknown_author_or_tag_is_a_404(client, home):
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/tags/nothing/").status_code == 404


def test_unpublished_articles_are_not_listed(client, world, ada):
    ArticlePageFactory(parent=world, title="Still a draft", authors=[ada], live=False)
    ArticlePageFactory(parent=world, title="Out this morning", authors=[ada])
    for url in ["/", world.url, "/authors/ada-byrne/"]:
        html = client.get(url).content.decode()
        assert "Out this morning" in html  # the listing itself, not an error page
        assert "Still a draft" not in html


def test_section_with_reserved_slug_is_refused(home):
    from django.core.exceptions import ValidationError

    from broadsheet.newsroom.models import SectionPage

    with pytest.raises(ValidationError, match="reserved"):
        home.add_child(instance=SectionPage(title="Authors", slug="authors"))


def test_column_needs_a_disclaimer(home):
    from django.core.exceptions import ValidationError

    from broadsheet.newsroom.models import SectionPage

    with pytest.raises(ValidationError, match="disclaimer"):
        home.add_child(instance=SectionPage(title="Comment", slug="comment", is_column=True))


def test_a_section_behind_a_password_is_left_out_of_listings_search_and_sitemaps(
    client, home, world, opinion, ada
):
    """Wagtail's view restrictions keep a section's articles out of every public list
    (selectors.public), and only that section's."""
    from wagtail.models import PageViewRestriction

    ArticlePageFactory(parent=world, authors=[ada], title="Harbour open", slug="open")
    ArticlePageFactory(parent=opinion, authors=[ada], title="Harbour members", slug="members")
    PageViewRestriction.objects.create(
        page=opinion, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    for url in (
        "/",
        "/search/?q=harbour",
        "/sitemap-articles-1.xml",
        "/sitemap-sections.xml",
        "/feed/",
        "/api/v1/articles",
    ):
        body = client.get(url).content.decode()
        assert "/world/" in body, url
        assert "/opinion/" not in body, url
