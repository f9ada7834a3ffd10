import re
import threading

import pytest
from django.db import connections
from django.test import Client

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader as Identity
from broadsheet.engagement.identity import keyed_hash
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)


@pytest.fixture
def article(db):
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    return ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


@pytest.fixture
def other_article(article):
    return ArticlePageFactory(parent=article.get_parent(), title="Another story", slug="another")


class Reader:
    """A browser-like API client: real cookies, CSRF token from /api/v1/session."""

    def __init__(self, address: str = "203.0.113.10"):
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
        self.token = ""

    def session(self, page=None) -> dict:
        data = self.client.get("/api/v1/session", {"page": page} if page else {}).json()
        self.token = data["csrf_token"]
        return data

    def _send(self, method, url, payload=None):
        if not self.token:
            self.session()
        return getattr(self.client, method)(
            url, payload, content_type="application/json", HTTP_X_CSRFTOKEN=self.token
        )

    def post(self, url, payload=None):
        return self._send("post", url, payload)

    def patch(self, url, payload=None):
        return self._send("patch", url, payload)

    def delete(self, url):
        return self._send("delete", url)

    def comment(self, article, body="A fair point.", **extra) -> dict:
        payload = {"body": body, **extra}
        if "author_name" not in payload and not self.client.session.get("_auth_user_id"):
            payload.update(author_name="Guest Reader", author_email="guest@example.org")
        response = self.post(f"/api/v1/articles/{article.pk}/comments", payload)
        assert response.status_code == 201, response.content
        return response.json()

    def vote(self, comment_id, value):
        return self.post(f"/api/v1/comments/{comment_id}/vote", {"value": value})

    def thread(self, article, **query):
        response = self.client.get(f"/api/v1/articles/{article.pk}/comments", query)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def reader(db):
    return Reader("203.0.113.10")


@pytest.fixture
def another_reader(db):
    return Reader("198.51.100.20")


def at_the_same_moment(work, count: int) -> list[str]:
    """Run work(n) for n in range(count) in threads released together, each on its own
    database connection; returns the errors they raised."""
    start = threading.Barrier(count)
    errors: list[str] = []

    def run(n):
        try:
            start.wait(timeout=10)
            work(n)
        except Exception as error:  # reported to the test
            errors.append(repr(error))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def csrf_token_in(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def comment_to_vote_on(article):
    """A guest's approved comment, posted through the service (for tests that vote from
    threads, without HTTP)."""
    author = Identity(user=None, guest_key=keyed_hash("reader", "author"), ip_hash="a")
    return guest_comment(article, author, "Vote on me", name="Author", email="author@example.org")


def guest(name: str, address: str = "203.0.113.7") -> Identity:
    """A guest as the services see one: their own cookie's key and a keyed address."""
    return Identity(
        user=None, guest_key=keyed_hash("reader", name), ip_hash=keyed_hash("address", address)
    )


def guest_comment(page, reader: Identity, body: str, *, name: str, email: str, **extra):
    """A guest's comment (consent given) posted through the service, without HTTP;
    `extra` goes to `services.post_comment` (parent_id, quote)."""
    return services.post_comment(
        page_id=page.pk,
        reader=reader,
        body=body,
        author_name=name,
        author_email=email,
        consent=True,
        **extra,
    )
