"""One reader, one vote: a guest is their own cookie and an account is its account; an
address never merges two readers. It only caps how many guests behind it are counted.

Readers here are API clients with real cookies and CSRF tokens, and the page cache is on:
what an anonymous reader is shown afterwards must agree with the rows.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment, Rating, RatingSummary, Vote
from broadsheet.engagement.tests.conftest import Reader

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.77"  # one address shared by many readers (an office, a carrier)
ELSEWHERE = "198.51.100.99"


@pytest.fixture
def journey(page_cache_on, django_capture_on_commit_callbacks):
    """Runs one reader's request as the server would, its on-commit work included (the
    page cache's counters move then): `journey(reader.vote, comment_id, 1)`."""

    def step(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return step


def rate(reader, article, stars):
    return reader.post(f"/api/v1/articles/{article.pk}/rating", {"stars": stars})


def rating_line(article) -> str:
    """The rating summary an anonymous reader sees on the (cached) article page."""
    html = Client().get(article.url).content.decode()
    summary = re.search(r'<p class="rating-summary".*?</p>', html, re.S).group(0)
    summary = re.sub(r'<span class="rating-stars" aria-hidden="true".*?</span></span>', "", summary)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary)).strip()


def shown_votes(article, comment_id) -> tuple[int, int, int]:
    """(score, up, down) of a comment in the (cached) comments API, as anyone sees it."""
    thread = Client().get(f"/api/v1/articles/{article.pk}/comments").json()
    shown = next(c for c in thread["results"] if c["id"] == comment_id)
    return shown["score"], shown["up"], shown["down"]


def assert_counts_equal_a_recount(article):
    comments = list(Comment.objects.values_list("pk", "upvotes", "downvotes", "score"))
    summary = RatingSummary.objects.filter(page_id=article.pk).values_list("count", "total")
    stored = (sorted(comments), list(summary))
    services.recount(article.pk)
    comments = list(Comment.objects.values_list("pk", "upvotes", "downvotes", "score"))
    summary = RatingSummary.objects.filter(page_id=article.pk).values_list("count", "total")
    assert stored == (sorted(comments), list(summary))


def signed_in(address: str, name: str) -> Reader:
    reader = Reader(address)
    reader.client.force_login(User.objects.create_user(name, f"{name}@example.org", "pw-" * 4))
    reader.session()
    return reader


def test_two_guests_on_one_address_each_keep_their_own_rating(article, journey):
    assert rating_line(article) == "No ratings yet"  # now in the page cache
    first, second = Reader(OFFICE), Reader(OFFICE)

    assert journey(rate, first, article, 5).json() == {"average": 5.0, "count": 1, "mine": 5}
    assert journey(rate, second, article, 1).json() == {"average": 3.0, "count": 2, "mine": 1}

    assert first.session(article.pk)["rating"] == 5
    assert second.session(article.pk)["rating"] == 1
    assert rating_line(article) == "3.0 out of 5, 2 ratings"
    assert sorted(Rating.objects.values_list("stars", flat=True)) == [1, 5]

    # Each changes their own rating, never the other's.
    assert journey(rate, second, article, 2).json() == {"average": 3.5, "count": 2, "mine": 2}
    assert first.session(article.pk)["rating"] == 5
    assert rating_line(article) == "3.5 out of 5, 2 ratings"
    assert_counts_equal_a_recount(article)


def test_two_guests_on_one_address_each_have_their_own_vote(article, journey):
    comment = Reader(ELSEWHERE).comment(article)["id"]
    assert shown_votes(article, comment) == (0, 0, 0)  # now in the page cache
    first, second = Reader(OFFICE), Reader(OFFICE)

    assert journey(first.vote, comment, 1).json() == {"score": 1, "up": 1, "down": 0, "mine": 1}
    assert journey(second.vote, comment, 1).json() == {"score": 2, "up": 2, "down": 0, "mine": 1}

    assert first.session(article.pk)["votes"] == {str(comment): 1}
    assert second.session(article.pk)["votes"] == {str(comment): 1}
    assert shown_votes(article, comment) == (2, 2, 0)
    assert Vote.objects.filter(comment_id=comment).count() == 2

    # The second withdraws: the first one's vote stands, and both see their own.
    assert journey(second.vote, comment, 0).json() == {"score": 1, "up": 1, "down": 0, "mine": 0}
    assert first.session(article.pk)["votes"] == {str(comment): 1}
    assert second.session(article.pk)["votes"] == {}
    assert shown_votes(article, comment) == (1, 1, 0)
    assert_counts_equal_a_recount(article)


def test_a_guest_and_an_account_on_one_address_are_two_readers(article, journey):
    comment = Reader(ELSEWHERE).comment(article)["id"]
    guest, account = Reader(OFFICE), signed_in(OFFICE, "ines")

    journey(guest.vote, comment, -1)
    journey(rate, guest, article, 4)
    assert journey(account.vote, comment, 1).json()["mine"] == 1
    assert journey(rate, account, article, 2).json() == {"average": 3.0, "count": 2, "mine": 2}

    assert guest.session(article.pk)["votes"] == {str(comment): -1}
    assert guest.session(article.pk)["rating"] == 4
    assert account.session(article.pk)["votes"] == {str(comment): 1}
    assert account.session(article.pk)["rating"] == 2
    assert shown_votes(article, comment) == (0, 1, 1)
    assert_counts_equal_a_recount(article)
