"""Readers' journeys through the comment slot with production's page cache on: a held
comment stays its author's to see (reload, another tab, no JavaScript), the heading
follows the thread, a corrected form is not taken for a bot, sign-in comes back to the
form, and a refused action says why in place.

Marked `moderation`: a guest's first comment is held, as shipped.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader, csrf_token_in
from broadsheet.moderation import bots
from broadsheet.moderation.models import ModerationRules
from broadsheet.tests.pages import page_html

# Transactions commit as in production, so the page cache's counters move on commit.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.moderation,
    pytest.mark.usefixtures("page_cache_on"),
]


@pytest.fixture
def no_time_check(db):
    """For journeys that are not about the bot timer: real rules, no minimum time."""
    rules = ModerationRules.load()
    rules.min_seconds_to_post = 0
    rules.save()
    return rules


def form_fields(html: str, form_id: str = "comment-form") -> dict:
    form = re.search(rf'<form id="{form_id}".*?</form>', html, re.S)[0]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def post_as_guest_without_javascript(guest: Client, article, body: str):
    """What a browser without JavaScript does: post the cached page's form (no CSRF
    token in it), get the confirm page with one, post that."""
    fields = form_fields(guest.get(article.url).content.decode())
    data = {
        **fields,
        "body": body,
        "author_name": "Nadia",
        "author_email": "nadia@example.org",
        "consent": "1",
    }
    confirm = guest.post(f"/comments/{article.pk}/post/", data)
    assert confirm.status_code == 403 and "Please confirm" in confirm.content.decode()
    data.update(form_fields(confirm.content.decode()))
    return guest.post(f"/comments/{article.pk}/post/", data)


def test_a_held_comment_stays_visible_to_its_author_on_the_cached_page_without_javascript(
    article, no_time_check
):
    anonymous = Client()
    assert anonymous.get(article.url)["X-Cache"] == "miss"
    assert anonymous.get(article.url)["X-Cache"] == "hit"

    guest = Client(REMOTE_ADDR="203.0.113.30", enforce_csrf_checks=True)
    posted = post_as_guest_without_javascript(guest, article, "First time here, hello.")
    assert posted.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert posted["Location"] == f"{article.url}#comment-{comment.pk}"

    for _reload in range(2):  # a reload, then another tab: the same browser's cookies
        mine = guest.get(article.url)
        html = mine.content.decode()
        assert "First time here, hello." in html
        assert "Held for review: only you can see it" in html
        assert "X-Cache" not in mine and mine["Cache-Control"] == "private, no-cache"
        assert f'id="votes-{comment.pk}"' not in html  # nobody votes on their own comment

    others = anonymous.get(article.url)
    assert "First time here, hello." not in others.content.decode()
    assert anonymous.get(article.url)["X-Cache"] == "hit"

    services.approve_comment(comment.pk)
    approved = guest.get(article.url).content.decode()
    assert "First time here, hello." in approved and "Held for review" not in approved
    assert f'id="votes-{comment.pk}"' not in approved
    shared = anonymous.get(article.url).content.decode()
    assert "First time here, hello." in shared and f'id="votes-{comment.pk}"' in shared
    assert "1 comment" in shared

    services.set_status(comment.pk, Comment.Status.SPAM, "Spam.")
    rejected = guest.get(article.url).content.decode()
    assert f'id="comment-{comment.pk}"' not in rejected
    assert "“First time here, hello.” was not published: Spam." in rejected


def test_a_rejected_comment_leaves_its_authors_view_with_the_reason(article, no_time_check):
    from django.contrib.auth.models import Group, User

    from broadsheet.moderation import services as moderation

    guest = Client(REMOTE_ADDR="203.0.113.37", enforce_csrf_checks=True)
    post_as_guest_without_javascript(guest, article, "Buy cheap watches today.")
    held = Comment.objects.get()
    moderator = User.objects.create_user("mod", "mod@example.org", "a long pass phrase")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    moderation.moderate(
        moderator=moderator, comment_ids=[held.pk], action="spam", reason="Advertising."
    )

    page = guest.get(article.url).content.decode()
    assert "Your comment “Buy cheap watches today.” was not published: Advertising." in page
    assert f'id="comment-{held.pk}"' not in page
    assert "was not published" not in page_html(Client(), article)


def test_an_api_clients_held_comment_shows_on_its_next_page_view(article, no_time_check):
    reader = Reader("203.0.113.31")
    Client().get(article.url)  # cached for everyone
    created = reader.comment(article, "Held, posted by script.")
    assert created["status"] == "pending"
    page = reader.client.get(article.url).content.decode()
    assert "Held, posted by script." in page and "Held for review" in page
    assert [c["id"] for c in reader.thread(article)["results"]] == [created["id"]]
    assert "Held, posted by script." not in page_html(Client(), article)


def htmx_post(client: Client, article, **fields):
    token = client.get("/api/v1/session").json()["csrf_token"]
    data = {
        "body": "A thought",
        "author_name": "Nadia",
        "author_email": "nadia@example.org",
        "consent": "1",
        "csrfmiddlewaretoken": token,
        **fields,
    }
    return client.post(f"/comments/{article.pk}/post/", data, HTTP_HX_REQUEST="true")


def test_the_answer_to_a_held_comment_says_it_is_held_and_the_heading_follows(
    article, no_time_check
):
    guest = Client(REMOTE_ADDR="203.0.113.32")
    page = guest.get(article.url).content.decode()
    assert "No comments yet." in page
    answer = htmx_post(guest, article, body="Held, by htmx.")
    html = answer.content.decode()
    assert answer.status_code == 201
    assert "held for review" in html and "Thank you: posted." not in html
    assert re.search(r'<p id="comments-empty"[^>]*hx-swap-oob="true"[^>]* hidden>', html)
    assert 'class="votes"' not in html  # the author's own comment: no vote buttons

    known = Reader("203.0.113.33")
    first = known.comment(
        article, "Known reader", author_name="Kim", author_email="known@example.org"
    )
    services.approve_comment(first["id"])
    answer = htmx_post(known.client, article, body="Straight in.", author_email="known@example.org")
    html = answer.content.decode()
    assert "Thank you: posted." in html
    assert re.search(r'<h2 id="comments-heading"[^>]*hx-swap-oob="true"[^>]*>\s*2 comments', html)

    # Deleting both: the heading goes back to "Comments" and "No comments yet." shows.
    for comment in Comment.objects.filter(status=Comment.Status.APPROVED):
        token = known.client.get("/api/v1/session").json()["csrf_token"]
        deleted = known.client.post(
            f"/comments/c/{comment.pk}/delete/",
            {"csrfmiddlewaretoken": token},
            HTTP_HX_REQUEST="true",
        )
        assert deleted.status_code == 200
    html = deleted.content.decode()
    assert re.search(r'<h2 id="comments-heading"[^>]*>\s*Comments\s*</h2>', html)
    assert re.search(r'<p id="comments-empty"[^>]*hx-swap-oob="true">No comments yet.', html)


def test_a_form_shown_again_after_an_error_keeps_its_start_time(article, monkeypatch):
    rules = ModerationRules.load()
    rules.hold_first_guest_comment = False
    rules.save()
    # The reader opened the form a minute ago.
    real_time = bots.signing.time.time
    monkeypatch.setattr(bots.signing.time, "time", lambda: real_time() - 60)
    started = bots.form_started()
    monkeypatch.setattr(bots.signing.time, "time", real_time)

    guest = Client(REMOTE_ADDR="203.0.113.34", enforce_csrf_checks=True)
    token = guest.get("/api/v1/session").json()["csrf_token"]
    data = {
        "csrfmiddlewaretoken": token,
        "form_started": started,
        "body": "Forgot to tick the box.",
        "author_name": "Nadia",
        "author_email": "nadia@example.org",
    }
    refused = guest.post(f"/comments/{article.pk}/post/", data)
    assert refused.status_code == 400
    assert form_fields(refused.content.decode())["form_started"] == started
    data.update(form_fields(refused.content.decode()), consent="1")
    posted = guest.post(f"/comments/{article.pk}/post/", data)
    assert posted.status_code == 303, posted.content.decode()
    assert Comment.objects.get().body == "Forgot to tick the box."


def test_sign_in_from_the_form_returns_to_the_article_and_its_form(article, smtp_inbox):
    page = Client().get(article.url).content.decode()
    sign_in = re.search(r'<a class="sign-in" href="([^"]+)"', page)[1].replace("&amp;", "&")
    assert sign_in.startswith("/accounts/login/?next=")
    back = f"{article.url}#comment-form"

    # A new reader signs up from there, and confirms the email in the same browser.
    reader = Client(REMOTE_ADDR="203.0.113.35")
    login_page = reader.get(sign_in).content.decode()
    signup = re.search(r'href="(/accounts/signup/[^"]*)"', login_page)[1].replace("&amp;", "&")
    signup_page = reader.get(signup)
    signed_up = reader.post(
        signup,
        {
            "csrfmiddlewaretoken": csrf_token_in(signup_page),
            "email": "mara@example.org",
            "username": "mara",
            "password1": "a-long-password-for-mara",
            "password2": "a-long-password-for-mara",
            "next": back,
        },
    )
    assert signed_up.status_code == 302
    body = smtp_inbox.messages[0]
    text = (body.get_payload(0) if body.is_multipart() else body).get_payload(decode=True)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", text.decode())[1]
    confirmed = reader.post(link, {"csrfmiddlewaretoken": csrf_token_in(reader.get(link))})
    assert confirmed.status_code == 302 and confirmed["Location"] == back
    assert reader.get("/api/v1/session").json()["user"]["name"] == "mara"

    # A known reader signs in from the same link, in another browser.
    again = Client()
    login = again.post(
        sign_in,
        {
            "csrfmiddlewaretoken": csrf_token_in(again.get(sign_in)),
            "login": "mara@example.org",
            "password": "a-long-password-for-mara",
        },
    )
    assert login.status_code == 302 and login["Location"] == back


def test_a_refused_action_says_why_in_place(article, no_time_check, settings):
    author = Reader("203.0.113.36")
    mine = author.comment(article, "My own words.", author_email="a@example.org")
    services.approve_comment(mine["id"])
    token = author.session()["csrf_token"]

    vote = author.client.post(
        f"/comments/c/{mine['id']}/vote/",
        {"value": "1", "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )
    html = vote.content.decode()
    assert vote.status_code == 200  # htmx swaps it in: the votes, and why not
    assert html.startswith(f'<form id="votes-{mine["id"]}"')
    assert "You cannot vote on your own comment." in html

    Comment.objects.filter(pk=mine["id"]).update(
        created_at=timezone.now() - timedelta(minutes=settings.COMMENTS_EDIT_WINDOW_MINUTES + 1)
    )
    edit = author.client.get(f"/comments/c/{mine['id']}/edit/", HTTP_HX_REQUEST="true")
    assert edit.status_code == 200
    assert edit["HX-Retarget"] == f"#comment-{mine['id']}-actions"
    assert "can be edited for" in edit.content.decode()
