"""`broadsheet worker`: run background tasks (emails, related lists, search index,
re-anchoring) from the database queue. Options pass through to django-tasks-db's
db_worker (--batch to run what is queued and stop, --queue-name, --interval ...)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished


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
        if options["no_reload"] or options["batch"]:
            arguments.append("--no-reload")
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
