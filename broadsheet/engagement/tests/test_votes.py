"""Votes: one per reader per comment, atomic counts, even when readers vote at once."""

import pytest

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader as Identity
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment, Vote
from broadsheet.engagement.tests.conftest import at_the_same_moment, comment_to_vote_on

pytestmark = pytest.mark.django_db


def test_vote_up_down_repeat_and_withdraw(reader, another_reader, article):
    comment = reader.comment(article)["id"]

    assert another_reader.vote(comment, 1).json() == {"score": 1, "up": 1, "down": 0, "mine": 1}
    assert another_reader.vote(comment, 1).json() == {"score": 1, "up": 1, "down": 0, "mine": 1}
    assert another_reader.vote(comment, -1).json() == {"score": -1, "up": 0, "down": 1, "mine": -1}
    assert another_reader.vote(comment, 0).json() == {"score": 0, "up": 0, "down": 0, "mine": 0}
    assert Vote.objects.count() == 0


def test_no_voting_on_your_own_comment(reader, article):
    comment = reader.comment(article)["id"]
    response = reader.vote(comment, 1)
    assert response.status_code == 403
    assert "own comment" in response.json()["detail"]
    assert Comment.objects.get(pk=comment).score == 0


@pytest.mark.parametrize("value", [2, -2, "up", None, True, False, "1", 1.0])
def test_vote_value_must_be_minus_one_zero_or_one(reader, another_reader, article, value):
    comment = reader.comment(article)["id"]
    response = another_reader.vote(comment, value)
    assert response.status_code == 400
    assert "value" in response.json()["errors"]
    assert Vote.objects.count() == 0


def test_vote_on_unknown_comment_is_a_404(another_reader, article):
    assert another_reader.vote(999999, 1).status_code == 404


def test_session_reports_my_votes(reader, another_reader, article):
    comment = reader.comment(article)["id"]
    another_reader.vote(comment, -1)
    assert another_reader.session(article.pk)["votes"] == {str(comment): -1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_votes_are_all_counted(article):
    """Twelve readers vote on one comment at the same moment, each on their own database
    connection: every vote must be counted (no lost update), on SQLite and PostgreSQL."""
    comment = comment_to_vote_on(article)

    def vote(n):
        voter = Identity(user=None, guest_key=keyed_hash("reader", f"v{n}"), ip_hash=f"ip{n}")
        services.cast_vote(comment_id=comment.pk, reader=voter, value=1 if n % 3 else -1)

    assert at_the_same_moment(vote, 12) == []
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (8, 4)
    assert comment.score == 4
    assert Vote.objects.filter(comment=comment).count() == 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_reader_voting_twice_at_once_counts_once(article):
    comment = comment_to_vote_on(article)
    same = Identity(user=None, guest_key=keyed_hash("reader", "twin"), ip_hash="twin")

    def vote(_n):
        services.cast_vote(comment_id=comment.pk, reader=same, value=1)

    assert at_the_same_moment(vote, 4) == []
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes) == (1, 1)
    assert Vote.objects.filter(comment=comment).count() == 1
