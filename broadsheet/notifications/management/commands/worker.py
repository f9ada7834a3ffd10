"""`broadsheet worker`: run background tasks (emails, related lists, search index,
re-anchoring) from the database queue. Options pass through to django-tasks-db's
db_worker (--batch to run what is queued and stop, --queue-name, --interval ...).

Beside it, from a thread of its own (django-tasks-db's loop has no hook), the worker
records that it is alive every TASKS_HEARTBEAT_SECONDS (`beat`, one upsert of its row in
`WorkerHeartbeat`, under the id it gives db_worker) and takes back what a dead worker
left (`take_back_abandoned`): the tasks of workers silent for three beats (checked at
every beat, a read of that small table) and, every HOUSEKEEPING_SECONDS or so, tasks
RUNNING past their lease on workers that never beat and deliveries whose claim expired;
all of it when it starts too, so a `--batch` run does it first. A `--batch` run does not
beat: it holds its tasks by the lease. A worker stopping cleanly deletes its row (see
broadsheet/taskqueue.py)."""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from broadsheet import taskqueue
from broadsheet.notifications import services
from broadsheet.notifications.models import WorkerHeartbeat

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 30.0


def new_worker_id() -> str:
    """Unique across the pool, as db_worker asks, and telling which machine and process
    a task was on (at most 64 characters, db_worker's limit)."""
    return f"{socket.gethostname()[:40]}.{os.getpid()}.{get_random_string(8)}"


def beat(worker_id: str) -> None:
    """Record that `worker_id` is alive now, and vouch for it for three beats: one
    statement (an upsert)."""
    now = timezone.now()
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(worker_id=worker_id, seen_at=now, alive_until=now + taskqueue.silence())],
        update_conflicts=True,
        unique_fields=["worker_id"],
        update_fields=["seen_at", "alive_until"],
    )


def take_back_tasks(*, me: str | None = None, silent_only: bool = False) -> int:
    """Tasks whose worker is presumed dead go back to the queue (taskqueue's rules: its
    worker silent for three beats, or with no heartbeat and past the lease); then the
    silent workers' rows are deleted, since what they held is back. `me`, the worker
    asking, is alive whatever its row says (its own beat may be stuck behind a busy
    database). With `silent_only`, nothing more than a read of the heartbeats unless a
    worker is silent. Returns how many tasks."""
    now = timezone.now()  # before the read: a slow read makes no one look older
    alive_until = dict(WorkerHeartbeat.objects.values_list("worker_id", "alive_until"))
    if me is not None:
        alive_until[me] = now + taskqueue.silence()
    silent = taskqueue.silent_workers(alive_until, now)
    if silent_only and not silent:
        return 0
    reclaimed = taskqueue.reclaim_abandoned_tasks(alive_until, now=now)
    if silent:  # (one that beat again since, only slow, keeps its row)
        WorkerHeartbeat.objects.filter(worker_id__in=silent, alive_until__lt=now).delete()
    return reclaimed


def take_back_abandoned(me: str | None = None) -> tuple[int, int]:
    """What workers that died left behind goes back to the queue: (tasks, deliveries).
    `me`: the worker asking, if it beats."""
    return take_back_tasks(me=me), services.requeue_abandoned_deliveries()


def housekeeping_interval() -> float:
    """Often enough that nothing waits much past its lease or claim."""
    shortest = min(settings.TASKS_LEASE_SECONDS, settings.NOTIFICATIONS_CLAIM_SECONDS)
    return max(0.5, min(HOUSEKEEPING_SECONDS, shortest / 4))


def _keep_house(worker_id: str, stop: threading.Event) -> None:
    """Beat, and take back from silent workers, every TASKS_HEARTBEAT_SECONDS (or each
    housekeeping round, if sooner); take back everything else every
    `housekeeping_interval()`. Until `stop` is set."""
    every = min(settings.TASKS_HEARTBEAT_SECONDS, housekeeping_interval())
    whole_round_due = time.monotonic() + housekeeping_interval()
    database_was_away = False
    while not stop.wait(every):
        try:
            beat(worker_id)
            if database_was_away:
                # The others could not beat either: give them a beat's time to say they
                # are alive before judging anyone silent.
                database_was_away = False
            elif time.monotonic() >= whole_round_due:
                whole_round_due = time.monotonic() + housekeeping_interval()
                take_back_abandoned(me=worker_id)
            else:
                take_back_tasks(me=worker_id, silent_only=True)
        except DatabaseError as error:  # the database away for a moment: next round
            database_was_away = True
            log.warning("Could not beat or take back abandoned tasks: %s", error)
        except Exception:  # never let the thread die: the next round may succeed
            log.exception("Taking back abandoned tasks failed")
        finally:
            connections.close_all()  # this thread's own connections


class Command(BaseCommand):
    help = "Run the background task worker (the database queue)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then stop.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--queue-name", default="*", help="Queues to take tasks from.")
        parser.add_argument(
            "--no-reload", action="store_true", help="Don't restart on code changes (DEBUG)."
        )

    def handle(self, *args, **options):
        if settings.TASKS_BACKEND != "database":
            raise CommandError(
                f"TASKS_BACKEND is {settings.TASKS_BACKEND!r}: this worker runs the database "
                "queue. With rq, run `broadsheet rqworker default`; with immediate, tasks run "
                "inside requests and need no worker."
            )
        arguments = ["--interval", str(options["interval"]), "--queue-name", options["queue_name"]]
        if options["batch"]:
            arguments.append("--batch")
        reload = settings.DEBUG and not (options["no_reload"] or options["batch"])
        arguments.append("--reload" if reload else "--no-reload")
        verbosity = options["verbosity"]
        if verbosity == 1:
            # The default: one line per email (the console email backend) and one per
            # failed task; every task's start and end only with -v 2.
            task_finished.connect(self.report_failure)
        # Not in the reloader's parent process, which only watches files.
        beating = not options["batch"] and (not reload or os.environ.get(DJANGO_AUTORELOAD_ENV))
        worker_id, stop = new_worker_id(), threading.Event()
        keeper = threading.Thread(target=_keep_house, args=(worker_id, stop), daemon=True)
        if beating:
            arguments += ["--worker-id", worker_id]
            beat(worker_id)  # before it can take a task
        try:
            take_back_abandoned(me=worker_id if beating else None)
            if beating:
                keeper.start()
            call_command(
                "db_worker", *arguments, "--no-startup-delay", verbosity=max(0, verbosity - 1)
            )
        finally:
            stop.set()
            if beating:  # stopped cleanly, or by an error: no longer taking tasks
                if keeper.is_alive():
                    keeper.join(timeout=5)  # not to beat again after the row is gone
                WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()

    def report_failure(self, sender, task_result, **kwargs) -> None:
        if task_result.status == TaskResultStatus.FAILED:
            errors = getattr(task_result, "errors", None) or []
            reason = errors[-1].exception_class_path.rsplit(".", 1)[-1] if errors else "error"
            self.stderr.write(f"Task {task_result.task.name} failed ({reason}); it may retry.")
