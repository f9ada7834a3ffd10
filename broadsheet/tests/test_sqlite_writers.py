"""SQLite writers queue for the write lock (broadsheet/sqlite/base.py) instead of
failing or polling: a transaction waits for the one before it however long that takes,
even with a busy timeout far shorter than the wait."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own write lock"),
]


def race(first_holding_the_lock, second) -> list[Exception]:
    """Run `first_holding_the_lock` in a transaction held for half a second, and `second`
    on another connection whose busy timeout (50 ms) is far shorter than that wait."""
    holding = threading.Event()
    failures: list[Exception] = []

    def first_thread():
        try:
            with transaction.atomic():
                first_holding_the_lock()
                holding.set()
                threading.Event().wait(0.5)
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            failures.append(error)
        finally:
            connections.close_all()

    def second_thread():
        try:
            holding.wait(5)
            connection.ensure_connection()
            connection.connection.execute("PRAGMA busy_timeout = 50")
            second()
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_thread), threading.Thread(target=second_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return failures


def test_a_writer_waits_its_turn_instead_of_finding_the_database_locked():
    group = Group.objects.create(name="0")

    def second():
        with transaction.atomic():
            seen = Group.objects.get(pk=group.pk).name
            Group.objects.filter(pk=group.pk).update(name=str(int(seen) + 1))

    failures = race(lambda: Group.objects.filter(pk=group.pk).update(name="1"), second)
    assert not failures, failures
    # The second writer read the first one's committed value, not a stale one.
    assert Group.objects.get(pk=group.pk).name == "2"


def test_a_write_outside_any_transaction_waits_its_turn_too():
    """QuerySet.update() in autocommit mode (no atomic block) is a transaction of its own
    in SQLite; it queues on the same lock instead of SQLite's busy handler."""
    group = Group.objects.create(name="0")
    failures = race(
        lambda: Group.objects.filter(pk=group.pk).update(name="1"),
        lambda: Group.objects.filter(pk=group.pk, name="1").update(name="2"),
    )
    assert not failures, failures
    assert Group.objects.get(pk=group.pk).name == "2"  # it ran after the first committed
