"""The two rules of our task queue that django-tasks leaves to us.

1. A task is written in the transaction of the change that causes it (`enqueue`): with
   the database queue (the default) its row commits or rolls back with the change, so a
   change that committed always has its task and a change that failed has none. Queues
   outside the database (Redis, or the tests' immediate backend) cannot join the
   transaction; the task is enqueued when it commits, so that it never runs before the
   change is visible (a crash between the commit and the enqueue loses it there).
2. A task taken by a worker that died is taken back (`reclaim_abandoned_tasks`):
   django-tasks-db marks a task RUNNING when a worker claims it and leaves it so
   forever if that worker is killed. `broadsheet worker` returns tasks RUNNING for
   longer than TASKS_LEASE_SECONDS to the queue. A task still running past the lease
   (a worker alive but slow) is then run a second time beside the first: every task of
   ours checks the stored state before acting, so that costs work, never a duplicate
   effect (see docs/notifications.md for the one email window).

Services name the task they want run (`enqueue("broadsheet.moderation.tasks.train_spam_filter")`)
rather than import it: tasks import services, never the reverse (docs/architecture.md;
the import-graph test checks it).
"""

import logging
from datetime import timedelta

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


def reclaim_abandoned_tasks() -> int:
    """Return to the queue the tasks RUNNING for longer than the lease: their worker is
    presumed dead. Returns how many."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    abandoned = DBTaskResult.objects.running().filter(started_at__lt=now - lease())
    reclaimed = 0
    for pk, task_path, workers in abandoned.values_list("pk", "task_path", "worker_ids"):
        name = task_path.rsplit(".", 1)[-1]
        still_running = DBTaskResult.objects.running().filter(pk=pk)  # not finished since
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
            log.warning(
                "Task %s (%s) ran for more than %s s on worker %s, presumed dead: queued again.",
                pk,
                name,
                settings.TASKS_LEASE_SECONDS,
                workers[-1] if workers else "?",
            )
    return reclaimed
