"""The order test files are handed to pytest-xdist's workers: the longest first.

With `--dist loadfile` a worker runs a file whole, and xdist hands the next file to
whichever worker is nearly done, in the collection's order (with
`--no-loadscope-reorder`; by default it would hand out the files with the most tests
first, which put the one-test browser files, a 37-second one among them, last, while
the other worker had nothing left to do). Longest first, the last files handed out
are the short ones and both workers finish at nearly the same time.

How long each file took is recorded at the end of every run, in
var/test-durations.json (a run of some files updates those files only). A file not in
the record yet (all of them on a fresh checkout) is guessed from its tests: 5 s for one
that drives a browser, a third of a second for any other.
"""

import json
import time
from collections import defaultdict
from pathlib import Path

GUESS_PER_TEST = 0.3
GUESS_PER_BROWSER_TEST = 5.0


def _record_path() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "test-durations.json"


def _read() -> dict[str, float]:
    try:
        return json.loads(_record_path().read_text())
    except (OSError, ValueError):
        return {}


def longest_first(items: list) -> None:
    """Reorders `items` in place: files by their recorded time, longest first; within a
    file the order pytest and pytest-django gave."""
    known = _read()
    by_file: dict[str, list] = defaultdict(list)
    for item in items:
        by_file[item.nodeid.split("::", 1)[0]].append(item)

    def guess(item) -> float:
        browser = getattr(item, "get_closest_marker", lambda name: None)("browser")
        return GUESS_PER_BROWSER_TEST if browser else GUESS_PER_TEST

    def expected(path: str) -> float:
        if path in known:
            return known[path]
        return sum(guess(item) for item in by_file[path])

    order = sorted(by_file, key=lambda path: (-expected(path), path))
    items[:] = [item for path in order for item in by_file[path]]


class DurationRecorder:
    """Adds up each file's setup, call and teardown times as reports come in (on the
    xdist controller, all workers' reports), and writes them into the record at the end."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.started = time.monotonic()
        # Per xdist worker: seconds in tests, and when its last test ended.
        self.busy: dict[str, float] = defaultdict(float)
        self.done: dict[str, float] = {}

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[report.nodeid.split("::", 1)[0]] += report.duration
        worker = getattr(getattr(report, "node", None), "gateway", None)
        if worker is not None:
            self.busy[worker.id] += report.duration
            self.done[worker.id] = time.monotonic() - self.started

    def pytest_terminal_summary(self, terminalreporter) -> None:
        """How evenly the workers were loaded: a worker that ended long before the other
        had nothing left to take (see DEVELOPERS.md)."""
        loads = [
            f"{worker} {self.busy[worker]:.0f} s in tests, done at {self.done[worker]:.0f} s"
            for worker in sorted(self.done)
        ]
        if loads:
            terminalreporter.write_line("workers: " + ", ".join(loads))

    def pytest_sessionfinish(self, session) -> None:
        if not self.seconds:
            return
        record = _read()
        record.update({path: round(seconds, 2) for path, seconds in self.seconds.items()})
        path = _record_path()
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=0, sort_keys=True))
        partial.replace(path)
