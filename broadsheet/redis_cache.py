"""Django's Redis cache, made to fail open: the cache is a cache.

Everything that touches the cache (our page cache and rate limits, Wagtail's site root
paths and image renditions, allauth's sign-in throttle) goes through this one backend, so
it is the one place where a Redis outage is absorbed; wrapping our own call sites would
leave Wagtail's and allauth's raising. When Redis cannot be reached (refused, reset, or
no answer within the socket timeout):

- a read is a miss (`get` gives the default, `get_many` nothing, `has_key` False), an
  `incr` raises ValueError as for a missing key, and a write does nothing (`add` says it
  stored, so a caller proceeds as for a new key; `set_many` names every key as failed);
- one warning is logged per WARN_SECONDS at most, and one when Redis answers again;
- for RETRY_SECONDS after a failure, calls skip Redis altogether (a circuit breaker), so
  a hung Redis costs each process one socket timeout every few seconds, not one per call;
- the keys this process changed meanwhile (`set`, `incr`, `delete`: a version counter
  bumped by a new comment, say) are deleted first thing when Redis answers again, so
  Redis never hands back a value older than a write a caller believed done. (An `add`
  needs no such care: it never replaces a value.) At most LOST_KEYS are remembered; past
  that, values may stay stale until they expire, and a warning says so.

Errors that are not about reaching Redis (a wrong type, say) still raise. `available()`
tells the rate limiter whether calls go to Redis now, `ping()` tells /healthz.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
WARN_SECONDS = 60
LOST_KEYS = 10_000


class Circuit:
    """What one process knows about one Redis: whether it answered last time, until when
    it is skipped, and the keys changed while it was away. Django makes a cache backend
    per thread; they all share their server's Circuit, so a hung Redis costs the process
    one timeout per back-off, not one per thread."""

    def __init__(self, location: str, retry_seconds: float):
        self.location = location
        self.retry_seconds = retry_seconds
        self.lock = threading.Lock()
        self.retry_at = 0.0  # monotonic time before which Redis is not tried
        self.down_since: float | None = None
        self.warned_at = -float(WARN_SECONDS)
        self.lost: set[str] = set()
        self.lost_overflow = False

    def skipping(self) -> bool:
        return time.monotonic() < self.retry_at

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.retry_at = now + self.retry_seconds
            if self.down_since is None:
                self.down_since = now
            warn = now - self.warned_at >= WARN_SECONDS
            if warn:
                self.warned_at = now
        if warn:
            log.warning(
                "Redis cache %s unavailable (%s: %s): serving without it, retrying every %g s",
                self.location,
                type(error).__name__,
                error,
                self.retry_seconds,
            )

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            since, self.down_since, self.retry_at = self.down_since, None, 0.0
        if since is not None:
            log.warning(
                "Redis cache %s is back after %.0f s", self.location, time.monotonic() - since
            )

    def lose(self, keys) -> None:
        """Remember keys whose change did not reach Redis, to delete them on its return."""
        with self.lock:
            for key in keys:
                if len(self.lost) >= LOST_KEYS:
                    if not self.lost_overflow:
                        self.lost_overflow = True
                        log.warning(
                            "Redis cache %s: more than %d keys changed while it was away; "
                            "the rest may be stale until they expire",
                            self.location,
                            LOST_KEYS,
                        )
                    return
                self.lost.add(key)

    def take_lost(self) -> list[str]:
        with self.lock:
            lost, self.lost, self.lost_overflow = list(self.lost), set(), False
        return lost


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def circuit_for(location: str, retry_seconds: float) -> Circuit:
    with _circuits_lock:
        found = _circuits.get(location)
        if found is None:
            found = _circuits[location] = Circuit(location, retry_seconds)
        found.retry_seconds = retry_seconds
        return found


class FailOpenRedisCache(RedisCache):
    """RedisCache that turns an unreachable Redis into misses and no-op writes (see the
    module docstring). OPTIONS takes RETRY_SECONDS (default 5) besides redis-py's
    connection pool arguments (socket_connect_timeout, socket_timeout, ...)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self.circuit = circuit_for(",".join(self._servers), retry_seconds)

    def available(self) -> bool:
        """Whether calls go to Redis now: False in the back-off after a failure."""
        return not self.circuit.skipping()

    def ping(self) -> bool:
        """Ask Redis now (unless in the back-off after a failure): for /healthz."""
        return self._call(lambda: self._cache.get_client().ping(), False)

    def _call(self, action, fallback, changes=()):
        """Run `action` against Redis, or answer `fallback` when Redis is out of reach;
        `changes` are the (made) keys the action would change."""
        circuit = self.circuit
        if not circuit.skipping():
            try:
                if circuit.lost:
                    self._forget(circuit.take_lost())
                result = action()
            except OUTAGE as error:
                circuit.failed(error)
            else:
                circuit.answered()
                return result
        if changes:
            circuit.lose(changes)
        return fallback

    def _forget(self, lost: list[str]) -> None:
        """Delete the keys changed while Redis was away (their values there are older)."""
        try:
            for start in range(0, len(lost), 500):
                self._cache.delete_many(lost[start : start + 500])
        except OUTAGE:
            self.circuit.lose(lost)
            raise

    def _made(self, key, version) -> str:
        return self.make_and_validate_key(key, version=version)

    # Django's cache API ---------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(lambda: parent.add(key, value, timeout, version), True)

    def get(self, key, default=None, version=None):
        parent = super()
        return self._call(lambda: parent.get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        self._call(
            lambda: parent.set(key, value, timeout, version),
            None,
            [self._made(key, version)],
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(lambda: parent.touch(key, timeout, version), False)

    def delete(self, key, version=None):
        parent = super()
        return self._call(
            lambda: parent.delete(key, version),
            False,
            [self._made(key, version)],
        )

    def get_many(self, keys, version=None):
        parent = super()
        return self._call(lambda: parent.get_many(keys, version), {})

    def has_key(self, key, version=None):
        parent = super()
        return self._call(lambda: parent.has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        parent = super()
        missing = object()
        result = self._call(
            lambda: parent.incr(key, delta, version),
            missing,
            [self._made(key, version)],
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the Redis cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(
            lambda: parent.set_many(data, timeout, version),
            list(data),
            [self._made(key, version) for key in data],
        )

    def delete_many(self, keys, version=None):
        parent = super()
        keys = list(keys)
        self._call(
            lambda: parent.delete_many(keys, version),
            None,
            [self._made(key, version) for key in keys],
        )

    def count_hits(self, timeouts: dict[str, int]) -> dict[str, int] | None:
        """The rate limits' hits on several keys (key: its window's seconds) in one
        round trip: a pipeline of, per key, SET NX with the window's expiry and INCR.
        None while Redis is out of reach (the caller then counts in the process)."""
        made = {self._made(key, None): key for key in timeouts}

        def action():
            pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
            for key, original in made.items():
                pipeline.set(key, 0, ex=timeouts[original], nx=True)
                pipeline.incr(key)
            answers = pipeline.execute()
            return {original: answers[2 * n + 1] for n, original in enumerate(made.values())}

        return self._call(action, None)

    def clear(self):
        parent = super()
        return self._call(lambda: parent.clear(), False)
