"""Enqueue a background task by its dotted name.

Tasks import the services they run; a service (or a signal receiver) that needs a task
run names it here instead of importing the app's tasks module, so imports point one
way, tasks -> services, never back (docs/architecture.md; the import-graph test checks
it). The name is resolved when the task is enqueued, which is also when Django Tasks
would first need the module.
"""

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue(name: str, *args, run_after=None, **kwargs):
    """Enqueue `name` (e.g. "broadsheet.moderation.tasks.train_spam_filter") now: inside
    a transaction, on the database queue its row commits or rolls back with the rest."""
    task = import_string(name)
    if run_after is not None:
        task = task.using(run_after=run_after)
    return task.enqueue(*args, **kwargs)


def enqueue_on_commit(name: str, *args, **kwargs) -> None:
    """Enqueue `name` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(name, *args, **kwargs))
