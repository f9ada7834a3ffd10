"""Bad days, in process: the database stops answering, the disk fills or turns read-only
(broadsheet/outages.py, the page cache's stale copies, broadsheet/sqlite/base.py).

The database "stops answering" here through an execute wrapper that raises what Django
raises when PostgreSQL refuses a connection (an OperationalError); SQLite's own errors
are real ones, made by a real SQLite database that is full or read-only. The same
behaviour against a real PostgreSQL that is stopped, and a real full or read-only
filesystem, is in test_outages_for_real.py (`-m resilience`).
"""

import sqlite3
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client

from broadsheet import outages, pagecache
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    """Every query fails as it does when PostgreSQL refuses connections."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    with connection.execute_wrapper(refuse):
        yield


def real_sqlite_error(tmp_path, kind: str) -> sqlite3.OperationalError:
    """The error SQLite itself raises on a full (`full`) or read-only (`read-only`) file."""
    path = tmp_path / f"{kind}.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (x)")
    setup.commit()
    setup.close()
    if kind == "full":
        db = sqlite3.connect(path)
        db.execute("PRAGMA max_page_count = 2")  # as full as a disk with no room left
        statement = "INSERT INTO t SELECT randomblob(100000)"
    else:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        statement = "INSERT INTO t VALUES (1)"
    try:
        db.execute(statement)
    except sqlite3.OperationalError as error:
        return error
    finally:
        db.close()
    raise AssertionError("SQLite accepted the write")


@contextmanager
def writes_fail_with(error: sqlite3.OperationalError):
    """Writes fail with SQLite's `error` as Django would raise it; reads still work."""

    def refuse_writes(execute, sql, params, many, context):
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            raise OperationalError(*error.args) from error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_writes):
        yield


@pytest.fixture
def article(db):
    from broadsheet.newsroom.tests.factories import HomePageFactory, SectionPageFactory

    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    return ArticlePageFactory(parent=world, title="Harbour talks", slug="harbour")


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_while_the_database_is_down_a_cached_article_is_served_marked_stale(
    client, article, page_cache_on
):
    warm = client.get(article.url)
    assert warm["X-Cache"] == "miss"
    pagecache.page_changed(article.pk)  # a comment came, then the database went away
    with database_down():
        stale = client.get(article.url)
    assert stale.status_code == 200
    assert stale["X-Cache"] == "stale"
    assert stale["Warning"] == '111 - "Revalidation Failed"'
    assert int(stale["Age"]) >= 0
    assert stale["Cache-Control"] == "no-store"
    assert "Harbour talks" in stale.content.decode()
    # Back: rendered afresh, without a restart.
    fresh = client.get(article.url)
    assert fresh.status_code == 200 and fresh["X-Cache"] == "miss"
    assert "Warning" not in fresh


def test_a_cached_page_past_its_freshness_is_served_only_while_the_database_is_down(
    client, article, page_cache_on, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # every entry is past its freshness at once
    client.get(article.url)
    assert client.get(article.url)["X-Cache"] == "miss"  # not served while we can render
    with database_down():
        assert client.get(article.url)["X-Cache"] == "stale"


def test_while_the_database_is_down_an_uncached_page_answers_503_with_retry_after(
    client, article, page_cache_on
):
    with database_down():
        response = client.get(article.url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER)
    assert response["Content-Type"].startswith("text/html")
    assert "Back in a moment" in response.content.decode()
    assert "X-Cache" not in response


def test_while_the_database_is_down_the_api_answers_503_in_json(client, article):
    with database_down():
        response = client.get("/api/v1/articles")
    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER)
    body = response.json()
    assert body["errors"] == {} and "database" in body["detail"]


def test_an_outage_raised_in_a_middleware_is_a_503_too(rf):
    # handler500 is the backstop for what a middleware raises (a session saved after the
    # view); outside an outage it is the usual 500 page.
    request = rf.get("/world/harbour/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert outages.server_error(request).status_code == 503
    try:
        raise KeyError("a bug")
    except KeyError:
        assert outages.server_error(request).status_code == 500


def test_a_programming_error_is_not_an_outage(client, article):
    def missing_table(execute, sql, params, many, context):
        return execute("SELECT * FROM no_such_table", None, False, context)

    with connection.execute_wrapper(missing_table):
        response = client.get("/api/v1/articles")
    assert response.status_code == 500  # SQLite says "no such table" as OperationalError


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_disk_refuses_a_comment_with_503_json_and_keeps_nothing(article, tmp_path):
    from broadsheet.engagement.models import Comment

    reader = Reader()
    reader.session()
    reader.client.raise_request_exception = False
    with writes_fail_with(real_sqlite_error(tmp_path, "full")):
        refused = reader.post(
            f"/api/v1/articles/{article.pk}/comments",
            {"body": "Lost?", "author_name": "Ada", "author_email": "ada@example.org"},
        )
    assert refused.status_code == 503
    assert refused["Retry-After"] == str(outages.RETRY_AFTER)
    assert "full" in refused.json()["detail"]
    assert not Comment.objects.exists()
    reader.comment(article, "Kept, once there is room.")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_only_disk_refuses_the_comment_form_with_a_page(article, tmp_path):
    from broadsheet.engagement.models import Comment

    browser = Client(raise_request_exception=False)
    with writes_fail_with(real_sqlite_error(tmp_path, "read-only")):
        refused = browser.post(
            f"/comments/{article.pk}/post/",
            {
                "body": "Lost?",
                "author_name": "Ada",
                "author_email": "ada@example.org",
                "consent": "1",
            },
        )
    assert refused.status_code == 503
    assert "read-only" in refused.content.decode()
    assert not Comment.objects.exists()


def test_sqlites_own_storage_errors_are_outages_and_its_other_errors_are_not(tmp_path):
    def django_error(error):
        try:
            raise OperationalError(*error.args) from error
        except OperationalError as wrapped:
            return wrapped

    assert outages.outage_kind(django_error(real_sqlite_error(tmp_path, "full"))) == "full"
    read_only = django_error(real_sqlite_error(tmp_path, "read-only"))
    assert outages.outage_kind(read_only) == "read-only"
    assert outages.outage_kind(OSError(28, "No space left on device")) == "full"
    assert outages.outage_kind(OSError(2, "No such file")) is None
    assert outages.outage_kind(ValueError()) is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers' lock file")
def test_a_writers_lock_file_that_cannot_be_opened_stops_no_read_and_opens_at_the_next_write(
    tmp_path,
):
    from broadsheet.sqlite.base import DatabaseWrapper

    path = tmp_path / "site.sqlite3"
    lock = tmp_path / "site.sqlite3.writers"
    lock.mkdir()  # a folder where the lock file should be: open() fails, as on EROFS
    database = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="bad-day")
    try:
        with database.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x)")
            cursor.execute("SELECT count(*) FROM t")  # reads never needed the lock file
            cursor.execute("INSERT INTO t VALUES (1)")  # nor does a write without it
        assert database._writer_file is None
        lock.rmdir()  # the disk is fine again: the next write opens the lock file
        with database.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone() == (2,)
        assert database._writer_file is not None
    finally:
        database.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as a request: autocommit
def test_an_article_renders_when_its_image_renditions_cannot_be_stored(client, tmp_path):
    from broadsheet.newsroom.tests.factories import (
        HomePageFactory,
        ImageFactory,
        SectionPageFactory,
    )

    world = SectionPageFactory(parent=HomePageFactory(), title="World", slug="world")
    picture = ImageFactory()
    article = ArticlePageFactory(parent=world, title="Harbour", slug="harbour", lead_image=picture)
    client.get(world.url)  # the site has served a page before (its settings row exists)
    with writes_fail_with(real_sqlite_error(tmp_path, "read-only")):  # no rendition row
        page = client.get(article.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Harbour" in html and "<img" not in html  # the picture is left out
    assert '<meta property="og:image" content="http://' in html
    assert picture.file.name.rsplit("/", 1)[-1] in html  # the original is shared instead
    assert not picture.renditions.filter(filter_spec__startswith="width-").exists()
