"""Receivers for Wagtail's signals: the one place engagement reacts to publishing.

Wagtail sends `page_published` after a revision goes live (by an editor, a workflow
approval or the scheduler). Pages with passage comments get them re-anchored by a task
enqueued when the publishing transaction commits.
"""

from django.db import transaction

from broadsheet.engagement.models import Annotation


def reanchor_on_publish(sender, instance, **kwargs) -> None:
    if not Annotation.objects.filter(page_id=instance.pk).exists():
        return
    from broadsheet.engagement.tasks import reanchor_after_publish

    page_id = instance.pk
    transaction.on_commit(lambda: reanchor_after_publish.enqueue(page_id))
