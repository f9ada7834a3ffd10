"""Reading discussions: nesting to a display depth, sorting, paging, flat query counts."""

import re

import pytest
from django.db.models import F

from broadsheet.engagement import selectors
from broadsheet.engagement.models import Comment

pytestmark = pytest.mark.django_db


def chain(reader, article, length):
    parent = None
    ids = []
    for n in range(length):
        extra = {"parent": parent} if parent else {}
        parent = reader.comment(article, f"Level {n + 1}", **extra)["id"]
        ids.append(parent)
    return ids


def test_reply_deeper_than_max_depth_shows_at_max_depth(reader, article, settings):
    settings.COMMENTS_MAX_DEPTH = 4
    ids = chain(reader, article, 6)

    top = selectors.thread_page(article.pk).comments[0]
    level2 = top.replies[0]
    level3 = level2.replies[0]
    assert (top.level, level2.level, level3.level) == (1, 2, 3)
    # Levels 4, 5 and 6 are all shown at level 4, in the order written, under level 3.
    assert [c.pk for c in level3.replies] == ids[3:]
    assert {c.level for c in level3.replies} == {4}
    assert all(c.replies == [] for c in level3.replies)

    html = reader.client.get(article.url).content.decode()
    assert html.count('class="comment level-4') == 3
    assert "level-5" not in html


def test_sorts_newest_oldest_top_and_hot(reader, another_reader, article):
    first = reader.comment(article, "First")["id"]
    second = reader.comment(article, "Second")["id"]
    third = reader.comment(article, "Third")["id"]
    another_reader.vote(second, 1)
    another_reader.comment(article, "Reply A", parent=first)
    another_reader.comment(article, "Reply B", parent=first)

    def order(sort):
        return [c["id"] for c in reader.thread(article, sort=sort)["results"]]

    assert order("newest") == [third, second, first]
    assert order("oldest") == [first, second, third]
    assert order("top")[0] == second
    assert order("hot")[0] == first


def test_unknown_sort_in_the_api_is_a_400(reader, article):
    response = reader.client.get(f"/api/v1/articles/{article.pk}/comments", {"sort": "loudest"})
    assert response.status_code == 400
    assert "sort" in response.json()["errors"]
    bad_page = reader.client.get(f"/api/v1/articles/{article.pk}/comments", {"page": 0})
    assert bad_page.status_code == 400


def test_first_page_comes_with_the_article_and_the_rest_on_demand(reader, article, settings):
    settings.COMMENTS_PAGE_SIZE = 3
    for n in range(7):
        reader.comment(article, f"Comment {n}")

    html = reader.client.get(article.url).content.decode()
    assert html.count('class="comment level-1') == 3
    assert "View all comments" in html

    fragment = reader.client.get(
        f"/comments/{article.pk}/", {"page": 2, "more": 1}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-swap-oob="beforeend:#comment-list"' in fragment
    assert fragment.count('class="comment level-1') == 3
    assert "page=3" in fragment

    api = reader.thread(article, page=3)
    assert (api["count"], api["page"], api["pages"], len(api["results"])) == (7, 3, 3, 1)

    no_js = reader.client.get(article.url, {"cpage": 3}).content.decode()
    assert no_js.count('class="comment level-1') == 1


def test_thread_page_query_count_is_constant(
    reader, another_reader, article, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            top = reader.comment(article, f"Top {i}")["id"]
            reply = another_reader.comment(article, "Reply", parent=top)["id"]
            reader.comment(article, "Reply to reply", parent=reply)

    grow(2)
    url = f"/api/v1/articles/{article.pk}/comments"
    with django_assert_max_num_queries(20) as small:
        reader.client.get(url)
    baseline = len(small)
    grow(12)
    with django_assert_max_num_queries(baseline):
        reader.client.get(url)
    with django_assert_max_num_queries(baseline):
        selectors.thread_page(article.pk)


def test_article_page_query_count_does_not_grow_with_comments(
    reader, another_reader, article, django_assert_max_num_queries
):
    reader.comment(article, "One")
    reader.client.get(article.url)
    with django_assert_max_num_queries(60) as few:
        reader.client.get(article.url)
    baseline = len(few)
    for i in range(15):
        top = reader.comment(article, f"Top {i}")["id"]
        another_reader.comment(article, "Reply", parent=top)
    with django_assert_max_num_queries(baseline):
        reader.client.get(article.url)


def test_removed_comment_with_replies_stays_as_placeholder(reader, another_reader, article):
    top = reader.comment(article, "Soon gone")["id"]
    another_reader.comment(article, "A reply", parent=top)
    lonely = reader.comment(article, "Gone without trace")["id"]

    assert reader.delete(f"/api/v1/comments/{top}").status_code == 204
    assert reader.delete(f"/api/v1/comments/{lonely}").status_code == 204

    results = reader.thread(article)["results"]
    assert [(c["id"], c["status"], c["body_html"]) for c in results] == [(top, "removed", "")]
    assert results[0]["replies"][0]["body_html"] == "<p>A reply</p>"
    html = reader.client.get(article.url).content.decode()
    assert "Comment removed." in html
    assert "Soon gone" not in html and "Gone without trace" not in html


def test_counts_are_rebuilt_by_recount(reader, another_reader, article):
    from django.core.management import call_command

    top = reader.comment(article, "Top")["id"]
    another_reader.vote(top, 1)
    reader.comment(article, "Reply", parent=top)
    Comment.objects.update(score=F("score") + 40, reply_count=0, upvotes=7)

    call_command("recount_comments")

    comment = Comment.objects.get(pk=top)
    assert (comment.score, comment.upvotes, comment.reply_count) == (1, 1, 1)


def test_section_and_home_pages_show_comment_counts_and_latest_comments(reader, article):
    reader.comment(article, "First thoughts on the harbour")
    reader.comment(article, "Second thoughts")

    home = reader.client.get("/").content.decode()
    section = reader.client.get(article.get_parent().url).content.decode()

    assert re.search(r'href="[^"]*#comments">2 comments</a>', home)
    assert re.search(r'href="[^"]*#comments">2 comments</a>', section)
    latest = re.search(r'<aside class="latest-comments".*?</aside>', section, re.S).group(0)
    assert "Second thoughts" in latest and "First thoughts on the harbour" in latest


def test_latest_comments_on_a_cached_section_page_escape_reader_text_once(
    reader, article, client, page_cache_on, django_capture_on_commit_callbacks
):
    section = article.get_parent()
    assert client.get(section.url).status_code == 200  # cached before the comment
    with django_capture_on_commit_callbacks(execute=True):
        reader.comment(article, "Tom & Jerry say **no** to <b>bold</b> tags.\n\nAnd 5 < 6.")

    html = client.get(section.url).content.decode()
    latest = re.search(r'<aside class="latest-comments".*?</aside>', html, re.S).group(0)
    excerpt = re.search(r'<span class="latest-excerpt">(.*?)</span>', latest, re.S)[1]
    assert excerpt == "Tom &amp; Jerry say no to &lt;b&gt;bold&lt;/b&gt; tags. And 5 &lt; 6."
    assert "&amp;amp;" not in html and "&amp;lt;" not in html
