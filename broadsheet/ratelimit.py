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

import contextlib
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
    check_all([(limit, key)], message=message)


def counted(timeouts: dict[str, int]) -> dict[str, int]:
    """One hit on each cache key (key: its window's seconds): the count each reached.
    Where the shared cache counts several keys in one round trip (`count_hits`: the
    database cache's one statement, Redis's one pipeline) it does, so a reader's write
    pays one round trip, not two to four. While the shared cache is out of reach, this
    process counts in its own memory."""
    count_hits = getattr(cache, "count_hits", None)
    if count_hits is not None and _shared_cache_available():
        counts = count_hits(timeouts)
        if counts is not None and _shared_cache_available():
            return counts
    counts = {}
    for cache_key, timeout in timeouts.items():
        count = _count(cache, cache_key, timeout) if _shared_cache_available() else 0
        if not _shared_cache_available():  # before the count or during it: count here
            count = _count(local_counts, cache_key, timeout)
        counts[cache_key] = count
    return counts


def uncounted(cache_keys: list[str]) -> None:
    """Take back one hit from each key: limits a refused request was not charged to."""
    store = cache if _shared_cache_available() else local_counts
    for cache_key in cache_keys:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            store.decr(cache_key)


def check_all(limits: list[tuple[Limit, str]], *, message: str = "") -> None:
    """Hit several limits, in order; the first one exceeded raises, and the limits after
    it are not charged for the refused request (a reader refused for their own flood
    does not use up what others behind their address may post). All are counted in one
    round trip (`counted`); the refusal takes the later hits back (`uncounted`)."""
    now = time.time()
    windows = {}  # cache key: (limit, window), in order
    for limit, key in limits:
        if key:
            window = int(now // limit.seconds)
            windows[_key(limit, key, window)] = (limit, window)
    if not windows:
        return
    counts = counted({cache_key: limit.seconds + 1 for cache_key, (limit, _) in windows.items()})
    keys = list(windows)
    for position, cache_key in enumerate(keys):
        limit, window = windows[cache_key]
        if counts[cache_key] > limit.count:
            uncounted(keys[position + 1 :])
            raise RateLimited(limit, int((window + 1) * limit.seconds - now) + 1, message)
