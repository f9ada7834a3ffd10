"""The live stream of one article: Server-Sent Events, served by an async view.

`GET /live/articles/<id>/events?since=N` (or the `Last-Event-ID` header, which a browser
sends when it reconnects by itself) answers `text/event-stream`: first every event after
N from the table, then, under an ASGI server, each new one as it comes, a comment line
every LIVE_HEARTBEAT_SECONDS, and `event: bye` after LIVE_IDLE_SECONDS without events
(the page opens a new stream when the reader is looking). Events:

- `comment` {id, parent, html}: an approved comment, rendered for everyone;
- `votes` {id, score, up, down}; `removed` {id}: a shown comment withdrawn;
- `totals` {count, rating {average, count}, passages {"start:end": n}};
- `reset` {}: more was missed than the table keeps (reload to see it).

Under a WSGI server (runserver, gunicorn's sync workers) a stream would hold a whole
worker, so the same URL answers at once with what is new and `retry:` LIVE_POLL_FALLBACK
seconds: the browser's EventSource then polls, politely, by itself.

Caps: LIVE_MAX_STREAMS open streams per process (then 503) and
LIVE_MAX_STREAMS_PER_ADDRESS per client address (then 429), each with Retry-After.
"""

import asyncio

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page

from broadsheet.engagement import services
from broadsheet.engagement.identity import client_address
from broadsheet.live import channel
from broadsheet.live.models import Channel
from broadsheet.reader_input import MAX_ID

HEADERS = {
    "Cache-Control": "no-store",
    # nginx: pass each event on at once (deploy/nginx-front-cache.conf says so too).
    "X-Accel-Buffering": "no",
}


def _since(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since") or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
        return None
    return int(raw)


def _opening(page_id: int, since: int) -> tuple[int, list] | None:
    """The article's last event number and its events after `since` (one trip to a
    worker thread), or None when the article has no live thread."""
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None or not services.comments_state(page).accepts:
        return None
    current = Channel.objects.filter(pk=page_id).values_list("seq", flat=True).first() or 0
    # A number from the future (a restored database) counts as now.
    return current, channel.read_events(page_id, min(since, current), settings.LIVE_CATCH_UP)


opening = channel._guarded(_opening)


def _format(seq: int, kind: str, data: str) -> str:
    if kind == channel.SKIP:
        return ""
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n"


def _plain(status: int, message: str, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_GET
async def stream(request: HttpRequest, page_id: int) -> HttpResponse:
    since = _since(request)
    if since is None:
        return _plain(400, "since (or Last-Event-ID) must be an event number.")
    opened = await opening(page_id, since)
    if opened is None:
        return _plain(404, "No such article.")
    current, catch_up = opened
    since = min(since, current)
    if not isinstance(request, ASGIRequest):
        return _at_once(since, catch_up)
    hub = channel.hub()
    try:
        listener = hub.join(page_id, client_address(request), since)
    except channel.Refused as refused:
        return _plain(refused.status, refused.message, refused.retry_after)
    # Read before joining: an event written in between comes by the channel or by the
    # hub's resync (a gap in the numbers), and the listener's numbers send it once.
    channel.feed(listener, catch_up)
    return EventStream(hub, listener)


class EventStream(StreamingHttpResponse):
    """The stream's response. Its reader leaves the hub when the stream ends, and also
    when the server closes the response without having read it (a client gone before
    the first byte), which a generator's `finally` alone would miss."""

    def __init__(self, hub: channel.Hub, listener: channel.Listener):
        super().__init__(_follow(hub, listener), content_type="text/event-stream")
        for name, value in HEADERS.items():
            self[name] = value
        self._leave = (asyncio.get_running_loop(), hub, listener)

    def close(self) -> None:
        loop, hub, listener = self._leave
        if not loop.is_closed():  # close() runs in a worker thread: leave in the loop
            loop.call_soon_threadsafe(hub.leave, listener)
        super().close()


def _at_once(since: int, catch_up: list) -> HttpResponse:
    """The WSGI answer: what is new, and when to ask again."""
    listener = channel.Listener(0, "", since)
    channel.feed(listener, catch_up)
    parts = [f"retry: {settings.LIVE_POLL_FALLBACK * 1000}\n\n"]
    while not listener.queue.empty():
        item = listener.queue.get_nowait()
        if item is not None:
            parts.append(_format(*item))
    response = HttpResponse("".join(parts), content_type="text/event-stream")
    for name, value in HEADERS.items():
        response[name] = value
    return response


async def _follow(hub: channel.Hub, listener: channel.Listener):
    loop = asyncio.get_running_loop()
    last = loop.time()
    try:
        yield f"retry: {settings.LIVE_RETRY_SECONDS * 1000}\n\n"
        while True:
            try:
                item = await asyncio.wait_for(
                    listener.queue.get(), timeout=settings.LIVE_HEARTBEAT_SECONDS
                )
            except TimeoutError:
                if loop.time() - last >= settings.LIVE_IDLE_SECONDS:
                    yield "event: bye\ndata: {}\n\n"
                    return
                yield ": still here\n\n"
                continue
            # Everything queued goes out as one write (a comment and the new totals, or
            # a burst): one send per reader per wake-up, not per event.
            items = [item]
            while item is not None and not listener.queue.empty():
                item = listener.queue.get_nowait()
                items.append(item)
            chunk = "".join(_format(*queued) for queued in items if queued is not None)
            if chunk:
                last = loop.time()
                yield chunk
            if item is None:  # too slow to keep up: the browser reconnects and catches up
                return
    finally:
        hub.leave(listener)
