"""The database cache (CACHE_BACKEND=database, `make run`'s): what rate limits and the
page cache ask of it still holds, and a reader's write costs it one statement for all
its rate limits and one for its page-cache versions (broadsheet/dbcache.py), where
Django's spent five per `add` or `set` and six per `incr`."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from broadsheet.engagement.tests.conftest import (
    Reader,
    article,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db
TABLE = "broadsheet_test_cache"


@pytest.fixture(autouse=True)
def database_cache(settings):
    from django.core.management import call_command

    settings.CACHES = {
        "default": {
            "BACKEND": "broadsheet.dbcache.DatabaseCache",
            "LOCATION": TABLE,
            "OPTIONS": {"MAX_ENTRIES": 50},
        }
    }
    call_command("createcachetable", verbosity=0)
    cache.clear()


def expires_of(key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {TABLE} WHERE cache_key = %s",  # noqa: S608 - a constant
            [cache.make_key(key)],
        )
        return cursor.fetchone()[0]


def expire(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET expires = %s WHERE cache_key = %s",  # noqa: S608 - a constant
            [
                connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1)),
                cache.make_key(key),
            ],
        )


def test_add_stores_only_over_a_missing_or_expired_key():
    assert cache.add("limit", 1, timeout=60) is True
    assert cache.add("limit", 7, timeout=60) is False
    assert cache.get("limit") == 1
    expire("limit")
    assert cache.add("limit", 2, timeout=60) is True
    assert cache.get("limit") == 2


def test_set_replaces_and_get_reads_back():
    cache.set("counter", {"a": 1}, timeout=60)
    cache.set("counter", {"a": 2}, timeout=60)
    assert cache.get("counter") == {"a": 2}
    cache.set_many({"one": 1, "two": 2})
    assert cache.get_many(["one", "two"]) == {"one": 1, "two": 2}


def test_incr_counts_and_keeps_the_keys_expiry():
    cache.set("version", 5, timeout=None)  # the page cache's counters never expire
    forever = expires_of("version")
    assert cache.incr("version") == 6
    assert cache.incr("version", 10) == 16
    assert cache.get("version") == 16
    assert expires_of("version") == forever  # Django's own incr reset it to 5 minutes


def test_incr_of_a_missing_or_expired_key_raises_value_error():
    with pytest.raises(ValueError):
        cache.incr("never-set")
    cache.set("gone", 1, timeout=60)
    expire("gone")
    with pytest.raises(ValueError):
        cache.incr("gone")


def test_the_table_is_culled_when_over_max_entries():
    for n in range(400):
        cache.set(f"key-{n}", n, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608 - a constant
        assert cursor.fetchone()[0] < 400


def cache_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if TABLE in q["sql"]]


def test_count_hits_counts_several_keys_at_once_and_restarts_an_ended_window():
    assert cache.count_hits({"a": 60, "b": 60}) == {"a": 1, "b": 1}
    assert cache.count_hits({"a": 60, "b": 60}) == {"a": 2, "b": 2}
    expire("b")
    assert cache.count_hits({"a": 60, "b": 60, "c": 60}) == {"a": 3, "b": 1, "c": 1}
    assert cache.get_many(["a", "b", "c"]) == {"a": 3, "b": 1, "c": 1}
    assert cache.decr("a") == 2 and cache.get("a") == 2


def test_set_many_writes_every_key_and_get_many_leaves_expired_ones_out():
    cache.set_many({"x": {"n": 1}, "y": 2}, timeout=60)
    cache.set_many({"y": 3, "z": "three"}, timeout=60)
    expire("z")
    assert cache.get_many(["x", "y", "z", "w"]) == {"x": {"n": 1}, "y": 3}


def test_a_readers_write_costs_the_cache_one_statement_for_its_limits_and_one_for_versions(
    article,  # noqa: F811 - the fixture imported above
    settings,
    django_capture_on_commit_callbacks,
):
    """A comment, a vote and a rating each hit two rate limits (one statement for both)
    and bump one or two page-cache versions (one statement: a new value, not an
    increment), and read at most four kept copies (one statement each)."""
    settings.PAGE_CACHE = True
    author = Reader("198.51.100.30")
    comment = author.comment(article, "On the harbour.")
    writes = {
        "comment": lambda reader: reader.comment(article, "Another view."),
        "vote": lambda reader: reader.vote(comment["id"], 1),
        "rating": lambda reader: reader.post(f"/api/v1/articles/{article.pk}/rating", {"stars": 4}),
    }
    for n, (name, write) in enumerate(writes.items()):
        reader = Reader(f"203.0.113.{40 + n}")
        reader.session()
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),  # the versions move on commit
        ):
            answer = write(reader)
        assert getattr(answer, "status_code", 201) in (200, 201), name
        statements = cache_queries(queries)
        # Kept copies read in place of database queries (the page's comment state with
        # the publication counter, the moderation rules, the spam filter's row): one
        # read each, never a write; the state once more for a comment approved at once,
        # whose live event says whether replies are open.
        kept = [sql for sql in statements if sql.startswith("SELECT")]
        assert len(kept) <= 4, (name, kept)
        # Django's own spent 12 on the two versions alone, and 5 more per limit.
        rest = [sql for sql in statements if sql not in kept]
        assert len(rest) <= 2, (name, rest)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and statistics")
def test_reads_stay_lookups_by_key_after_statistics_taken_on_a_small_table():
    """An ANALYZE run while the cache table held one row (after a bulk import, say)
    told SQLite's planner the table stays that small, and it read an IN list of keys by
    scanning the whole table: 1.5 ms a read at 36,000 rows, on every page-cache hit and
    every write's kept copies. Each key is read by its own lookup now."""
    cache.set("first", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    cache.set_many({f"key-{n}": n for n in range(2000)})
    with CaptureQueriesContext(connection) as queries:
        found = cache.get_many(["key-1", "key-2", "key-3", "missing"])
    assert found == {"key-1": 1, "key-2": 2, "key-3": 3}
    [read] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {read['sql']}")
        plan = [row[-1] for row in cursor.fetchall()]
    assert plan and not [step for step in plan if step.startswith("SCAN")], plan
