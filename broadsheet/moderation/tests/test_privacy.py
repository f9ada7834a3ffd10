"""Privacy requests: export everything stored about a reader, or erase it, with every
aggregate still right afterwards."""

import json
import re

import pytest
from django.test import Client

from broadsheet.engagement import services as engagement
from broadsheet.engagement.models import Comment, Discussion, Rating, RatingSummary, Vote
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation.models import ModerationAction
from broadsheet.notifications.models import Address

pytestmark = pytest.mark.django_db
GUEST = "pat@example.org"


@pytest.fixture
def history(article):
    """Pat, a guest, comments (one comment gets a reply), votes, rates, subscribes."""
    pat, other = Reader("198.51.100.1"), Reader("198.51.100.2")
    replied = pat.comment(article, "Pat's first.", author_name="Pat", author_email=GUEST)
    alone = pat.comment(article, "Pat's second.", author_name="Pat", author_email=GUEST)
    other.comment(
        article, "Answering Pat.", author_name="Oli", author_email="o@e.org", parent=replied["id"]
    )
    theirs = other.comment(article, "Oli alone.", author_name="Oli", author_email="o@e.org")
    pat.vote(theirs["id"], 1)
    pat.post(f"/api/v1/articles/{article.pk}/rating", {"stars": 2})
    other.post(f"/api/v1/articles/{article.pk}/rating", {"stars": 5})
    pat.post("/api/v1/subscriptions", {"article": article.pk, "email": GUEST, "kind": "comments"})
    return {"replied": replied["id"], "alone": alone["id"], "theirs": theirs["id"]}


def emailed_link(mailoutbox, kind):
    return re.search(rf"https?://[^/]+(/privacy/{kind}/[^\s]+/)", mailoutbox[-1].body).group(1)


def test_a_guest_exports_everything_by_an_emailed_link(history, mailoutbox):
    client = Client()
    answer = client.post("/privacy/", {"email": GUEST})
    assert answer.status_code == 200 and b"If we hold anything" in answer.content
    link = emailed_link(mailoutbox, "export")
    assert client.get(link).status_code == 200  # a page with a button: nothing yet
    response = client.post(link)
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [c["body"] for c in data["comments"]] == ["Pat's first.", "Pat's second."]
    assert data["votes"] == [
        {"comment": history["theirs"], "value": 1, **{"created_at": data["votes"][0]["created_at"]}}
    ]
    assert [r["stars"] for r in data["ratings"]] == [2]
    assert [s["kind"] for s in data["subscriptions"]] == ["comments"]


def test_nobody_learns_whether_an_address_commented(history, mailoutbox):
    answer = Client().post("/privacy/", {"email": "stranger@example.org"})
    assert answer.status_code == 200 and b"If we hold anything" in answer.content
    assert mailoutbox == []
    assert Client().post("/privacy/", {"email": "nope"}).status_code == 400
    assert Client().get("/privacy/erase/forged-token/").status_code == 400


def test_erasure_keeps_threads_readable_and_aggregates_right(article, history, mailoutbox):
    Client().post("/privacy/", {"email": GUEST})
    link = emailed_link(mailoutbox, "erase")
    unconfirmed = Client().post(link)
    assert unconfirmed.status_code == 400 and Comment.objects.filter(guest_email=GUEST).exists()
    assert Client().post(link, {"confirm": "yes"}).status_code == 200

    kept = Comment.objects.get(pk=history["replied"])
    assert (kept.body, kept.status, kept.guest_name, kept.guest_email, kept.ip_hash) == (
        "[removed]",
        "removed",
        "",
        "",
        "",
    )
    assert not Comment.objects.filter(pk=history["alone"]).exists()
    assert not Comment.objects.filter(guest_email=GUEST).exists()
    assert Vote.objects.count() == 0 and Rating.objects.count() == 1
    assert not Address.objects.filter(email=GUEST).exists()
    assert ModerationAction.objects.filter(action="erase").exists()

    stored = {
        "discussion": Discussion.objects.get(page_id=article.pk).comment_count,
        "rating": (lambda s: (s.count, s.total))(RatingSummary.objects.get(page_id=article.pk)),
        "votes": Comment.objects.get(pk=history["theirs"]).upvotes,
    }
    engagement.recount(article.pk)  # the stored aggregates equal a fresh count
    assert stored == {
        "discussion": Discussion.objects.get(page_id=article.pk).comment_count,
        "rating": (lambda s: (s.count, s.total))(RatingSummary.objects.get(page_id=article.pk)),
        "votes": Comment.objects.get(pk=history["theirs"]).upvotes,
    }
    assert stored == {"discussion": 2, "rating": (1, 5), "votes": 0}


def test_a_signed_in_reader_exports_and_erases_from_the_privacy_page(article, django_user_model):
    user = django_user_model.objects.create_user("kim", "kim@example.org", "a long pass phrase")
    kim = Reader("198.51.100.3")
    kim.client.force_login(user)
    kim.comment(article, "Kim writes.")
    page = kim.client.get("/privacy/").content.decode()
    assert "Download my data" in page
    token = kim.session()["csrf_token"]
    exported = kim.client.post("/privacy/", {"do": "export", "csrfmiddlewaretoken": token})
    assert json.loads(exported.content)["comments"][0]["body"] == "Kim writes."
    kim.client.post("/privacy/", {"do": "erase", "confirm": "yes", "csrfmiddlewaretoken": token})
    assert not Comment.objects.filter(user=user).exists()
    assert Discussion.objects.get(page_id=article.pk).comment_count == 0
