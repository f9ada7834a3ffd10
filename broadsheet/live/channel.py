"""How an event reaches every process that holds a stream for its article.

Publishing (any process, after the event rows commit): with REDIS_URL, one PUBLISH on
the article's channel; without it, nothing, since the stream processes poll the event
table. Either way the table is the truth: a stream starts from it, and a number missing
from what the channel brought (a message lost while Redis was away) is read from it.

Listening (the processes that serve streams, one event loop each): one `Hub` per loop
keeps the open streams by article, one Redis subscription per process (a channel per
article with readers here), and one poll of the table (every LIVE_POLL_SECONDS without
Redis, every LIVE_RESYNC_SECONDS with it, as a safety net): one query for the watched
articles' last numbers, and one per article that moved. Nothing here runs per reader.
"""

import asyncio
import json
import logging
from collections import Counter

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

SKIP = "skip"  # an event no reader is sent (a comment withdrawn since)
RESET = "reset"  # the reader missed more than the table keeps: reload to see it all


def channel_name(page_id: int) -> str:
    return f"{settings.LIVE_CHANNEL_PREFIX}{int(page_id)}"


_publishers: dict[str, object] = {}


def _redis():
    """One client per process (per REDIS_URL, which tests change)."""
    client = _publishers.get(settings.REDIS_URL)
    if client is None:
        import redis

        timeout = float(getattr(settings, "REDIS_TIMEOUT", 0.5))
        client = _publishers[settings.REDIS_URL] = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    return client


def announce(page_id: int, events: list[tuple[int, str, str]]) -> None:
    """Tell every stream process of new events (already committed to the table)."""
    if not settings.REDIS_URL or not events:
        return
    import redis

    message = json.dumps({"page": page_id, "events": events}, separators=(",", ":"))
    try:
        _redis().publish(channel_name(page_id), message)
    except (redis.RedisError, OSError) as error:
        # The streams' resync poll reads it from the table within LIVE_RESYNC_SECONDS.
        log.warning("Live event for page %s not published to Redis: %s", page_id, error)


# -- reading the table (in a worker thread: the ORM is synchronous) -----------------


def _guarded(function):
    """`function` in one of the event loop's worker threads, each keeping its database
    connection from call to call (opening one per call was most of a stream's opening
    cost on SQLite); a connection that failed is closed, and the next call opens anew."""

    def run(*args):
        try:
            return function(*args)
        except DatabaseError:
            connection.close()
            raise

    return sync_to_async(run, thread_sensitive=False)


def _versions(page_ids: list[int]) -> dict[int, int]:
    from broadsheet.live.models import Channel

    return dict(Channel.objects.filter(pk__in=page_ids).values_list("page_id", "seq"))


def read_events(page_id: int, since: int, limit: int) -> list[tuple[int, str, str, int | None]]:
    """An article's events after `since`, in order. A comment no longer approved (removed,
    spam, erased) since its event was written is never sent again: its event comes back
    as "skip", which moves a reader's number on and sends nothing."""
    from broadsheet.engagement.models import Comment
    from broadsheet.live.models import Event

    rows = list(
        Event.objects.filter(page_id=page_id, seq__gt=since)
        .order_by("seq")
        .values_list("seq", "kind", "data", "comment_id")[:limit]
    )
    shown = [comment_id for _, kind, _, comment_id in rows if kind == Event.Kind.COMMENT]
    if shown:
        approved = set(
            Comment.objects.filter(pk__in=shown, status=Comment.Status.APPROVED).values_list(
                "pk", flat=True
            )
        )
        rows = [
            (seq, kind, data, comment_id)
            if kind != Event.Kind.COMMENT or comment_id in approved
            else (seq, SKIP, "{}", comment_id)
            for seq, kind, data, comment_id in rows
        ]
    return rows


versions = _guarded(_versions)
events_since = _guarded(read_events)


# -- one process's streams ---------------------------------------------------------


class Listener:
    """One open stream: the numbers it has been sent, and what is queued for it."""

    def __init__(self, page_id: int, address: str, since: int):
        self.page_id, self.address, self.seen = page_id, address, since
        self.queue: asyncio.Queue = asyncio.Queue()
        self.overflowed = False

    def offer(self, seq: int, kind: str, data: str) -> bool:
        """Queue the next event; False when it is not the next one (a gap to fill from
        the table first). A reader too slow to take LIVE_QUEUE_SIZE events is cut off
        (its browser reconnects and catches up from the table)."""
        if seq <= self.seen:
            return True
        if seq != self.seen + 1:
            return False
        self.seen = seq
        if self.queue.qsize() >= settings.LIVE_QUEUE_SIZE:
            self.overflowed = True
            self.queue.put_nowait(None)
        else:
            self.queue.put_nowait((seq, kind, data))
        return True


def feed(listener: Listener, events) -> None:
    """Events read from the table, complete from where the reader stands unless the
    oldest were pruned: then the reader is told to reload (RESET) and goes on from there."""
    for seq, kind, data, *_ in events:
        if seq > listener.seen + 1:
            listener.seen = seq - 2
            listener.offer(seq - 1, RESET, "{}")
        listener.offer(seq, kind, data)


class Refused(Exception):
    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class Hub:
    def __init__(self):
        self.pages: dict[int, set[Listener]] = {}
        self.addresses: Counter = Counter()
        self.count = 0
        self._poller: asyncio.Task | None = None
        self._subscriber: asyncio.Task | None = None
        self._pubsub = None
        self._resyncing: set[int] = set()
        self._tasks: set[asyncio.Task] = set()

    # admission ------------------------------------------------------------------
    def join(self, page_id: int, address: str, since: int) -> Listener:
        if self.count >= settings.LIVE_MAX_STREAMS:
            raise Refused(503, "Too many live readers on this server: updating every 30 s.", 30)
        if self.addresses[address] >= settings.LIVE_MAX_STREAMS_PER_ADDRESS:
            raise Refused(429, "Too many live streams from your network: updating every 30 s.", 30)
        listener = Listener(page_id, address, since)
        new_page = page_id not in self.pages
        self.pages.setdefault(page_id, set()).add(listener)
        self.addresses[address] += 1
        self.count += 1
        self._start()
        if new_page and self._pubsub is not None:
            self._spawn(self._subscribe(page_id))
        return listener

    def leave(self, listener: Listener) -> None:
        readers = self.pages.get(listener.page_id)
        if readers is None or listener not in readers:
            return
        readers.discard(listener)
        self.count -= 1
        self.addresses[listener.address] -= 1
        if self.addresses[listener.address] <= 0:
            del self.addresses[listener.address]
        if not readers:
            del self.pages[listener.page_id]
            if self._pubsub is not None:
                self._spawn(self._unsubscribe(listener.page_id))

    # delivery -------------------------------------------------------------------
    def deliver(self, page_id: int, events) -> None:
        gap = False
        for listener in list(self.pages.get(page_id, ())):
            for seq, kind, data, *_ in events:
                if not listener.offer(seq, kind, data):
                    gap = True
                    break
        if gap:
            self.resync(page_id)

    def resync(self, page_id: int) -> None:
        if page_id not in self._resyncing:
            self._resyncing.add(page_id)
            self._spawn(self._resync(page_id))

    async def _resync(self, page_id: int) -> None:
        try:
            readers = self.pages.get(page_id)
            if readers:
                low = min(listener.seen for listener in readers)
                self.deliver_from_table(page_id, await events_since(page_id, low, 10_000))
        except DatabaseError as error:
            log.warning("Live resync of page %s failed: %s", page_id, error)
        finally:
            self._resyncing.discard(page_id)

    def deliver_from_table(self, page_id: int, events) -> None:
        for listener in list(self.pages.get(page_id, ())):
            feed(listener, events)

    # the background tasks ---------------------------------------------------------
    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll())
        if settings.REDIS_URL and (self._subscriber is None or self._subscriber.done()):
            self._subscriber = asyncio.get_running_loop().create_task(self._subscribe_all())

    async def _poll(self) -> None:
        """The table, polled while this process has streams (the channel without Redis;
        with it, a safety net for messages lost)."""
        while self.pages:
            redis_up = self._pubsub is not None
            await asyncio.sleep(
                settings.LIVE_RESYNC_SECONDS if redis_up else settings.LIVE_POLL_SECONDS
            )
            if not self.pages:
                break
            try:
                moved = await versions(list(self.pages))
            except DatabaseError as error:
                log.warning("Live poll failed: %s", error)
                continue
            for page_id, seq in moved.items():
                readers = self.pages.get(page_id)
                if readers and seq > min(listener.seen for listener in readers):
                    self.resync(page_id)

    async def _subscribe(self, page_id: int) -> None:
        try:
            if self._pubsub is not None and page_id in self.pages:
                await self._pubsub.subscribe(channel_name(page_id))
                self.resync(page_id)  # anything published before the subscription took
        except Exception as error:  # noqa: BLE001 - Redis away: the poll carries on
            log.warning("Live subscription to page %s failed: %s", page_id, error)

    async def _unsubscribe(self, page_id: int) -> None:
        try:
            if self._pubsub is not None and page_id not in self.pages:
                await self._pubsub.unsubscribe(channel_name(page_id))
        except Exception as error:  # noqa: BLE001
            log.warning("Live unsubscription from page %s failed: %s", page_id, error)

    async def _subscribe_all(self) -> None:
        """One Redis connection for this process's subscriptions, while it has streams;
        while Redis is away the table is polled every LIVE_POLL_SECONDS instead."""
        import redis.asyncio as aioredis

        while self.pages:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(*(channel_name(page) for page in self.pages))
                self._pubsub = pubsub
                # Articles that gained readers while this connection was being made.
                await pubsub.subscribe(*(channel_name(page) for page in self.pages))
                for page_id in list(self.pages):
                    self.resync(page_id)
                while self.pages:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    payload = json.loads(message["data"])
                    self.deliver(int(payload["page"]), payload["events"])
            except (OSError, aioredis.RedisError, ValueError) as error:
                log.warning("Live channel on Redis lost, polling the table: %s", error)
                self._pubsub = None
                await asyncio.sleep(settings.LIVE_POLL_SECONDS)
            finally:
                self._pubsub = None
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001, S110 - closing a dead connection
                    pass


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """This event loop's hub (one per process under uvicorn; tests run several loops)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for old in [other for other in _hubs if other.is_closed()]:
            del _hubs[old]
        found = _hubs[loop] = Hub()
    return found
