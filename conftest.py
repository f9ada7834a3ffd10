"""Fixtures shared by every app's tests: a site with a home page, and isolated media."""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connections
from django.test.testcases import LiveServerThread

from broadsheet.tests.cache import clear_own_keys


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        default="",
        help="Folder to save page screenshots into (browser tests only).",
    )


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """Passwords hashed at one PBKDF2 round instead of production's million (see
    broadsheet/tests/hashers.py)."""
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=["broadsheet.tests.hashers.OneRoundPBKDF2PasswordHasher"]
    ):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded and generated images go to a throwaway folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _open_discussions(request, monkeypatch):
    """Feature tests post many comments from one client, as guests, at machine speed: for
    them the rate limits, the hold on a guest's first comment and the minimum time to
    post are lifted (broadsheet/tests/module_rows.py relax_discussions), through the
    test's own `monkeypatch`, which undoes them with the test's other patches. Tests
    marked `@pytest.mark.moderation` run with the site's real defaults (and test those)."""
    if request.node.get_closest_marker("moderation"):
        return
    from broadsheet.tests.module_rows import relax_discussions

    relax_discussions(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The test database is rolled back after each test; the cache (Wagtail's site root
    # paths among it) must not remember rows that no longer exist. With REDIS_URL set only
    # this run's and this worker's keys are deleted (their prefix: broadsheet/pytest_env.py),
    # never the rest of that Redis database.
    for alias in django_settings.CACHES:  # the default and Wagtail's renditions
        clear_own_keys(caches[alias])
    yield
    for alias in django_settings.CACHES:
        clear_own_keys(caches[alias])


@pytest.fixture
def page_cache_on(settings):
    """Production's whole-page cache for anonymous readers, for journey tests: a reader's
    journey must hold on cached pages, not only on freshly rendered ones. (Changes reach
    the counters on commit: use a transactional database, the browser tests' default, or
    django_capture_on_commit_callbacks(execute=True).)"""
    from broadsheet import pagecache

    settings.PAGE_CACHE = True
    pagecache.local_entries.clear()
    yield
    pagecache.local_entries.clear()


def _flushes_database(item) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase, whose teardown
    flushes the database (the same reading of markers and fixtures as pytest-django's)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def pytest_configure(config):
    """On the xdist controller (or the one process): record how long each test file took,
    and hand files to the workers in the order they collected them, the longest first
    (broadsheet/tests/file_order.py), not xdist's by number of tests."""
    if hasattr(config, "workerinput"):
        return
    from broadsheet.tests.file_order import DurationRecorder

    config.pluginmanager.register(DurationRecorder(), "broadsheet-file-durations")
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Every test that flushes the database does so with serialized_rollback: its flush
    then leaves the tables empty (post_migrate inhibited, so no content types or
    permissions come back under new ids) and the rows migrations made can be put back
    whole after it (pytest_runtest_teardown below).

    On xdist's workers the files are then put longest first (file_order.py); each file's
    tests keep their order."""
    for item in items:
        if not _flushes_database(item):
            continue
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        if kwargs.get("serialized_rollback"):
            continue
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), False)
    if hasattr(config, "workerinput"):
        from broadsheet.tests.file_order import longest_first

        longest_first(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that flushed the database, put back the rows migrations made (Wagtail's
    root page and default site, the Editors and Moderators groups, content types and
    permissions), as they were read when the test database was made (testdb.py: one
    statement per table, a few milliseconds, where Django's deserializing took 0.1 s).

    Django restores them at the start of the next serialized_rollback test only, and its
    runner orders transactional tests last so that no other test sees the empty tables.
    On pytest-xdist a worker runs whole files in the order it is handed them, transactional
    or not, so the tests after a flush on that worker would find no root page and no groups.
    Django's own restore is left nothing to do (testdb.remember_migrated_rows).
    """
    try:
        return (yield)
    finally:
        # After the last test (no next item) the session's fixtures are gone too: the test
        # database is destroyed and the settings name the real one again, which must
        # never be written to.
        if nextitem is not None and _flushes_database(item):
            _restore_migrated_rows(item.config)


def _restore_migrated_rows(config) -> None:
    from django.contrib.contenttypes.models import ContentType
    from pytest_django.plugin import blocking_manager_key

    from broadsheet.tests import testdb

    with config.stash[blocking_manager_key].unblock():
        for connection in connections.all(initialized_only=True):
            if testdb.restore_migrated_rows(connection):
                continue
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Test databases are copied from a template migrated once, not migrated by every
    worker in every run (broadsheet/tests/testdb.py)."""
    from broadsheet.tests import testdb

    with testdb.migrated_once():
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, then the rows migrations made are read once, to be put back after
    each test that flushes the database (pytest_runtest_teardown)."""
    from broadsheet.tests import testdb

    with django_db_blocker.unblock():
        for connection in connections.all():
            if hasattr(connection, "_test_serialized_contents"):
                testdb.remember_migrated_rows(connection)


def pytest_sessionstart(session):
    """Templates name static files by their hashed names, as in production, which needs
    collectstatic's manifest to be current: refreshed once per run (about 2 s), by the
    xdist controller before its workers start (or by the one process without xdist).
    Each process then reads the collected files' table once, not per test client
    (broadsheet/tests/static_files.py)."""
    from broadsheet.tests import static_files

    static_files.read_once()
    if hasattr(session.config, "workerinput"):
        return
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture
def site_server():
    """The site served over HTTP in a thread, as in production: static files by whitenoise
    from collectstatic's output (hashed names), not by the finders, which pytest-django's
    live_server uses and which know no hashed names. Needs a transactional database."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = LiveServerThread(
        "localhost", static_handler=lambda handler: handler, connections_override=shared, port=0
    )
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://localhost:{server.port}"
    server.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


class _Inbox:
    """Messages received by the test SMTP server, as email.message.Message objects."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class _SmtpServer:
    """aiosmtpd on a fixed loopback port, which a test can take down and bring back."""

    def __init__(self, inbox: _Inbox, port: int):
        self.inbox, self.port, self.controller = inbox, port, None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on loopback (aiosmtpd); Django's SMTP backend sends to it.
    `smtp_inbox.server.stop()` / `.start()` take it down and bring it back."""
    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    inbox.server = _SmtpServer(inbox, port)
    inbox.server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    inbox.server.stop()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def chromium():
    """Opens Debian's Chromium through Playwright: `with chromium() as browser: ...`.

    A context manager rather than a ready browser, because Playwright's sync API runs an
    event loop inside which Django refuses ORM calls: tests do their database work first.
    """
    from contextlib import contextmanager

    from playwright.sync_api import sync_playwright

    @contextmanager
    def launch():
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()

    return launch
