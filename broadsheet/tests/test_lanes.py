"""The served application's two chains (broadsheet/lanes.py): the reader API takes the
shorter one, and nothing a client sees differs for it: the same answers, headers and
cookies as through every middleware, CSRF refused the same way, a signed-in reader
still known by their session. The test client builds its handler from MIDDLEWARE
alone, so these requests go through the WSGI application itself, in-process."""

import io
import json
from http.cookies import SimpleCookie

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from broadsheet.engagement.models import Rating, Vote
from broadsheet.engagement.tests.conftest import comment_to_vote_on
from broadsheet.lanes import LaneApplication
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.tests.test_openapi_contract import in_process  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
CSRF = "lanesofthereaderapilanesofthere2"  # a CSRF secret: cookie and header


def call(app, method: str, path: str, body=None, cookies: str = "", csrf: bool = True):
    """One request through a WSGI application: (status, headers, cookies set, body)."""
    data = json.dumps(body).encode() if body is not None else b""
    cookie = f"csrftoken={CSRF}; {cookies}" if csrf else cookies
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": "application/json",
    }
    if csrf:
        environ["HTTP_X_CSRFTOKEN"] = CSRF
    answer = {}

    def start_response(status, headers, *args):
        answer["status"] = int(status.split()[0])
        answer["headers"] = headers

    chunks = app(environ, start_response)
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    headers = {name: value for name, value in answer["headers"] if name != "Set-Cookie"}
    set_cookies = sorted(
        value.split("=", 1)[0].strip() for name, value in answer["headers"] if name == "Set-Cookie"
    )
    return answer["status"], headers, set_cookies, json.loads(content or b"null")


def shape(answer) -> tuple:
    status, headers, cookies, body = answer
    # Values that differ per request (a nonce, a new comment's id) are not compared.
    return status, sorted(headers), cookies, sorted(body) if isinstance(body, dict) else body


@pytest.fixture
def article(db):
    section = SectionPageFactory(parent=HomePageFactory(), title="World", slug="world")
    return ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")


@pytest.fixture
def apps(in_process):  # noqa: F811 - the fixture imported above
    served = LaneApplication()
    return {"lane": served, "every middleware": WSGIHandler()}


def test_the_api_answers_the_same_through_its_shorter_chain(apps, article):
    comment = comment_to_vote_on(article)
    requests = [
        ("GET", "/api/v1/session", None, True),
        ("POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1}, True),
        ("POST", f"/api/v1/articles/{article.pk}/rating", {"stars": 4}, True),
        (
            "POST",
            f"/api/v1/articles/{article.pk}/comments",
            {"body": "Through the lane.", "author_name": "Ana", "author_email": "a@example.org"},
            True,
        ),
        ("POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1}, False),  # no CSRF
        ("POST", "/api/v1/comments/999999/vote", {"value": 1}, True),
        ("POST", f"/api/v1/articles/{article.pk}/rating", {"stars": 9}, True),
    ]
    for n, (method, path, body, csrf) in enumerate(requests):
        answers = {}
        for name, app in apps.items():
            reader = "bs_reader=" + (f"guest{n}{name[0]}" * 8)[:40]  # a guest per request
            answers[name] = call(app, method, path, body, reader, csrf)
        assert shape(answers["lane"]) == shape(answers["every middleware"]), (method, path)
        status, headers, _, _ = answers["lane"]
        assert "Content-Security-Policy" in headers and "X-Content-Type-Options" in headers
        assert int(headers["Content-Length"]) > 0
    assert Vote.objects.filter(comment=comment).count() == 2  # one per chain
    assert Rating.objects.filter(page=article).count() == 2


def test_a_refused_csrf_token_is_refused_on_the_lane(apps, article):
    comment = comment_to_vote_on(article)
    status, _, _, body = call(
        apps["lane"], "POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1}, csrf=False
    )
    assert status == 403 and "CSRF" in body["detail"]
    assert not Vote.objects.filter(comment=comment).exists()


def test_a_signed_in_reader_is_known_by_their_session_on_the_lane(apps, article, django_user_model):
    comment = comment_to_vote_on(article)
    user = django_user_model.objects.create_user("lane-reader", password="not-a-real-one")
    browser = Client()
    browser.force_login(user)
    session = SimpleCookie(browser.cookies.output(header="")).get("sessionid").value
    status, _, _, body = call(
        apps["lane"],
        "POST",
        f"/api/v1/comments/{comment.pk}/vote",
        {"value": -1},
        f"sessionid={session}",
    )
    assert status == 200 and body["mine"] == -1
    assert Vote.objects.get(comment=comment).voter == f"u:{user.pk}"
