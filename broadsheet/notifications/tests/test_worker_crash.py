"""A worker killed mid-send (issue 16, "Bad days: nothing lost"): every email that was
due arrives, once, and no task stays RUNNING.

`kill -9` of `broadsheet worker` while the SMTP server held its message used to lose that
email for good: the database queue never takes a task back from a worker that died (it
stayed RUNNING), and nothing re-queued the delivery once its claim expired. A worker now
returns to the queue the tasks of a worker whose heartbeat stopped (and, for workers
that never beat, tasks running longer than TASKS_LEASE_SECONDS), and re-queues
deliveries whose claim expired (see docs/notifications.md, "When the worker dies").
Then a confirmation email, which has no claim of its own, still waited out the whole
lease (15 minutes) after its worker was killed: the heartbeat brings it back in seconds.

The subprocess tests run real `broadsheet worker` processes against a real SMTP server
on loopback; the others build the state a dead worker leaves and run the worker in
process, so the normal suite checks the same rules in a second.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from broadsheet import taskqueue
from broadsheet.notifications import services
from broadsheet.notifications.management.commands.worker import take_back_abandoned
from broadsheet.notifications.models import Address, Delivery, Subscription, WorkerHeartbeat
from broadsheet.notifications.tasks import send_confirmation_task, send_delivery_task

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
READERS = [f"reader{n}@example.org" for n in range(5)]


def subscribed(article, emails) -> None:
    """Confirmed subscribers to every new comment on `article`."""
    for email in emails:
        Subscription.objects.create(
            address=Address.objects.create(email=email),
            page=article,
            kind=Subscription.Kind.COMMENTS,
            confirmed_at=timezone.now(),
        )


def arrivals(inbox) -> Counter:
    return Counter(message["To"] for message in inbox.messages)


class StallingInbox:
    """An SMTP server that accepts `accept` messages, then holds the next one: it never
    answers its DATA until `release()`, and then refuses it (451), as a server that had
    not taken the message would. Only messages answered 250 count as received."""

    def __init__(self, accept: int):
        self.accept, self.messages = accept, []
        self.stalled = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email

        if len(self.messages) >= self.accept and not self._released.is_set():
            self.stalled.set()
            while not self._released.is_set():  # the event loop keeps serving others
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def stalling_smtp():
    from aiosmtpd.controller import Controller

    from broadsheet.tests.services import free_port

    inbox = StallingInbox(accept=2)
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    inbox.release()
    controller.stop()


def database_url() -> str:
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def worker(smtp_port: int, *args: str, **env: str) -> subprocess.Popen:
    """`broadsheet worker` in a process of its own, on the test database."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "0",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "worker", "--no-reload", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def killed_mid_send(process: subprocess.Popen, inbox: StallingInbox) -> None:
    """`kill -9` of the worker `process` while `inbox` holds the message it sends; then
    the server lets go (refusing that message, which the dead worker never hears)."""
    try:
        assert inbox.stalled.wait(60), process.stdout.read1().decode()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    inbox.release()


@pytest.mark.resilience
def test_a_worker_killed_mid_send_loses_no_email_and_sends_none_twice(
    article, make_reader, stalling_smtp, queue
):
    subscribed(article, READERS)
    make_reader().comment(article, "The harbour reopens on Monday.")

    first = worker(
        stalling_smtp.port,
        "--interval",
        "0.1",
        NOTIFICATIONS_CLAIM_SECONDS="2",
        TASKS_HEARTBEAT_SECONDS="0.5",
    )
    killed_mid_send(first, stalling_smtp)  # the server holds its third email
    assert len(stalling_smtp.messages) == 2
    [running] = DBTaskResult.objects.filter(status="RUNNING")  # what the dead worker left
    assert Delivery.objects.filter(sent_at__isnull=True, claimed_until__isnull=False).count() == 1

    # The dead worker's claim and heartbeat run out; then a new worker starts.
    claims = Delivery.objects.exclude(claimed_until=None).values_list("claimed_until", flat=True)
    beats = WorkerHeartbeat.objects.values_list("alive_until", flat=True)
    expired = max([running.started_at, *claims, *beats])
    time.sleep(max(0.0, (expired - timezone.now()).total_seconds()) + 0.1)
    second = worker(stalling_smtp.port, "--batch")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output.decode()

    assert arrivals(stalling_smtp) == {email: 1 for email in READERS}
    message_ids = [message["Message-ID"] for message in stalling_smtp.messages]
    assert len(set(message_ids)) == len(READERS)
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert Delivery.objects.filter(sent_at__isnull=True).count() == 0


def sent_once_within(inbox, email: str, seconds: float) -> bool:
    """Whether `email` has had its message, and no task is left RUNNING, within
    `seconds` (a bound on a wait, polled: the test never measures how fast)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if arrivals(inbox)[email] and not DBTaskResult.objects.filter(status="RUNNING").exists():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.resilience
def test_a_confirmation_a_killed_worker_held_is_sent_once_by_the_next_without_the_lease(
    article, stalling_smtp, queue
):
    # A guest asks to be notified: her confirmation email is due. It has no claim of its
    # own, only its task; the lease is the default 15 minutes.
    stalling_smtp.accept = 0
    services.subscribe(article_id=article.pk, kind="comments", email=ALICE)

    first = worker(stalling_smtp.port, "--interval", "0.1")
    killed_mid_send(first, stalling_smtp)  # the server holds her confirmation
    assert stalling_smtp.messages == []
    [running] = DBTaskResult.objects.filter(status="RUNNING")
    assert running.task_path == send_confirmation_task.module_path

    second = worker(stalling_smtp.port, "--interval", "0.1")
    try:
        assert sent_once_within(stalling_smtp, ALICE, 60), "still RUNNING, waiting for the lease"
        second.send_signal(signal.SIGTERM)  # a clean stop
        output, _ = second.communicate(timeout=30)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()

    assert arrivals(stalling_smtp) == {ALICE: 1}
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert second.returncode == 0, output.decode()
    # The killed worker's heartbeat went with its task; the stopped one removed its own.
    assert not WorkerHeartbeat.objects.exists()


# --- The same rules in process, fast: the state a dead worker leaves, built directly ---

ALICE = "alice@example.org"
LONG_AGO = timedelta(hours=1)


@pytest.fixture
def died_sending_to_alice(article, make_reader, smtp_inbox, queue, monkeypatch) -> None:
    """Alice subscribed, a comment posted, and the queue run by a worker killed while it
    sent her email: that task left RUNNING and the delivery claimed, both an hour ago."""
    subscribed(article, [ALICE])
    make_reader().comment(article, "The harbour reopens on Monday.")
    with monkeypatch.context() as patched:
        patched.setattr(services, "send_delivery", lambda delivery_id: "killed")
        queue.run()
    long_ago = timezone.now() - LONG_AGO
    sending = DBTaskResult.objects.filter(task_path=send_delivery_task.module_path)
    sending.update(status="RUNNING", started_at=long_ago, finished_at=None, worker_ids=["dead"])
    Delivery.objects.update(claimed_until=long_ago + services.claim())


def test_an_email_a_dead_worker_was_sending_is_sent_once_by_the_next(
    died_sending_to_alice, smtp_inbox, queue
):
    assert smtp_inbox.messages == []

    queue.run()
    assert arrivals(smtp_inbox) == {ALICE: 1}
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    delivery = Delivery.objects.get()
    assert delivery.sent_at is not None and delivery.claimed_until is None

    queue.run()  # nothing left to take back, nothing sent again
    assert arrivals(smtp_inbox) == {ALICE: 1}


def test_an_expired_claim_is_queued_again_though_its_task_ended(
    died_sending_to_alice, smtp_inbox, queue
):
    # The dead worker's task was taken back while the claim still held: it ended as
    # "skipped", and only the expired claim says the email is still owed.
    DBTaskResult.objects.filter(status="RUNNING").update(status="SUCCESSFUL")

    queue.run()
    assert arrivals(smtp_inbox) == {ALICE: 1}


def test_a_task_within_its_lease_and_a_live_claim_are_left_alone(
    died_sending_to_alice, smtp_inbox, queue
):
    # A worker alive and sending: started a moment ago, its claim still running.
    DBTaskResult.objects.filter(status="RUNNING").update(started_at=timezone.now())
    Delivery.objects.update(claimed_until=timezone.now() + services.claim())

    queue.run()
    assert smtp_inbox.messages == []
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1


def test_a_task_that_killed_every_worker_that_took_it_is_failed_not_retried(queue):
    result = send_delivery_task.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - LONG_AGO,
        worker_ids=[f"dead-{n}" for n in range(taskqueue.MAX_CLAIMS)],
    )
    assert taskqueue.reclaim_abandoned_tasks() == 0
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "FAILED" and task.exception_class_path.endswith("WorkerDied")


# --- Heartbeats, in process: which RUNNING task is taken back from whom ---


@pytest.fixture
def died_confirming_alice(article, smtp_inbox, queue, monkeypatch):
    """Alice asked for notifications, and the worker sending her confirmation stopped
    mid-send: the task is RUNNING on worker "w1". Returns a function that says when the
    task started (ago) and, if w1 beats, until when (from now) its last beat vouches for
    it."""
    services.subscribe(article_id=article.pk, kind="comments", email=ALICE)
    with monkeypatch.context() as patched:
        patched.setattr(services, "send_confirmation", lambda *args: "killed")
        queue.run()

    def left(*, started: timedelta, beat_vouches_until: timedelta | None = None) -> None:
        now = timezone.now()
        DBTaskResult.objects.filter(task_path=send_confirmation_task.module_path).update(
            status="RUNNING", started_at=now - started, finished_at=None, worker_ids=["w1"]
        )
        if beat_vouches_until is not None:
            WorkerHeartbeat.objects.create(
                worker_id="w1", seen_at=now, alive_until=now + beat_vouches_until
            )

    return left


def test_a_task_whose_worker_fell_silent_is_sent_by_the_next_worker_long_before_its_lease(
    died_confirming_alice, smtp_inbox, queue
):
    died_confirming_alice(started=timedelta(seconds=10), beat_vouches_until=-timedelta(seconds=1))

    queue.run()
    assert arrivals(smtp_inbox) == {ALICE: 1}
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert not WorkerHeartbeat.objects.exists()  # forgotten once its task was back

    queue.run()
    assert arrivals(smtp_inbox) == {ALICE: 1}


def test_a_task_whose_worker_still_beats_is_left_to_it_past_its_lease(
    died_confirming_alice, smtp_inbox, queue
):
    # A long task on a live worker: an hour old, its worker beat a moment ago.
    died_confirming_alice(started=LONG_AGO, beat_vouches_until=timedelta(minutes=1))

    queue.run()
    assert smtp_inbox.messages == []
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    assert WorkerHeartbeat.objects.filter(worker_id="w1").exists()


def test_a_task_of_a_worker_that_never_beats_keeps_the_lease(
    died_confirming_alice, smtp_inbox, queue
):
    # Claimed by a plain db_worker (no heartbeat) a moment ago, while another worker
    # fell silent: its task is not that worker's to lose.
    died_confirming_alice(started=timedelta(seconds=10))
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w2", seen_at=now, alive_until=now - LONG_AGO)

    queue.run()
    assert smtp_inbox.messages == []
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1

    DBTaskResult.objects.filter(status="RUNNING").update(started_at=timezone.now() - LONG_AGO)
    queue.run()  # past the lease: taken back
    assert arrivals(smtp_inbox) == {ALICE: 1}


def test_a_worker_whose_own_beat_is_late_keeps_its_task_and_its_row(
    died_confirming_alice, smtp_inbox
):
    # w1's beat was stuck behind a busy database past its own row's time; w1 itself,
    # taking back, knows it is alive (the subprocess test once saw a worker drop itself).
    died_confirming_alice(started=timedelta(seconds=10), beat_vouches_until=-timedelta(seconds=1))

    assert take_back_abandoned(me="w1") == (0, 0)
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    assert WorkerHeartbeat.objects.filter(worker_id="w1").exists()


def test_a_confirmation_the_server_took_is_not_sent_again_by_its_task_run_again(
    article, smtp_inbox, queue
):
    """A worker killed between the server's 250 and its task's end leaves the task to be
    run again: the confirmation it sent is on record, so the rerun sends nothing."""
    services.subscribe(article_id=article.pk, kind="comments", email=ALICE, client_hash="c")
    queue.run()
    assert arrivals(smtp_inbox) == {ALICE: 1}
    subscription = Subscription.objects.get()
    assert subscription.confirmation_mailed_at >= subscription.confirmation_sent_at

    assert services.send_confirmation(subscription.pk) == "skipped"  # the task again
    assert arrivals(smtp_inbox) == {ALICE: 1}
    [message] = smtp_inbox.messages
    assert message["Message-ID"].startswith(f"<confirm-{subscription.pk}.")
