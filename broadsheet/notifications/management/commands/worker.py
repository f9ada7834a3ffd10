"""`broadsheet worker`: run background tasks (emails, related lists, search index,
re-anchoring) from the database queue. Options pass through to django-tasks-db's
db_worker (--batch to run what is queued and stop, --queue-name, --interval ...).

Beside it, the worker takes back what a dead worker left (`take_back_abandoned`): tasks
RUNNING past their lease and deliveries whose claim expired, when it starts (so a
`--batch` run does it first) and then every HOUSEKEEPING_SECONDS, from a thread of its
own, since django-tasks-db's loop has no hook (see broadsheet/taskqueue.py)."""

import logging
import os
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from broadsheet import taskqueue
from broadsheet.notifications import services

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 30.0


def take_back_abandoned() -> tuple[int, int]:
    """What workers that died left behind goes back to the queue: (tasks, deliveries)."""
    return taskqueue.reclaim_abandoned_tasks(), services.requeue_abandoned_deliveries()


def housekeeping_interval() -> float:
    """Often enough that nothing waits much past its lease or claim."""
    shortest = min(settings.TASKS_LEASE_SECONDS, settings.NOTIFICATIONS_CLAIM_SECONDS)
    return max(0.5, min(HOUSEKEEPING_SECONDS, shortest / 4))


def _keep_house(every: float) -> None:
    while True:
        time.sleep(every)
        try:
            take_back_abandoned()
        except DatabaseError as error:  # the database away for a moment: next round
            log.warning("Could not take back abandoned tasks: %s", error)
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
        take_back_abandoned()
        if not options["batch"] and (not reload or os.environ.get(DJANGO_AUTORELOAD_ENV)):
            # Not in the reloader's parent process, which only watches files.
            threading.Thread(
                target=_keep_house, args=(housekeeping_interval(),), daemon=True
            ).start()
        verbosity = options["verbosity"]
        if verbosity == 1:
            # The default: one line per email (the console email backend) and one per
            # failed task; every task's start and end only with -v 2.
            task_finished.connect(self.report_failure)
        call_command("db_worker", *arguments, "--no-startup-delay", verbosity=max(0, verbosity - 1))

    def report_failure(self, sender, task_result, **kwargs) -> None:
        if task_result.status == TaskResultStatus.FAILED:
            errors = getattr(task_result, "errors", None) or []
            reason = errors[-1].exception_class_path.rsplit(".", 1)[-1] if errors else "error"
            self.stderr.write(f"Task {task_result.task.name} failed ({reason}); it may retry.")
