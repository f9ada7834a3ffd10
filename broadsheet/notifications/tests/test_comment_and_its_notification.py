"""A comment is stored with its notification task, or not at all (issue 16).

The notification task used to be enqueued after the comment committed: when writing it
failed (a full disk), the reader got a 500 for a comment that was stored (and posted it
again), and its subscribers never heard of it. The task is now written in the comment's
transaction. The failure is made by the database itself, a trigger that refuses rows
of the task table as a full disk would, so every layer above it runs as in production.
"""

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from broadsheet.engagement.models import Comment, Discussion
from broadsheet.notifications.tasks import notify_comment_task

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def full_task_table(queue):
    """Inserting into the task table fails, as on a full disk, until the test ends (the
    trigger is schema, which the test database's flush would keep)."""
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_task() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER task_table_full BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_task()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER task_table_full BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER task_table_full ON {table}")
            cursor.execute("DROP FUNCTION refuse_task()")
        else:
            cursor.execute("DROP TRIGGER task_table_full")


def notify_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=notify_comment_task.module_path).count()


def test_a_comment_whose_notification_cannot_be_queued_is_not_stored(
    article, make_reader, full_task_table
):
    reader = make_reader()
    reader.client.raise_request_exception = False
    response = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Lost?", "author_name": "Ann", "author_email": "ann@example.org"},
    )
    assert response.status_code == 503
    assert "nothing was stored" in response.json()["errors"]["form"]
    assert Comment.objects.count() == 0
    assert notify_tasks() == 0
    assert not Discussion.objects.filter(page_id=article.pk, comment_count__gt=0).exists()


def test_the_comment_form_says_nothing_was_stored_when_the_task_cannot_be_written(
    article, full_task_table
):
    guest = {"author_name": "Ann", "author_email": "ann@example.org", "consent": "1"}
    response = Client(raise_request_exception=False).post(
        f"/comments/{article.pk}/post/", {"body": "Lost?", **guest}
    )
    assert response.status_code == 503
    assert "nothing was stored" in response.content.decode()
    assert Comment.objects.count() == 0 and notify_tasks() == 0


def test_a_stored_comment_has_its_notification_task_from_its_commit(article, make_reader):
    posted = make_reader().comment(article, "Kept, and announced.")
    assert Comment.objects.filter(pk=posted["id"]).exists()
    [task] = DBTaskResult.objects.filter(task_path=notify_comment_task.module_path)
    assert task.status == "READY" and task.args_kwargs["args"][0] == posted["id"]
