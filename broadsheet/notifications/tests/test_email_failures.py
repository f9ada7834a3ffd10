"""Reader text in email headers, and emails that can never be sent.

A line break in a guest's name used to reach the subject of the reply email, where
Django's header-injection guard refused the whole message; the worker then retried it
48 times. Names are one line now, headers built from reader text are made one line,
and an error that retrying cannot fix ends the retries at once."""

import pytest
from django.core.mail import BadHeaderError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from broadsheet.engagement.models import Comment
from broadsheet.notifications.models import Delivery
from broadsheet.notifications.tests.conftest import link, subject, to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ALICE = "alice@example.org"
INJECTION = "Cy\r\nBcc: everyone@example.org"


def alice_asks_for_replies(article, make_reader, smtp_inbox, queue) -> dict:
    mine = make_reader().comment(
        article, "First!", author_name="Alice", author_email=ALICE, notify="replies"
    )
    queue.run()
    [confirmation] = to(smtp_inbox, ALICE)
    assert Client().post(link(confirmation, "confirm")).status_code == 200
    return mine


def waiting_tasks() -> int:
    return DBTaskResult.objects.filter(status="READY").count()


def test_a_guest_name_is_one_line_and_never_breaks_a_reply_email(
    article, make_reader, smtp_inbox, queue
):
    mine = alice_asks_for_replies(article, make_reader, smtp_inbox, queue)
    reply = make_reader().comment(
        article, "Agreed.", author_name=INJECTION, author_email="cy@example.org", parent=mine["id"]
    )
    assert Comment.objects.get(pk=reply["id"]).guest_name == "Cy Bcc: everyone@example.org"

    # A name stored before names were made one line still makes a one-line subject.
    Comment.objects.filter(pk=reply["id"]).update(guest_name=INJECTION)
    queue.run()
    [email] = to(smtp_inbox, ALICE)[1:]
    assert subject(email) == (
        "Cy Bcc: everyone@example.org replied to your comment on “Harbour talks” · Broadsheet"
    )
    assert email["Bcc"] is None
    assert len(smtp_inbox.messages) == 2  # the confirmation and this one, to Alice only
    delivery = Delivery.objects.get()
    assert delivery.sent_at is not None and delivery.attempts == 1


async def refuse_for_good(server, session, envelope):
    return "550 5.7.1 Message rejected as spam"


def broken_message(*args, **kwargs):
    raise BadHeaderError("Header values can't contain newlines")


@pytest.mark.parametrize("failure", ["server refuses for good", "message cannot be built"])
def test_an_email_that_can_never_be_sent_is_not_retried(
    article, make_reader, smtp_inbox, queue, monkeypatch, failure
):
    mine = alice_asks_for_replies(article, make_reader, smtp_inbox, queue)
    if failure == "server refuses for good":
        smtp_inbox.handle_DATA = refuse_for_good
    else:
        monkeypatch.setattr("broadsheet.notifications.emails.notification", broken_message)
    make_reader().comment(article, "A reply.", parent=mine["id"])
    queue.run()

    delivery = Delivery.objects.get()
    assert (delivery.sent_at, delivery.attempts) == (None, 1)
    assert delivery.last_error
    assert waiting_tasks() == 0  # no retry scheduled
    queue.time_passes(minutes=24 * 60)
    queue.run()
    assert Delivery.objects.get().attempts == 1
    assert len(to(smtp_inbox, ALICE)) == 1  # the confirmation only


async def not_now(server, session, envelope):
    return "451 4.3.0 Try again later"


def test_a_server_that_says_try_later_is_tried_again(article, make_reader, smtp_inbox, queue):
    mine = alice_asks_for_replies(article, make_reader, smtp_inbox, queue)
    smtp_inbox.handle_DATA = not_now
    make_reader().comment(article, "A reply.", parent=mine["id"])
    queue.run()
    assert Delivery.objects.get().attempts == 1 and waiting_tasks() == 1

    del smtp_inbox.handle_DATA  # the server takes mail again
    queue.time_passes(minutes=5)
    queue.run()
    assert Delivery.objects.get().sent_at is not None
    assert len(to(smtp_inbox, ALICE)) == 2
