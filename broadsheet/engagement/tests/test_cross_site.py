"""A form on another site cannot make a signed-in reader publish, vote, rate, edit,
delete or subscribe with one click.

The HTML endpoints check the CSRF token by hand so that a post from a cached page (no
token in it) degrades to a confirm page instead of failing. That page was pre-filled
with whatever the post carried, one click from publishing it as the signed-in reader.
A post the browser says came from elsewhere (Sec-Fetch-Site, Origin, Referer) now gets
a 403 that repeats nothing; one from our own pages still gets its confirm page."""

import pytest
from django.test import Client

from broadsheet.engagement.models import Comment, Rating, Vote
from broadsheet.engagement.tests.conftest import comment_to_vote_on
from broadsheet.notifications.models import Subscription

pytestmark = pytest.mark.django_db

ATTACK = "Buy cheap pills at evil.example"
CROSS_SITE = [
    {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},  # a sandboxed frame or a data: page
    {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://blog.testserver"},
    {"HTTP_REFERER": "https://evil.example/win-a-prize"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
]
OURS = [
    {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
    {"HTTP_ORIGIN": "http://testserver"},
    {"HTTP_REFERER": "http://testserver/world/harbour-talks/"},
    {},  # a browser that sends none of them
]


@pytest.fixture
def victim(db, django_user_model):
    """A signed-in reader whose browser has no CSRF cookie yet: the moment a cross-site
    form is posted, the manual check fails."""
    user = django_user_model.objects.create_user("vic", "vic@example.org", "pw-long-enough")
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.50")
    browser.force_login(user)
    return browser


def assert_refused_and_nothing_repeated(response, *repeated):
    html = response.content.decode()
    assert response.status_code == 403
    assert "another site" in html
    assert "Please confirm" not in html and "<textarea" not in html
    for text in repeated:
        assert text not in html


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_comment_post_is_refused_with_nothing_pre_filled(article, victim, headers):
    response = victim.post(
        f"/comments/{article.pk}/post/",
        {"body": ATTACK, "author_name": "Vic", "author_email": "x@evil.example", "consent": "1"},
        **headers,
    )
    assert_refused_and_nothing_repeated(response, ATTACK, "x@evil.example")
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("headers", OURS)
def test_a_post_from_our_own_page_without_a_token_still_asks_to_confirm(article, victim, headers):
    response = victim.post(f"/comments/{article.pk}/post/", {"body": "My own words"}, **headers)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Please confirm" in html and "My own words" in html
    assert Comment.objects.count() == 0


def test_https_posts_without_origin_or_referer_are_not_pre_filled(article, victim):
    """On HTTPS a browser always sends Origin or Referer with a form post unless told to
    hide it, and Django's own CSRF check refuses such a post even with a token."""
    response = victim.post(f"/comments/{article.pk}/post/", {"body": ATTACK}, secure=True)
    assert_refused_and_nothing_repeated(response, ATTACK)


@pytest.mark.parametrize("headers", CROSS_SITE[:2])
def test_cross_site_votes_ratings_edits_and_deletes_get_no_confirm_page(article, victim, headers):
    comment = comment_to_vote_on(article)
    for url, data in [
        (f"/comments/c/{comment.pk}/vote/", {"value": "-1"}),
        (f"/ratings/{article.pk}/", {"stars": "1"}),
        (f"/comments/c/{comment.pk}/edit/", {"body": ATTACK}),
        (f"/comments/c/{comment.pk}/delete/", {}),
    ]:
        response = victim.post(url, data, **headers)
        assert_refused_and_nothing_repeated(response, ATTACK, f'action="{url}"')
    assert not Vote.objects.exists() and not Rating.objects.exists()
    assert Comment.objects.get(pk=comment.pk).body == "Vote on me"


def test_votes_and_ratings_from_our_pages_still_ask_to_confirm(article, victim):
    comment = comment_to_vote_on(article)
    ours = OURS[0]
    vote = victim.post(f"/comments/c/{comment.pk}/vote/", {"value": "1"}, **ours)
    rate = victim.post(f"/ratings/{article.pk}/", {"stars": "5"}, **ours)
    assert vote.status_code == rate.status_code == 403
    assert "Please confirm" in vote.content.decode() and "Please confirm" in rate.content.decode()


@pytest.mark.parametrize("headers", CROSS_SITE[:2])
def test_a_cross_site_subscribe_form_is_refused(article, victim, headers):
    response = victim.post(
        f"/notifications/subscribe/{article.pk}/",
        {"email": "target@example.org", "kind": "comments"},
        **headers,
    )
    assert_refused_and_nothing_repeated(response, "target@example.org")
    assert not Subscription.objects.exists()
