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


def test_a_writer_waits_its_turn_instead_of_finding_the_database_locked():
    group = Group.objects.create(name="0")
    first_holds_the_lock = threading.Event()
    second_started = threading.Event()
    failures = []

    def first():
        try:
            with transaction.atomic():
                Group.objects.filter(pk=group.pk).update(name="1")
                first_holds_the_lock.set()
                # Hold the lock well past the second writer's busy timeout (50 ms).
                second_started.wait(5)
                threading.Event().wait(0.5)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    def second():
        try:
            first_holds_the_lock.wait(5)
            connection.ensure_connection()
            connection.connection.execute("PRAGMA busy_timeout = 50")
            second_started.set()
            with transaction.atomic():
                seen = Group.objects.get(pk=group.pk).name
                Group.objects.filter(pk=group.pk).update(name=str(int(seen) + 1))
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not failures, failures
    # The second writer read the first one's committed value, not a stale one.
    assert Group.objects.get(pk=group.pk).name == "2"


def test_a_write_outside_any_transaction_waits_its_turn_too():
    """QuerySet.update() in autocommit mode (no atomic block) is a transaction of its own
    in SQLite; it queues on the same lock instead of SQLite's busy handler."""
    group = Group.objects.create(name="0")
    first_holds_the_lock = threading.Event()
    failures = []

    def first():
        try:
            with transaction.atomic():
                Group.objects.filter(pk=group.pk).update(name="1")
                first_holds_the_lock.set()
                threading.Event().wait(0.5)
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    def second():
        try:
            first_holds_the_lock.wait(5)
            connection.ensure_connection()
            connection.connection.execute("PRAGMA busy_timeout = 50")
            Group.objects.filter(pk=group.pk, name="1").update(name="2")
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not failures, failures
    assert Group.objects.get(pk=group.pk).name == "2"  # it ran after the first committed
