"""The moderation queue in the Wagtail admin: filters, actions one by one and in bulk,
the audit log, bans lifted, the dashboard panel; and readers refused."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from broadsheet.engagement.models import Comment, Discussion
from broadsheet.moderation import services
from broadsheet.moderation.models import Ban, ModerationAction
from broadsheet.newsroom.tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def held(article, body="Please check me.", **fields):
    return Comment.objects.create(
        page=article,
        body=body,
        body_html=f"<p>{body}</p>",
        status=Comment.Status.PENDING,
        status_reason=fields.pop("reason", "A guest's first comment."),
        guest_name="Gil",
        guest_email=fields.pop("email", "gil@example.org"),
        ip_hash=fields.pop("ip_hash", "ip-gil"),
        **fields,
    )


def test_the_queue_lists_held_comments_in_context_with_filters(moderator_client, article):
    other = ArticlePageFactory(parent=article.get_parent(), title="Bus fares", slug="bus")
    mine = held(article, "Is the harbour deal final?")
    held(other, "About the buses.", reason="Contains a watched word: “fares”.")
    old = held(article, "An old one.")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))

    page = moderator_client.get("/admin/moderation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Is the harbour deal final?" in html and "About the buses." in html
    assert "Harbour talks" in html and "gil@example.org" in html

    by_article = moderator_client.get("/admin/moderation/", {"article": article.pk})
    assert "Is the harbour deal final?" in by_article.content.decode()
    assert "About the buses." not in by_article.content.decode()
    by_reason = moderator_client.get("/admin/moderation/", {"reason": "watched"})
    assert "About the buses." in by_reason.content.decode()
    assert "Is the harbour deal final?" not in by_reason.content.decode()
    by_age = moderator_client.get("/admin/moderation/", {"older_than_days": 7})
    assert "An old one." in by_age.content.decode()
    assert "harbour deal final" not in by_age.content.decode()
    junk = moderator_client.get("/admin/moderation/", {"section": "?", "older_than_days": "x"})
    assert junk.status_code == 200  # bad filters are ignored, never an error
    assert f'data-comment="{mine.pk}"' in junk.content.decode()
    nothing = moderator_client.get("/admin/moderation/", {"article": "x'; drop"})
    assert nothing.status_code == 200 and "Nothing here." in nothing.content.decode()


def test_the_queue_finds_an_article_by_words_of_its_headline(moderator_client, article):
    other = ArticlePageFactory(parent=article.get_parent(), title="Bus fares rise", slug="bus")
    held(article, "About the harbour.")
    held(other, "About the buses.")
    page = moderator_client.get("/admin/moderation/").content.decode()
    # The headlines to pick from while typing, not ids to look up.
    assert '<option value="Bus fares rise">' in page and '<option value="Harbour talks">' in page
    found = moderator_client.get("/admin/moderation/", {"article": "fares"}).content.decode()
    assert "About the buses." in found and "About the harbour." not in found


def test_every_tab_pages_through_all_its_rows(moderator_client, article):
    comments = [held(article, f"Held comment number {n}.") for n in range(55)]
    first = moderator_client.get("/admin/moderation/", {"tab": "held"}).content.decode()
    assert "Held (55)" in first
    assert first.count('<tr data-comment="') == 50
    following = re.search(r'<a href="([^"]*p=2[^"]*)"', first)[1].replace("&amp;", "&")
    second = moderator_client.get(f"/admin/moderation/{following}").content.decode()
    assert second.count('<tr data-comment="') == 5
    assert f'data-comment="{comments[-1].pk}"' in second
    assert f'data-comment="{comments[0].pk}"' not in second


def test_approve_one_updates_counts_and_writes_the_log(moderator_client, moderator, article):
    comment = held(article)
    response = moderator_client.post(
        "/admin/moderation/", {"one": f"approve:{comment.pk}", "reason": "Looks fine"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert Discussion.objects.get(page_id=article.pk).comment_count == 1
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.action, entry.comment, entry.reason) == (
        moderator,
        "approve",
        comment,
        "Looks fine",
    )
    log = moderator_client.get("/admin/moderation/log/").content.decode()
    assert "Approved" in log and "eda" in log and "Looks fine" in log


def test_bulk_spam_and_remove(moderator_client, article):
    a, b, c = held(article, "one"), held(article, "two"), held(article, "three")
    moderator_client.post(
        "/admin/moderation/", {"action": "spam", "comment": [a.pk, b.pk], "reason": "bots"}
    )
    moderator_client.post("/admin/moderation/", {"action": "remove", "comment": [c.pk]})
    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {"one": "spam", "two": "spam", "three": "removed"}
    assert ModerationAction.objects.filter(action="spam").count() == 2
    spam_tab = moderator_client.get("/admin/moderation/", {"tab": "spam"}).content.decode()
    assert "one" in spam_tab and "Spam (2)" in spam_tab


def test_ban_author_from_the_queue_then_lift_it(moderator_client, article):
    comment = held(article, email="troll@example.org", ip_hash="ip-troll")
    moderator_client.post(
        "/admin/moderation/",
        {"one": f"ban:{comment.pk}", "reason": "abuse", "days": "7"},
    )
    bans = Ban.objects.order_by("kind")
    assert [(b.kind, b.value) for b in bans] == [
        ("address", "ip-troll"),
        ("email", "troll@example.org"),
    ]
    assert all(b.expires_at and b.active for b in bans)
    assert Comment.objects.get(pk=comment.pk).status == "spam"
    ban = bans.first()
    moderator_client.post(f"/admin/moderation/bans/{ban.pk}/lift/")
    ban.refresh_from_db()
    assert not ban.active
    assert ModerationAction.objects.filter(action="unban").exists()


def test_readers_and_editors_without_the_permission_are_refused(client, article, django_user_model):
    comment = held(article)
    reader = django_user_model.objects.create_user("rita", "r@example.org", "a long pass phrase")
    client.force_login(reader)
    refused = client.get("/admin/moderation/")  # not an admin user: to the admin's sign-in
    assert refused.status_code == 302
    assert refused["Location"] == "/admin/login/?next=/admin/moderation/"
    client.post("/admin/moderation/", {"one": f"approve:{comment.pk}"})
    assert Comment.objects.get(pk=comment.pk).status == "pending"
    with pytest.raises(services.PermissionDenied):
        services.moderate(moderator=reader, comment_ids=[comment.pk], action="approve")
    # An admin user without the moderation permission sees the admin but not the queue.
    staff = django_user_model.objects.create_user("stan", "s@example.org", "a long pass phrase")
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    refused = client.get("/admin/moderation/")  # Wagtail turns the refusal into a redirect
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200  # the admin itself, not a refusal or sign-in
    assert "<title>Dashboard - Wagtail</title>" in dashboard.content.decode()
    assert "/admin/moderation/" not in dashboard.content.decode()
    assert ModerationAction.objects.count() == 0


def test_dashboard_panel_shows_held_count_and_comments_per_day(moderator_client, article):
    held(article)
    Comment.objects.create(page=article, body="ok", body_html="<p>ok</p>", guest_name="Ola")
    html = moderator_client.get("/admin/").content.decode()
    assert "<strong>1</strong> comment held for moderation" in html
    assert "Comments per day, last 30 days: 2 in all, at most 2 in a day." in html
    assert html.count("<rect ") == 30
    chart = re.search(r"<figure class=\"moderation-chart\">.*?</svg>", html, re.S)[0]
    labels = [text.strip() for text in re.findall(r"<text[^>]*>([^<]+)</text>", chart)]
    # Axes with their units and round ticks, and the first, middle and last day.
    assert labels[0] == "Comments" and labels[-1] == "Day (last 30 days)"
    assert labels[1:4] == ["0", "1", "2"]
    today = timezone.localdate()
    assert f"{today.day} {today:%b}" in labels


def test_keyboard_shortcuts_script_is_on_the_queue(moderator_client, article):
    held(article)
    html = moderator_client.get("/admin/moderation/").content.decode()
    assert "moderation/queue" in html and 'data-action="approve"' in html


def test_the_reported_tab_lists_only_comments_with_open_reports(moderator_client, article):
    from broadsheet.moderation.models import Report

    def approved(body):
        return Comment.objects.create(page=article, body=body, body_html=body, guest_name="Ola")

    approved("Never reported.")
    dealt_with = approved("Reported once, and the report resolved.")
    Report.objects.create(comment=dealt_with, reporter="g:a", resolved_at=timezone.now())
    open_one = approved("Reported, waiting for a moderator.")
    Report.objects.create(comment=open_one, reporter="g:a", reason="abuse")
    Report.objects.create(comment=open_one, reporter="g:b", reason="spam")
    hidden = held(article, "Hidden by reports.", reason=f"{services.REPORTED} (3).")

    page = moderator_client.get("/admin/moderation/", {"tab": "reported"}).content.decode()
    assert re.findall(r'<tr data-comment="(\d+)"', page) == [str(open_one.pk), str(hidden.pk)]
    assert "Reported (2)" in page
    assert "Reports: abuse, spam (2)" in page
    by_reason = moderator_client.get("/admin/moderation/", {"tab": "reported", "reason": "spam"})
    assert re.findall(r'<tr data-comment="(\d+)"', by_reason.content.decode()) == [str(open_one.pk)]


# --- What the queue costs --------------------------------------------------------------


@pytest.fixture
def trained_filter(db):
    """A spam filter trained on the tests' labelled comments, stored as moderators' decisions
    would leave it: the queue scores every row with it."""
    from broadsheet.moderation.models import SpamFilter
    from broadsheet.moderation.spam import Model
    from broadsheet.moderation.tests.labelled import labelled

    corpus = labelled("training", 200)
    model = Model.train([text for text, _ in corpus], [label for _, label in corpus])
    return SpamFilter.objects.create(ham=model.ham, spam=model.spam, data=model.dumps())


def fill_queue(article, n: int) -> None:
    """n comments for each tab, as they come (guests and accounts, replies, open and
    resolved reports), and as many that belong in none."""
    from django.contrib.auth.models import User

    from broadsheet.moderation.models import Report

    def make(body, status=Comment.Status.APPROVED, reason="", **fields):
        fields.setdefault("guest_name", "Gil")
        return Comment.objects.create(
            page=article, body=body, body_html=body, status=status, status_reason=reason, **fields
        )

    first = Comment.objects.count()
    for i in range(first, first + n):
        fine = make(f"Fine {i}")  # in no tab: approved, its only report resolved
        Report.objects.create(comment=fine, reporter=f"g:old{i}", resolved_at=timezone.now())
        if i % 2:
            account = User.objects.create_user(f"reader{i}")
            make(f"Held {i}", Comment.Status.PENDING, "Links.", user=account, guest_name="")
            make(f"Reported {i}", Comment.Status.PENDING, f"{services.REPORTED} (3).")
        else:
            make(f"Held {i}", Comment.Status.PENDING, "A guest's first comment.", parent=fine)
            reported = make(f"Reported {i}")
            for reporter in ("g:a", "g:b"):
                Report.objects.create(comment=reported, reporter=f"{reporter}{i}", reason="abuse")
        make(f"Spam {i}: cheap loans at www.example.com", Comment.Status.SPAM, "Spam score 0.9.")


def listed(response) -> int:
    return response.content.decode().count("<tr data-comment=")


@pytest.mark.parametrize("tab", ["held", "reported", "spam"])
def test_each_tab_of_the_queue_costs_the_same_queries_for_5_or_25_rows(
    tab, moderator_client, article, trained_filter, django_assert_max_num_queries
):
    """Rows, their articles, parents, authors and open reports come in a fixed number of
    queries, and the stored spam filter is read once, not once per row (18 queries at
    any size with a trained filter, 20 since the published and picked tabs are counted
    too; 26 for 5 rows and 46 for 25 before)."""
    fill_queue(article, 5)
    moderator_client.get("/admin/moderation/", {"tab": tab})  # Wagtail's per-process caches
    with django_assert_max_num_queries(22) as few:
        page = moderator_client.get("/admin/moderation/", {"tab": tab})
    assert listed(page) == 5
    baseline = len(few)  # read now: each request resets the query log

    fill_queue(article, 20)
    with django_assert_max_num_queries(baseline):
        page = moderator_client.get("/admin/moderation/", {"tab": tab})
    assert listed(page) == 25
