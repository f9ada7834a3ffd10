"""The Redis channel across processes: a comment posted to one server process reaches a
reader whose stream another server process holds, by Redis pub/sub (the table's resync
poll set to an hour, so it cannot be what carried it). Two `broadsheet serve --live-only`
processes (uvicorn workers) on the test database, and a Redis server of the test's own."""

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import redis as redis_client
from django.conf import settings as django_settings

from broadsheet.moderation.models import ModerationRules
from broadsheet.tests.services import RedisServer, free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def start_live(env: dict, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "broadsheet", "serve", "--live-only", "--port", str(port)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until_up(server: subprocess.Popen, port: int) -> None:
    for _ in range(600):  # bounded: at most about 60 s to load and fork
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode()) from None
            time.sleep(0.1)
    raise AssertionError(f"no answer on port {port}")


def post_comment(port: int, article_id: int, body: str) -> int:
    """A guest's comment through the API of the server on `port`, as a browser posts it."""
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(f"{base}/api/v1/session", timeout=30) as response:
        token = json.loads(response.read())["csrf_token"]
        cookies = "; ".join(
            header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie")
        )
    payload = {"body": body, "author_name": "Posted Elsewhere", "author_email": "a@example.org"}
    request = urllib.request.Request(
        f"{base}/api/v1/articles/{article_id}/comments",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookies},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())["id"]


def test_a_comment_posted_to_one_process_reaches_the_readers_of_another_by_redis(article):
    rules = ModerationRules.load()
    rules.hold_first_guest_comment = False
    rules.min_seconds_to_post = 0
    rules.save()
    database = django_settings.DATABASES["default"]["NAME"]
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        database_url = f"postgres://{django_settings.DATABASES['default']['USER']}@"
        database_url += f"{django_settings.DATABASES['default']['HOST']}:"
        database_url += f"{django_settings.DATABASES['default']['PORT']}/{database}"
    else:
        database_url = f"sqlite:///{database}"
    with RedisServer() as redis:
        env = {
            **os.environ,
            "REDIS_URL": redis.url,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": django_settings.SECRET_KEY,
            "STATIC_ROOT": str(django_settings.STATIC_ROOT),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "0",
            "LIVE_RESYNC_SECONDS": "3600",
        }
        ports = free_port(), free_port()
        servers = [start_live(env, port) for port in ports]
        try:
            for server, port in zip(servers, ports, strict=True):
                wait_until_up(server, port)
            reader = http.client.HTTPConnection("127.0.0.1", ports[1], timeout=30)
            reader.request("GET", f"/live/articles/{article.pk}/events?since=0")
            stream = reader.getresponse()
            assert stream.status == 200
            assert stream.getheader("Content-Type") == "text/event-stream"
            channel = f"{django_settings.LIVE_CHANNEL_PREFIX}{article.pk}"
            watcher = redis_client.Redis.from_url(redis.url)
            for _ in range(300):  # bounded: the second process subscribes
                if watcher.pubsub_numsub(channel)[0][1]:
                    break
                time.sleep(0.1)
            comment_id = post_comment(ports[0], article.pk, "Sent through the first process")
            event = []
            for line in stream:  # bounded by the socket's timeout
                text = line.decode().rstrip("\n")
                if text == "event: comment":
                    event.append(text)
                elif event and text.startswith("data: "):
                    data = json.loads(text.removeprefix("data: "))
                    break
            reader.close()
        finally:
            for server in servers:
                server.terminate()
                server.communicate(timeout=30)
    assert data["id"] == comment_id
    assert "Sent through the first process" in data["html"]
