"""A web process that publishes an article (it enqueues the related-list refresh) never
takes on scikit-learn: the worker fits and ranks, and only it imports the library."""

import os
import subprocess
import sys

PUBLISHING = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
from broadsheet.wsgi import application
import broadsheet.discovery.tasks  # what a publication enqueues, from the admin's request
print("sklearn" in sys.modules)
"""


def test_enqueueing_a_related_refresh_does_not_import_scikit_learn():
    process = subprocess.run(
        [sys.executable, "-c", PUBLISHING],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "broadsheet.settings"},
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip().splitlines()[-1] == "False"
