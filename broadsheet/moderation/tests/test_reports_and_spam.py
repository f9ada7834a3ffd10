"""Readers' reports, and the spam filter learning from moderators' decisions."""

import pytest

from broadsheet.engagement.models import Comment, Discussion
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation import services, spam
from broadsheet.moderation.models import (
    Ban,
    ModerationAction,
    ModerationRules,
    Report,
    SpamFilter,
)
from broadsheet.moderation.tests.labelled import labelled

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(article):
    author = Reader("198.51.100.1")
    created = author.comment(article, "A perfectly ordinary opinion.")
    return Comment.objects.get(pk=created["id"])


@pytest.fixture
def other_comment(article):
    author = Reader("198.51.100.2")
    created = author.comment(article, "Another ordinary opinion.")
    return Comment.objects.get(pk=created["id"])


def flag(reader, comment, reason="abuse"):
    return reader.post(f"/api/v1/comments/{comment.pk}/flag", {"reason": reason})


def test_a_report_is_201_and_a_second_by_the_same_reader_changes_nothing(comment):
    reader = Reader("203.0.113.5")
    first = flag(reader, comment)
    assert first.status_code == 201
    again = flag(reader, comment, "spam")
    assert again.status_code == 200 and "already" in again.json()["detail"]
    assert Report.objects.count() == 1 and Report.objects.get().reason == "abuse"


def test_bad_reports_are_refused(comment):
    reader = Reader("203.0.113.5")
    assert flag(reader, comment, "dislike").status_code == 400
    assert reader.post("/api/v1/comments/999999/flag", {"reason": "spam"}).status_code == 404
    assert Report.objects.count() == 0


def test_enough_reports_hide_a_comment_until_reviewed(comment, article, moderator):
    ModerationRules.objects.update_or_create(defaults={"reports_to_hide": 2})
    flag(Reader("203.0.113.5"), comment)
    assert Comment.objects.get(pk=comment.pk).status == "approved"
    flag(Reader("203.0.113.6"), comment, "spam")
    hidden = Comment.objects.get(pk=comment.pk)
    assert hidden.status == "pending" and "Reported" in hidden.status_reason
    assert Discussion.objects.get(page_id=article.pk).comment_count == 0
    thread = Reader("203.0.113.9").thread(article)
    assert all(c["id"] != comment.pk for c in thread["results"])

    services.moderate(moderator=moderator, comment_ids=[comment.pk], action="dismiss")
    assert Comment.objects.get(pk=comment.pk).status == "approved"
    assert Discussion.objects.get(page_id=article.pk).comment_count == 1
    assert not Report.objects.filter(resolved_at__isnull=True).exists()


def test_the_filter_trained_on_decisions_beats_the_cold_start_rules(
    article, moderator, django_capture_on_commit_callbacks
):
    training = labelled("training")
    made = Comment.objects.bulk_create(
        Comment(
            page=article,
            body=text,
            body_html="",
            status=Comment.Status.PENDING,
            guest_name="G",
            guest_email=f"g{n}@example.org",
        )
        for n, (text, _) in enumerate(training)
    )
    ham = [c.pk for c, (_, label) in zip(made, training, strict=True) if label == 0]
    spam_ids = [c.pk for c, (_, label) in zip(made, training, strict=True) if label == 1]
    assert spam.current_model() is None  # cold start
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(moderator=moderator, comment_ids=ham, action="approve")
        services.moderate(moderator=moderator, comment_ids=spam_ids, action="spam")
    row = SpamFilter.objects.get()  # retrained by the task the decisions triggered
    assert (row.ham, row.spam) == (len(ham), len(spam_ids))
    assert ModerationAction.objects.count() == len(training)

    held_out = labelled("held-out")
    spam_texts = [t for t, label in held_out if label == 1]
    ham_texts = [t for t, label in held_out if label == 0]
    threshold = ModerationRules.load().spam_threshold
    caught_by_rules = sum(spam.rule_score(t)[0] > threshold for t in spam_texts)
    caught_trained = sum(spam.score(t)[0] > threshold for t in spam_texts)
    false_alarms = sum(spam.score(t)[0] > threshold for t in ham_texts)
    # Held-out comments share no topic, sentence, spam template or link domain with the
    # training ones, so these are figures on spam the filter never saw (README,
    # Performance, has the benchmark's): here 41 of 97 caught, against 14 by the rules.
    assert caught_trained >= 2 * caught_by_rules
    assert caught_trained >= 0.35 * len(spam_texts)
    assert false_alarms <= 0.05 * len(ham_texts)

    # Moderators see why: the score and the words that weighed most.
    probability, evidence = spam.score(spam_texts[0])
    assert evidence and all("(" in item for item in evidence)


def test_reporting_without_javascript(comment):
    client = Reader("203.0.113.8").client
    page = client.get(f"/comments/c/{comment.pk}/report/")
    assert page.status_code == 200 and b'name="reason"' in page.content
    token = page.context["csrf_token"]
    done = client.post(
        f"/comments/c/{comment.pk}/report/",
        {"reason": "off-topic", "note": "Not about the harbour", "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 200 and b"Thank you" in done.content
    assert Report.objects.get().note == "Not about the harbour"
    refused = client.post(
        f"/comments/c/{comment.pk}/report/", {"reason": "meh", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 400 and Report.objects.count() == 1


# --- One client never hides a comment: reporters are distinct readers ----------------


def status(comment) -> str:
    return Comment.objects.get(pk=comment.pk).status


def signed_in(user, address: str) -> Reader:
    reader = Reader(address)
    reader.client.force_login(user)
    return reader


def account(django_user_model, name: str, trusted: bool = False):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw-long-enough")
    if trusted:
        user.groups.add(Group.objects.get(name="Trusted reporters"))
    return user


def test_one_address_clearing_its_cookies_cannot_hide_a_comment(comment):
    for _ in range(5):  # a fresh client each time: no cookies, the same address
        assert flag(Reader("203.0.113.66"), comment).status_code == 201
    assert status(comment) == "approved"
    assert Report.objects.filter(comment=comment).count() == 5  # kept for the moderators


def test_three_distinct_readers_hide_a_comment(comment):
    flag(Reader("203.0.113.71"), comment)
    flag(Reader("203.0.113.72"), comment)
    assert status(comment) == "approved"
    flag(Reader("203.0.113.73"), comment)
    hidden = Comment.objects.get(pk=comment.pk)
    assert hidden.status == "pending" and hidden.status_reason == "Reported by readers (3)."


def test_an_account_and_its_signed_out_self_count_once(comment, django_user_model):
    ModerationRules.objects.update_or_create(defaults={"reports_to_hide": 2})
    flag(signed_in(account(django_user_model, "sam"), "203.0.113.80"), comment)
    flag(Reader("203.0.113.80"), comment)  # signed out, from the same address
    assert status(comment) == "approved"
    flag(signed_in(account(django_user_model, "tia"), "203.0.113.80"), comment)
    assert status(comment) == "pending"  # two accounts are two readers, wherever they are


def test_a_trusted_reporter_counts_as_configured(comment, django_user_model, other_comment):
    rules, _ = ModerationRules.objects.update_or_create(
        defaults={"reports_to_hide": 3, "trusted_report_weight": 2}
    )
    flag(signed_in(account(django_user_model, "tr", trusted=True), "203.0.113.90"), comment)
    assert status(comment) == "approved"  # 2 of 3
    flag(Reader("203.0.113.91"), comment)
    assert status(comment) == "pending"

    rules.trusted_report_weight = 3
    rules.save()
    flag(signed_in(account(django_user_model, "tr2", trusted=True), "203.0.113.92"), other_comment)
    assert status(other_comment) == "pending"  # alone


def test_a_history_of_approved_comments_makes_a_trusted_reporter(
    comment, other_comment, article, django_user_model
):
    ModerationRules.objects.update_or_create(
        defaults={
            "reports_to_hide": 2,
            "trusted_report_weight": 2,
            "trusted_after_approved_comments": 3,
        }
    )
    regular = signed_in(account(django_user_model, "reg"), "203.0.113.95")
    for n in range(2):
        regular.comment(article, f"Comment {n}.")
    flag(regular, comment)
    assert status(comment) == "approved"  # two approved comments: not yet trusted

    regular.comment(article, "The third.")
    flag(regular, other_comment)
    assert status(other_comment) == "pending"


def test_reports_from_a_banned_reader_count_for_nothing(comment):
    from broadsheet.engagement.identity import keyed_hash

    ModerationRules.objects.update_or_create(defaults={"reports_to_hide": 2})
    Ban.objects.create(kind="address", value=keyed_hash("address", "192.0.2.66"), shadow=True)
    assert flag(Reader("192.0.2.66"), comment).status_code == 201  # told nothing
    flag(Reader("203.0.113.97"), comment)
    assert status(comment) == "approved"
