"""The two rules of our task queue that django-tasks leaves to us.

1. A task is written in the transaction of the change that causes it (`enqueue`): with
   the database queue (the default) its row commits or rolls back with the change, so a
   change that committed always has its task and a change that failed has none. Queues
   outside the database (Redis, or the tests' immediate backend) cannot join the
   transaction; the task is enqueued when it commits, so that it never runs before the
   change is visible (a crash between the commit and the enqueue loses it there).
2. A task taken by a worker that died is taken back (`reclaim_abandoned_tasks`):
   django-tasks-db marks a task RUNNING when a worker claims it and leaves it so
   forever if that worker is killed. `broadsheet worker` records that it is alive every
   TASKS_HEARTBEAT_SECONDS (notifications' `WorkerHeartbeat`) and returns to the queue
   the tasks of a worker silent for three beats, however young they are: a worker
   killed mid-task delays that task by seconds. A worker that beats keeps its task
   however long it runs. A task whose worker never beat (a plain `db_worker`, a
   `--batch` run) or whose heartbeat is gone falls back to the lease: it goes back to the
   queue once RUNNING for longer than TASKS_LEASE_SECONDS. A task taken back from a
   worker alive but slow or silent (a lease too short, a worker that could not write its
   beat for three beats) is then run a second time beside the first: every task of ours
   checks the stored state before acting, so that costs work, not a second effect, but
   for the email windows of docs/notifications.md (a delivery's claim keeps a second run
   from sending while the first is at it; a confirmation email has no claim, so a run
   beside a live one may send its reader a second copy).

Services name the task they want run (`enqueue("broadsheet.moderation.tasks.train_spam_filter")`)
rather than import it: tasks import services, never the reverse (docs/architecture.md;
the import-graph test checks it).
"""

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
MAX_CLAIMS = 5  # workers that may die running one task before it is failed instead


def _in_the_transaction(task) -> str | None:
    """The database alias the task's row would be written to, when that is where the
    current transaction is open; else None."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return None
    alias = router.db_for_write(DBTaskResult)
    return alias if transaction.get_connection(alias).in_atomic_block else None


def enqueue(task, *args, run_after=None, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` (a task, or its dotted name) as part of the current
    transaction (see above); an error writing the task is raised here, inside the
    transaction, which then rolls the change back. Outside a transaction it is enqueued
    at once. `run_after`: not before then."""
    if isinstance(task, str):
        task = import_string(task)
    if run_after is not None:
        task = task.using(run_after=run_after)
    if _in_the_transaction(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def lease() -> timedelta:
    return timedelta(seconds=settings.TASKS_LEASE_SECONDS)


def silence() -> timedelta:
    """How long a worker that beats may be silent before it is presumed dead: three
    beats, so that one slow write (a busy database) does not cost it its task."""
    return timedelta(seconds=3 * settings.TASKS_HEARTBEAT_SECONDS)


def silent_workers(alive_until: Mapping[str, datetime], now: datetime) -> set[str]:
    """The workers among `alive_until` (worker id: until when its last beat vouches for
    it) presumed dead at `now`."""
    return {worker for worker, until in alive_until.items() if until < now}


def reclaim_abandoned_tasks(
    alive_until: Mapping[str, datetime] | None = None, *, now: datetime | None = None
) -> int:
    """Return to the queue the tasks whose worker is presumed dead: the worker that took
    it last (worker_ids[-1]) is in `alive_until` (worker id: until when its last
    heartbeat vouches for it) with a time past; or it is not there and the task has been
    RUNNING for longer than the lease. A task whose worker is vouched for now is left
    alone, however old. `now`: the time to judge by (by default, now). Returns how many."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive_until = alive_until or {}
    dead = silent_workers(alive_until, now)
    candidates = DBTaskResult.objects.running()
    if not dead:  # only the lease can free a task: read just those past it
        candidates = candidates.filter(started_at__lt=now - lease())
    reclaimed = 0
    for pk, task_path, workers, started_at in candidates.values_list(
        "pk", "task_path", "worker_ids", "started_at"
    ):
        worker = workers[-1] if workers else "?"
        if worker in alive_until:
            if worker not in dead:
                continue  # alive: its task is its own, however long it takes
            why = f"its worker {worker} fell silent ({alive_until[worker]:%H:%M:%S})"
        elif started_at < now - lease():
            why = f"it ran for more than {settings.TASKS_LEASE_SECONDS:g} s on worker {worker}"
        else:
            continue
        name = task_path.rsplit(".", 1)[-1]
        # Not finished since, nor taken back and claimed again (a new started_at).
        still_running = DBTaskResult.objects.running().filter(pk=pk, started_at=started_at)
        if len(workers) >= MAX_CLAIMS:
            # Every worker that took it died: a task that kills its worker (memory, a
            # crash in C) would otherwise take down each worker in turn, for ever.
            if still_running.update(
                status="FAILED",
                finished_at=now,
                exception_class_path="broadsheet.taskqueue.WorkerDied",
                traceback=f"The {len(workers)} workers that took this task died running it.",
            ):
                log.error("Task %s (%s) killed %s workers: given up.", pk, name, len(workers))
            continue
        if still_running.update(status="READY"):
            reclaimed += 1
            log.warning("Task %s (%s): %s, presumed dead: queued again.", pk, name, why)
    return reclaimed
