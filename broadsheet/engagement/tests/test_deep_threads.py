"""Readers choose how deep a reply chain goes: thousands of levels must still render,
on every page and endpoint that walks a thread, with production's page cache on."""

import copy
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from broadsheet.engagement import services
from broadsheet.engagement.models import Comment
from broadsheet.engagement.rendering import render_comment
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.models import ArticlePage
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.tests.module_rows import built_once

pytestmark = pytest.mark.django_db

DEPTH = 5_000
CHAIN_AUTHOR = "chain@example.org"


def bulk_chain(article, length: int) -> list[Comment]:
    """A chain of `length` comments, each replying to the one before, stored in a few
    statements (posting 5,000 through the API would take minutes)."""
    start = timezone.now() - timedelta(days=1)
    rows = [
        Comment(
            page_id=article.pk,
            depth=n,
            guest_name="Chain Writer",
            guest_email=CHAIN_AUTHOR,
            body=f"Level {n}",
            body_html=render_comment(f"Level {n}"),
            created_at=start + timedelta(seconds=n),
        )
        for n in range(length)
    ]
    Comment.objects.bulk_create(rows, batch_size=500)
    for parent, reply in zip(rows, rows[1:], strict=False):
        reply.parent_id, reply.thread_id = parent.pk, rows[0].pk
    Comment.objects.bulk_update(rows[1:], ["parent", "thread"], batch_size=500)
    services.recount(article.pk)
    return rows


def _deep_newsroom() -> dict:
    """An article, a 5,000-deep chain on it, then three replies a reader posted through
    the API below its end."""
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
    rows = bulk_chain(article, DEPTH)
    parent = rows[-1].pk
    reader = Reader("203.0.113.10")
    posted = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        for n in range(3):
            parent = reader.comment(article, f"Deepest reply {n}", parent=parent)["id"]
            posted.append(parent)
    return {"article": article.pk, "rows": rows, "posted": posted, "reader": reader}


# Built once (2 s): each test's changes are rolled back after it.
deep_newsroom = built_once(_deep_newsroom)


@pytest.fixture
def article(deep_newsroom, db):
    return ArticlePage.objects.get(pk=deep_newsroom["article"])


@pytest.fixture
def reader(deep_newsroom, db):
    """The reader who posted the deepest replies, with a copy of its cookies."""
    posted_them = deep_newsroom["reader"]
    reader = Reader("203.0.113.10")
    reader.client.cookies = copy.deepcopy(posted_them.client.cookies)
    reader.token = posted_them.token
    return reader


@pytest.fixture
def deep_thread(deep_newsroom, db):
    return deep_newsroom["rows"], deep_newsroom["posted"]


def test_posting_below_a_chain_thousands_deep_keeps_thread_and_depth(deep_thread):
    rows, posted = deep_thread
    deepest = Comment.objects.get(pk=posted[-1])
    assert (deepest.depth, deepest.thread_id) == (DEPTH + 2, rows[0].pk)
    assert Comment.objects.get(pk=rows[0].pk).reply_count == DEPTH - 1 + 3


def test_a_chain_thousands_deep_renders_on_the_cached_article_page(
    deep_thread, article, client, page_cache_on
):
    first = client.get(article.url)
    assert first.status_code == 200
    html = first.content.decode()
    assert "Deepest reply 2" in html and f"Level {DEPTH - 1}" in html
    again = client.get(article.url)
    assert again.status_code == 200 and again["X-Cache"] == "hit"
    assert "Deepest reply 2" in again.content.decode()


def test_a_chain_thousands_deep_answers_in_the_api_and_the_thread_fragment(
    deep_thread, article, client, page_cache_on, settings
):
    settings.COMMENTS_MAX_DEPTH = 4
    response = client.get(f"/api/v1/articles/{article.pk}/comments", {"sort": "oldest"})
    assert response.status_code == 200
    [top] = response.json()["results"]
    level3 = top["replies"][0]["replies"][0]
    # Everything below level 3 is shown at level 4, in the order written.
    assert len(level3["replies"]) == DEPTH - 3 + 3
    assert level3["replies"][-1]["body_html"] == "<p>Deepest reply 2</p>"

    fragment = client.get(f"/comments/{article.pk}/", {"sort": "oldest"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "Deepest reply 2" in fragment.content.decode()

    feed = client.get(f"/feed/comments/{article.pk}/")
    assert feed.status_code == 200 and b"Deepest reply 2" in feed.content


def test_editing_and_deleting_deep_in_a_chain_re_render_the_comment(
    deep_thread, reader, django_capture_on_commit_callbacks
):
    _rows, posted = deep_thread
    with django_capture_on_commit_callbacks(execute=True):
        deleted = reader.client.post(
            f"/comments/c/{posted[1]}/delete/",
            {"csrfmiddlewaretoken": reader.token},
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=reader.token,
        )
        edited = reader.client.post(
            f"/comments/c/{posted[2]}/edit/",
            {"body": "Deepest reply, edited"},
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=reader.token,
        )
    # Shown flat at the deepest level, a removed comment leaves no placeholder there.
    assert deleted.status_code == 200
    assert Comment.objects.get(pk=posted[1]).status == Comment.Status.REMOVED
    assert f'id="comment-{posted[1]}"' not in deleted.content.decode()
    assert 'id="comments-heading" class="comments-heading" hx-swap-oob="true"' in (
        deleted.content.decode()
    )  # only the heading, out of band
    assert edited.status_code == 200 and "Deepest reply, edited" in edited.content.decode()


def test_erasing_the_author_of_a_chain_thousands_deep(deep_thread, article, client):
    from broadsheet.moderation import privacy

    person = privacy.person_for_email(CHAIN_AUTHOR)
    assert len(privacy.export(person)["comments"]) == DEPTH
    done = privacy.erase(person)
    assert done["comments_removed"] == DEPTH  # each has a reply: kept as a placeholder

    response = client.get(article.url)
    assert response.status_code == 200
    assert "Deepest reply 2" in response.content.decode()
