"""Environment defaults for the test suite, loaded by pytest (`-p broadsheet.pytest_env`
in pyproject.toml) before pytest-django reads the settings.

Background tasks run inside the request in tests, so that a publication's search index
and related lists are there when the test looks. The notification tests switch to the
database backend and run the real worker (broadsheet/notifications/tests).

The cache's key prefix is the run's and the worker's own (CACHE_KEY_PREFIX, or
"broadsheet", then "-test-<run>-<worker>"): with REDIS_URL set, the suite deletes only
keys under it (broadsheet/tests/cache.py), never the whole Redis database, and two
xdist workers or two runs sharing one database never see each other's keys. Servers the
tests start as subprocesses inherit it, so their keys are deleted with the rest.
"""

import os
import uuid

os.environ.setdefault("TASKS_BACKEND", "immediate")
# Feature tests change rows behind the pages' backs (ORM updates of dates, counts): they
# run without the whole-page cache, whose own tests switch it on (test_pagecache.py).
os.environ.setdefault("PAGE_CACHE", "0")

# xdist's workers inherit the controller's environment: the first process to get here
# records the prefix it was given, and the run id is xdist's when there is one.
_base = os.environ.setdefault(
    "BROADSHEET_TEST_CACHE_PREFIX", os.environ.get("CACHE_KEY_PREFIX", "broadsheet")
)
_run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12] or os.environ.setdefault(
    "BROADSHEET_TEST_RUN", uuid.uuid4().hex[:12]
)
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["CACHE_KEY_PREFIX"] = f"{_base}-test-{_run}-{_worker}"
