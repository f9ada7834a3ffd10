"""Moderation's background work (django-tasks)."""

from django_tasks import task

from broadsheet.moderation import privacy, services


@task()
def train_spam_filter() -> str:
    trained = services.train()
    return str(trained) if trained else "not enough decisions"


@task()
def send_privacy_link(email: str) -> str:
    privacy.send_link(email)
    return "sent"
