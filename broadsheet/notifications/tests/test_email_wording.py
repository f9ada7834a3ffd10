"""Emails say who they are from and what they are about: the publication (as its
editors named it in the admin), the article's headline, and for a reader who asked for
replies, that these are replies to their comment."""

import email.utils

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client
from wagtail.models import Site

from broadsheet.engagement import services as engagement
from broadsheet.newsroom.models import PublicationSettings
from broadsheet.notifications.tests.conftest import link, parts, subject, to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ALICE = "alice@example.org"
GAZETTE = "The Harbour Gazette"


@pytest.fixture
def gazette(article, settings):
    """The publication's name, as set in the admin's Settings → Publication; the
    SITE_NAME setting (Wagtail's admin title) and the address it runs at say otherwise."""
    settings.WAGTAIL_SITE_NAME = "Broadsheet admin"
    settings.WAGTAILADMIN_BASE_URL = "http://newsroom.internal:8000"
    publication = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    publication.name = GAZETTE
    publication.save()
    return article


def sender(message) -> str:
    return email.utils.parseaddr(str(message["From"]))[0]


def assert_from_the_gazette(message) -> None:
    text, html = parts(message)
    assert subject(message).endswith(f" · {GAZETTE}")
    assert sender(message) == GAZETTE
    for part in (subject(message), text, html):
        assert "Broadsheet" not in part
    assert "newsroom.internal" not in subject(message) + text.splitlines()[0]
    assert GAZETTE in text.splitlines()[0] and GAZETTE in html


def confirm(inbox, address=ALICE):
    [confirmation] = to(inbox, address)
    assert Client().post(link(confirmation, "confirm")).status_code == 200
    return confirmation


def test_a_guest_who_asked_for_replies_is_told_of_replies_to_their_comment(
    gazette, make_reader, smtp_inbox, queue
):
    alice = make_reader()
    mine = alice.comment(
        gazette, "First!", author_name="Alice", author_email=ALICE, notify="replies"
    )
    queue.run()
    confirmation = confirm(smtp_inbox)
    assert subject(confirmation) == (
        f"Confirm your email for replies to your comment on “Harbour talks” · {GAZETTE}"
    )
    text, html = parts(confirmation)
    assert (
        f"asked {GAZETTE} to email {ALICE} about replies to your comment on “Harbour talks”"
    ) in text
    assert "new comments" not in text and "new comments" not in html
    assert_from_the_gazette(confirmation)

    make_reader().comment(
        gazette,
        "Tom & Jerry <b>agree</b>.",
        author_name="Cy",
        author_email="cy@example.org",
        parent=mine["id"],
    )
    queue.run()
    [reply] = to(smtp_inbox, ALICE)[1:]
    assert subject(reply) == f"Cy replied to your comment on “Harbour talks” · {GAZETTE}"
    text, html = parts(reply)
    assert f"Cy replied to your comment on “Harbour talks” in {GAZETTE}" in text
    assert "new comment" not in text.lower() and "new comment" not in html.lower()
    assert "Tom & Jerry <b>agree</b>." in text  # plain text, as written
    assert "Tom &amp; Jerry &lt;b&gt;agree&lt;/b&gt;." in html  # escaped once
    assert_from_the_gazette(reply)


def test_a_digest_of_replies_says_replies_and_a_digest_of_comments_says_comments(
    gazette, make_reader, smtp_inbox, queue, settings
):
    settings.NOTIFICATIONS_DIGEST_MINUTES = 15
    alice = make_reader()
    mine = alice.comment(
        gazette, "Mine.", author_name="Alice", author_email=ALICE, notify="replies"
    )
    queue.run()
    confirm(smtp_inbox)
    bo = make_reader()
    bo.post(
        "/api/v1/subscriptions",
        {"article": gazette.pk, "email": "bo@example.org", "kind": "comments"},
    )
    queue.run()
    confirm(smtp_inbox, "bo@example.org")

    writer = make_reader()
    for n in range(3):
        writer.comment(
            gazette, f"Reply {n}.", author_name="Dee", author_email="d@e.org", parent=mine["id"]
        )
        queue.run()
    queue.time_passes(minutes=15)
    queue.run()

    first, digest = to(smtp_inbox, ALICE)[1:]
    assert subject(first) == f"Dee replied to your comment on “Harbour talks” · {GAZETTE}"
    assert subject(digest) == f"2 replies to your comment on “Harbour talks” · {GAZETTE}"
    assert f"2 replies to your comment on “Harbour talks” in {GAZETTE}" in parts(digest)[0]
    assert_from_the_gazette(digest)

    everyone = to(smtp_inbox, "bo@example.org")
    assert subject(everyone[0]) == (
        f"Confirm your email for new comments on “Harbour talks” · {GAZETTE}"
    )
    assert subject(everyone[1]) == f"New comment on “Harbour talks” · {GAZETTE}"
    assert subject(everyone[2]) == f"2 new comments on “Harbour talks” · {GAZETTE}"
    assert_from_the_gazette(everyone[2])


def test_an_approval_email_names_the_publication_and_the_headline(
    gazette, make_reader, smtp_inbox, queue, settings
):
    settings.COMMENTS_PREMODERATE = True
    mara = User.objects.create_user("mara", "mara@example.org", "a long pass phrase")
    EmailAddress.objects.create(user=mara, email="mara@example.org", primary=True, verified=True)
    reader = make_reader()
    reader.client.force_login(mara)
    reader.session()
    created = reader.comment(gazette, "Held for a moderator.")
    engagement.approve_comment(created["id"])
    queue.run()

    [approval] = to(smtp_inbox, "mara@example.org")
    assert subject(approval) == f"Your comment on “Harbour talks” is published · {GAZETTE}"
    assert f"Your comment on “Harbour talks” is published in {GAZETTE}" in parts(approval)[0]
    assert_from_the_gazette(approval)
