"""One way a comment becomes HTML (comment_html): the page, the thread fragments and the
answers to posting and editing show a comment with the same markup."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GUEST = {"author_name": "Ada", "author_email": "ada@example.org", "consent": "1"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def item(html: str, comment_id: int) -> str:
    """The `<li>` of a comment without replies, as it appears in `html`."""
    found = re.search(rf'<li id="comment-{comment_id}".*?</li>', html, re.S)
    assert found, f"comment {comment_id} not shown"
    return found[0]


def posted(client, article, body, **extra) -> tuple[int, str]:
    response = client.post(
        f"/comments/{article.pk}/post/", {"body": body, **GUEST, **extra}, **HTMX
    )
    assert response.status_code == 201
    html = response.content.decode()
    return int(re.search(r'id="comment-(\d+)"', html)[1]), html


def test_a_comment_reads_the_same_on_the_page_in_fragments_and_after_posting(article):
    author = Client()
    comment_id, fragment = posted(author, article, "Same *everywhere* & always")
    on_page = item(author.get(article.url).content.decode(), comment_id)
    in_thread = item(
        author.get(f"/comments/{article.pk}/", {"sort": "top"}, **HTMX).content.decode(),
        comment_id,
    )

    assert item(fragment, comment_id) == on_page.replace(
        'class="comment level-1"', ('class="comment level-1 is-fresh"')
    )
    assert in_thread == on_page
    assert "<em>everywhere</em> &amp; always" in on_page
    assert f'id="votes-{comment_id}"' not in on_page  # one's own: no vote buttons

    edited = author.post(
        f"/comments/c/{comment_id}/edit/", {"body": "Changed my mind"}, **HTMX
    ).content.decode()
    assert item(edited, comment_id) == item(author.get(article.url).content.decode(), comment_id)
    assert '<span class="comment-edited">edited</span>' in edited


def test_others_see_vote_buttons_and_a_vote_answers_with_the_same_buttons(article):
    comment_id, _ = posted(Client(), article, "Vote on this")
    reader = Client()
    page = reader.get(article.url).content.decode()
    buttons = re.search(rf'<form id="votes-{comment_id}".*?</form>', page, re.S)[0]

    answer = reader.post(f"/comments/c/{comment_id}/vote/", {"value": "1"}, **HTMX)
    voted = answer.content.decode().strip()

    assert answer.status_code == 200
    assert voted == (
        buttons.replace(
            'value="1" class="vote vote-up" aria-pressed="false"',
            ('value="0" class="vote vote-up" aria-pressed="true"'),
        )
        .replace('title="0 up"', 'title="1 up"')
        .replace('aria-label="Score">0<', 'aria-label="Score">1<')
    )


def test_names_links_and_quotes_from_readers_are_escaped_wherever_shown(article):
    client = Client()
    comment_id, fragment = posted(
        client,
        article,
        "Quoting",
        author_name='<b onclick="x()">Ann</b>',
        author_url="https://example.org/a?b=1&c=2",
    )
    for html in (fragment, Client().get(article.url).content.decode()):
        shown = item(html, comment_id)
        assert "<b onclick" not in shown
        assert "&lt;b onclick=&quot;x()&quot;&gt;Ann&lt;/b&gt;" in shown
        assert 'href="https://example.org/a?b=1&amp;c=2"' in shown
