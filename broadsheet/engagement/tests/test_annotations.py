"""Comments on a passage: validated against the current text, re-anchored on publish."""

import pytest

from broadsheet.engagement.models import AnchorHistory, Annotation, Comment

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
