"""Article ratings: one vote per reader, replaced not added, summary kept by deltas."""

import re

import pytest
from django.test import Client

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader as Identity
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Rating, RatingSummary
from broadsheet.engagement.tests.conftest import at_the_same_moment, csrf_token_in
from broadsheet.tests.pages import page_html

pytestmark = pytest.mark.django_db


def rate(reader, article, stars):
    return reader.post(f"/api/v1/articles/{article.pk}/rating", {"stars": stars})


def test_no_ratings_yet_says_so(reader, article):
    assert reader.client.get(f"/api/v1/articles/{article.pk}/rating").json() == {
        "average": None,
        "count": 0,
        "mine": None,
    }
    html = Client().get(article.url).content.decode()
    summary = re.search(r'<p class="rating-summary".*?</p>', html, re.S).group(0)
    assert "No ratings yet" in summary
    assert "0 0" not in re.sub(r"<[^>]+>", " ", summary)


def test_ratings_average_and_a_second_vote_replaces_the_first(reader, another_reader, article):
    assert rate(reader, article, 5).json() == {"average": 5.0, "count": 1, "mine": 5}
    assert rate(another_reader, article, 3).json() == {"average": 4.0, "count": 2, "mine": 3}
    assert rate(reader, article, 4).json() == {"average": 3.5, "count": 2, "mine": 4}
    assert Rating.objects.count() == 2
    summary = RatingSummary.objects.get(page_id=article.pk)
    assert (summary.count, summary.total) == (2, 7)
    assert reader.client.get(f"/api/v1/articles/{article.pk}/rating").json()["mine"] == 4

    html = Client().get(article.url).content.decode()
    summary = re.search(r'<p class="rating-summary".*?</p>', html, re.S).group(0)
    summary = re.sub(r'<span class="rating-stars" aria-hidden="true".*?</span></span>', "", summary)
    summary_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary)).strip()
    assert summary_text == "3.5 out of 5, 2 ratings"


@pytest.mark.parametrize("stars", [0, 6, -1, "five", None, 2.5, True, False, "4", 4.0])
def test_bad_stars_are_a_400(reader, article, stars):
    response = rate(reader, article, stars)
    assert response.status_code == 400
    assert "stars" in response.json()["errors"]
    assert Rating.objects.count() == 0


def test_unknown_article_is_a_404(reader, article):
    assert reader.post("/api/v1/articles/999999/rating", {"stars": 3}).status_code == 404


def test_rating_switched_off_per_article_and_per_section(reader, another_reader, article):
    # Rated first: what the rating checks is kept between requests, and must not outlive
    # the editor's switch.
    assert rate(reader, article, 5).status_code == 200
    article.rating_enabled = False
    article.save_revision().publish()
    response = rate(reader, article, 4)
    assert response.status_code == 403
    assert "switched off" in response.json()["detail"]
    assert "data-rating" not in page_html(Client(), article)

    article.rating_enabled = True
    article.save_revision().publish()
    assert rate(reader, article, 4).status_code == 200
    section = article.get_parent().specific
    section.ratings_enabled = False
    section.save_revision().publish()
    assert rate(another_reader, article, 4).status_code == 403
    assert list(Rating.objects.values_list("stars", flat=True)) == [4]


def test_rating_form_works_without_javascript(article):
    page = Client().get(article.url).content.decode()
    form = re.search(r'<form class="rating-form".*?</form>', page, re.S).group(0)
    assert form.count('type="radio"') == 5
    assert "<legend>Rate this article</legend>" in form
    browser = Client(enforce_csrf_checks=True)
    action = re.search(r'action="([^"]+)"', form).group(1)

    confirm = browser.post(action, {"stars": "4"})
    assert confirm.status_code == 403 and Rating.objects.count() == 0
    token = csrf_token_in(confirm)
    done = browser.post(action, {"stars": "4", "csrfmiddlewaretoken": token})

    assert done.status_code == 303 and done["Location"].endswith("#rating")
    assert Rating.objects.get().stars == 4


def test_rating_with_htmx_re_renders_the_slot_with_my_stars(article):
    response = Client().post(f"/ratings/{article.pk}/", {"stars": "2"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "2.0</strong> out of 5, 1 rating" in html
    assert re.search(r'value="2"\s+checked', html)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ratings_are_all_counted(article):
    def rate_it(n):
        voter = Identity(user=None, guest_key=keyed_hash("reader", f"r{n}"), ip_hash=f"r{n}")
        services.rate_page(page_id=article.pk, reader=voter, stars=n % 5 + 1)

    assert at_the_same_moment(rate_it, 10) == []
    summary = RatingSummary.objects.get(page_id=article.pk)
    assert (summary.count, summary.total) == (10, sum(n % 5 + 1 for n in range(10)))
