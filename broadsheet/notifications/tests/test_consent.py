"""Nobody subscribes an address but its owner: each subscription asked for by someone
not signed in as the address's owner waits for a confirmation email of its own, and
the answer to the request is the same whatever the address's state, so it tells the
asker nothing about whom the site emails.

Everything real, as in test_notifications: the database queue, its worker, and an SMTP
server on loopback."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client

from broadsheet.newsroom.tests.factories import ArticlePageFactory
from broadsheet.notifications.models import Subscription
from broadsheet.notifications.tests.conftest import link, subject, to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ALICE = "alice@example.org"


@pytest.fixture
def second_article(article):
    return ArticlePageFactory(parent=article.get_parent(), title="Ferry strike", slug="ferry")


def subscribe(reader, article, email=ALICE, kind="comments"):
    return reader.post(
        "/api/v1/subscriptions", {"article": article.pk, "email": email, "kind": kind}
    )


def confirmation_for(inbox, headline: str, email=ALICE):
    [found] = [
        m for m in to(inbox, email) if subject(m).startswith("Confirm") and headline in subject(m)
    ]
    return found


def confirm(message) -> None:
    assert Client().post(link(message, "confirm")).status_code == 200


def comment_on(article, make_reader, body="News.") -> None:
    make_reader().comment(article, body, author_name="Cy", author_email="cy@example.org")


def notifications_to(inbox, email=ALICE) -> list[str]:
    return [subject(m) for m in to(inbox, email) if not subject(m).startswith("Confirm")]


def test_a_stranger_cannot_subscribe_a_confirmed_address_without_asking_it(
    article, second_article, make_reader, smtp_inbox, queue
):
    alice = make_reader()
    assert subscribe(alice, article).json()["status"] == "confirmation_sent"
    queue.run()
    confirm(confirmation_for(smtp_inbox, "Harbour talks"))

    stranger = make_reader()
    answer = subscribe(stranger, second_article)
    assert answer.status_code == 202
    assert answer.json() == {"id": None, "status": "confirmation_sent"}  # not "active"
    queue.run()
    asked = confirmation_for(smtp_inbox, "Ferry strike")  # Alice is asked first
    comment_on(second_article, make_reader)
    queue.run()
    assert notifications_to(smtp_inbox) == []  # nothing until she says yes

    confirm(asked)
    comment_on(second_article, make_reader, "More news.")
    queue.run()
    assert notifications_to(smtp_inbox) == ["New comment on “Ferry strike” · Broadsheet"]


def test_confirming_ones_own_subscription_never_activates_a_strangers(
    article, second_article, make_reader, smtp_inbox, queue
):
    subscribe(make_reader(), article)  # a stranger's request, never confirmed
    subscribe(make_reader(), second_article)  # Alice's own
    queue.run()
    confirm(confirmation_for(smtp_inbox, "Ferry strike"))

    comment_on(article, make_reader)
    comment_on(second_article, make_reader)
    queue.run()
    assert notifications_to(smtp_inbox) == ["New comment on “Ferry strike” · Broadsheet"]
    stranger_made = Subscription.objects.get(page=article)
    assert stranger_made.confirmed_at is None and not stranger_made.active


def test_the_answer_is_the_same_whatever_the_address_has_asked_for(
    article, second_article, make_reader, smtp_inbox, queue
):
    """Unknown, waiting for confirmation, subscribed to this article or to another,
    unsubscribed: the same status and body, from the API and the comment form."""
    subscribe(make_reader(), article, "pending@example.org")
    for email in ("here@example.org", "elsewhere@example.org", "gone@example.org"):
        target = second_article if email == "elsewhere@example.org" else article
        subscribe(make_reader(), target, email)
        queue.run()
        confirm(confirmation_for(smtp_inbox, target.title, email))
    gone = Subscription.objects.get(address__email="gone@example.org")
    Client().post(link(to(smtp_inbox, "gone@example.org")[0], "confirm"))
    from broadsheet.notifications import services

    services.end_subscription(gone.pk)

    emails = [
        "new@example.org",
        "pending@example.org",
        "here@example.org",
        "elsewhere@example.org",
        "gone@example.org",
    ]
    answers = {
        (r.status_code, r.content) for r in (subscribe(make_reader(), article, e) for e in emails)
    }
    assert answers == {(202, b'{"id": null, "status": "confirmation_sent"}')}

    said = set()
    for email in emails:
        created = make_reader().comment(
            article, "Hello.", author_name="X", author_email=email, notify="comments"
        )
        said.add(created["notifications"])
    assert said == {"confirmation_sent"}

    # Only the subscriptions their owners confirmed (and did not stop) are active.
    active = Subscription.objects.filter(confirmed_at__isnull=False, ended_at__isnull=True)
    assert sorted(active.values_list("address__email", flat=True)) == [
        "elsewhere@example.org",
        "here@example.org",
    ]
    queue.run()
    # Stopped, then asked for again by someone: asked again, not silently back on.
    assert [subject(m) for m in to(smtp_inbox, "gone@example.org")][-1].startswith("Confirm")


def test_the_comment_forms_notify_me_asks_the_owner_too(
    article, second_article, make_reader, smtp_inbox, queue
):
    alice = make_reader()
    subscribe(alice, article)
    queue.run()
    confirm(confirmation_for(smtp_inbox, "Harbour talks"))

    impostor = make_reader()
    created = impostor.comment(
        second_article, "Sign Alice up.", author_name="Al", author_email=ALICE, notify="comments"
    )
    assert created["notifications"] == "confirmation_sent"
    comment_on(second_article, make_reader)
    queue.run()
    assert notifications_to(smtp_inbox) == []
    assert len([m for m in to(smtp_inbox, ALICE) if "Ferry strike" in subject(m)]) == 1


def test_a_signed_in_owner_is_subscribed_at_once_and_strangers_asks_nothing_of_them(
    article, second_article, make_reader, smtp_inbox, queue
):
    user = User.objects.create_user("alice", ALICE, "a long pass phrase")
    EmailAddress.objects.create(user=user, email=ALICE, primary=True, verified=True)
    owner = make_reader()
    owner.client.force_login(user)
    owner.session()
    mine = subscribe(owner, article, "ignored@example.org")
    assert mine.status_code == 202 and mine.json()["status"] == "active"
    assert isinstance(mine.json()["id"], int)  # hers to DELETE

    # Signed in with an unverified email, nobody is the owner of ALICE.
    other = User.objects.create_user("mal", "mal@example.org", "a long pass phrase")
    EmailAddress.objects.create(user=other, email="mal@example.org", verified=False)
    mal = make_reader()
    mal.client.force_login(other)
    mal.session()
    assert subscribe(mal, second_article).json() == {"id": None, "status": "confirmation_sent"}
    assert mal.client.get("/api/v1/subscriptions").json() == []
    queue.run()
    assert [subject(m) for m in to(smtp_inbox, ALICE)] == [
        "Confirm your email for new comments on “Ferry strike” · Broadsheet"
    ]


@pytest.mark.moderation
def test_asking_for_many_subscriptions_cannot_flood_an_inbox(
    article, make_reader, smtp_inbox, queue
):
    from broadsheet.notifications import services

    pages = [article] + [
        ArticlePageFactory(parent=article.get_parent(), title=f"Story {n}", slug=f"s{n}")
        for n in range(5)
    ]
    codes = [subscribe(make_reader(), page, "victim@example.org").status_code for page in pages]
    limit = services.CONFIRMATIONS_PER_ADDRESS.count
    assert codes[:limit] == [202] * limit and set(codes[limit:]) == {429}
    queue.run()
    assert len(to(smtp_inbox, "victim@example.org")) == limit
