"""Settings that only the environment decides."""

import os
import subprocess
import sys


def test_background_tasks_default_to_the_database_queue(tmp_path):
    """Outside the test suite (which runs tasks inline) tasks go to django-tasks-db,
    which `broadsheet worker` runs; an unknown backend is a clear error."""

    def tasks_setting(extra_env):
        env = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
        env.update(SECRET_KEY="x", **extra_env)
        return subprocess.run(
            [sys.executable, "-c", "from broadsheet import settings as s; print(s.TASKS)"],
            env=env,
            capture_output=True,
            text=True,
        )

    assert "django_tasks_db.DatabaseBackend" in tasks_setting({}).stdout
    wrong = tasks_setting({"TASKS_BACKEND": "celery"})
    assert wrong.returncode != 0 and "TASKS_BACKEND must be one of" in wrong.stderr
