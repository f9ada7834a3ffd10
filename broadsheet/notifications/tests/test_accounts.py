"""Accounts: a verified email needs no confirmation; @mentions and approvals of held
comments are emailed; the API lists and ends an account's subscriptions."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User

from broadsheet.engagement import services as engagement
from broadsheet.engagement.models import Comment
from broadsheet.notifications.models import Subscription
from broadsheet.notifications.tests.conftest import link, subject, to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def account(name: str, verified: bool = True) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", "a long pass phrase")
    EmailAddress.objects.create(
        user=user, email=f"{name}@example.org", primary=True, verified=verified
    )
    return user


def signed_in(make_reader, user):
    reader = make_reader()
    reader.client.force_login(user)
    reader.session()
    return reader


def test_a_verified_account_is_subscribed_at_once(article, make_reader, smtp_inbox, queue):
    mara = signed_in(make_reader, account("mara"))
    response = mara.post(
        "/api/v1/subscriptions",
        {"article": article.pk, "email": "someone-else@example.org", "kind": "comments"},
    )
    assert response.status_code == 202 and response.json()["status"] == "active"
    make_reader().comment(article, "Hello Mara.")
    queue.run()
    [email] = smtp_inbox.messages  # no confirmation; the account's address, not the other
    assert email["To"] == "mara@example.org"

    listed = mara.client.get("/api/v1/subscriptions").json()
    assert [(s["kind"], s["article"], s["email"]) for s in listed] == [
        ("comments", article.pk, "mara@example.org")
    ]
    assert mara.delete(f"/api/v1/subscriptions/{listed[0]['id']}").status_code == 204
    assert mara.client.get("/api/v1/subscriptions").json() == []

    stranger = signed_in(make_reader, account("ned"))
    assert stranger.delete(f"/api/v1/subscriptions/{listed[0]['id']}").status_code == 404
    assert make_reader().client.get("/api/v1/subscriptions").status_code == 401


def test_an_unverified_account_confirms_like_a_guest(article, make_reader, smtp_inbox, queue):
    reader = signed_in(make_reader, account("ola", verified=False))
    response = reader.post(
        "/api/v1/subscriptions",
        {"article": article.pk, "email": "ola@example.org", "kind": "replies"},
    )
    assert response.json()["status"] == "confirmation_sent"


def test_mentions_are_emailed_and_can_be_stopped(article, make_reader, smtp_inbox, queue):
    account("mara")
    writer = make_reader()
    writer.comment(article, "I agree with @Mara.", author_name="Pat", author_email="p@e.org")
    queue.run()
    [email] = to(smtp_inbox, "mara@example.org")
    assert subject(email) == "Pat mentioned you on “Harbour talks” · Broadsheet"

    from django.test import Client

    Client().post(link(email, "unsubscribe"))
    assert not Subscription.objects.get(kind="mentions").active
    writer.comment(article, "@mara again.", author_name="Pat", author_email="p@e.org")
    queue.run()
    assert len(to(smtp_inbox, "mara@example.org")) == 1  # an ended subscription stays ended


def test_approval_of_a_held_comment_is_emailed(article, make_reader, smtp_inbox, queue, settings):
    settings.COMMENTS_PREMODERATE = True
    mara = signed_in(make_reader, account("mara"))
    created = mara.comment(article, "Held for a moderator.")
    assert created["status"] == "pending"
    queue.run()
    assert smtp_inbox.messages == []

    engagement.approve_comment(created["id"])
    queue.run()
    [email] = to(smtp_inbox, "mara@example.org")
    assert subject(email) == "Your comment on “Harbour talks” is published · Broadsheet"
    assert Comment.objects.get(pk=created["id"]).status == "approved"


def test_reading_who_is_told_writes_nothing(article, make_reader, smtp_inbox, queue):
    """Who is told of a comment is a read (`selectors.recipients_for`): the mentioned
    account's standing subscriptions are made by the service that records the
    notifications, when the worker runs, never by asking."""
    from broadsheet.notifications import selectors

    account("mara")
    make_reader().comment(article, "I agree with @Mara.", author_name="Pat", author_email="p@e.org")
    comment = Comment.objects.get()
    assert selectors.recipients_for(comment, was_held=False) == {}
    assert not Subscription.objects.exists()
    queue.run()
    [email] = to(smtp_inbox, "mara@example.org")
    assert subject(email) == "Pat mentioned you on “Harbour talks” · Broadsheet"
    assert Subscription.objects.filter(kind="mentions", address__email="mara@example.org").exists()
