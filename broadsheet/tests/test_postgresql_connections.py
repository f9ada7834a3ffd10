"""A kept PostgreSQL connection is checked before each request's first query without a
round trip, and one the server closed is still replaced before it fails a request
(broadsheet/postgresql/base.py).

Against a PostgreSQL of the test's own on a free loopback port (never the machine's),
through a connection made from the settings as DATABASE_URL chooses them. What the
connection sends is read from libpq's own trace of the protocol, not guessed.
"""

import select
import time

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from broadsheet.tests.services import PostgresServer
from broadsheet.tests.test_settings import settings_under  # noqa: F401 - a fixture


@pytest.fixture(scope="module")
def server():
    with PostgresServer() as pg:
        yield pg


@pytest.fixture
def connection(server, settings_under, django_db_blocker):  # noqa: F811 - imported above
    """Django's connection to the server as settings.py configures it, between requests
    as a gunicorn worker keeps it (CONN_MAX_AGE)."""
    databases = settings_under(SECRET_KEY="x", DATABASE_URL=server.url)["DATABASES"]
    connection = ConnectionHandler(databases)["default"]  # its own, not the test database
    with django_db_blocker.unblock():
        try:
            yield connection
        finally:
            connection.close()


def next_request(connection) -> None:
    """What Django does between two requests (request_finished, request_started)."""
    connection.close_if_unusable_or_obsolete()


def backend_of(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def sent(connection, tmp_path, statement: str) -> str:
    """The protocol messages the connection exchanged while running `statement`."""
    trace = tmp_path / "trace.txt"
    connection.ensure_connection()  # the kept one: ensure_connection does no check
    with trace.open("w") as out:
        pgconn = connection.connection.pgconn
        pgconn.trace(out.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            pgconn.untrace()
    return trace.read_text()


def queries(messages: str) -> list[str]:
    """The statements sent (the frontend's Query messages; the server's command tags,
    such as "SELECT 1" for one row, are not)."""
    return [
        line.split("\t")[-1].strip().strip('"')
        for line in messages.splitlines()
        if line.startswith("F\t") and "\tQuery\t" in line
    ]


def test_a_kept_connection_goes_to_its_first_query_without_a_select_1(connection, tmp_path):
    first = backend_of(connection)
    next_request(connection)
    messages = sent(connection, tmp_path, "SELECT 2")
    assert queries(messages) == ["SELECT 2"]  # Django's own check sends SELECT 1 first
    assert backend_of(connection) == first  # the same connection, kept


def wait_until_readable(connection, seconds: float = 10) -> None:
    """Until the server's goodbye reaches the socket (bounded)."""
    fd = connection.connection.fileno()
    deadline = time.monotonic() + seconds
    while not select.select([fd], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server never closed the connection"


def test_a_backend_the_server_ended_is_replaced_before_the_next_query(connection, server, tmp_path):
    first = backend_of(connection)
    server.psql(f"SELECT pg_terminate_backend({first})")
    wait_until_readable(connection)
    next_request(connection)
    with connection.cursor() as cursor:  # would raise on the ended connection
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    assert backend_of(connection) != first


def test_after_the_server_restarts_the_next_request_is_served(connection, server):
    first = backend_of(connection)
    server.stop()  # immediate shutdown, as a crash: the socket is closed under it
    server.start()
    next_request(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone() == (3,)
    assert backend_of(connection) != first


def test_a_connection_left_in_a_transaction_is_asked_as_django_asks(connection, tmp_path):
    """Not idle: whether it still answers is not something the socket can tell."""
    backend_of(connection)
    connection.connection.execute("BEGIN")  # as a request killed mid-transaction leaves it
    next_request(connection)
    assert queries(sent(connection, tmp_path, "SELECT 4")) == ["SELECT 1", "SELECT 4"]
