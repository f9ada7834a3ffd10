"""Environment defaults for the test suite, loaded by pytest (`-p broadsheet.pytest_env`
in pyproject.toml) before pytest-django reads the settings.

Background tasks run inside the request in tests, so that a publication's search index
and related lists are there when the test looks. The notification tests switch to the
database backend and run the real worker (broadsheet/notifications/tests).
"""

import os

os.environ.setdefault("TASKS_BACKEND", "immediate")
# Feature tests change rows behind the pages' backs (ORM updates of dates, counts): they
# run without the whole-page cache, whose own tests switch it on (test_pagecache.py).
os.environ.setdefault("PAGE_CACHE", "0")
