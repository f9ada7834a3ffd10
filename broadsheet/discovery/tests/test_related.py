"""Related articles: computed when articles are published, stored, read by pages and API."""

import pytest

from broadsheet.discovery.models import RelatedArticle, RelatedVocabulary
from broadsheet.newsroom.models import RelatedArticlePick
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db

STORIES = {
    "bridge": [
        ("Bridge talks stall over river crossings", "Negotiators argue over the Sava bridges."),
        ("Sava bridge convoy finally crosses", "Grain lorries cross the Sava bridges after talks."),
        ("Customs officers share the Sava crossings", "A deal on inspections at the bridges."),
    ],
    "reservoir": [
        ("Reservoirs at their lowest in a decade", "The hill reservoirs hold 41 per cent."),
        ("Hosepipe ban likely as reservoirs fall", "Water authority warns of a dry spring."),
        ("Leaking water mains lose a fifth of supply", "Repairs to mains as reservoirs fall."),
    ],
}


@pytest.fixture(params=["full scan", "search candidates"])
def newsroom(request, db, settings, django_capture_on_commit_callbacks):
    """The same newsroom in both regimes: every article compared with every other, and
    (as at 100,000 articles) candidates from the search backend on a stored vocabulary."""
    if request.param == "search candidates":
        settings.RELATED_FULL_SCAN_LIMIT = 2
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    made = {}
    for cluster, stories in STORIES.items():
        for n, (title, standfirst) in enumerate(stories):
            with django_capture_on_commit_callbacks(execute=True):
                made[(cluster, n)] = ArticlePageFactory(
                    parent=world,
                    title=title,
                    standfirst=standfirst,
                    body=[("paragraph", f"<p>{standfirst} {title}.</p>")],
                )
    return made


def titles(client, article):
    response = client.get(f"/api/v1/articles/{article.pk}/related")
    assert response.status_code == 200
    return [item["title"] for item in response.json()["results"]]


def test_publishing_computes_and_stores_related_lists(client, newsroom):
    bridge = newsroom[("bridge", 0)]
    related = titles(client, bridge)
    assert len(related) >= 3
    assert set(related[:2]) == {t for t, _ in STORIES["bridge"][1:]}
    assert RelatedArticle.objects.filter(article=bridge).count() >= 3
    item = client.get(f"/api/v1/articles/{bridge.pk}/related").json()["results"][0]
    assert set(item) == {"id", "url", "title"} and item["url"].startswith("http")


def test_a_later_article_enters_earlier_lists(client, newsroom, settings):
    first = newsroom[("reservoir", 0)]
    latest = newsroom[("reservoir", 2)]
    assert latest.title in titles(client, first)[:2]
    # The large-archive regime really ran: it keeps the archive's vocabulary.
    large = len(newsroom) > settings.RELATED_FULL_SCAN_LIMIT
    assert RelatedVocabulary.objects.exists() == large


def test_pages_read_stored_lists_and_never_compute(client, newsroom):
    bridge = newsroom[("bridge", 0)]
    RelatedArticle.objects.all().delete()
    assert titles(client, bridge) == []
    html = client.get(bridge.url).content.decode()
    assert 'class="related"' not in html


def test_editors_picks_come_first(client, newsroom):
    bridge = newsroom[("bridge", 0)]
    pick = newsroom[("reservoir", 1)]
    RelatedArticlePick.objects.create(page=bridge, article=pick, sort_order=0)
    related = titles(client, bridge)
    assert related[0] == pick.title
    assert len(related) == len(set(related))


def test_unpublishing_removes_an_article_from_every_list(
    client, newsroom, django_capture_on_commit_callbacks
):
    gone = newsroom[("bridge", 1)]
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
    assert not RelatedArticle.objects.filter(related=gone).exists()
    for article in newsroom.values():
        if article.pk != gone.pk:
            assert gone.title not in titles(client, article)
            assert len(titles(client, article)) >= 3


def test_related_slot_on_the_article_page(client, newsroom):
    html = client.get(newsroom[("reservoir", 0)].url).content.decode()
    slot = html[html.index('data-slot="related"') :]
    assert "Hosepipe ban likely as reservoirs fall" in slot


def test_unknown_article_is_a_404(client, newsroom):
    assert client.get("/api/v1/articles/999999/related").status_code == 404
