"""The live stream of an article: what readers of it are sent, from where, and when not."""

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment
from broadsheet.live.tests.conftest import guest, parse, post, read_all

# The streams read the database from other threads, as they do when served: committed
# rows, not a test transaction's. Serialized rollback gives the rows migrations made back
# to the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def stream_url(article) -> str:
    return f"/live/articles/{article.pk}/events"


def read_stream(url: str, **headers) -> tuple[int, dict, list[dict], str]:
    """Open the stream as an ASGI server would serve it, read it until it closes (idle),
    and return its status, headers, events and raw text."""

    async def run():
        response = await AsyncClient().get(url, headers=headers)
        text = await read_all(response) if response.streaming else response.content.decode()
        response.close()
        return response.status_code, dict(response.items()), text

    status, response_headers, text = async_to_sync(run)()
    return status, response_headers, parse(text), text


def page_version(article) -> int:
    html = Client().get(article.url).content.decode()
    return int(re.search(r'data-live-since="(\d+)"', html)[1])


@pytest.mark.usefixtures("short_streams")
def test_only_approved_comments_reach_other_readers(article, settings):
    shown = post(article, "Approved for everyone")
    held = post(article, "Held for review here")
    services.set_status(held.pk, Comment.Status.PENDING)
    shadow = post(article, "Shadow banned words")
    services.set_status(shadow.pk, Comment.Status.SHADOW)
    deleted = post(article, "Deleted by its author", name="author")
    services.delete_comment(comment_id=deleted.pk, reader=guest("author"))
    spam = post(article, "Spam caught later")
    services.set_status(spam.pk, Comment.Status.SPAM)

    status, headers, events, text = read_stream(f"{stream_url(article)}?since=0")

    assert status == 200
    assert headers["Content-Type"] == "text/event-stream"
    assert headers["Cache-Control"] == "no-store"
    comments = [e["data"] for e in events if e["event"] == "comment"]
    assert [c["id"] for c in comments] == [shown.pk]
    assert "Approved for everyone" in comments[0]["html"]
    for secret in ("Held for review", "Shadow banned", "Deleted by its author", "Spam caught"):
        assert secret not in text
    assert events[-1]["event"] == "bye"  # an idle stream closes


@pytest.mark.usefixtures("short_streams")
def test_a_cached_copy_catches_up_exactly_once(article, settings, page_cache_on):
    post(article, "Before the page was cached")
    version = page_version(article)  # the copy a reader holds
    first = post(article, "Posted after the copy")
    reply = post(article, "A reply to it", name="replier", parent_id=first.pk)
    services.cast_vote(comment_id=first.pk, reader=guest("voter"), value=1)

    _, _, events, _ = read_stream(f"{stream_url(article)}?since={version}")

    comments = [e for e in events if e["event"] == "comment"]
    assert [c["data"]["id"] for c in comments] == [first.pk, reply.pk]
    assert comments[1]["data"]["parent"] == first.pk
    votes = [e["data"] for e in events if e["event"] == "votes"]
    assert votes == [{"id": first.pk, "score": 1, "up": 1, "down": 0}]
    totals = [e["data"] for e in events if e["event"] == "totals"]
    assert totals[-1]["count"] == 3
    # The browser reconnects with the last number it got: nothing comes twice.
    last = max(int(e["id"]) for e in events if "id" in e)
    _, _, again, _ = read_stream(stream_url(article), **{"Last-Event-ID": str(last)})
    assert [e["event"] for e in again] == ["bye"]
    # Nor from the page itself, rendered now: its number includes them all.
    assert page_version(article) == last


@pytest.mark.usefixtures("short_streams")
def test_a_comment_withdrawn_after_its_event_is_not_replayed(article):
    version = page_version(article)
    comment = post(article, "Soon regretted")
    services.set_status(comment.pk, Comment.Status.REMOVED, "Off topic")

    _, _, events, text = read_stream(f"{stream_url(article)}?since={version}")

    assert "Soon regretted" not in text
    assert [e["event"] for e in events if e["event"] != "totals"] == ["removed", "bye"]


@pytest.mark.usefixtures("short_streams")
def test_a_comment_posted_while_the_stream_is_open_arrives_by_the_database_channel(
    article, settings
):
    settings.REDIS_URL = ""
    idle = settings.LIVE_IDLE_SECONDS
    settings.LIVE_IDLE_SECONDS = 3  # the comment has time to be posted and polled
    version = page_version(article)

    async def run():
        response = await AsyncClient().get(f"{stream_url(article)}?since={version}")
        chunks, posting = [], None
        async for chunk in response.streaming_content:
            chunks.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
            if posting is None:  # its first words: the stream is open and following
                posting = asyncio.ensure_future(
                    asyncio.to_thread(post, article, "Arrives while you read")
                )
            if "event: comment" in chunks[-1]:
                # Arrived: the stream may end as the others do, after `idle` seconds
                # without an event, time for a second copy to show if one were sent.
                settings.LIVE_IDLE_SECONDS = idle
        response.close()
        return await posting, "".join(chunks)

    comment, text = async_to_sync(run)()

    events = parse(text)
    comments = [e["data"] for e in events if e["event"] == "comment"]
    assert [c["id"] for c in comments] == [comment.pk]
    assert "Arrives while you read" in comments[0]["html"]


@pytest.mark.usefixtures("short_streams")
def test_streams_are_capped_per_address_and_per_process(article, settings):
    settings.LIVE_MAX_STREAMS_PER_ADDRESS = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address, as nginx's
    url = stream_url(article)
    one, two = {"X-Forwarded-For": "203.0.113.5"}, {"X-Forwarded-For": "203.0.113.6"}

    async def run():
        client = AsyncClient()
        first = await client.get(url, headers=one)
        same_address = await client.get(url, headers=one)
        other = await client.get(url, headers=two)
        await read_all(other)
        first.close()
        await asyncio.sleep(0)  # the first reader leaves
        again = await client.get(url, headers=one)
        await read_all(again)
        return first, same_address, other, again

    first, same_address, other, again = async_to_sync(run)()

    assert first.status_code == 200
    assert same_address.status_code == 429
    assert same_address["Retry-After"] == "30"
    assert "Too many live streams from your network" in same_address.content.decode()
    assert other.status_code == 200
    assert again.status_code == 200  # a closed stream frees its place

    settings.LIVE_MAX_STREAMS = 0
    status, headers, _, text = read_stream(url)
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "Too many live readers" in text


def test_under_a_wsgi_server_the_stream_answers_at_once_and_asks_to_poll(article, settings):
    version = page_version(article)
    comment = post(article, "Seen by a polling reader")

    response = Client().get(f"{stream_url(article)}?since={version}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    text = response.content.decode()
    assert text.startswith("retry: 30000\n\n")
    assert [e["data"]["id"] for e in parse(text) if e["event"] == "comment"] == [comment.pk]


@pytest.mark.parametrize("since", ["-1", "abc", "1e3", "99999999999999999999", "١"])
def test_a_bad_event_number_is_a_400_and_an_unknown_article_a_404(article, since):
    response = Client().get(f"{stream_url(article)}?since={since}")
    assert response.status_code == 400
    assert "event number" in response.content.decode()
    assert Client().get(f"/live/articles/{article.pk + 1000}/events").status_code == 404
