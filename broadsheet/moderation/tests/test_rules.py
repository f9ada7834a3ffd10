"""Every holding rule, bans, the proxy rule and rate limits, through the reader API.

Marked `moderation`: these run with the site's real defaults (rate limits on, a
guest's first comment held)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation.models import Ban, ModerationRules
from broadsheet.tests.pages import page_html

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]


@pytest.fixture
def rules(db):
    rules = ModerationRules.load()
    rules.hold_first_guest_comment = False
    rules.save()
    return rules


def post(reader, article, body, email="guest@example.org", **extra):
    return reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": body, "author_name": "Guest", "author_email": email, **extra},
    )


def status_of(response):
    assert response.status_code == 201, response.content
    return Comment.objects.get(pk=response.json()["id"]).status


def test_a_guests_first_comment_is_held_until_one_is_approved(article):
    from broadsheet.engagement.services import approve_comment

    reader = Reader()
    first = post(reader, article, "Hello, first time here.")
    assert status_of(first) == "pending"
    assert status_of(post(reader, article, "Still held: none approved yet.")) == "pending"
    approve_comment(first.json()["id"])
    assert status_of(post(reader, article, "Now I am known.")) == "approved"
    # Another guest is not known because this one is.
    assert status_of(post(Reader("198.51.100.7"), article, "Hi", "other@example.org")) == "pending"


def test_an_approved_guests_email_typed_by_someone_else_is_still_held(article):
    """Anyone can type an email: being known is the approved guest's own cookie, not
    the address they gave."""
    from broadsheet.engagement.services import approve_comment

    known = Reader("198.51.100.8")
    approve_comment(post(known, article, "Hello.", "known@example.org").json()["id"])
    assert status_of(post(known, article, "Back again.", "known@example.org")) == "approved"

    impostor = Reader("198.51.100.8")  # the same network, but not the same browser
    for email in ("known@example.org", "Known@Example.org", "known+x@example.org"):
        assert status_of(post(impostor, article, "Buy my stuff.", email)) == "pending"
    # The known guest stays known whatever email they type next.
    assert status_of(post(known, article, "New address.", "new@example.org")) == "approved"


def test_a_signed_in_reader_is_not_held_and_makes_no_guest_known(article, django_user_model):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user("vera", "vera@example.org", "pw-long-enough")
    EmailAddress.objects.create(user=user, email="vera@example.org", primary=True, verified=True)
    vera = Reader("198.51.100.9")
    vera.client.force_login(user)
    signed_in = vera.post(f"/api/v1/articles/{article.pk}/comments", {"body": "As myself."})
    assert status_of(signed_in) == "approved"
    # A guest typing Vera's verified email is a stranger, held like any other.
    assert status_of(post(Reader("198.51.100.10"), article, "Hi", "vera@example.org")) == (
        "pending"
    )


def test_the_first_comment_rule_can_be_switched_off(article, rules):
    assert status_of(post(Reader(), article, "Hello.")) == "approved"


def test_more_links_than_allowed_are_held(article, rules):
    reader = Reader()
    two = "See https://a.example/x and https://b.example/y for the figures."
    assert status_of(post(reader, article, two)) == "approved"
    three = two + " And www.c.example too."
    assert status_of(post(reader, article, three)) == "pending"
    assert "3 links" in Comment.objects.latest("pk").status_reason


def test_a_change_to_the_rules_holds_for_the_very_next_comment(article, rules):
    """The rules are read from the shared cache's copy (verdicts.rules); saving them
    drops it."""
    assert status_of(post(Reader("192.0.2.40"), article, "A scam, surely.")) == "approved"
    rules.banned_words = "scam"
    rules.save()
    assert post(Reader("192.0.2.41"), article, "Another scam.").status_code == 400
    rules.banned_words = ""
    rules.save()
    assert status_of(post(Reader("192.0.2.42"), article, "A scam again.")) == "approved"


def test_banned_words_are_refused_and_watched_words_held_as_whole_words(article, rules):
    rules.banned_words = "Crème brûlée\nscam"
    rules.watched_words = "lawsuit"
    rules.save()
    reader = Reader()
    refused = post(reader, article, "This is a SCAM, plainly.")
    assert refused.status_code == 400
    assert "does not accept" in refused.json()["errors"]["body"]
    accents = post(reader, article, "I love creme brulee more than news.")
    assert accents.status_code == 400  # accents and case ignored
    assert status_of(post(reader, article, "Scammers everywhere, but not the word.")) == (
        "approved"
    )  # whole words only
    assert status_of(post(reader, article, "Expect a Lawsuit soon.")) == "pending"
    assert Comment.objects.filter(body__icontains="scam ").count() == 0


def test_spam_score_above_the_threshold_is_held_with_its_reasons(article, rules):
    body = "CHEAP VIAGRA AND CASINO BONUS!!! Click here: https://spam.example/buy"
    assert status_of(post(Reader(), article, body)) == "pending"
    assert Comment.objects.latest("pk").status_reason.startswith("Spam score")


def test_section_modes_open_premoderated_closed(article, rules):
    section = article.get_parent().specific
    section.comments_mode = "premoderated"
    section.save_revision().publish()
    assert status_of(post(Reader(), article, "Held by the section.")) == "pending"
    section.comments_mode = "closed"
    section.save_revision().publish()
    closed = post(Reader(), article, "Too late.")
    assert closed.status_code == 403
    assert "closed in this section" in closed.content.decode()


def test_bans_by_account_email_and_address_and_their_expiry(article, rules, django_user_model):
    Ban.objects.create(kind="email", value="troll@example.org")
    refused = post(Reader(), article, "Hi again.", "Troll@Example.org")
    assert refused.status_code == 403
    Ban.objects.create(kind="address", value=keyed_hash("address", "192.0.2.99"))
    assert post(Reader("192.0.2.99"), article, "New name.", "new@example.org").status_code == 403
    user = django_user_model.objects.create_user("banned", "b@example.org", "pw-long-enough")
    Ban.objects.create(kind="account", value=str(user.pk))
    signed_in = Reader("192.0.2.50")
    signed_in.client.force_login(user)
    assert (
        signed_in.post(f"/api/v1/articles/{article.pk}/comments", {"body": "Let me in"}).status_code
        == 403
    )
    Ban.objects.filter(kind="email").update(expires_at=timezone.now() - timedelta(minutes=1))
    assert post(Reader("192.0.2.1"), article, "Back.", "troll@example.org").status_code == 201
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("banned", "typed"),
    [
        ("troll@example.org", "Troll@Example.ORG"),
        ("troll@example.org", "troll+again@example.org"),
        ("troll@example.org", " TROLL+x+y@example.org "),
        ("jane.doe@gmail.com", "janedoe@gmail.com"),
        ("jane.doe@gmail.com", "J.a.n.e.D.o.e+news@googlemail.com"),
    ],
)
def test_an_email_ban_holds_whatever_case_tag_or_gmail_dots(article, rules, banned, typed):
    Ban.objects.create(kind="email", value=banned)
    refused = post(Reader(), article, "Me again.", typed)
    assert refused.status_code == 403
    assert Comment.objects.count() == 0


def test_a_ban_from_the_queue_covers_the_authors_other_spellings(article, rules, moderator):
    from broadsheet.moderation import services

    first = post(Reader("192.0.2.60"), article, "Rude.", "Troll+one@Example.org")
    services.moderate(moderator=moderator, comment_ids=[first.json()["id"]], action="ban")
    assert Ban.objects.get(kind="email").value == "troll@example.org"
    again = post(Reader("192.0.2.61"), article, "Rude again.", "troll+two@example.org")
    assert again.status_code == 403
    # Other people at the same domain are not caught.
    assert post(Reader("192.0.2.62"), article, "Hello.", "trolley@example.org").status_code == 201


def test_a_shadow_ban_shows_comments_to_their_author_only(article, rules):
    troll = Reader("192.0.2.77")
    Ban.objects.create(kind="address", value=keyed_hash("address", "192.0.2.77"), shadow=True)
    created = post(troll, article, "Nobody will see this.")
    assert created.status_code == 201 and status_of(created) == "shadow"
    mine = troll.thread(article)
    assert any(c["id"] == created.json()["id"] for c in mine["results"])
    theirs = Reader("198.51.100.3").thread(article)
    assert all(c["id"] != created.json()["id"] for c in theirs["results"])
    assert "Nobody will see this" not in page_html(Reader().client, article)


def test_a_full_ban_outranks_a_shadow_ban_while_it_lasts(article, rules):
    address = keyed_hash("address", "192.0.2.78")
    Ban.objects.create(kind="address", value=address, shadow=True)
    Ban.objects.create(kind="email", value="troll@example.org")
    assert post(Reader("192.0.2.78"), article, "Refused.", "troll@example.org").status_code == 403
    Ban.objects.filter(shadow=False).update(expires_at=timezone.now() - timedelta(minutes=1))
    shadowed = post(Reader("192.0.2.78"), article, "Hidden.", "troll@example.org")
    assert status_of(shadowed) == "shadow"


def test_the_client_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy(
    article, rules, settings
):
    Ban.objects.create(kind="address", value=keyed_hash("address", "192.0.2.99"))
    # A banned reader connecting directly cannot pretend to be someone else.
    direct = Reader("192.0.2.99")
    direct.client.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.200"
    assert post(direct, article, "Spoofed.").status_code == 403
    # Behind our proxy, the header names the reader, and the ban follows them.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = Reader("10.0.0.5")
    proxied.client.defaults["HTTP_X_FORWARDED_FOR"] = "192.0.2.99"
    assert post(proxied, article, "Via the proxy.").status_code == 403
    innocent = Reader("10.0.0.5")
    innocent.client.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert post(innocent, article, "Hello.").status_code == 201


def test_rate_limits_answer_429_with_retry_after(article, rules, monkeypatch):
    from broadsheet.engagement import services
    from broadsheet.ratelimit import Limit

    monkeypatch.setitem(
        services.LIMITS,
        "comment",
        (Limit("comment-identity", 2, 600), Limit("comment-address", 3, 600)),
    )
    reader = Reader()
    assert [post(reader, article, f"Comment {n}").status_code for n in range(3)] == [
        201,
        201,
        429,
    ]
    limited = post(reader, article, "Again")
    assert int(limited["Retry-After"]) > 0
    # Per address: a new identity from the same address is limited too.
    fresh = Reader()
    assert post(fresh, article, "New cookie, same address").status_code == 201
    assert post(fresh, article, "And again").status_code == 429
    assert Comment.objects.count() == 3

    comment_id = Comment.objects.first().pk
    monkeypatch.setitem(
        services.LIMITS, "vote", (Limit("vote-identity", 1, 600), Limit("vote-address", 9, 600))
    )
    voter = Reader("198.51.100.44")
    assert voter.vote(comment_id, 1).status_code == 200
    assert voter.vote(comment_id, -1).status_code == 429

    monkeypatch.setitem(
        services.LIMITS,
        "rating",
        (Limit("rating-identity", 1, 600), Limit("rating-address", 9, 600)),
    )
    rater = Reader("198.51.100.45")
    url = f"/api/v1/articles/{article.pk}/rating"
    assert rater.post(url, {"stars": 4}).status_code == 200
    assert rater.post(url, {"stars": 5}).status_code == 429
