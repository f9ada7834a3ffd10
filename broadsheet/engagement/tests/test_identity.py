"""One reader, one vote: a guest is their own cookie and an account is its account; an
address never merges two readers. It only caps how many guests behind it are counted.

Readers here are API clients with real cookies and CSRF tokens, and the page cache is on:
what an anonymous reader is shown afterwards must agree with the rows.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader as Identity
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment, Rating, RatingSummary, Vote
from broadsheet.engagement.tests.conftest import Reader, at_the_same_moment, comment_to_vote_on

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


# Clearing cookies makes a new guest; the address caps how many of them are counted.


def test_guest_votes_on_a_comment_are_capped_per_address(article, journey, settings):
    settings.GUEST_VOTES_PER_ADDRESS = 5
    comment = Reader(ELSEWHERE).comment(article)["id"]
    shown_votes(article, comment)  # now in the page cache
    guests = [Reader(OFFICE) for _ in range(6)]  # one browser clearing cookies, or six

    for n, guest in enumerate(guests[:5], start=1):
        assert journey(guest.vote, comment, 1).json()["score"] == n
    refused = journey(guests[5].vote, comment, 1)
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        "Too many readers on your network have voted on this comment today. Sign in to vote on it."
    )
    assert int(refused["Retry-After"]) > 23 * 3600
    assert guests[5].session(article.pk)["votes"] == {}

    assert journey(Reader(ELSEWHERE).vote, comment, 1).json()["score"] == 6
    # At the cap, the counted guests still change their own votes, and accounts vote.
    assert journey(guests[0].vote, comment, -1).json() == {
        "score": 4,
        "up": 5,
        "down": 1,
        "mine": -1,
    }
    assert journey(signed_in(OFFICE, "olu").vote, comment, 1).json()["score"] == 5
    assert shown_votes(article, comment) == (5, 6, 1)
    assert_counts_equal_a_recount(article)


def test_guest_ratings_of_an_article_are_capped_per_address(article, journey, settings):
    settings.GUEST_VOTES_PER_ADDRESS = 5
    rating_line(article)  # now in the page cache
    guests = [Reader(OFFICE) for _ in range(6)]

    for n, guest in enumerate(guests[:5], start=1):
        assert journey(rate, guest, article, 5).json()["count"] == n
    refused = journey(rate, guests[5], article, 1)
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        "Too many readers on your network have rated this article today. Sign in to rate it."
    )
    assert guests[5].session(article.pk)["rating"] is None

    assert journey(rate, Reader(ELSEWHERE), article, 2).json()["count"] == 6
    assert journey(rate, guests[0], article, 3).json() == {"average": 4.2, "count": 6, "mine": 3}
    assert journey(rate, signed_in(OFFICE, "olu"), article, 1).json()["count"] == 7
    assert rating_line(article) == "3.7 out of 5, 7 ratings"
    assert_counts_equal_a_recount(article)


def test_the_cap_counts_the_last_24_hours_and_follows_the_setting(article, settings):
    settings.GUEST_VOTES_PER_ADDRESS = 2
    comment = Reader(ELSEWHERE).comment(article)["id"]
    for _ in range(2):
        Reader(OFFICE).vote(comment, 1)
        rate(Reader(OFFICE), article, 4)
    assert Reader(OFFICE).vote(comment, 1).status_code == 429
    assert rate(Reader(OFFICE), article, 4).status_code == 429

    yesterday = timezone.now() - timedelta(hours=24, minutes=1)
    Vote.objects.update(created_at=yesterday)
    Rating.objects.update(created_at=yesterday)
    assert Reader(OFFICE).vote(comment, 1).json()["score"] == 3
    assert rate(Reader(OFFICE), article, 4).json()["count"] == 3


def test_over_the_cap_the_html_vote_and_rating_say_why(article, settings):
    settings.GUEST_VOTES_PER_ADDRESS = 1
    comment = Reader(ELSEWHERE).comment(article)["id"]
    Reader(OFFICE).vote(comment, 1)
    rate(Reader(OFFICE), article, 5)
    message = "Too many readers on your network have"

    # htmx swaps the votes or the rating in place, with the message in it.
    browser = Client(REMOTE_ADDR=OFFICE)
    votes = browser.post(f"/comments/c/{comment}/vote/", {"value": "1"}, HTTP_HX_REQUEST="true")
    html = votes.content.decode()
    assert votes.status_code == 200
    assert html.startswith(f'<form id="votes-{comment}"')
    assert f"{message} voted on this comment today" in html and 'role="alert"' in html
    assert '<span class="vote-score" aria-label="Score">1</span>' in html
    stars = browser.post(f"/ratings/{article.pk}/", {"stars": "2"}, HTTP_HX_REQUEST="true")
    assert f"{message} rated this article today" in stars.content.decode()
    assert "1 rating" in stars.content.decode()

    # Without JavaScript: a page with the message and the way back.
    plain = Client(REMOTE_ADDR=OFFICE)
    page = plain.post(f"/comments/c/{comment}/vote/", {"value": "1"})
    assert page.status_code == 429
    assert f"{message} voted on this comment today" in page.content.decode()
    assert article.url in page.content.decode()
    page = plain.post(f"/ratings/{article.pk}/", {"stars": "2"})
    assert page.status_code == 429 and message in page.content.decode()
    assert Vote.objects.count() == 1 and Rating.objects.count() == 1


def guest(n: int, address: str = "office") -> Identity:
    return Identity(user=None, guest_key=keyed_hash("reader", f"guest{n}"), ip_hash=address)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cap_holds_when_guests_of_one_address_vote_at_the_same_moment(article, settings):
    """Eight new guests behind one address vote and rate at once, each on their own
    database connection: exactly the cap is counted (on SQLite and PostgreSQL)."""
    settings.GUEST_VOTES_PER_ADDRESS = 5
    comment = comment_to_vote_on(article)

    def vote(n):
        services.cast_vote(comment_id=comment.pk, reader=guest(n), value=1)

    def rate_it(n):
        services.rate_page(page_id=article.pk, reader=guest(n), stars=4)

    for work in (vote, rate_it):
        errors = at_the_same_moment(work, 8)
        assert len(errors) == 3 and all("Too many readers" in error for error in errors)
    comment.refresh_from_db()
    assert (comment.score, Vote.objects.count()) == (5, 5)
    summary = RatingSummary.objects.get(page_id=article.pk)
    assert (summary.count, Rating.objects.count()) == (5, 5)
