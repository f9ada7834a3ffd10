"""Writing an article's events after a change commits, and telling the channel.

engagement sends `discussion_changed` after the commit of every change to what a page
shows of its discussion, naming the comment when one comment changed. This module reads
the state as it now is (never what a request claimed) and records what readers should
learn: a comment that became visible (rendered once, here, for every reader), a
visible comment's new vote totals, a visible comment withdrawn, or the article's new
totals. Held, spam, shadow-banned and removed comments are never rendered into an event.

A failure here loses a live update, never the change: the reader sees it on the next
page load, and the error is logged.
"""

import json
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count

from broadsheet.engagement import selectors, services
from broadsheet.engagement.models import Annotation, Comment
from broadsheet.live import channel
from broadsheet.live.fragments import comment_fragment
from broadsheet.live.models import Channel, Event

log = logging.getLogger(__name__)


def discussion_changed_live(sender, page_id: int, comment_id: int | None = None, **kwargs) -> None:
    """engagement's `discussion_changed` receiver (after commit)."""
    try:
        events = what_changed(page_id, comment_id)
        if events:
            record(page_id, events)
    except DatabaseError as error:
        log.warning("Live event for page %s not recorded: %s", page_id, error)
    except Exception:  # a live update is never worth a failed answer to a committed write
        log.exception("Live event for page %s not recorded", page_id)


def totals(page_id: int) -> dict:
    """What every event about the article's whole discussion carries."""
    rating = selectors.rating_summary(page_id)
    passages = (
        Annotation.objects.filter(page_id=page_id, comment__status=Comment.Status.APPROVED)
        .exclude(status=Annotation.Status.ORPHANED)
        .values("start", "end")
        .annotate(n=Count("pk"))
    )
    return {
        "count": selectors.comment_counts([page_id]).get(page_id, 0),
        "rating": {"average": rating.average, "count": rating.count},
        "passages": {f"{row['start']}:{row['end']}": row["n"] for row in passages},
    }


def what_changed(page_id: int, comment_id: int | None) -> list[tuple[str, int | None, dict]]:
    """The events one change makes, as (kind, comment id, data)."""
    if comment_id is None:
        return [(Event.Kind.TOTALS, None, totals(page_id))]
    comment = (
        Comment.objects.select_related("user", "annotation", "page")
        .filter(pk=comment_id, page_id=page_id)
        .first()
    )
    announced = (
        Event.objects.filter(page_id=page_id, comment_id=comment_id)
        .order_by("-seq")
        .values_list("kind", flat=True)
        .first()
    )
    visible = comment is not None and comment.status == Comment.Status.APPROVED
    if visible and announced in (None, Event.Kind.REMOVED):
        state = services.comments_state(comment.page)
        data = {
            "id": comment.pk,
            "parent": comment.parent_id,
            "html": comment_fragment(comment, comments_open=state.open),
        }
        return [(Event.Kind.COMMENT, comment.pk, data), (Event.Kind.TOTALS, None, totals(page_id))]
    if visible:
        data = {"id": comment.pk, "score": comment.score, "up": comment.upvotes}
        data["down"] = comment.downvotes
        return [(Event.Kind.VOTES, comment.pk, data)]
    if announced in (Event.Kind.COMMENT, Event.Kind.VOTES):
        return [
            (Event.Kind.REMOVED, comment_id, {"id": comment_id}),
            (Event.Kind.TOTALS, None, totals(page_id)),
        ]
    return []  # a held, spam or shadow-banned comment: nothing for other readers


def record(page_id: int, events: list[tuple[str, int | None, dict]]) -> int:
    """Number and store the events (the article's channel row locked, so numbers and
    commits agree), drop the oldest beyond LIVE_EVENTS_KEPT, then tell the channel.
    Returns the last number."""
    with transaction.atomic():
        Channel.objects.get_or_create(page_id=page_id)
        seq = Channel.objects.select_for_update().values_list("seq", flat=True).get(pk=page_id)
        rows = []
        for kind, comment_id, data in events:
            seq += 1
            rows.append(
                Event(
                    page_id=page_id,
                    seq=seq,
                    kind=kind,
                    comment_id=comment_id,
                    data=json.dumps(data, separators=(",", ":")),
                )
            )
        Event.objects.bulk_create(rows)
        Channel.objects.filter(pk=page_id).update(seq=seq)
        Event.objects.filter(page_id=page_id, seq__lte=seq - settings.LIVE_EVENTS_KEPT).delete()
    channel.announce(page_id, [(row.seq, row.kind, row.data) for row in rows])
    return seq


def version(page_id: int) -> int:
    """The article's last event number: what a page rendered now has seen."""
    return Channel.objects.filter(pk=page_id).values_list("seq", flat=True).first() or 0
