"""Receivers for Wagtail's signals: the one place engagement reacts to publishing.

Wagtail sends `page_published` after a revision goes live (by an editor, a workflow
approval or the scheduler). Pages with passage comments get them re-anchored by a task
enqueued when the publishing transaction commits.
"""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.dispatch import Signal

from broadsheet import taskqueue
from broadsheet.engagement.models import Annotation


def reanchor_on_publish(sender, instance, **kwargs) -> None:
    if not Annotation.objects.filter(page_id=instance.pk).exists():
        return
    taskqueue.enqueue("broadsheet.engagement.tasks.reanchor_after_publish", instance.pk)


# Sent when a comment becomes visible to readers, inside the transaction that makes it
# so: on posting when moderation lets it straight through, or when a moderator approves
# a held one (was_held=True). Notifications listen; engagement knows nothing of them.
# Receivers only record what is to happen (a task, through broadsheet.taskqueue.enqueue,
# which writes it in this transaction and runs it after the commit); they never do it
# here. An error in a receiver rolls the comment back: a comment is stored with its
# notification task or not at all (issue 16).
comment_approved = Signal()  # kwargs: comment, was_held


def announce_approved(comment, was_held: bool) -> None:
    comment_approved.send(sender=type(comment), comment=comment, was_held=was_held)


# Sent inside the transaction of every change to what a page shows of its discussion (a
# comment posted, edited, removed, approved; a vote; a rating; a recount), as the
# change's last step: live threads (broadsheet.live) write the events readers are sent
# in that same transaction, so a change and its events commit together. kwargs: page_id,
# comment_id (None: the page as a whole), and what the change already knows, so that
# no receiver reads it again: `votes` ({id, score, up, down}: a vote on an approved
# comment, its new totals) or `rating` ({average, count}: the article's new rating).
discussion_changing = Signal()

# Sent after commit for the same changes: the page cache listens. kwargs: page_id,
# comment_id (None: the page as a whole), listed (False for a vote or a rating, which
# change nothing a listing of articles shows).
discussion_changed = Signal()


_held = threading.local()


@contextmanager
def announced_together():
    """Several changes in one transaction (a moderator's bulk action): what they announce
    is sent when the block ends, after all of its writes. So the live log's row lock,
    which `discussion_changing` takes, stays the last lock a transaction takes, as in a
    single change; otherwise, on PostgreSQL, a vote holding a comment's row and waiting
    for that lock could deadlock with the bulk action waiting for the comment. Nothing
    is sent when the block raises (its transaction rolls back)."""
    if getattr(_held, "pending", None) is not None:  # inside another: that one sends
        yield
        return
    _held.pending = pending = {}
    try:
        yield
    finally:
        _held.pending = None
    for (page_id, comment_id), known in pending.items():
        discussion_changing.send(sender=None, page_id=page_id, comment_id=comment_id, **known)


def announce_changed(page_id: int, comment_id: int | None = None, **known) -> None:
    pending = getattr(_held, "pending", None)
    if pending is None:
        discussion_changing.send(sender=None, page_id=page_id, comment_id=comment_id, **known)
    else:  # once per comment (or page), as it stands at the end
        pending.pop((page_id, comment_id), None)
        pending[(page_id, comment_id)] = known
    listed = "votes" not in known and "rating" not in known
    transaction.on_commit(
        lambda: discussion_changed.send(
            sender=None, page_id=page_id, comment_id=comment_id, listed=listed
        )
    )
