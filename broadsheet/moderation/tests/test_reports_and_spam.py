"""Readers' reports, and the spam filter learning from moderators' decisions."""

import pytest

from broadsheet.engagement.models import Comment, Discussion
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation import services, spam
from broadsheet.moderation.corpus import generate
from broadsheet.moderation.models import ModerationAction, ModerationRules, Report, SpamFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(article):
    author = Reader("198.51.100.1")
    created = author.comment(article, "A perfectly ordinary opinion.")
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
    training = generate(300, seed=3, part="training")
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

    held_out = generate(200, seed=4, part="held-out")
    spam_texts = [t for t, label in held_out if label == 1]
    ham_texts = [t for t, label in held_out if label == 0]
    threshold = ModerationRules.load().spam_threshold
    caught_by_rules = sum(spam.rule_score(t)[0] > threshold for t in spam_texts)
    caught_trained = sum(spam.score(t)[0] > threshold for t in spam_texts)
    false_alarms = sum(spam.score(t)[0] > threshold for t in ham_texts)
    assert caught_trained > caught_by_rules
    assert caught_trained >= 0.6 * len(spam_texts)
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
