"""Notification work for the task worker (`broadsheet worker`): never in a reader's
request. Each task is safe to run twice: the services check before they send."""

from django_tasks import task

from broadsheet.notifications import services


@task()
def notify_comment_task(comment_id: int, was_held: bool = False) -> int:
    return services.notify_comment(comment_id, was_held)


@task()
def collect_task(address_id: int, page_id: int | None) -> str:
    # The delivery made here is sent by its own task, written with it (services.collect).
    return "waiting" if services.collect(address_id, page_id) is None else "collected"


@task()
def send_delivery_task(delivery_id: int) -> str:
    return services.send_delivery(delivery_id)


@task()
def send_confirmation_task(subscription_id: int, attempt: int = 1) -> str:
    return services.send_confirmation(subscription_id, attempt)
