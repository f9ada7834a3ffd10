"""Fixed-window rate limits kept in the cache (Redis at scale: shared by every worker).

A limit is a name, a number of hits and a window. Keys are what is being limited (an
address, a keyed client-address hash, an article id); they are hashed before they reach
the cache, so no email address is stored there in clear. Going over a limit raises
`RateLimited` with the seconds until the window ends, for a 429 with Retry-After.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


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


def hit(limit: Limit, key: str, *, message: str = "") -> None:
    """Count one hit of `key` against `limit`; raise RateLimited when over it."""
    now = time.time()
    window = int(now // limit.seconds)
    cache_key = _key(limit, key, window)
    if cache.add(cache_key, 1, timeout=limit.seconds + 1):
        count = 1  # the window's first hit: one write, not two
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this hit opens a new window
            cache.set(cache_key, 1, timeout=limit.seconds + 1)
            count = 1
    if count > limit.count:
        raise RateLimited(limit, int((window + 1) * limit.seconds - now) + 1, message)


def check_all(limits: list[tuple[Limit, str]], *, message: str = "") -> None:
    """Hit several limits; the first one exceeded raises."""
    for limit, key in limits:
        if key:
            hit(limit, key, message=message)
