"""Writing an article's events in the transaction of the change they report, and telling
the channel once it commits.

engagement sends `discussion_changing` as the last step of every change to what a page
shows of its discussion, inside the change's transaction, naming the comment when one
comment changed. This module writes what readers should learn: a comment that became
visible (rendered once, here, for every reader), a visible comment's new vote totals, a
visible comment withdrawn, or the article's new totals. Held, spam, shadow-banned and
removed comments are never rendered into an event.

A change that already knows what it did says so (a vote its comment's new totals, a
rating the article's new rating) and nothing is read again; any other change is looked
at as it now stands in its own transaction. The events are numbered by the article's
channel row, locked by the upsert that numbers them (the last thing the change does) and
held until the change commits: so on every database the numbers become visible in the
order of the commits, and a change and its events commit together or not at all. What
the events carry beyond the change itself (the comment count, the passages) is read
after that lock, so it includes every change committed before.

An event that cannot be made (its comment fails to render) loses that live update, never
the change: the reader sees it on the next page load, and the error is logged.
"""

import json
import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from broadsheet.engagement import selectors, services
from broadsheet.engagement.models import Annotation, Comment, Discussion
from broadsheet.live import channel
from broadsheet.live.fragments import comment_fragment
from broadsheet.live.models import Channel, Event

log = logging.getLogger(__name__)

# The oldest events beyond LIVE_EVENTS_KEPT are deleted when an article's number crosses
# a multiple of this, not after every event: one DELETE per PRUNE_EVERY events, and at
# most LIVE_EVENTS_KEPT + PRUNE_EVERY rows per article.
PRUNE_EVERY = 100


def discussion_changing_live(
    sender,
    page_id: int,
    comment_id: int | None = None,
    votes: dict | None = None,
    rating: dict | None = None,
    **kwargs,
) -> None:
    """engagement's `discussion_changing` receiver (inside the change's transaction)."""
    if votes is not None:  # a vote, on a comment the vote found approved
        events = [(Event.Kind.VOTES, comment_id, votes)]
    elif rating is not None:
        events = [(Event.Kind.TOTALS, None, lambda: totals(page_id, rating))]
    else:
        try:
            events = what_changed(page_id, comment_id)
        except DatabaseError:  # the transaction is spoilt on PostgreSQL: the change fails
            raise
        except Exception:  # a live update is never worth the change itself
            log.exception("Live event for page %s not recorded", page_id)
            return
    if events:
        record(page_id, events)


def totals(page_id: int, rating: dict | None = None) -> dict:
    """What every event about the article's whole discussion carries; `rating` when the
    change knows it already."""
    if rating is None:
        summary = selectors.rating_summary(page_id)
        rating = {"average": summary.average, "count": summary.count}
    count, passages = 0, {}
    with connection.cursor() as cursor:
        cursor.execute(_counts_statement(), [page_id, page_id, Comment.Status.APPROVED.value])
        for start, end, n in cursor.fetchall():
            if start is None:
                count = n
            else:
                passages[f"{start}:{end}"] = n
    return {"count": count, "rating": rating, "passages": passages}


@cache
def _counts_statement() -> str:
    """The article's comment count (a row of its own, with no passage) and its approved
    comments per passage, orphaned anchors left out, in one statement."""
    q = connection.ops.quote_name
    discussion, annotation = q(Discussion._meta.db_table), q(Annotation._meta.db_table)
    comment = q(Comment._meta.db_table)
    start, end = q("start"), q("end")
    return (
        f"SELECT NULL, NULL, {q('comment_count')} FROM {discussion} "  # noqa: S608 - names only
        f"WHERE {q('page_id')} = %s "
        f"UNION ALL SELECT a.{start}, a.{end}, COUNT(*) FROM {annotation} a "
        f"JOIN {comment} c ON c.{q('id')} = a.{q('comment_id')} "
        f"WHERE a.{q('page_id')} = %s AND c.{q('status')} = %s "
        f"AND a.{q('status')} <> '{Annotation.Status.ORPHANED.value}' "
        f"GROUP BY a.{start}, a.{end}"
    )


def what_changed(page_id: int, comment_id: int | None) -> list:
    """The events one change makes, as (kind, comment id, data or a function making it
    once the article's number is held): read from the state inside the change's
    transaction."""
    if comment_id is None:
        return [(Event.Kind.TOTALS, None, lambda: totals(page_id))]
    comment = (
        Comment.objects.select_related("user", "annotation", "page")
        .filter(pk=comment_id, page_id=page_id)
        .first()
    )
    about = Event.objects.filter(page_id=page_id, comment_id=comment_id).order_by("-seq")
    last = about.values_list("kind", flat=True).first()
    # Whether readers were shown it: its last "comment" or "removed" event. A "votes"
    # event says it was visible, not that it was announced (a vote on a comment older
    # than the live log, or whose announcement was pruned, announces nothing).
    shown = last
    if last == Event.Kind.VOTES:
        shown = about.exclude(kind=Event.Kind.VOTES).values_list("kind", flat=True).first()
    visible = comment is not None and comment.status == Comment.Status.APPROVED
    if visible and shown in (None, Event.Kind.REMOVED):
        # Kept in the shared cache under the publication counter: the page, its specific
        # row and its section are not read again for every approved comment.
        state = services.stored_comments_state(page_id)
        data = {
            "id": comment.pk,
            "parent": comment.parent_id,
            "html": comment_fragment(comment, comments_open=bool(state and state.open)),
        }
        return [
            (Event.Kind.COMMENT, comment.pk, data),
            (Event.Kind.TOTALS, None, lambda: totals(page_id)),
        ]
    if visible:
        data = {"id": comment.pk, "score": comment.score, "up": comment.upvotes}
        data["down"] = comment.downvotes
        return [(Event.Kind.VOTES, comment.pk, data)]
    if last in (Event.Kind.COMMENT, Event.Kind.VOTES):  # it was on readers' pages
        return [
            (Event.Kind.REMOVED, comment_id, {"id": comment_id}),
            (Event.Kind.TOTALS, None, lambda: totals(page_id)),
        ]
    return []  # a held, spam or shadow-banned comment: nothing for other readers


@cache
def _statements() -> tuple[str, str]:
    q = connection.ops.quote_name
    channel_table, event_table = q(Channel._meta.db_table), q(Event._meta.db_table)
    # One statement makes the channel row if need be, moves its number on and locks it
    # until the change commits (PostgreSQL's and SQLite's upsert).
    number = (
        f"INSERT INTO {channel_table} ({q('page_id')}, {q('seq')}) VALUES (%s, %s) "  # noqa: S608
        f"ON CONFLICT ({q('page_id')}) DO UPDATE SET {q('seq')} = "
        f"{channel_table}.{q('seq')} + excluded.{q('seq')} RETURNING {q('seq')}"
    )
    columns = ", ".join(q(name) for name in ("page_id", "seq", "kind", "comment_id", "data"))
    insert = f"INSERT INTO {event_table} ({columns}, {q('created_at')}) VALUES "  # noqa: S608
    return number, insert


def record(page_id: int, events: list) -> int:
    """Number and store the events in the current transaction (one is opened when there
    is none), drop the oldest beyond LIVE_EVENTS_KEPT now and then, and tell the channel
    after commit. Returns the last number."""
    number, insert = _statements()
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(number, [page_id, len(events)])
        last = cursor.fetchone()[0]
        first = last - len(events) + 1
        rows = [
            (
                first + offset,
                str(kind),
                json.dumps(data() if callable(data) else data, separators=(",", ":")),
            )
            for offset, (kind, _, data) in enumerate(events)
        ]
        params = []
        for (seq, kind, data), (_, comment_id, _) in zip(rows, events, strict=True):
            params += [page_id, seq, kind, comment_id, data, created]
        cursor.execute(insert + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows)), params)
        kept = settings.LIVE_EVENTS_KEPT
        if last > kept and (first - 1) // PRUNE_EVERY != last // PRUNE_EVERY:
            Event.objects.filter(page_id=page_id, seq__lte=last - kept).delete()
    if settings.REDIS_URL:
        transaction.on_commit(lambda: channel.announce(page_id, rows))
    return last


def version(page_id: int) -> int:
    """The article's last event number: what a page rendered now has seen."""
    return Channel.objects.filter(pk=page_id).values_list("seq", flat=True).first() or 0
