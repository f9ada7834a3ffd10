"""What `broadsheet worker` prints in `make run`'s terminal: one line per email (to whom,
the subject, the link to follow) and one per failure; task states only with -v 2."""

import socket

import pytest
from django.core.management import call_command

from broadsheet.notifications.models import Address

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def subscribe(reader, article, email):
    response = reader.post(
        "/api/v1/subscriptions", {"article": article.pk, "email": email, "kind": "comments"}
    )
    assert response.json()["status"] == "confirmation_sent"


def test_one_line_per_email_and_nothing_per_task(article, make_reader, settings, capfd):
    settings.EMAIL_BACKEND = "broadsheet.notifications.console.EmailBackend"
    for email in ("alice@example.org", "bob@example.org"):
        subscribe(make_reader(), article, email)
    capfd.readouterr()

    call_command("worker", "--batch")
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2, out
    for line, email in zip(sorted(lines), ("alice@example.org", "bob@example.org"), strict=True):
        assert line.startswith(f"Email to {email}: “")
        assert "/notifications/confirm/" in line  # the link to follow
    assert "state=" not in out + err and "Task id=" not in out + err


def test_one_line_per_failure(article, make_reader, settings, capfd, caplog):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    subscribe(make_reader(), article, "carol@example.org")
    capfd.readouterr()

    call_command("worker", "--batch")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    # The one line goes through logging (to stderr in a terminal; pytest holds it here).
    [line] = [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert "failed" in line and str(Address.objects.get().pk) in line
