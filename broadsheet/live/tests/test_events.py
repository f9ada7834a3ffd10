"""The event log as the writes leave it: what a vote or a rating records, in the change's
own transaction, and how much of the log is kept."""

import json

import pytest

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment
from broadsheet.live.models import Channel, Event
from broadsheet.live.publish import PRUNE_EVERY
from broadsheet.live.tests.conftest import guest, post

pytestmark = pytest.mark.django_db


def log(article) -> list[tuple[str, dict]]:
    rows = Event.objects.filter(page_id=article.pk).order_by("seq")
    return [(kind, json.loads(data)) for kind, data in rows.values_list("kind", "data")]


def test_a_vote_on_a_comment_older_than_the_log_sends_its_totals_not_the_comment(article):
    comment = post(article, "Written before live threads")
    Event.objects.all().delete()  # as for a comment older than the log, or pruned since

    services.cast_vote(comment_id=comment.pk, reader=guest("voter"), value=1)
    services.cast_vote(comment_id=comment.pk, reader=guest("voter"), value=1)  # again

    # Written in the vote's own transaction (this test's), the repeat changing nothing.
    assert log(article) == [("votes", {"id": comment.pk, "score": 1, "up": 1, "down": 0})]
    # Readers had it on their pages: its removal reaches them.
    services.set_status(comment.pk, Comment.Status.REMOVED, "Off topic")
    assert [kind for kind, _ in log(article)] == ["votes", "removed", "totals"]


def test_a_rating_sends_the_new_rating_with_the_article_totals(article):
    post(article, "A comment to count")
    services.rate_page(page_id=article.pk, reader=guest("one"), stars=4)
    services.rate_page(page_id=article.pk, reader=guest("two"), stars=1)
    services.rate_page(page_id=article.pk, reader=guest("two"), stars=1)  # again: nothing

    totals = [data for kind, data in log(article) if kind == "totals"]
    assert totals[-1] == {"count": 1, "rating": {"average": 2.5, "count": 2}, "passages": {}}
    assert len(totals) == 3  # the comment's, then one per rating that changed something


def test_the_newest_events_are_kept_and_the_oldest_pruned(article, settings):
    settings.LIVE_EVENTS_KEPT = 5
    comment = post(article, "Voted on at length")
    for n in range(PRUNE_EVERY + 10):
        services.cast_vote(comment_id=comment.pk, reader=guest(f"voter {n}"), value=1)

    last = Channel.objects.get(pk=article.pk).seq
    numbers = list(Event.objects.filter(page_id=article.pk).values_list("seq", flat=True))
    assert sorted(numbers) == list(range(min(numbers), last + 1))  # no gap
    assert len(numbers) >= 5  # the newest LIVE_EVENTS_KEPT always
    assert len(numbers) <= 5 + PRUNE_EVERY  # pruned now and then


def test_a_bulk_approval_announces_each_comment_once_after_all_its_writes(
    article, django_user_model
):
    from django.contrib.auth.models import Group

    from broadsheet.moderation.services import moderate

    editor = django_user_model.objects.create_user("eda", "eda@example.org", "a long phrase")
    editor.groups.add(Group.objects.get(name="Editors"))
    held = [post(article, f"Held comment number {n}", name=f"guest{n}") for n in range(2)]
    for comment in held:
        services.set_status(comment.pk, Comment.Status.PENDING)
    Event.objects.all().delete()

    moderate(moderator=editor, comment_ids=[c.pk for c in held], action="approve")

    assert [(kind, data.get("id")) for kind, data in log(article)] == [
        ("comment", held[0].pk),
        ("totals", None),
        ("comment", held[1].pk),
        ("totals", None),
    ]
    assert log(article)[-1][1]["count"] == 2
