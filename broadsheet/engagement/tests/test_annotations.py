"""Comments on a passage: validated against the current text, re-anchored on publish."""

import re
from collections import Counter

import pytest
from django.test import Client

from broadsheet.engagement.models import AnchorHistory, Annotation, Comment
from broadsheet.tests.pages import page_html

pytestmark = pytest.mark.django_db

BODY = [
    ("paragraph", "<p>Talks ended before dawn at the lakeside hotel.</p>"),
    ("paragraph", "<p>Lorries have queued for two days at the Dessa bridge.</p>"),
]


@pytest.fixture
def story(article):
    article.body = BODY
    article.save_revision().publish()
    article.refresh_from_db()
    return article


def quote_of(article, passage):
    text = article.plain_text()
    start = text.index(passage)
    return {
        "exact": passage,
        "prefix": text[max(0, start - 32) : start],
        "suffix": text[start + len(passage) : start + len(passage) + 32],
        "start": start,
        "end": start + len(passage),
    }


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a new body; the re-anchoring task is enqueued on commit, so run it."""

    def publish(article, body):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            article.body = body
            article.save_revision().publish()
        assert callbacks, "publishing must enqueue re-anchoring"
        article.refresh_from_db()

    return publish


def test_comment_on_a_passage_is_stored_and_listed(reader, story):
    created = reader.comment(story, "Which bridge?", quote=quote_of(story, "the Dessa bridge"))

    annotation = Annotation.objects.get(comment_id=created["id"])
    assert (annotation.exact, annotation.status) == ("the Dessa bridge", "anchored")
    assert annotation.revision_id == story.live_revision_id
    listed = reader.client.get(f"/api/v1/articles/{story.pk}/annotations").json()
    assert listed == [
        {
            "comment_id": created["id"],
            "exact": "the Dessa bridge",
            "start": annotation.start,
            "end": annotation.end,
            "orphaned": False,
            "question": False,
            "replies": 0,
        }
    ]
    html = reader.client.get(story.url).content.decode()
    assert f'href="#passage-{created["id"]}"' in html
    assert "“the Dessa bridge”" in html


def test_a_quote_not_in_the_current_text_is_a_400(reader, story):
    bad = {"exact": "words nobody wrote", "prefix": "", "suffix": "", "start": 3, "end": 21}
    response = reader.post(
        f"/api/v1/articles/{story.pk}/comments",
        {"body": "Hm", "quote": bad, "author_name": "G", "author_email": "g@example.org"},
    )
    assert response.status_code == 400
    assert "not in the article" in response.json()["errors"]["quote"]
    assert Comment.objects.count() == 0


def test_a_quote_with_a_stale_position_is_found_by_its_context(reader, story):
    quote = quote_of(story, "the Dessa bridge")
    quote["start"], quote["end"] = 0, 16
    created = reader.comment(story, "Found anyway", quote=quote)
    annotation = Annotation.objects.get(comment_id=created["id"])
    assert story.plain_text()[annotation.start : annotation.end] == "the Dessa bridge"


def test_publishing_a_new_revision_re_anchors_passage_comments(reader, story, publish):
    created = reader.comment(story, "Which bridge?", quote=quote_of(story, "the Dessa bridge"))
    old_start = Annotation.objects.get().start

    publish(story, [("paragraph", "<p>A new first paragraph.</p>"), *BODY])

    annotation = Annotation.objects.get(comment_id=created["id"])
    text = story.plain_text()
    assert annotation.status == "moved"
    assert annotation.start > old_start
    assert text[annotation.start : annotation.end] == "the Dessa bridge"
    assert annotation.revision_id == story.live_revision_id
    assert list(AnchorHistory.objects.values_list("status", flat=True).order_by("pk")) == [
        "anchored",
        "moved",
    ]


def test_corrected_passage_is_marked_edited(reader, story, publish):
    created = reader.comment(
        story, "Two days?", quote=quote_of(story, "queued for two days at the Dessa bridge")
    )
    publish(
        story,
        [BODY[0], ("paragraph", "<p>Lorries have queued for three days at the Dessa bridge.</p>")],
    )
    annotation = Annotation.objects.get(comment_id=created["id"])
    assert annotation.status == "edited"
    assert annotation.exact == "queued for three days at the Dessa bridge"
    assert annotation.original_exact == "queued for two days at the Dessa bridge"


def test_deleted_passage_is_orphaned_and_listed_as_earlier_version(reader, story, publish):
    created = reader.comment(story, "Which bridge?", quote=quote_of(story, "the Dessa bridge"))
    publish(story, [BODY[0]])

    annotation = Annotation.objects.get(comment_id=created["id"])
    assert annotation.status == "orphaned"
    listed = reader.client.get(f"/api/v1/articles/{story.pk}/annotations").json()
    assert listed[0]["orphaned"] is True
    html = reader.client.get(story.url).content.decode()
    assert "Comments on an earlier version" in html
    assert "On an earlier version: “the Dessa bridge”" in html
    assert Comment.objects.get(pk=created["id"]).status == "approved"  # never dropped


def test_comment_on_a_deleted_passage_appears_once_with_its_replies(
    reader,
    another_reader,
    story,
    publish,
    client,
    page_cache_on,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        quoted = reader.comment(story, "Which bridge?", quote=quote_of(story, "the Dessa bridge"))
        answer = another_reader.comment(story, "The old one upstream.", parent=quoted["id"])
        other = another_reader.comment(story, "On the talks themselves.")
    assert "Which bridge?" in client.get(story.url).content.decode()  # now in the cache

    publish(story, [BODY[0]])  # a correction deletes the passage; re-anchoring runs

    response = client.get(story.url)
    assert response.status_code == 200 and response["X-Cache"] == "miss"
    html = response.content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert html.count("Which bridge?") == 1
    thread = html[html.index('id="comment-thread"') : html.index('class="earlier-version"')]
    earlier = html[html.index('class="earlier-version"') :]
    assert f'id="comment-{other["id"]}"' in thread
    assert f'id="comment-{quoted["id"]}"' not in thread
    assert f'id="comment-{quoted["id"]}"' in earlier
    assert f'id="comment-{answer["id"]}"' in earlier  # its reply stays under it
    assert re.search(r'<p id="comments-empty"[^>]* hidden>No comments yet.</p>', html)
    assert "3 comments" in html

    # The API pages the same thread, and lists the earlier version's comments apart.
    api = reader.thread(story)
    assert (api["count"], api["pages"]) == (1, 1)
    assert [c["id"] for c in api["results"]] == [other["id"]]
    assert [c["id"] for c in api["earlier"]] == [quoted["id"]]
    assert [c["id"] for c in api["earlier"][0]["replies"]] == [answer["id"]]


def test_first_page_is_full_when_earlier_version_comments_are_set_apart(
    reader, story, publish, settings
):
    settings.COMMENTS_PAGE_SIZE = 2
    reader.comment(story, "Which bridge?", quote=quote_of(story, "the Dessa bridge"))
    for n in range(3):
        reader.comment(story, f"Thread {n}")
    publish(story, [BODY[0]])

    first, second = reader.thread(story, sort="oldest"), reader.thread(story, sort="oldest", page=2)
    assert (first["count"], first["pages"]) == (3, 2)
    bodies = [c["body_html"] for c in first["results"] + second["results"]]
    assert bodies == ["<p>Thread 0</p>", "<p>Thread 1</p>", "<p>Thread 2</p>"]


@pytest.fixture
def desk_editor(db):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("desk", "desk@example.org", "a-long-password-2")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def test_editor_asks_about_a_passage_in_the_admin_and_readers_answer(
    client, reader, story, desk_editor
):
    client.force_login(desk_editor)
    form = client.get("/admin/passage-questions/")
    assert form.status_code == 200
    response = client.post(
        "/admin/passage-questions/",
        {
            "article": story.pk,
            "passage": "queued for two days",
            "question": "Is this claim sourced well enough?",
        },
    )
    assert response.status_code == 302
    question = Comment.objects.get()
    assert question.user == desk_editor and question.annotation.is_question

    reader.comment(story, "The customs office published the figure.", parent=question.pk)

    listed = reader.client.get(f"/api/v1/articles/{story.pk}/annotations").json()
    assert listed[0]["question"] is True and listed[0]["replies"] == 1
    html = reader.client.get(story.url).content.decode()
    assert "Question from the newsroom" in html
    assert "Is this claim sourced well enough?" in html
    assert "The customs office published the figure." in html


def test_an_editors_question_shows_at_once_on_the_cached_article(
    story, desk_editor, page_cache_on, django_capture_on_commit_callbacks
):
    anonymous, editor = Client(), Client()
    assert "Is this claim sourced" not in page_html(anonymous, story)
    anonymous.get(story.get_parent().url)  # the section page, cached too
    assert anonymous.get(story.url)["X-Cache"] == "hit"

    editor.force_login(desk_editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            "/admin/passage-questions/",
            {
                "article": story.pk,
                "passage": "queued for two days",
                "question": "Is this claim sourced well enough?",
            },
        )
    assert response.status_code == 302

    after = anonymous.get(story.url)
    assert after["X-Cache"] == "miss"
    assert "Is this claim sourced well enough?" in after.content.decode()
    assert "1 comment" in after.content.decode()
    section = anonymous.get(story.get_parent().url).content.decode()
    assert "Is this claim sourced well enough?" in section  # latest comments, too


@pytest.mark.parametrize(
    ("passage", "message"),
    [("words nobody wrote", "not in the article"), ("the", "more than once")],
)
def test_question_passage_must_be_in_the_text_once(client, story, desk_editor, passage, message):
    client.force_login(desk_editor)
    response = client.post(
        "/admin/passage-questions/",
        {"article": story.pk, "passage": passage, "question": "Why?"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_only_the_articles_editors_may_ask(story):
    from django.contrib.auth.models import User

    from broadsheet.engagement import services

    outsider = User.objects.create_user("reader", "r@example.org", "a-long-password-3")
    with pytest.raises(services.Forbidden):
        services.ask_about_passage(
            page_id=story.pk, user=outsider, passage="queued for two days", question="Why?"
        )
    assert Comment.objects.count() == 0


def passage_comments(article, n: int) -> None:
    """n comments on passages of the article, with replies."""
    text = article.plain_text()
    start = text.index("the Dessa bridge")
    for i in range(n):
        comment = Comment.objects.create(
            page=article, body=f"On the bridge {i}", body_html="", guest_name="Ola", reply_count=i
        )
        Annotation.objects.create(
            comment=comment,
            page=article,
            revision_id=article.live_revision_id,
            exact="the Dessa bridge",
            start=start,
            end=start + len("the Dessa bridge"),
        )


def test_annotations_cost_the_same_queries_for_5_or_25_passages(
    reader, story, django_assert_max_num_queries
):
    """Each passage's reply count comes with it (select_related): 5 queries at any size,
    where it was 5 plus one per passage."""
    url = f"/api/v1/articles/{story.pk}/annotations"
    passage_comments(story, 5)
    reader.client.get(url)  # Wagtail's per-process caches
    with django_assert_max_num_queries(5) as few:
        listed = reader.client.get(url).json()
    assert [a["replies"] for a in listed] == list(range(5))
    baseline = len(few)  # read now: each request resets the query log

    passage_comments(story, 20)
    with django_assert_max_num_queries(baseline):
        listed = reader.client.get(url).json()
    assert sorted(a["replies"] for a in listed) == sorted([*range(5), *range(20)])
