"""Receivers for Wagtail's publishing signals: related lists follow the live site.

Wagtail sends `page_published` and `page_unpublished` (editors, workflow approvals,
the scheduler); the work is enqueued when the publishing transaction commits.
"""

from django.db import transaction

from broadsheet.newsroom.models import ArticlePage


def article_published(sender, instance, **kwargs) -> None:
    if isinstance(instance, ArticlePage):
        from broadsheet.discovery.tasks import refresh_related_task

        article_id = instance.pk
        transaction.on_commit(lambda: refresh_related_task.enqueue(article_id))


def article_unpublished(sender, instance, **kwargs) -> None:
    if isinstance(instance, ArticlePage):
        from broadsheet.discovery.tasks import forget_article_task

        article_id = instance.pk
        transaction.on_commit(lambda: forget_article_task.enqueue(article_id))
