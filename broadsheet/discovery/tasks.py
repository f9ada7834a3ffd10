"""Discovery's background work (django-tasks): never inside a reader's request."""

from django_tasks import task

from broadsheet.discovery import services


@task()
def refresh_related_task(article_id: int) -> int:
    return services.refresh_related(article_id)


@task()
def forget_article_task(article_id: int) -> int:
    return services.forget_article(article_id)
