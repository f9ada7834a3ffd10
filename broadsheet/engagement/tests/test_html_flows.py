"""The comment slot's HTML endpoints, with and without htmx."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadsheet.engagement.models import Comment

pytestmark = pytest.mark.django_db

GUEST = {"author_name": "Ada", "author_email": "ada@example.org", "consent": "1"}


def htmx_post(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_htmx_comment_comes_back_as_a_fragment_with_a_fresh_form(article):
    client = Client()
    response = htmx_post(client, f"/comments/{article.pk}/post/", {"body": "In place", **GUEST})
    html = response.content.decode().strip()

    assert response.status_code == 201
    assert html.startswith('<li id="comment-')
    assert "In place" in html
    assert 'id="comment-form"' in html and 'hx-swap-oob="true"' in html
    assert "bs_reader" in response.cookies


def test_htmx_reply_form_opens_inline_and_the_reply_lands_under_its_parent(article):
    client = Client()
    parent = htmx_post(client, f"/comments/{article.pk}/post/", {"body": "Top", **GUEST})
    parent_id = int(re.search(r'id="comment-(\d+)"', parent.content.decode()).group(1))

    form = client.get(
        f"/comments/{article.pk}/form/", {"parent": parent_id}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'id="reply-form-{parent_id}"' in form
    assert f'hx-target="#replies-{parent_id}"' in form
    assert f'name="parent" value="{parent_id}"' in form

    reply = htmx_post(
        client, f"/comments/{article.pk}/post/", {"body": "Reply", "parent": parent_id, **GUEST}
    )
    assert reply.status_code == 201
    assert f'<div id="reply-form-{parent_id}" class="reply-form-slot" hx-swap-oob="true">' in (
        reply.content.decode()
    )
    assert Comment.objects.get(body="Reply").parent_id == parent_id


def test_htmx_errors_re_render_the_form_in_place(article):
    response = htmx_post(Client(), f"/comments/{article.pk}/post/", {"body": "", **GUEST})
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#comment-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Write a comment before posting." in response.content.decode()


def test_guest_must_consent(article):
    data = {**GUEST, "body": "Hi"}
    del data["consent"]
    response = Client().post(f"/comments/{article.pk}/post/", data)
    assert response.status_code == 400
    assert "Agree to the storage" in response.content.decode()
    assert Comment.objects.count() == 0


def test_remembered_guest_details_come_back_from_the_session(article):
    client = Client()
    Client().get("/")
    client.post(f"/comments/{article.pk}/post/", {"body": "Hi", "remember": "1", **GUEST})
    guest = client.get("/api/v1/session").json()["guest"]
    assert guest == {"name": "Ada", "email": "ada@example.org", "url": ""}

    stranger = Client().get("/api/v1/session").json()
    assert stranger["guest"] is None


def test_vote_without_javascript_redirects_back_and_with_htmx_updates_in_place(article):
    author = Client()
    author.post(f"/comments/{article.pk}/post/", {"body": "Vote me", **GUEST})
    comment = Comment.objects.get()
    voter = Client(REMOTE_ADDR="198.51.100.7")

    plain = voter.post(f"/comments/c/{comment.pk}/vote/", {"value": "1"})
    assert plain.status_code == 303
    assert plain["Location"].endswith(f"#comment-{comment.pk}")

    fragment = voter.post(f"/comments/c/{comment.pk}/vote/", {"value": "0"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert '<span class="vote-score" aria-label="Score">0</span>' in html
    comment.refresh_from_db()
    assert comment.score == 0


def test_author_edits_within_the_window_and_not_after_replies(article, settings):
    author = Client()
    author.post(f"/comments/{article.pk}/post/", {"body": "Tpyo", **GUEST})
    comment = Comment.objects.get()

    edited = author.post(
        f"/comments/c/{comment.pk}/edit/", {"body": "Typo fixed"}, HTTP_HX_REQUEST="true"
    )
    assert edited.status_code == 200 and "Typo fixed" in edited.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Typo fixed" and comment.edited_at is not None

    stranger = Client().post(f"/comments/c/{comment.pk}/edit/", {"body": "Hijacked"})
    assert stranger.status_code == 403
    Client(REMOTE_ADDR="198.51.100.9").post(
        f"/comments/{article.pk}/post/", {"body": "A reply", "parent": comment.pk, **GUEST}
    )
    after_reply = author.post(f"/comments/c/{comment.pk}/edit/", {"body": "Changed"})
    assert after_reply.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Typo fixed"


def test_edit_window_closes(article, settings):
    author = Client()
    author.post(f"/comments/{article.pk}/post/", {"body": "Old words", **GUEST})
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.COMMENTS_EDIT_WINDOW_MINUTES + 1)
    )
    response = author.post(f"/comments/c/{comment.pk}/edit/", {"body": "New words"})
    assert response.status_code == 403
    assert "minutes" in response.content.decode()


def test_session_lists_my_comments_for_edit_controls(article):
    author = Client()
    author.post(f"/comments/{article.pk}/post/", {"body": "Mine", **GUEST})
    comment = Comment.objects.get()
    mine = author.get("/api/v1/session", {"page": article.pk}).json()["mine"]
    assert mine == [{"id": comment.pk, "editable": True}]
    assert Client().get("/api/v1/session", {"page": article.pk}).json()["mine"] == []


def test_api_edit_and_delete_are_for_the_author_only(reader, another_reader, article):
    comment = reader.comment(article, "Original")["id"]
    assert another_reader.patch(f"/api/v1/comments/{comment}", {"body": "X"}).status_code == 403
    assert another_reader.delete(f"/api/v1/comments/{comment}").status_code == 403

    edited = reader.patch(f"/api/v1/comments/{comment}", {"body": "Edited *text*"})
    assert edited.status_code == 200
    assert edited.json()["body_html"] == "<p>Edited <em>text</em></p>"
    assert reader.patch(f"/api/v1/comments/{comment}", {"body": ""}).status_code == 400
    assert reader.delete(f"/api/v1/comments/{comment}").status_code == 204
    assert Comment.objects.get(pk=comment).status == "removed"


def test_closed_article_shows_no_form(article):
    article.comments_open = False
    article.save_revision().publish()
    html = Client().get(article.url).content.decode()
    assert 'id="comment-form"' not in html
    assert "Comments are closed on this article." in html


def readable_in(cookie: str, secret: str) -> bool:
    """Whether `secret` can be read from `cookie` as it is, or from base64 in any of the
    cookie's dot- or colon-separated parts (what Django's signing produces)."""
    import base64

    if secret in cookie:
        return True
    for part in re.split(r"[:.]", cookie):
        part = part.lstrip(".")
        try:
            decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        if secret.encode() in decoded:
            return True
    return False


def test_remembered_guest_details_are_not_readable_in_the_cookie(article):
    client = Client()
    client.post(f"/comments/{article.pk}/post/", {"body": "Hi", "remember": "1", **GUEST})
    raw = client.cookies["bs_guest"].value
    assert raw
    assert not readable_in(raw, "ada@example.org")
    assert not readable_in(raw, "Ada")
    # and the form is still filled in from it (comments.js reads this answer)
    assert client.get("/api/v1/session").json()["guest"]["email"] == "ada@example.org"


def test_a_guest_details_cookie_of_the_old_signed_kind_is_ignored(article):
    from django.core import signing

    old = signing.dumps(
        {"name": "Ada", "email": "ada@example.org", "url": ""}, salt="guest-details"
    )
    client = Client()
    client.cookies["bs_guest"] = old
    assert client.get("/api/v1/session").json()["guest"] is None
    assert readable_in(old, "ada@example.org")  # what the old cookie gave away


@pytest.mark.parametrize("parent", ["99999999999999999999", "0", "-3", "one", "1e3"])
def test_a_reply_to_no_comment_is_refused_not_posted_as_a_new_thread(article, parent):
    """A parent the form sends that names no comment (too big for any id, not a number)
    is refused with the form again, never taken for a new top-level comment."""
    response = Client().post(
        f"/comments/{article.pk}/post/", {"body": "Orphan", "parent": parent, **GUEST}
    )
    assert response.status_code == 400
    assert "The comment you are replying to does not exist." in response.content.decode()
    assert not Comment.objects.exists()


def test_thread_fragment_refuses_a_page_number_no_listing_reaches(article):
    client = Client()
    for n in range(3):
        client.post(f"/comments/{article.pk}/post/", {"body": f"Comment {n}", **GUEST})
    url = f"/comments/{article.pk}/"
    huge = client.get(url, {"page": "99999999999999999999", "more": "1"}, HTTP_HX_REQUEST="true")
    assert huge.status_code == 400
    assert huge.content.decode() == "No such page of comments."

    # A page past the last, within range: no comments, and a way back to the first.
    past = client.get(url, {"page": "7", "more": "1"}, HTTP_HX_REQUEST="true")
    assert past.status_code == 200
    html = past.content.decode()
    assert "Comment 0" not in html and "Back to the first comments" in html

    first = client.get(url, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert all(f"Comment {n}" in first.content.decode() for n in range(3))
