"""Background work of the engagement app, run by the Django Tasks API (django-tasks)."""

from django_tasks import task

from broadsheet.engagement import services


@task()
def reanchor_after_publish(page_id: int) -> dict[str, int]:
    """Re-anchor a page's passage comments to the revision just published."""
    return services.reanchor_annotations(page_id)
