"""Notify me: double opt-in, notifications after comments, one-click unsubscribe,
coalescing, an SMTP server that goes down and comes back, and flood limits.

Everything real: the database task queue and its worker, an SMTP server on loopback."""

import pytest
from django.test import Client

from broadsheet.notifications import services
from broadsheet.notifications.models import Address, Delivery, Notification, Subscription
from broadsheet.notifications.tests.conftest import link, parts, subject, to
from broadsheet.ratelimit import Limit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ALICE = "alice@example.org"


def subscribe(reader, article, email=ALICE, kind="comments"):
    return reader.post(
        "/api/v1/subscriptions", {"article": article.pk, "email": email, "kind": kind}
    )


def confirmed_subscriber(reader, article, smtp_inbox, queue, email=ALICE, kind="comments"):
    assert subscribe(reader, article, email, kind).json()["status"] == "confirmation_sent"
    queue.run()
    confirm = link(to(smtp_inbox, email)[-1], "confirm")
    assert Client().post(confirm).status_code == 200
    assert Subscription.objects.get(address__email=email, kind=kind).active


def test_confirmation_by_email_and_a_button(article, make_reader, smtp_inbox, queue):
    response = subscribe(make_reader(), article)
    assert response.status_code == 202
    assert response.json()["status"] == "confirmation_sent"
    assert smtp_inbox.messages == []  # the request does not wait for SMTP

    queue.run()
    [email] = to(smtp_inbox, ALICE)
    assert "Confirm" in subject(email)
    confirm = link(email, "confirm")

    # A mail scanner following the link confirms nothing: only the button's POST does.
    page = Client().get(confirm)
    assert page.status_code == 200 and b"<button" in page.content
    assert not Subscription.objects.get(address__email=ALICE).active
    done = Client().post(confirm)
    assert done.status_code == 200 and b"Harbour talks" in done.content
    assert Subscription.objects.get(address__email=ALICE).active

    forged = Client().post(confirm[:-6] + "xxxxx/")
    assert forged.status_code == 400 and b"not valid" in forged.content


def test_unconfirmed_addresses_get_nothing_but_the_confirmation(
    article, make_reader, smtp_inbox, queue
):
    subscribe(make_reader(), article)
    make_reader().comment(article, "Nobody asked Alice.")
    queue.run()
    assert [subject(m) for m in to(smtp_inbox, ALICE)] == [
        "Confirm your email for new comments on “Harbour talks” · Broadsheet"
    ]


def test_a_new_comment_is_emailed_to_subscribers(article, make_reader, smtp_inbox, queue):
    confirmed_subscriber(make_reader(), article, smtp_inbox, queue)
    created = make_reader().comment(
        article,
        "The *harbour* deal is good <b>news</b>.",
        author_name="Bo Reyes",
        author_email="bo@example.org",
    )
    queue.run()

    [email] = to(smtp_inbox, ALICE)[1:]
    assert subject(email) == "New comment on “Harbour talks” · Broadsheet"
    text, html = parts(email)
    assert "Bo Reyes" in text and "The harbour deal is good <b>news</b>." in text
    assert f"/world/harbour-talks/#comment-{created['id']}" in text
    assert "&lt;b&gt;news&lt;/b&gt;" in html and "<b>news" not in html  # reader text escaped
    assert "Unsubscribe from these emails" in html and "/notifications/unsubscribe/" in text
    unsubscribe = link(email, "unsubscribe")
    assert email["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The commenter is not told about their own comment.
    assert to(smtp_inbox, "bo@example.org") == []


def test_replies_only_subscribers_hear_of_replies_not_of_new_threads(
    article, make_reader, smtp_inbox, queue
):
    alice = make_reader()
    mine = alice.comment(
        article, "First!", author_name="Alice", author_email=ALICE, notify="replies"
    )
    assert mine["notifications"] == "confirmation_sent"
    queue.run()
    assert Client().post(link(to(smtp_inbox, ALICE)[0], "confirm")).status_code == 200

    other = make_reader()
    other.comment(
        article, "A new thread, not a reply.", author_name="Cy", author_email="cy@example.org"
    )
    queue.run()
    assert len(to(smtp_inbox, ALICE)) == 1  # the confirmation only

    other.comment(
        article,
        "Replying to Alice.",
        author_name="Cy",
        author_email="cy@example.org",
        parent=mine["id"],
    )
    queue.run()
    [email] = to(smtp_inbox, ALICE)[1:]
    assert subject(email) == "Cy replied to your comment on “Harbour talks” · Broadsheet"


def test_one_click_unsubscribe_post(article, make_reader, smtp_inbox, queue):
    confirmed_subscriber(make_reader(), article, smtp_inbox, queue)
    make_reader().comment(article, "One.")
    queue.run()
    email = to(smtp_inbox, ALICE)[-1]
    target = link(email, "unsubscribe")

    # What a mail client does for RFC 8058: a POST, no cookies, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        target, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscription.objects.get(address__email=ALICE).active

    make_reader().comment(article, "Two.")
    queue.run()
    assert to(smtp_inbox, ALICE)[-1] is email  # nothing more
    again = client.post(target, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert again.status_code == 200  # idempotent


def test_manage_page_lists_and_ends_subscriptions(article, make_reader, smtp_inbox, queue):
    reader = make_reader()
    confirmed_subscriber(reader, article, smtp_inbox, queue)
    subscribe(reader, article, kind="replies")
    make_reader().comment(article, "Hello.")
    queue.run()
    manage = link(to(smtp_inbox, ALICE)[-1], "manage")
    client = Client()
    page = client.get(manage)
    assert page.status_code == 200
    assert page.content.count(b'name="end"') == 3  # two subscriptions and "stop all"
    token = page.context["csrf_token"] if page.context else None
    assert client.post(manage, {"end": "all", "csrfmiddlewaretoken": token}).status_code == 200
    assert not Subscription.objects.filter(address__email=ALICE, ended_at__isnull=True).exists()
    assert client.post(manage, {"end": "nonsense"}).status_code == 400


def test_events_in_the_window_are_coalesced_into_one_digest(
    article, make_reader, smtp_inbox, queue, settings
):
    settings.NOTIFICATIONS_DIGEST_MINUTES = 15
    confirmed_subscriber(make_reader(), article, smtp_inbox, queue)
    writer = make_reader()
    writer.comment(article, "First comment.", author_name="Dee", author_email="dee@example.org")
    queue.run()
    assert len(to(smtp_inbox, ALICE)) == 2  # confirmation, then the first comment

    writer.comment(article, "Second comment.", author_name="Dee", author_email="dee@example.org")
    writer.comment(article, "Third comment.", author_name="Dee", author_email="dee@example.org")
    queue.run()
    assert len(to(smtp_inbox, ALICE)) == 2  # inside the window: held back

    queue.time_passes(minutes=15)
    queue.run()
    digest = to(smtp_inbox, ALICE)[2:]
    assert len(digest) == 1
    assert subject(digest[0]) == "2 new comments on “Harbour talks” · Broadsheet"
    text, _ = parts(digest[0])
    assert "Second comment." in text and "Third comment." in text
    assert "First comment." not in text

    queue.time_passes(minutes=30)
    queue.run()
    assert len(to(smtp_inbox, ALICE)) == 3  # nothing sent twice


def test_smtp_down_and_back_delivers_every_email_exactly_once(
    article, make_reader, smtp_inbox, queue
):
    readers = ["ann@example.org", "ben@example.org", "cat@example.org"]
    for email in readers:
        confirmed_subscriber(make_reader(), article, smtp_inbox, queue, email=email)
    before = len(smtp_inbox.messages)

    smtp_inbox.server.stop()
    created = make_reader().comment(article, "Posted while the mail server is down.")
    assert created["status"] == "approved"  # the reader's request did not wait or fail
    queue.run()
    assert len(smtp_inbox.messages) == before
    assert all(d.attempts == 1 and d.sent_at is None for d in Delivery.objects.all())
    assert Delivery.objects.count() == len(readers)

    queue.run()  # the retries are scheduled with backoff, not due yet: still nothing
    assert len(smtp_inbox.messages) == before

    smtp_inbox.server.start()
    queue.time_passes(minutes=1)
    queue.run()
    queue.time_passes(minutes=60)
    queue.run()
    for email in readers:
        assert len(to(smtp_inbox, email)) == 2, email  # confirmation + exactly one
    assert all(d.sent_at is not None for d in Delivery.objects.all())

    # Delivering the same event again is refused by its idempotency key.
    assert services.notify_comment(created["id"]) == 0
    assert Notification.objects.filter(comment_id=created["id"]).count() == len(readers)


@pytest.mark.moderation
def test_subscription_floods_are_refused_with_429(
    article, make_reader, smtp_inbox, queue, monkeypatch
):
    # Someone subscribing one victim again and again, from one client.
    attacker = make_reader()
    for _ in range(services.SUBSCRIBE_PER_ADDRESS.count):
        assert subscribe(attacker, article, "victim@example.org").status_code == 202
    refused = subscribe(attacker, article, "victim@example.org")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "try again" in refused.json()["detail"]
    queue.run()
    assert len(to(smtp_inbox, "victim@example.org")) == 1  # one confirmation, not eleven

    # One client subscribing many addresses.
    monkeypatch.setattr(services, "SUBSCRIBE_PER_CLIENT", Limit("subscribe-client", 3, 3600))
    spammer = make_reader()
    codes = [subscribe(spammer, article, f"v{n}@example.org").status_code for n in range(4)]
    assert codes == [202, 202, 202, 429]

    # Confirmation emails to one address are capped per day, however they are asked for.
    monkeypatch.setattr(services, "CONFIRMATION_QUIET", services.timedelta(0))
    statuses = []
    for _ in range(5):  # each confirmation sent before the next is asked for
        statuses.append(subscribe(make_reader(), article, "dan@example.org").status_code)
        queue.run()
    assert statuses[:3] == [202, 202, 202] and set(statuses[3:]) == {429}
    assert len(to(smtp_inbox, "dan@example.org")) == services.CONFIRMATIONS_PER_ADDRESS.count

    # Many clients subscribing one article.
    monkeypatch.setattr(services, "SUBSCRIBE_PER_ARTICLE", Limit("subscribe-article", 5, 3600))
    codes = [subscribe(make_reader(), article, f"w{n}@example.org").status_code for n in range(6)]
    assert 429 in codes


def test_bad_requests_are_400_and_change_nothing(article, make_reader, queue):
    reader = make_reader()
    cases = [
        ({"article": article.pk, "email": ALICE, "kind": "everything"}, "kind"),
        ({"article": 999999, "email": ALICE, "kind": "comments"}, "article"),
        ({"article": article.pk, "email": "not-an-email", "kind": "comments"}, "email"),
        ({"article": article.pk, "kind": "comments"}, "email"),
    ]
    for payload, field in cases:
        response = reader.post("/api/v1/subscriptions", payload)
        assert response.status_code == 400, payload
        assert field in response.json()["errors"], response.json()
    assert not Subscription.objects.exists() and not Address.objects.exists()
    for article_id in (True, str(article.pk), float(article.pk)):  # not lax: JSON integers
        payload = {"article": article_id, "email": ALICE, "kind": "comments"}
        response = reader.post("/api/v1/subscriptions", payload)
        assert response.status_code == 400 and "valid integer" in response.json()["detail"]
    assert not Subscription.objects.exists()
    no_token = Client(enforce_csrf_checks=True).post(
        "/api/v1/subscriptions",
        {"article": article.pk, "email": ALICE, "kind": "comments"},
        content_type="application/json",
    )
    assert no_token.status_code == 403
    assert not Subscription.objects.exists()


def test_subscribing_without_commenting_from_the_article_page(
    article, make_reader, smtp_inbox, queue
):
    """The form under the comment form works without JavaScript: the cached page has no
    token, so the first POST asks to confirm (nothing stored), the second subscribes."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(article.url).content.decode()
    assert f'action="/notifications/subscribe/{article.pk}/"' in page

    first = client.post(f"/notifications/subscribe/{article.pk}/", {"email": ALICE})
    assert first.status_code == 403 and not Subscription.objects.exists()
    token = first.context["csrf_token"]
    second = client.post(
        f"/notifications/subscribe/{article.pk}/",
        {"email": ALICE, "kind": "comments", "csrfmiddlewaretoken": str(token)},
    )
    assert second.status_code == 200 and b"Check your inbox" in second.content
    queue.run()
    assert len(to(smtp_inbox, ALICE)) == 1

    bad = client.post(
        f"/notifications/subscribe/{article.pk}/",
        {"email": "nope", "kind": "comments", "csrfmiddlewaretoken": str(token)},
    )
    assert bad.status_code == 400 and b"valid email" in bad.content
