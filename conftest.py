"""Fixtures shared by every app's tests: a site with a home page, and isolated media."""

import pytest
from django.core.cache import cache


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
