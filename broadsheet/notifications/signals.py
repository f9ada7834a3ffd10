"""engagement announces approved comments (after commit); we enqueue the fan-out."""

from broadsheet.notifications.tasks import notify_comment_task


def comment_approved_receiver(sender, comment, was_held: bool, **kwargs) -> None:
    notify_comment_task.enqueue(comment.pk, was_held)
