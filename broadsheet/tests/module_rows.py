"""Rows made once for all the tests of a module, as Django's TestCase.setUpTestData does.

Some modules run dozens of tests against the same newsroom (an article, a comment, a
moderator), and building it took longer than the tests. `module_rows` builds it once, in
a transaction left open for the module and rolled back after its last test. Each test
still runs in a transaction of its own (pytest-django's `db`, a savepoint inside this
one), rolled back after it: a test that writes leaves the rows as they were for the next.
"""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from broadsheet.tests.cache import clear_own_keys


@contextmanager
def module_rows(django_db_blocker, build, *args, **kwargs):
    """`build(*args, **kwargs)` run once, its rows kept until the `with` ends; yields what
    it returns. For a module-scoped fixture (which asks for `django_db_setup` and
    `django_db_blocker`) of tests that ask for `db`:

        @pytest.fixture(scope="module")
        def newsroom(django_db_setup, django_db_blocker):
            with module_rows(django_db_blocker, build_the_newsroom) as newsroom:
                yield newsroom
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with open_discussions():
                built = build(*args, **kwargs)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
        # A cache in the test database (CACHE_BACKEND=database) would come back at each
        # test's rollback, remembering what the test had cleared: none is kept.
        for alias in settings.CACHES:
            clear_own_keys(caches[alias])
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def relax_discussions(patch: pytest.MonkeyPatch) -> None:
    """The discussions as feature tests have them (conftest.py's `_open_discussions`, and
    for rows built before the tests, `open_discussions`): no rate limit, no hold on a
    guest's first comment, no minimum time to post, so that the comments they post are
    published. Not for tests marked `moderation`. Through the caller's `patch`: a test's
    other patches of the same names (the real rate limits back, in test_cache_outage.py)
    must be undone by the same MonkeyPatch, in reverse order, or the lifted limit could
    outlive the test."""
    from broadsheet.moderation import verdicts

    load = verdicts.rules

    def relaxed():
        rules = load()
        rules.hold_first_guest_comment = False
        rules.min_seconds_to_post = 0  # browser tests type faster than people
        return rules

    patch.setattr("broadsheet.ratelimit.counted", lambda timeouts: dict.fromkeys(timeouts, 0))
    patch.setattr(verdicts, "rules", relaxed)


@contextmanager
def open_discussions():
    """`relax_discussions` for the length of a `with` block."""
    with pytest.MonkeyPatch.context() as patch:
        relax_discussions(patch)
        yield


def built_once(build, scope: str = "module"):
    """A fixture of `build()`'s rows, made once per module (or `scope`) by `module_rows`,
    for the plain case: `newsroom = built_once(build_the_newsroom)` at a module's top."""

    @pytest.fixture(scope=scope)
    def rows(django_db_setup, django_db_blocker):
        with module_rows(django_db_blocker, build) as built:
            yield built

    rows.__doc__ = build.__doc__
    return rows
