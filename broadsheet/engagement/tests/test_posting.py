"""Posting comments and replies through the API: who may, what is stored, what is refused."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from broadsheet.engagement.models import Comment, Discussion

pytestmark = pytest.mark.django_db


def test_guest_comment_is_stored_with_hashes_not_addresses(reader, article):
    created = reader.comment(article, "Well reported.", author_url="https://guest.example.org")

    comment = Comment.objects.get(pk=created["id"])
    assert created["status"] == "approved"
    assert comment.body == "Well reported."
    assert comment.body_html == "<p>Well reported.</p>"
    assert comment.guest_name == "Guest Reader"
    assert comment.guest_email == "guest@example.org"
    assert len(comment.ip_hash) == 64 and "203.0.113.10" not in comment.ip_hash
    assert len(comment.guest_key) == 64
    assert Discussion.objects.get(page_id=article.pk).comment_count == 1


def test_account_comment_uses_the_account_name(reader, article):
    user = User.objects.create_user("ada", "ada@example.org", "a-long-password-1")
    reader.client.force_login(user)
    reader.session()
    created = reader.comment(article, "From my account.", author_name="ignored")
    comment = Comment.objects.get(pk=created["id"])
    assert comment.user == user
    assert comment.guest_name == "" and comment.guest_email == ""
    assert reader.thread(article)["results"][0]["author"]["name"] == "ada"


def test_reply_joins_the_thread(reader, another_reader, article):
    top = reader.comment(article, "Top")
    reply = another_reader.comment(article, "Reply", parent=top["id"])
    deeper = reader.comment(article, "Deeper", parent=reply["id"])

    stored = Comment.objects.get(pk=deeper["id"])
    assert stored.thread_id == top["id"]
    assert stored.depth == 2
    assert Comment.objects.get(pk=top["id"]).reply_count == 2
    results = reader.thread(article)["results"]
    assert results[0]["replies"][0]["replies"][0]["id"] == deeper["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "Hi", "author_name": ""}, "author_name"),
        ({"body": "Hi", "author_email": "not-an-email"}, "author_email"),
        ({"body": "Hi", "author_url": "javascript:alert(1)"}, "author_url"),
        ({"body": "Hi", "parent": 999999}, "parent"),
        ({"body": 12, "author_name": "X", "author_email": "x@example.org"}, "body"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_stores_nothing(reader, article, payload, field):
    full = {"author_name": "Guest", "author_email": "guest@example.org", **payload}
    response = reader.post(f"/api/v1/articles/{article.pk}/comments", full)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["errors"][field]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"parent": True},
        {"parent": "1"},
        {"parent": 1.0},
        {"quote": {"exact": "harbour", "start": True}},
        {"quote": {"exact": "harbour", "end": False}},
    ],
)
def test_numbers_must_be_json_integers_not_booleans_or_strings(reader, article, payload):
    """pydantic's lax mode reads `true` as 1 and "1" as 1: a reply to comment 1 nobody
    chose. Ids and offsets are JSON integers or nothing."""
    reader.comment(article, "A comment to reply to.")
    full = {"body": "Hi", "author_name": "G", "author_email": "g@example.org", **payload}
    response = reader.post(f"/api/v1/articles/{article.pk}/comments", full)

    assert response.status_code == 400
    assert "valid integer" in response.json()["detail"]
    assert Comment.objects.count() == 1


def test_reply_to_a_comment_on_another_article_is_refused(reader, article, other_article):
    elsewhere = reader.comment(other_article, "Elsewhere")
    response = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {
            "body": "Hi",
            "parent": elsewhere["id"],
            "author_name": "G",
            "author_email": "g@example.org",
        },
    )
    assert response.status_code == 400
    assert "another article" in response.json()["errors"]["parent"]
    assert Comment.objects.count() == 1


def test_unknown_article_is_a_404(reader, article):
    response = reader.post(
        "/api/v1/articles/999999/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 404
    assert reader.client.get("/api/v1/articles/999999/comments").status_code == 404


def test_an_unpublished_article_takes_no_comment(reader, article):
    """A draft, or an article taken down, is not there for readers: posting to it by id
    is refused as if it did not exist, and stores nothing."""
    article.unpublish()
    response = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 404
    assert response.json()["errors"]["article"] == "No such article."
    assert not Comment.objects.exists()


def test_pages_that_do_not_take_comments_refuse_them(reader, article):
    section = article.get_parent()
    response = reader.post(
        f"/api/v1/articles/{section.pk}/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 404


def test_closed_article_refuses_comments_with_403(reader, article):
    article.comments_open = False
    article.save_revision().publish()
    response = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]
    assert Comment.objects.count() == 0


def test_comments_close_after_the_configured_days(reader, article, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 7
    type(article).objects.filter(pk=article.pk).update(
        first_published_at=timezone.now() - timedelta(days=8)
    )
    response = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 403
    assert "7 days" in response.json()["detail"]


def test_closing_reopening_or_moving_an_article_holds_for_the_next_comment(reader, article):
    """Each process keeps the comment state of the pages it takes comments on
    (services.stored_comments_state): a publication, or a move into another section,
    is seen by the very next comment."""
    from broadsheet.newsroom.tests.factories import SectionPageFactory

    def post(body):
        return reader.post(
            f"/api/v1/articles/{article.pk}/comments",
            {"body": body, "author_name": "G", "author_email": "g@example.org"},
        )

    closed = SectionPageFactory(
        parent=article.get_parent().get_parent(), slug="archive", comments_mode="closed"
    )
    assert post("First.").status_code == 201
    article.comments_open = False
    article.save_revision().publish()
    assert post("Closed now.").status_code == 403
    article.comments_open = True
    article.save_revision().publish()
    assert post("Open again.").status_code == 201

    article.move(closed, pos="last-child")
    moved = post("After the move.")
    assert moved.status_code == 403
    assert "closed in this section" in moved.json()["detail"]


def test_missing_csrf_token_is_a_403_and_stores_nothing(article):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Hi", "author_name": "G", "author_email": "g@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Comment.objects.count() == 0


def test_malformed_json_is_a_400(reader, article):
    reader.session()
    response = reader.client.post(
        f"/api/v1/articles/{article.pk}/comments",
        "{not json",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=reader.token,
    )
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_premoderated_comment_is_pending_and_seen_only_by_its_author(
    reader, another_reader, article, settings
):
    settings.COMMENTS_PREMODERATE = True
    created = reader.comment(article, "Held for review")

    assert created["status"] == "pending"
    mine = reader.thread(article)["results"]
    assert [(c["id"], c["status"]) for c in mine] == [(created["id"], "pending")]
    assert another_reader.thread(article)["results"] == []
    assert Discussion.objects.filter(page_id=article.pk, comment_count__gt=0).count() == 0


def test_guest_email_is_never_shown(reader, another_reader, article):
    reader.comment(article, "Hello", author_email="secret-address@example.org")
    api = another_reader.client.get(f"/api/v1/articles/{article.pk}/comments").content.decode()
    page = another_reader.client.get(article.url).content.decode()
    assert "secret-address" not in api
    assert "secret-address" not in page
