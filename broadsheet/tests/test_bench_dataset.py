"""The benchmark's bulk-built newsroom (bench/dataset.py) must look to the site exactly
like one built comment by comment: stored counts equal a recount, threads nest, and the
pages and the API show what was built. Otherwise `make bench` would measure a site that
cannot exist."""

import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count, Sum

from broadsheet.engagement.models import Comment, Discussion, Rating, RatingSummary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import dataset  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return dataset.build_site(40, 900, 300, busy=(400, 60), report=lambda _: None)


def test_stored_counts_equal_a_recount(built):
    assert Comment.objects.count() == built["comments"] == 900
    discussions = dict(Discussion.objects.values_list("page_id", "comment_count"))
    recount = dict(
        Comment.objects.filter(status="approved")
        .values("page_id")
        .annotate(n=Count("id"))
        .values_list("page_id", "n")
    )
    assert discussions == recount
    for top in Comment.objects.filter(parent__isnull=True):
        assert top.reply_count == Comment.objects.filter(thread=top).count()
    assert Rating.objects.count() == 300
    for summary in RatingSummary.objects.all():
        ratings = Rating.objects.filter(page_id=summary.page_id)
        assert summary.count == ratings.count()
        assert summary.total == ratings.aggregate(total=Sum("stars"))["total"]


def test_the_busy_articles_hold_exactly_their_share_and_threads_nest(built):
    sizes = sorted(built["busy"].values(), reverse=True)
    assert sizes == [400, 60]
    for page_id, size in built["busy"].items():
        assert Discussion.objects.get(page_id=int(page_id)).comment_count == size
    others = Discussion.objects.exclude(page_id__in=[int(pk) for pk in built["busy"]])
    assert max(others.values_list("comment_count", flat=True)) < 60
    for reply in Comment.objects.filter(parent__isnull=False).select_related("parent"):
        assert reply.page_id == reply.parent.page_id
        assert reply.depth == reply.parent.depth + 1
        assert reply.thread_id == (reply.parent.thread_id or reply.parent_id)
        assert reply.created_at > reply.parent.created_at
    depths = Counter(Comment.objects.values_list("depth", flat=True))
    assert set(depths) == {0, 1, 2}


def test_the_site_shows_what_was_built(built, client):
    from wagtail.models import Page

    busiest = max(built["busy"], key=lambda pk: built["busy"][pk])
    threads = Comment.objects.filter(page_id=int(busiest), parent__isnull=True).count()
    api = client.get(f"/api/v1/articles/{busiest}/comments").json()
    assert api["count"] == threads
    page = client.get(Page.objects.get(pk=int(busiest)).url)
    assert page.status_code == 200
    assert "400 comments" in page.content.decode()
