import json
import threading

import pytest

from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)


def page_tree() -> None:
    """The rows Wagtail's migrations make (a locale, the root page, a site), which a
    transactional test's flush takes away: made again when missing."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)


@pytest.fixture
def article(db):
    page_tree()
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    return ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


def guest(name: str) -> Reader:
    return Reader(user=None, guest_key=keyed_hash("reader", name), ip_hash=keyed_hash("ip", name))


def post(article, body: str, name: str = "neighbour", **extra):
    """A guest's comment on `article`, approved unless moderation holds it."""
    from broadsheet.engagement import services

    return services.post_comment(
        page_id=article.pk,
        reader=guest(name),
        body=body,
        author_name=name.title(),
        author_email=f"{name}@example.org",
        consent=True,
        **extra,
    )


@pytest.fixture
def short_streams(settings):
    """Streams that end by themselves soon after the last event (an idle stream closes),
    so a test reads a whole stream and never waits long; the table polled often."""
    settings.LIVE_HEARTBEAT_SECONDS = 0.2
    settings.LIVE_IDLE_SECONDS = 0.6
    settings.LIVE_POLL_SECONDS = 0.1


def parse(stream: str) -> list[dict]:
    """The events of a text/event-stream body: [{"id", "event", "data"}], data parsed."""
    events = []
    for block in stream.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        if "event" in fields:
            fields["data"] = json.loads(fields.get("data", "{}"))
            events.append(fields)
    return events


async def read_all(response) -> str:
    chunks = []
    async for chunk in response.streaming_content:
        chunks.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
    return "".join(chunks)


def in_thread(function, *args, **kwargs):
    """Run ORM work outside the test's event loop (Django refuses it inside), as another
    request would; returns its result."""
    result = {}

    def run():
        result["value"] = function(*args, **kwargs)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result.get("value")


@pytest.fixture
def asgi_server(settings):
    """The site as `broadsheet serve`'s live listener serves it: broadsheet/asgi.py under
    uvicorn, in a thread (pages and streams alike), on a free loopback port. Needs a
    transactional database (it reads through its own connections)."""
    import socket

    import uvicorn

    from broadsheet.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):  # bounded: at most 30 s to start
        if server.started:
            break
        thread.join(timeout=0.1)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
