"""The order xdist's workers are handed test files in (broadsheet/tests/file_order.py)."""

from types import SimpleNamespace

from broadsheet.tests import file_order


def items(*nodeids):
    return [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]


def test_files_go_longest_first_each_keeping_its_own_order(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    recorder = file_order.DurationRecorder()
    for nodeid, seconds in [("a.py::one", 1.0), ("b.py::one", 30.0), ("b.py::two", 7.0)]:
        recorder.pytest_runtest_logreport(SimpleNamespace(nodeid=nodeid, duration=seconds))
    recorder.pytest_sessionfinish(session=None)

    collected = items("a.py::one", "new.py::one", "b.py::two", "b.py::one")
    file_order.longest_first(collected)
    # b took 37 s; a file never recorded is guessed from its number of tests; a took 1 s.
    assert [item.nodeid for item in collected] == [
        "b.py::two",
        "b.py::one",
        "a.py::one",
        "new.py::one",
    ]


def test_a_run_of_some_files_updates_those_only(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for nodeid, seconds in [("a.py::one", 5.0), ("b.py::one", 9.0)]:
        recorder = file_order.DurationRecorder()
        recorder.pytest_runtest_logreport(SimpleNamespace(nodeid=nodeid, duration=seconds))
        recorder.pytest_sessionfinish(session=None)
    assert file_order._read() == {"a.py": 5.0, "b.py": 9.0}
