"""The served application's two chains (broadsheet/lanes.py): the reader API takes the
shorter one, and nothing a client sees differs for it: the same answers, headers and
cookies as through every middleware, CSRF refused the same way, a signed-in reader
still known by their session. The test client builds its handler from MIDDLEWARE
alone, so these requests go through the WSGI application itself, in-process."""

import io
import json
import re
from http.cookies import SimpleCookie
from unittest import mock

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
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


def call(
    app,
    method: str,
    path: str,
    body=None,
    cookies: str = "",
    csrf: bool = True,
    raw: bytes | None = None,
    content_type: str = "application/json",
):
    """One request through a WSGI application: (status, headers, cookies set, body);
    `raw`: the body's bytes as sent, instead of `body` as JSON."""
    data = raw if raw is not None else json.dumps(body).encode() if body is not None else b""
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
        "CONTENT_TYPE": content_type,
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


def exactly(answer) -> tuple:
    """Everything a client sees, but for what differs per response by design: the
    policy's nonce, a new comment's id, a new cookie's value."""
    status, headers, cookies, body = answer
    headers = dict(headers)
    headers.pop("Date", None)
    policy = headers.get("Content-Security-Policy", "")
    headers["Content-Security-Policy"] = re.sub(r"'nonce-[^']+'", "'nonce-'", policy)
    if isinstance(body, dict) and "id" in body and "status" in body:
        body = {**body, "id": "new"}
        headers.pop("Content-Length")  # the id's digits
    return status, headers, cookies, body


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


def test_the_readers_writes_answer_exactly_as_through_django_ninja(apps, article):
    """The vote, the rating and the comment take the lane's quick path (no URL
    resolution, no django-ninja machinery): every answer, good or refused, is the one the
    whole chain and django-ninja give, header for header. Each chain writes to an
    article of its own, in the same state."""
    twin = ArticlePageFactory(parent=article.get_parent(), title="Harbour talks, again")
    answers = {}
    for (name, app), page in zip(apps.items(), [article, twin], strict=True):
        comment = comment_to_vote_on(page)
        vote = f"/api/v1/comments/{comment.pk}/vote"
        rating = f"/api/v1/articles/{page.pk}/rating"
        comments = f"/api/v1/articles/{page.pk}/comments"
        guest = {"author_name": "Ana", "author_email": "a@example.org"}
        cases = [
            ("vote", vote, {"value": 1}, {}),
            ("vote again, the same", vote, {"value": 1}, {}),
            ("vote changed", vote, {"value": -1}, {}),
            ("vote withdrawn", vote, {"value": 0}, {}),
            ("vote out of range", vote, {"value": 2}, {}),
            ("vote as text", vote, {"value": "1"}, {}),
            ("vote on nothing", "/api/v1/comments/999999/vote", {"value": 1}, {}),
            ("vote, an id too big", "/api/v1/comments/99999999999999999999/vote", {"value": 1}, {}),
            ("vote without CSRF", vote, {"value": 1}, {"csrf": False}),
            ("vote not JSON", vote, None, {"raw": b"{value: 1"}),
            ("vote as a list", vote, None, {"raw": b"[1]"}),
            ("vote as text/plain", vote, None, {"raw": b"value=1", "content_type": "text/plain"}),
            ("rating", rating, {"stars": 4}, {}),
            ("rating changed", rating, {"stars": 2}, {}),
            ("rating of 9 stars", rating, {"stars": 9}, {}),
            ("rating of nothing", "/api/v1/articles/999999/rating", {"stars": 3}, {}),
            ("comment", comments, {"body": "Through the quick path.", **guest}, {}),
            ("reply", comments, {"body": "A reply.", "parent": comment.pk, **guest}, {}),
            ("reply to nothing", comments, {"body": "A reply.", "parent": 999999, **guest}, {}),
            ("empty comment", comments, {"body": "   ", **guest}, {}),
            ("no consent", comments, {"body": "No.", "consent": False, **guest}, {}),
            ("comment on nothing", "/api/v1/articles/999999/comments", {"body": "Hi", **guest}, {}),
        ]
        for n, (case, path, body, extra) in enumerate(cases):
            # One guest votes and changes their mind, one rates twice; a guest per other case.
            who = {"vote": "voter", "rating": "rater"}.get(case.split()[0], f"case{n}")
            if "nothing" in case or "CSRF" in case or "JSON" in case or "stars" in case:
                who = f"case{n}"
            reader = "bs_reader=" + (who * 10)[:40]
            answers.setdefault(case, {})[name] = call(app, "POST", path, body, reader, **extra)
    for case, answer in answers.items():
        assert exactly(answer["lane"]) == exactly(answer["every middleware"]), case
    assert answers["vote changed"]["lane"][3] == {"score": -1, "up": 0, "down": 1, "mine": -1}
    assert answers["vote withdrawn"]["lane"][3] == {"score": 0, "up": 0, "down": 0, "mine": 0}
    assert answers["rating changed"]["lane"][3]["mine"] == 2
    assert answers["comment"]["lane"][0] == 201
    assert {answers[case]["lane"][0] for case in ("vote out of range", "vote not JSON")} == {400}


def test_the_readers_writes_are_answered_without_resolving_their_url(apps, article):
    comment = comment_to_vote_on(article)
    resolve = mock.patch.object(
        apps["lane"].api, "resolve_request", side_effect=AssertionError("resolved")
    )
    with resolve:
        voted = call(apps["lane"], "POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1})
        rated = call(apps["lane"], "POST", f"/api/v1/articles/{article.pk}/rating", {"stars": 5})
        posted = call(
            apps["lane"],
            "POST",
            f"/api/v1/articles/{article.pk}/comments",
            {"body": "Quick.", "author_name": "Ana", "author_email": "a@example.org"},
        )
    assert (voted[0], voted[3]["mine"]) == (200, 1)
    assert (rated[0], rated[3]["mine"]) == (200, 5)
    assert posted[0] == 201 and posted[3]["status"] in ("approved", "pending")
    assert Vote.objects.get(comment=comment).value == 1
    assert Rating.objects.get(page=article).stars == 5


def test_a_quick_write_during_an_outage_is_the_apis_503(apps, article):
    comment = comment_to_vote_on(article)

    def refuse(execute, sql, params, many, context):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    answers = {}
    with connection.execute_wrapper(refuse):
        for name, app in apps.items():
            answers[name] = call(app, "POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1})
    assert exactly(answers["lane"]) == exactly(answers["every middleware"])
    status, headers, _, body = answers["lane"]
    assert status == 503 and headers["Retry-After"] and body["detail"]


class ViewHook:
    """A middleware with a process_view, which the quick path would skip."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        return None


def test_the_quick_path_is_off_when_the_chain_has_another_view_middleware(
    in_process,  # noqa: F811 - the fixture imported above
    settings,
    article,
):
    """The quick path calls no process_view: a chain with one it would skip answers
    every write through django-ninja instead."""
    settings.API_MIDDLEWARE = [*settings.API_MIDDLEWARE, f"{__name__}.ViewHook"]
    lane = LaneApplication()
    assert lane.api.quick == ()
    comment = comment_to_vote_on(article)
    status, _, _, body = call(lane, "POST", f"/api/v1/comments/{comment.pk}/vote", {"value": 1})
    assert (status, body["mine"]) == (200, 1)
