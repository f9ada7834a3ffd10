"""Pages and API answers go out gzipped from `broadsheet serve` alone (issue 19), the
page cache's copies compressed once when stored: a client that asks for gzip gets bytes
that decompress to the page a client that does not ask gets plain; Vary says so."""

import gzip
import json
import re
import secrets
import subprocess
import sys
import urllib.request

import pytest
from django.test import RequestFactory

from broadsheet import compression
from broadsheet.newsroom.tests.test_serve import (
    free_port,
    migrated_database,
    serve_env,
    start_serve,
    wait_until_up,
)
from broadsheet.tests.test_cache_outage_serve import Browser

NONCE = re.compile(rb'nonce="[^"]*"')

MAKE_ARTICLE = """
import django; django.setup()
from broadsheet.moderation.models import ModerationRules
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory, HomePageFactory, SectionPageFactory)
home = HomePageFactory()
section = SectionPageFactory(parent=home, title="World", slug="world")
article = ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
rules = ModerationRules.load()
rules.hold_first_guest_comment = False
rules.save()
print(article.pk, article.url)
"""


def fetch(port: int, path: str, encoding: str = "") -> tuple[dict, bytes]:
    """(headers, body as sent on the wire): urllib never decompresses."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if encoding:
        request.add_header("Accept-Encoding", encoding)
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(response.headers.items()), response.read()


def vary(headers: dict) -> list[str]:
    return [v.strip().lower() for v in headers.get("Vary", "").split(",")]


@pytest.fixture
def served(tmp_path, db):
    """`broadsheet serve` (two workers, production defaults, page cache on) and an
    article with three comments: (port, article id, article path)."""
    env = serve_env(tmp_path, PAGE_CACHE="1")
    migrated_database(tmp_path, env)
    made = subprocess.run(
        [sys.executable, "-c", MAKE_ARTICLE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    article_id, path = made.stdout.split()[-2:]
    port = free_port()
    server = start_serve(env, port, workers=2)
    try:
        wait_until_up(server, port)
        for n in range(3):
            reader = Browser(port)
            reader.session()
            status, _, _ = reader.send(
                "POST",
                f"/api/v1/articles/{article_id}/comments",
                {
                    "body": f"Comment {n} on the talks.",
                    "author_name": "Ola",
                    "author_email": "o@ex.org",
                },
            )
            assert status == 201
        yield port, int(article_id), path
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_pages_and_api_answers_are_gzipped_for_clients_that_ask_plain_for_others(served):
    port, article_id, path = served
    pages_are_gzipped(port, path)
    api_answers_are_gzipped(port, article_id)
    tiny_answers_go_plain(port)


def pages_are_gzipped(port: int, path: str) -> None:
    plain_headers, plain = fetch(port, path)
    assert "Content-Encoding" not in plain_headers
    assert "accept-encoding" in vary(plain_headers)
    assert b"Harbour talks" in plain

    answers = [fetch(port, path, "gzip, deflate, br") for _ in range(4)]
    # Two workers: each stores or finds the page; by the fourth request both hold it.
    assert answers[-1][0]["X-Cache"] == "hit"
    for headers, body in answers:
        assert headers["Content-Encoding"] == "gzip"
        assert "accept-encoding" in vary(headers)
        assert int(headers["Content-Length"]) == len(body)
        page = gzip.decompress(body)  # checks the CRC too
        # The same page; each response's scripts carry a nonce of their own.
        assert NONCE.sub(b"", page) == NONCE.sub(b"", plain)
        assert len(body) * 3 < len(page)
    nonces = {NONCE.search(gzip.decompress(body))[0] for _, body in answers}
    assert len(nonces) == len(answers)
    # The nonce in the page is the one the policy allows.
    headers, body = answers[-1]
    nonce = NONCE.search(gzip.decompress(body))[0].decode().split('"')[1]
    assert f"'nonce-{nonce}'" in headers["Content-Security-Policy"]

    # After all that, a client without gzip still gets the page plain, from the cache.
    headers, body = fetch(port, path, "identity")
    assert "Content-Encoding" not in headers and headers["X-Cache"] == "hit"
    assert NONCE.sub(b"", body) == NONCE.sub(b"", plain)
    assert "Content-Encoding" not in fetch(port, path, "gzip;q=0, identity")[0]


def api_answers_are_gzipped(port: int, article_id: int) -> None:
    """The comments API (kept by the page cache) and the OpenAPI document (not)."""
    for path in (f"/api/v1/articles/{article_id}/comments", "/api/v1/openapi.json"):
        _, plain = fetch(port, path)
        for _ in range(3):
            headers, body = fetch(port, path, "gzip")
            assert headers["Content-Encoding"] == "gzip", path
            assert "accept-encoding" in vary(headers)
            assert json.loads(gzip.decompress(body)) == json.loads(plain)


def tiny_answers_go_plain(port: int) -> None:
    headers, body = fetch(port, "/healthz", "gzip")
    assert "Content-Encoding" not in headers and body == b"ok\n"


def test_a_stored_page_takes_any_nonce_without_compressing_again():
    """The splice (see broadsheet/compression.py): each fresh nonce gives a valid gzip
    stream, CRC included, of the page with that nonce."""
    nonce = secrets.token_urlsafe(18)
    page = (
        f'<head><script nonce="{nonce}" src="/a.js"></script></head><body>'.encode()
        + b"".join(b"<p>Comment %d on the quay.</p>" % n for n in range(500))
        + f'<script nonce="{nonce}" src="/b.js"></script><p>{nonce}</p></body>'.encode()
    )
    stored = compression.stored_gzip(page, nonce)
    assert gzip.decompress(compression.gzip_with_nonce(stored, nonce)) == page
    for _ in range(5):
        fresh = secrets.token_urlsafe(18)
        expected = page.replace(f'nonce="{nonce}"'.encode(), f'nonce="{fresh}"'.encode())
        assert gzip.decompress(compression.gzip_with_nonce(stored, fresh)) == expected
    assert compression.gzip_with_nonce(stored, fresh)[:2] == b"\x1f\x8b"


@pytest.mark.parametrize(
    ("header", "takes"),
    [
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("*", True),
        ("", False),
        ("br", False),
        ("gzip;q=0", False),
        ("gzip;q=0.0, br", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, takes):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=header)
    assert compression.accepts_gzip(request) is takes


def test_streams_and_event_streams_are_never_compressed():
    """A Server-Sent Events stream must reach the reader event by event: never gzipped,
    even for a client that asks (whitenoise's file streams likewise)."""
    from django.http import HttpResponse, StreamingHttpResponse

    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    middleware = compression.CompressionMiddleware(lambda r: None)
    events = StreamingHttpResponse(iter([b"data: one\n\n"] * 50), content_type="text/event-stream")
    answered = middleware.process_response(request, events)
    assert "Content-Encoding" not in answered
    assert b"".join(answered.streaming_content) == b"data: one\n\n" * 50
    buffered = HttpResponse(b"data: one\n\n" * 50, content_type="text/event-stream")
    assert "Content-Encoding" not in middleware.process_response(request, buffered)
    page = HttpResponse(b"<p>A page.</p>" * 50, content_type="text/html")
    assert middleware.process_response(request, page)["Content-Encoding"] == "gzip"
    picture = HttpResponse(b"\x89PNG" * 100, content_type="image/png")
    assert "Content-Encoding" not in middleware.process_response(request, picture)
