"""Fixtures shared by every app's tests: a site with a home page, and isolated media."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.testcases import LiveServerThread


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        default="",
        help="Folder to save page screenshots into (browser tests only).",
    )


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded and generated images go to a throwaway folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The test database is rolled back after each test; the cache (Wagtail's site root
    # paths among it) must not remember rows that no longer exist. With REDIS_URL set this
    # empties that Redis database: never point the tests at a production Redis.
    cache.clear()
    yield
    cache.clear()


def pytest_sessionstart(session):
    """Templates name static files by their hashed names, as in production, which needs
    collectstatic's manifest to be current: refreshed before every run (about 2 s)."""
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
