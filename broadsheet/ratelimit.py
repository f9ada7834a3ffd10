"""Fixed-window rate limits kept in the cache (Redis at scale: shared by every worker).

A limit is a name, a number of hits and a window. Keys are what is being limited (an
address, a keyed client-address hash, an article id); they are hashed before they reach
the cache, so no email address is stored there in clear. Going over a limit raises
`RateLimited` with the seconds until the window ends, for a 429 with Retry-After.

When the shared cache is out of reach (Redis down or hung: broadsheet/redis_cache.py
answers misses then), each process counts in its own memory instead, until Redis answers
again: a limit then holds per process (with N workers, at most N times the count) rather
than not at all, and no reader gets an error for it. See docs/security.md.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

# Counts kept by this process alone while the shared cache is unavailable.
local_counts = LocMemCache("broadsheet-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


class RateLimited(Exception):
    def __init__(self, limit: Limit, retry_after: int, message: str = ""):
        self.limit = limit
        self.retry_after = max(1, retry_after)
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            message or f"Too many requests: try again in {minutes} minute{'s' * (minutes != 1)}."
        )


def _key(limit: Limit, key: str, window: int) -> str:
    digest = hashlib.sha256(f"{limit.name}:{key}".encode()).hexdigest()[:32]
    return f"ratelimit:{limit.name}:{digest}:{window}"


def _shared_cache_available() -> bool:
    """False while the fail-open Redis cache is skipping an unreachable Redis."""
    available = getattr(cache, "available", None)
    return available is None or available()


def _count(store, cache_key: str, timeout: int) -> int:
    if store.add(cache_key, 1, timeout=timeout):
        return 1  # the window's first hit: one write, not two
    try:
        return store.incr(cache_key)
    except ValueError:  # expired between add and incr: this hit opens a new window
        store.set(cache_key, 1, timeout=timeout)
        return 1


def hit(limit: Limit, key: str, *, message: str = "") -> None:
    """Count one hit of `key` against `limit`; raise RateLimited when over it."""
    now = time.time()
    window = int(now // limit.seconds)
    cache_key = _key(limit, key, window)
    count = _count(cache, cache_key, limit.seconds + 1) if _shared_cache_available() else 0
    if not _shared_cache_available():  # before the count or during it: count here instead
        count = _count(local_counts, cache_key, limit.seconds + 1)
    if count > limit.count:
        raise RateLimited(limit, int((window + 1) * limit.seconds - now) + 1, message)


def check_all(limits: list[tuple[Limit, str]], *, message: str = "") -> None:
    """Hit several limits; the first one exceeded raises."""
    for limit, key in limits:
        if key:
            hit(limit, key, message=message)
