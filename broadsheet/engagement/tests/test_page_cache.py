"""The article page is the same for every anonymous reader, so a cache may keep it, and
posting from a cached copy must work: the failure wpDiscuz sites meet most."""

import re

import pytest
from django.test import Client

from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import csrf_token_in

pytestmark = pytest.mark.django_db


def cached_copy_of(article) -> tuple[str, dict]:
    """What a page cache would store: the HTML and headers one anonymous reader got."""
    response = Client().get(article.url)
    assert response.status_code == 200
    return response.content.decode(), response


def form_of(html: str) -> tuple[str, dict[str, str]]:
    form = re.search(r'<form id="comment-form".*?</form>', html, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return action, fields


def test_article_html_is_the_same_for_everyone_and_sets_no_cookie(article):
    html, response = cached_copy_of(article)
    again, _ = cached_copy_of(article)

    # The same apart from the scripts' nonce, which each response has its own of (the
    # page cache gives a stored copy the serving response's: broadsheet/csp.py).
    assert re.sub(r'nonce="[^"]*"', "", html) == re.sub(r'nonce="[^"]*"', "", again)
    assert not response.cookies
    assert "csrfmiddlewaretoken" in html
    assert not re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', html)


def test_post_from_a_cached_page_with_javascript(article):
    html, _ = cached_copy_of(article)
    action, fields = form_of(html)

    # A new reader's browser, served that HTML from the cache: comments.js asks the
    # session endpoint for a token, fills it in and posts the form through htmx.
    browser = Client(enforce_csrf_checks=True)
    session = browser.get("/api/v1/session", {"page": article.pk})
    assert session.headers["Cache-Control"].startswith("max-age=0")
    token = session.json()["csrf_token"]
    response = browser.post(
        action,
        {
            **fields,
            "csrfmiddlewaretoken": token,
            "body": "Posted from a cached page",
            "author_name": "Cached Reader",
            "author_email": "cached@example.org",
            "consent": "1",
        },
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201
    assert "Posted from a cached page" in response.content.decode()
    assert Comment.objects.get().body == "Posted from a cached page"


def test_post_from_a_cached_page_without_javascript_asks_once_then_posts(article):
    html, _ = cached_copy_of(article)
    action, fields = form_of(html)
    browser = Client(enforce_csrf_checks=True)
    typed = {
        "body": "No JavaScript here",
        "author_name": "Plain Reader",
        "author_email": "plain@example.org",
        "consent": "1",
    }

    first = browser.post(action, {**fields, **typed})

    assert first.status_code == 403
    assert Comment.objects.count() == 0
    confirm = first.content.decode()
    assert "Please confirm" in confirm
    assert "No JavaScript here" in confirm  # nothing the reader typed is lost
    token = csrf_token_in(first)

    second = browser.post(action, {**fields, **typed, "csrfmiddlewaretoken": token})

    assert second.status_code == 303
    comment = Comment.objects.get()
    assert second["Location"] == f"{article.url}#comment-{comment.pk}"
    assert comment.body == "No JavaScript here"


def test_no_js_form_errors_keep_what_was_typed(article):
    browser = Client()
    response = browser.post(
        f"/comments/{article.pk}/post/",
        {"body": "Kept text", "author_name": "", "author_email": "bad", "consent": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Kept text" in html
    assert "Give a name" in html and "valid email" in html
    assert Comment.objects.count() == 0
