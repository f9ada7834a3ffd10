"""Emptying the suite's cache without touching anyone else's keys.

With REDIS_URL set the suite shares a Redis database with whatever else uses it (another
checkout's run, another xdist worker, a developer's `make run`). `cache.clear()` there is
FLUSHDB: it would empty theirs too. Each run and worker has a key prefix of its own
(broadsheet/pytest_env.py), and only keys under it are deleted.
"""

import re

from django.core.cache.backends.redis import RedisCache


def _glob_escape(text: str) -> str:
    """`text` matched literally by Redis' MATCH pattern (*, ?, [ and \\ are special)."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def clear_own_keys(cache) -> None:
    """Empties `cache` of the suite's keys. On Redis: SCAN for this cache's KEY_PREFIX,
    then DEL, so keys under any other prefix in the same database survive. Elsewhere
    (local memory, the database cache in the test database) the whole cache is the
    suite's own: cache.clear()."""
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    # Django's keys are "<KEY_PREFIX>:<version>:<key>".
    pattern = f"{_glob_escape(cache.key_prefix)}:*"
    batch = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) == 500:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)
