"""engagement announces an approved comment inside the transaction that approves it; we
queue the fan-out in that same transaction (broadsheet.taskqueue), so the comment never
commits without it."""

from broadsheet import taskqueue
from broadsheet.notifications.tasks import notify_comment_task


def comment_approved_receiver(sender, comment, was_held: bool, **kwargs) -> None:
    taskqueue.enqueue(notify_comment_task, comment.pk, was_held)
