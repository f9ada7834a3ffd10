"""The newsroom's voice (issue 20): editors' picks, the pinned comment and the badges
("Author", "Staff") that an account earns and a name never does; through the services
(permission checked there), the JSON API, the page cache, the JSON-LD and the feed."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader as Identity
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation import services as moderation
from broadsheet.moderation.models import ModerationAction
from broadsheet.newsroom.models import Author
from broadsheet.newsroom.tests.factories import ArticlePageFactory
from broadsheet.tests.pages import page_html

pytestmark = pytest.mark.django_db


def guest(name: str) -> Identity:
    return Identity(user=None, guest_key=keyed_hash("reader", name), ip_hash=name)


def account(user) -> Identity:
    return Identity(user=user, guest_key="", ip_hash=f"ip-{user.pk}")


def say(article, who: Identity, body: str, name: str = "", parent=None) -> Comment:
    return services.post_comment(
        page_id=article.pk,
        reader=who,
        body=body,
        parent_id=parent.pk if parent else None,
        author_name=name or "Guest",
        author_email="guest@example.org",
        consent=True,
    )


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("eda", "eda@example.org", "a long pass phrase")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def correspondent(django_user_model):
    """A reporter with an account whose byline signs the article."""
    return django_user_model.objects.create_user("lina", "lina@example.org", "a long pass phrase")


@pytest.fixture
def story(article, correspondent):
    """The article, signed by the correspondent's own byline (Author.for_account)."""
    return ArticlePageFactory(
        parent=article.get_parent(),
        title="Battle in its final stages",
        slug="battle",
        authors=[Author.for_account(correspondent)],
    )


@pytest.fixture
def plain_reader(django_user_model):
    return django_user_model.objects.create_user("rita", "rita@example.org", "a long pass phrase")


def signed_in(user) -> Reader:
    client = Reader()
    client.client.force_login(user)
    return client


# --- Permission and bad input, in the services ----------------------------------------


def test_a_reader_cannot_pick_or_pin_and_nothing_changes(story, plain_reader):
    comment = say(story, guest("ana"), "A useful account of the ceasefire.")
    for change, flag in ((moderation.pick, "picked"), (moderation.pin, "pinned")):
        with pytest.raises(PermissionDenied):
            change(moderator=plain_reader, comment_id=comment.pk, **{flag: True})
    comment.refresh_from_db()
    assert not comment.picked
    thread = Reader().thread(story)
    assert thread["picks"] == [] and thread["results"][0]["pinned"] is False
    assert not ModerationAction.objects.exists()


def test_only_published_comments_are_picked_and_only_threads_pinned(story, editor):
    held = say(story, guest("bob"), "Held for review.")
    services.set_status(held.pk, Comment.Status.PENDING)
    top = say(story, guest("ana"), "A question for the reporter.")
    reply = say(story, guest("kim"), "A reply.", parent=top)

    with pytest.raises(services.CommentError) as refused:
        moderation.pick(moderator=editor, comment_id=held.pk)
    assert refused.value.status == 400
    with pytest.raises(services.CommentError) as refused:
        moderation.pin(moderator=editor, comment_id=reply.pk)
    assert refused.value.status == 400 and "starts a thread" in refused.value.message
    with pytest.raises(services.CommentError) as refused:
        moderation.pick(moderator=editor, comment_id=999_999)
    assert refused.value.status == 404
    assert not Comment.objects.filter(picked_at__isnull=False).exists()
    assert not ModerationAction.objects.exists()


def test_one_pin_per_article_and_a_pick_is_undone_as_easily(story, editor):
    first = say(story, guest("ana"), "First.")
    second = say(story, guest("kim"), "Second.")
    moderation.pin(moderator=editor, comment_id=first.pk)
    moderation.pin(moderator=editor, comment_id=second.pk)
    results = Reader().thread(story)["results"]
    assert [(c["id"], c["pinned"]) for c in results] == [(second.pk, True), (first.pk, False)]

    moderation.pick(moderator=editor, comment_id=first.pk)
    assert [c["id"] for c in Reader().thread(story)["picks"]] == [first.pk]
    moderation.pick(moderator=editor, comment_id=first.pk, picked=False)
    moderation.pin(moderator=editor, comment_id=second.pk, pinned=False)
    thread = Reader().thread(story)
    assert thread["picks"] == []
    assert not any(c["pinned"] or c["picked"] for c in thread["results"])
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "pin",
        "pin",
        "pick",
        "unpick",
        "unpin",
    ]


def test_a_removed_comment_is_no_longer_pinned(story, editor):
    comment = say(story, guest("ana"), "Pinned, then removed.")
    moderation.pin(moderator=editor, comment_id=comment.pk)
    moderation.moderate(moderator=editor, comment_ids=[comment.pk], action="remove")
    services.set_status(comment.pk, Comment.Status.APPROVED)  # approved again: not pinned
    assert Reader().thread(story)["results"][0]["pinned"] is False


# --- The API ---------------------------------------------------------------------------


def test_the_pinned_thread_comes_first_on_page_one_in_every_order(story, editor, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    oldest = say(story, guest("ana"), "Oldest.")
    for name in ("bob", "kim", "lea"):
        say(story, guest(name), f"By {name}.")
    moderation.pin(moderator=editor, comment_id=oldest.pk)
    reader = Reader()
    for sort in ("newest", "oldest", "top", "hot"):
        first = reader.thread(story, sort=sort)
        assert first["results"][0]["id"] == oldest.pk and first["results"][0]["pinned"]
        second = reader.thread(story, sort=sort, page=2)
        assert first["count"] == second["count"] == 4
        assert first["pages"] == second["pages"] == 2
        seen = [c["id"] for c in first["results"] + second["results"]]
        assert sorted(seen) == sorted(set(seen)) and len(seen) == 4  # each once, pin first
        assert not any(c["pinned"] for c in second["results"])


def test_badges_are_earned_by_account_never_by_name(story, correspondent, editor, plain_reader):
    by_author = say(story, account(correspondent), "Reporter here: the port reopened.")
    by_editor = say(story, account(editor), "From the desk: a correction follows.")
    by_reader = say(story, account(plain_reader), "Thanks for this.")
    by_impostor = say(story, guest("eve"), "I wrote this story.", name=correspondent.username)
    reply = say(story, account(correspondent), "Answering you.", parent=by_reader)

    results = {c["id"]: c for c in Reader().thread(story)["results"]}
    assert results[by_author.pk]["badge"] == "author"
    assert results[by_editor.pk]["badge"] == "staff"
    assert results[by_reader.pk]["badge"] == ""
    assert results[by_impostor.pk]["badge"] == ""
    assert results[by_impostor.pk]["author"]["name"] == correspondent.username
    assert results[by_reader.pk]["replies"][0]["id"] == reply.pk
    assert results[by_reader.pk]["replies"][0]["badge"] == "author"

    html = page_html(Client(), story)
    assert re.search(
        rf'id="comment-{by_author.pk}-author".*?</span>\s*<span class="comment-badge is-author">'
        r"Author</span>",
        html,
        re.S,
    )
    assert html.count('class="comment-badge is-author"') == 2
    assert html.count('class="comment-badge is-staff"') == 1
    # The same name on another article the account does not sign: no "Author" there.
    other = ArticlePageFactory(parent=story.get_parent(), title="Elsewhere", slug="elsewhere")
    say(other, account(correspondent), "Not my story.")
    assert Reader().thread(other)["results"][0]["badge"] == ""


def test_pick_and_pin_over_the_api_need_an_editor_and_a_csrf_token(story, editor, plain_reader):
    top = say(story, guest("ana"), "Worth reading.")
    reply = say(story, guest("kim"), "A reply.", parent=top)
    url = f"/api/v1/comments/{top.pk}/pick"

    assert Reader()._send("put", url).status_code == 403  # anonymous
    assert signed_in(plain_reader)._send("put", url).status_code == 403
    tokenless = Client(enforce_csrf_checks=True)
    tokenless.force_login(editor)
    refused = tokenless.put(url, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert Reader().thread(story)["picks"] == []

    desk = signed_in(editor)
    picked = desk._send("put", url)
    assert picked.status_code == 200, picked.content
    assert picked.json() == {"id": top.pk, "picked": True, "pinned": False}
    assert desk._send("put", f"/api/v1/comments/{top.pk}/pin").json()["pinned"] is True
    assert desk._send("put", f"/api/v1/comments/{reply.pk}/pin").status_code == 400
    assert desk._send("put", "/api/v1/comments/999999/pick").status_code == 404
    assert desk._send("put", "/api/v1/comments/nonsense/pick").status_code in (400, 404)

    thread = Reader().thread(story)
    assert [p["id"] for p in thread["picks"]] == [top.pk]
    assert thread["picks"][0]["picked"] and thread["picks"][0]["replies"] == []
    assert thread["results"][0]["picked"] and thread["results"][0]["pinned"]

    assert desk._send("delete", url).json()["picked"] is False
    assert desk._send("delete", f"/api/v1/comments/{top.pk}/pin").json()["pinned"] is False
    assert Reader().thread(story)["picks"] == []


# --- What readers see: the strip, the pin, the JSON-LD and the feed ----------------------


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    for block in blocks:
        data = json.loads(block)
        if data.get("@type") == "NewsArticle":
            return data
    raise AssertionError("no NewsArticle JSON-LD")


def test_the_strip_the_json_ld_and_the_feed_carry_the_picks(story, editor, correspondent):
    say(story, guest("ana"), "Not picked.")
    picked = say(story, account(correspondent), "The road north is open again.")
    moderation.pick(moderator=editor, comment_id=picked.pk)

    html = page_html(Client(), story)
    strip = re.search(r'<section class="comment-picks".*?</section>', html, re.S)[0]
    assert "Picked by the editors" in strip
    assert "The road north is open again." in strip and "Not picked." not in strip
    assert 'class="comment-badge is-author">Author<' in strip
    assert html.index("comment-picks") < html.index('id="comment-thread"')
    assert f'id="comment-{picked.pk}" class="comment level-1 is-picked"' in html

    data = json_ld(html)
    assert [c["text"] for c in data["comment"]] == ["The road north is open again."]
    assert data["comment"][0]["@type"] == "Comment"
    assert data["comment"][0]["author"] == {
        "@type": "Person",
        "name": correspondent.username,
        "jobTitle": "Author",
    }
    assert data["comment"][0]["url"].endswith(f"#comment-{picked.pk}")

    feed = Client().get(f"/feed/comments/{story.pk}/").content.decode()
    items = re.findall(r"<item>.*?</item>", feed, re.S)
    picked_item = next(item for item in items if "road north" in item)
    assert "<category>Editors' pick</category>" in picked_item.replace("&#x27;", "'")
    assert f"{correspondent.username} (Author) on" in picked_item
    assert all("<category>" not in item for item in items if item is not picked_item)


def test_no_picks_no_strip_and_no_comment_list(story):
    say(story, guest("ana"), "Just a comment.")
    html = page_html(Client(), story)
    assert "Picked by the editors" not in html
    assert "comment" not in json_ld(html)


def test_a_pick_a_pin_and_their_undoing_reach_the_cached_page(
    story, editor, settings, page_cache_on, django_capture_on_commit_callbacks
):
    """Production's page cache: the cached article is replaced as soon as a pick or a
    pin changes, for every anonymous reader."""
    with django_capture_on_commit_callbacks(execute=True):
        comment = say(story, guest("ana"), "Worth picking.")
    anonymous = Client()
    assert anonymous.get(story.url)["X-Cache"] == "miss"
    cached = anonymous.get(story.url)
    assert cached["X-Cache"] == "hit" and "Picked by the editors" not in cached.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.pick(moderator=editor, comment_id=comment.pk)
    fresh = anonymous.get(story.url)
    assert fresh["X-Cache"] == "miss" and "Picked by the editors" in fresh.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.pin(moderator=editor, comment_id=comment.pk)
    assert 'class="comment-pinned">Pinned<' in anonymous.get(story.url).content.decode()
    api = anonymous.get(f"/api/v1/articles/{story.pk}/comments").json()
    assert api["results"][0]["pinned"] and api["picks"][0]["id"] == comment.pk

    with django_capture_on_commit_callbacks(execute=True):
        moderation.pick(moderator=editor, comment_id=comment.pk, picked=False)
        moderation.pin(moderator=editor, comment_id=comment.pk, pinned=False)
    html = anonymous.get(story.url).content.decode()
    assert "Picked by the editors" not in html and "comment-pinned" not in html
    assert anonymous.get(f"/api/v1/articles/{story.pk}/comments").json()["picks"] == []


# --- The admin: the queue's published tab ----------------------------------------------


def test_an_editor_picks_and_pins_from_the_queue_and_a_reader_cannot(
    story, editor, plain_reader, client
):
    comment = say(story, guest("ana"), "From the queue.")
    plain_reader.groups.add(Group.objects.get(name="Editors"))  # admin access, then not
    plain_reader.groups.clear()
    client.force_login(plain_reader)
    refused = client.post("/admin/moderation/", {"one": f"pick:{comment.pk}"})
    assert refused.status_code in (302, 403)
    comment.refresh_from_db()
    assert not comment.picked

    client.force_login(editor)
    listed = client.get("/admin/moderation/", {"tab": "published"}).content.decode()
    assert f'value="pick:{comment.pk}"' in listed and f'value="pin:{comment.pk}"' in listed
    client.post("/admin/moderation/", {"one": f"pick:{comment.pk}", "query": "tab=published"})
    client.post("/admin/moderation/", {"one": f"pin:{comment.pk}", "query": "tab=published"})
    picked = client.get("/admin/moderation/", {"tab": "picked"}).content.decode()
    assert f'value="unpick:{comment.pk}"' in picked and f'value="unpin:{comment.pk}"' in picked
    assert "Picked and pinned (1)" in picked
    thread = Reader().thread(story)
    assert thread["picks"][0]["id"] == comment.pk and thread["results"][0]["pinned"]

    reply = say(story, guest("kim"), "A reply.", parent=comment)
    response = client.post(
        "/admin/moderation/", {"one": f"pin:{reply.pk}", "query": "tab=published"}, follow=True
    )
    assert "starts a thread" in response.content.decode()
    assert Reader().thread(story)["results"][0]["id"] == comment.pk  # the pin unchanged
