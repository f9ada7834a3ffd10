"""Numbers readers (and moderators) type: ids in paths, page numbers, offsets, a ban's
days. Every route that reads one answers a number too big for the database with a 4xx
and changes nothing, on SQLite and on PostgreSQL, which overflow differently (SQLite
when the value is bound, PostgreSQL inside the query, aborting the transaction)."""

import pytest
from django.test import Client

from broadsheet.engagement.models import Comment, Rating, Vote
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation.models import Ban, ModerationAction, Report
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.notifications import tokens
from broadsheet.notifications.models import Address, Subscription
from broadsheet.tests.module_rows import built_once

# Just past PostgreSQL's integer (Wagtail's page ids), just past a 64-bit integer (SQLite's
# INTEGER, PostgreSQL's bigint), and far past both; 10**23 for a ban of that many days.
HUGE = ["2147483648", "9223372036854775808", "99999999999999999999", str(10**23)]

# (name, method, path, form or JSON data, who asks). In path and data, {n} is the huge
# number; {article}, {comment}, {url}, {token} name the seeded objects.
ROUTES = [
    # Pages and fragments
    ("thread-fragment", "get", "/comments/{n}/", None, "anonymous"),
    ("thread-fragment-page", "get", "/comments/{article}/?page={n}", None, "anonymous"),
    ("reply-form", "get", "/comments/{n}/form/", None, "anonymous"),
    ("reply-form-parent", "get", "/comments/{article}/form/?parent={n}&target={n}", None, "anon"),
    ("article-cpage", "get", "{url}?cpage={n}", None, "anonymous"),
    ("edit-form", "get", "/comments/c/{n}/edit/", None, "anonymous"),
    ("report-form", "get", "/comments/c/{n}/report/", None, "anonymous"),
    ("author-page", "get", "/authors/ada-byrne/?page={n}", None, "anonymous"),
    ("tag-page", "get", "/tags/harbour/?page={n}", None, "anonymous"),
    ("search-page", "get", "/search/?q=story&page={n}", None, "anonymous"),
    ("privacy-page", "get", "/privacy/?page={n}", None, "anonymous"),
    ("manage-page", "get", "/notifications/manage/{token}/?page={n}", None, "anonymous"),
    # Feeds and sitemaps
    ("comments-feed", "get", "/feed/comments/{n}/", None, "anonymous"),
    ("comments-feed-atom", "get", "/feed/comments/{n}/atom/", None, "anonymous"),
    ("article-feed-page", "get", "/feed/?page={n}", None, "anonymous"),
    ("sitemap-articles", "get", "/sitemap-articles-{n}.xml", None, "anonymous"),
    # HTML forms
    ("post-to-page", "post", "/comments/{n}/post/", {"body": "Hello"}, "anonymous"),
    ("post-parent", "post", "/comments/{article}/post/", {"parent": "{n}"}, "anonymous"),
    (
        "post-quote",
        "post",
        "/comments/{article}/post/",
        {"quote_exact": "First paragraph", "quote_start": "{n}", "quote_end": "{n}"},
        "anonymous",
    ),
    ("vote-on", "post", "/comments/c/{n}/vote/", {"value": "1"}, "anonymous"),
    ("vote-value", "post", "/comments/c/{comment}/vote/", {"value": "{n}"}, "anonymous"),
    ("edit", "post", "/comments/c/{n}/edit/", {"body": "Changed"}, "anonymous"),
    ("delete", "post", "/comments/c/{n}/delete/", {}, "anonymous"),
    ("rate-page", "post", "/ratings/{n}/", {"stars": "3"}, "anonymous"),
    ("rate-stars", "post", "/ratings/{article}/", {"stars": "{n}"}, "anonymous"),
    ("report", "post", "/comments/c/{n}/report/", {"reason": "spam"}, "anonymous"),
    ("subscribe", "post", "/notifications/subscribe/{n}/", {"email": "a@example.org"}, "anon"),
    ("manage-end", "post", "/notifications/manage/{token}/", {"end": "{n}"}, "anonymous"),
    # The API
    ("api-articles-offset", "get", "/api/v1/articles?offset={n}", None, "api"),
    ("api-articles-limit", "get", "/api/v1/articles?limit={n}", None, "api"),
    ("api-search-offset", "get", "/api/v1/search?q=story&offset={n}", None, "api"),
    ("api-thread", "get", "/api/v1/articles/{n}/comments", None, "api"),
    ("api-thread-page", "get", "/api/v1/articles/{article}/comments?page={n}", None, "api"),
    ("api-rating", "get", "/api/v1/articles/{n}/rating", None, "api"),
    ("api-annotations", "get", "/api/v1/articles/{n}/annotations", None, "api"),
    ("api-related", "get", "/api/v1/articles/{n}/related", None, "api"),
    ("api-session-page", "get", "/api/v1/session?page={n}", None, "api"),
    ("api-post", "post", "/api/v1/articles/{n}/comments", {"body": "Hello"}, "api"),
    ("api-post-parent", "post", "/api/v1/articles/{article}/comments", {"parent": "{n}"}, "api"),
    (
        "api-post-quote",
        "post",
        "/api/v1/articles/{article}/comments",
        {"quote": {"exact": "First paragraph", "start": "{n}", "end": "{n}"}},
        "api",
    ),
    ("api-vote", "post", "/api/v1/comments/{n}/vote", {"value": 1}, "api"),
    ("api-vote-value", "post", "/api/v1/comments/{comment}/vote", {"value": "{n}"}, "api"),
    ("api-edit", "patch", "/api/v1/comments/{n}", {"body": "Changed"}, "api"),
    ("api-delete", "delete", "/api/v1/comments/{n}", None, "api"),
    ("api-rate", "post", "/api/v1/articles/{n}/rating", {"stars": 3}, "api"),
    ("api-rate-stars", "post", "/api/v1/articles/{article}/rating", {"stars": "{n}"}, "api"),
    ("api-flag", "post", "/api/v1/comments/{n}/flag", {"reason": "spam"}, "api"),
    (
        "api-subscribe",
        "post",
        "/api/v1/subscriptions",
        {"article": "{n}", "email": "a@example.org", "kind": "comments"},
        "api",
    ),
    ("api-unsubscribe", "delete", "/api/v1/subscriptions/{n}", None, "api-account"),
    # The moderators' desk
    ("queue-older-than", "get", "/admin/moderation/?older_than_days={n}", None, "moderator"),
    ("queue-section", "get", "/admin/moderation/?section={n}", None, "moderator"),
    ("queue-article", "get", "/admin/moderation/?article={n}", None, "moderator"),
    ("queue-page", "get", "/admin/moderation/?p={n}", None, "moderator"),
    ("log-page", "get", "/admin/moderation/log/?page={n}", None, "moderator"),
    (
        "ban-days",
        "post",
        "/admin/moderation/",
        {"action": "ban", "comment": "{comment}", "days": "{n}"},
        "moderator",
    ),
    ("approve-ids", "post", "/admin/moderation/", {"action": "approve", "comment": "{n}"}, "mod"),
    ("approve-one", "post", "/admin/moderation/", {"one": "approve:{n}"}, "moderator"),
    ("lift-ban", "post", "/admin/moderation/bans/{n}/lift/", {}, "moderator"),
]

# Where a passage starts is a hint in the HTML form: a hint out of range is dropped at
# input and the passage found by its words, so the comment is posted (the API, whose
# schema says the range, refuses it).
HINTS = {"post-quote"}

GUEST = {"author_name": "Guest", "author_email": "guest@example.org", "consent": "1"}


def _newsroom() -> dict:
    from django.contrib.auth.models import Group, User

    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(
        parent=section,
        title="Harbour story",
        slug="harbour-story",
        authors=[AuthorFactory(name="Ada Byrne", slug="ada-byrne")],
        tags=["Harbour"],
    )
    author = Reader("198.51.100.7")
    comment = author.comment(article, "Worth reading.")
    address = Address.objects.create(email="sub@example.org")
    moderator = User.objects.create_user("eda", "eda@example.org")
    moderator.groups.add(Group.objects.get(name="Editors"))
    return {
        "article": article,
        "comment": comment["id"],
        "url": article.url,
        "token": tokens.manage_token(address.pk),
        "moderator": moderator,
        "user": User.objects.create_user("ben", "ben@example.org"),
    }


# Built once: each test changes nothing, or has its changes rolled back.
newsroom = built_once(_newsroom)


@pytest.fixture
def seeded(newsroom, db):
    return newsroom


def _fill(value, values: dict):
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, str):
        filled = value.format(**values)
        if value == "{n}":  # a JSON number where the schema asks for one
            return int(filled)
        return filled
    return value


def _state(comment_id: int) -> tuple:
    comment = Comment.objects.get(pk=comment_id)
    return (
        Comment.objects.count(),
        Vote.objects.count(),
        Rating.objects.count(),
        Report.objects.count(),
        Ban.objects.count(),
        Subscription.objects.count(),
        ModerationAction.objects.count(),
        comment.status,
        comment.body,
        comment.score,
    )


@pytest.mark.parametrize(
    ("name", "method", "path", "data", "who"), ROUTES, ids=[r[0] for r in ROUTES]
)
def test_a_number_too_big_for_the_database_is_a_4xx_and_changes_nothing(
    seeded, name, method, path, data, who
):
    if who in ("api", "api-account"):
        reader = Reader("203.0.113.50")
        if who == "api-account":
            reader.client.force_login(seeded["user"])
    else:
        client = Client()  # forms: past the CSRF check, to reach the number
        if who in ("moderator", "mod"):
            client.force_login(seeded["moderator"])
    before = _state(seeded["comment"])
    for huge in HUGE:
        values = {key: seeded[key] for key in ("comment", "url", "token")}
        values.update(n=huge, article=seeded["article"].pk)
        url = path.format(**values)
        payload = _fill(data, values)
        if who in ("api", "api-account"):
            if method == "get":
                response = reader.client.get(url)
            elif method == "delete":
                response = reader.delete(url)
            else:
                extra = GUEST if url.endswith("/comments") else {}
                response = getattr(reader, method)(url, {"body": "Hello", **extra, **payload})
        elif method == "get":
            response = client.get(url)
        else:
            form = {"body": "Hello", **GUEST, **payload} if "/post/" in url else payload
            response = client.post(url, form)
        assert response.status_code < 500, (url, payload, response.status_code)
        if url.startswith("/api/") and response.status_code >= 400:
            assert "detail" in response.json(), response.content
    if name in HINTS:
        assert response.status_code == 303
        assert Comment.objects.filter(annotation__exact="First paragraph").count() == len(HUGE)
    else:
        assert _state(seeded["comment"]) == before
