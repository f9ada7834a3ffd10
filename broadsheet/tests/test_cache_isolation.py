"""The suite empties its own cache keys, never a whole Redis database (which CI and
developers share between runs and checkouts)."""

import os

import pytest
from django.core.cache import cache as configured_cache
from django.core.cache.backends.redis import RedisCache

from broadsheet.tests.cache import clear_own_keys
from broadsheet.tests.services import RedisServer


@pytest.fixture
def redis_cache():
    """The configured cache when it is Redis (CI's second round: the shared database
    itself), else a Redis server of this test's own."""
    if isinstance(configured_cache, RedisCache):
        yield configured_cache
        return
    with RedisServer() as server:
        yield RedisCache(server.url, {"KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"]})


def test_the_suite_clears_its_own_keys_and_leaves_foreign_ones(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    prefix = redis_cache.key_prefix
    # Another user of the same database, another worker of this run (a prefix that
    # starts like ours), and a bare key with no prefix at all.
    foreign = {
        "someone-else:1:session": b"theirs",
        f"{prefix}0:1:page": b"another worker's",
        "bare-key": b"an application's own",
    }
    try:
        for key, value in foreign.items():
            client.set(key, value)
        for n in range(1200):  # more than one SCAN batch and one DEL batch
            redis_cache.set(f"ours-{n}", n)
        redis_cache.set("versioned", 1, version=7)

        clear_own_keys(redis_cache)

        assert redis_cache.get("ours-0") is None and redis_cache.get("ours-1199") is None
        assert redis_cache.get("versioned", version=7) is None
        assert list(client.scan_iter(match=f"{prefix}:*")) == []
        assert {key: client.get(key) for key in foreign} == foreign
    finally:
        client.delete(*foreign)


def test_each_run_and_worker_has_a_cache_prefix_of_its_own():
    prefix = os.environ["CACHE_KEY_PREFIX"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert prefix.startswith(f"{os.environ['BROADSHEET_TEST_CACHE_PREFIX']}-test-")
    assert prefix.endswith(f"-{worker}")
    if isinstance(configured_cache, RedisCache):
        assert configured_cache.key_prefix == prefix
