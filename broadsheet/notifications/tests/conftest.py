"""Notification tests run as production does: real commits (each test module marks
itself `django_db(transaction=True, serialized_rollback=True)`), the
database task queue, `broadsheet worker --batch` as the worker, and a real SMTP server
on loopback (aiosmtpd) receiving the mail."""

import re
from datetime import timedelta
from email.message import Message

import pytest
from django.core.management import call_command
from django.utils import timezone

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings):
    """Tasks go to the database queue; `queue.run()` is the worker doing what is due."""
    settings.TASKS = DATABASE_TASKS
    settings.TASKS_BACKEND = "database"

    class Queue:
        @staticmethod
        def run() -> None:
            call_command("worker", "--batch", verbosity=0)

        @staticmethod
        def time_passes(minutes: float) -> None:
            """Move the clock forward for the queue and the coalescing window: waiting
            tasks become due and past emails older. (The real clock is not ours to move;
            the rows that record time are.)"""
            from django_tasks_db.models import DBTaskResult

            from broadsheet.notifications.models import Delivery

            shift = timedelta(minutes=minutes)
            for delivery in Delivery.objects.all():
                Delivery.objects.filter(pk=delivery.pk).update(
                    created_at=delivery.created_at - shift
                )
            for result in DBTaskResult.objects.filter(status="READY"):
                DBTaskResult.objects.filter(pk=result.pk).update(
                    run_after=min(result.run_after - shift, timezone.now())
                )

    return Queue()


@pytest.fixture
def article(queue):
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    return ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


@pytest.fixture
def make_reader(queue):
    addresses = iter(f"203.0.113.{n}" for n in range(10, 250))
    return lambda: Reader(next(addresses))


def to(inbox, email: str) -> list[Message]:
    return [m for m in inbox.messages if m["To"] == email]


def subject(message: Message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def parts(message: Message) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative email."""
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode()
        elif part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode()
    return text, html


def link(message: Message, name: str) -> str:
    """The path of the first emailed link to /notifications/<name>/..."""
    text, _ = parts(message)
    found = re.search(rf"https?://[^/\s]+(/notifications/{name}/[^\s]+/)", text)
    assert found, f"no {name} link in:\n{text}"
    return found.group(1)
