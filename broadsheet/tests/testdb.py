"""The suite's test databases: migrated once into a template, then copied.

Migrating an empty database takes the better part of ten seconds of CPU (two hundred
and forty migrations, most of it Django rebuilding its model states), and pytest-xdist
did it once per worker, every run. Here the first worker to get there migrates its
database as before and keeps a copy of the result, the template; the other workers,
and every later run, copy the template instead (a file copy on SQLite, CREATE DATABASE
... TEMPLATE on PostgreSQL).

A template is named by a key over everything its contents come from: the text of every
installed app's migrations, the versions of Django and Wagtail, the settings migrations
read, and the models, permissions and snippets that Django's and Wagtail's post_migrate
handlers make rows for. A change to any of them makes a new template; the old one is
deleted then. `make clean` deletes SQLite's (var/test-*); on PostgreSQL they are the
databases named test_<NAME>_template_<key>.

Tests that flush the database (transactional ones) get the rows migrations made back
after them (conftest.py). Django does that by deserializing a JSON dump of the whole
database through the ORM, about 0.1 s of CPU each time, twice per such test (once by
conftest after it, once by Django before the next). Here the rows are read once, as the
database driver returns them, and written back with one statement per table.
"""

import fcntl
import hashlib
import importlib.util
import os
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.backends.base.creation import BaseDatabaseCreation
from django.db.migrations.loader import MigrationLoader

_create_by_migrating = BaseDatabaseCreation.create_test_db


def migrations_key(connection) -> str:
    """What the migrated database's contents depend on, digested."""
    import django
    import wagtail

    digest = hashlib.sha256()
    digest.update(
        repr(
            (
                django.VERSION,
                wagtail.__version__,
                connection.vendor,
                settings.INSTALLED_APPS,
                settings.AUTH_USER_MODEL,
                settings.DEFAULT_AUTO_FIELD,
                settings.MIGRATION_MODULES,
                settings.LANGUAGE_CODE,
                getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", None),
                settings.USE_TZ,
                settings.TIME_ZONE,
            )
        ).encode()
    )
    for app_config in apps.get_app_configs():
        module, _ = MigrationLoader.migrations_module(app_config.label)
        spec = importlib.util.find_spec(module) if module else None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(f"{app_config.label}/{path.name}".encode())
                digest.update(path.read_bytes())
    # Rows made after migrating, by post_migrate handlers, from the models themselves:
    # content types, permissions (Meta.permissions, Wagtail's snippet permissions).
    from wagtail.snippets.models import get_snippet_models

    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        digest.update(repr((meta.label, meta.permissions, meta.default_permissions)).encode())
    for model in get_snippet_models():
        digest.update(repr((model._meta.label, [c.__qualname__ for c in model.__mro__])).encode())
    return digest.hexdigest()[:16]


@contextmanager
def _locked(folder: Path):
    """One process at a time builds or copies a template (xdist's workers, two runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "test-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class _SQLiteTemplate:
    def __init__(self, connection, key):
        self.folder = Path(connection.settings_dict["NAME"]).parent
        self.path = self.folder / f"test-template-{key}.sqlite3"

    def exists(self) -> bool:
        return self.path.exists()

    def save(self, connection, test_name) -> None:
        """Copies the just-migrated test database through SQLite's backup API (a
        consistent copy whatever is still in its write-ahead log), as a database with
        no log of its own, then swaps it in whole."""
        partial = self.path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        source, copy = sqlite3.connect(test_name), sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            source.close()
            copy.close()
        os.replace(partial, self.path)
        for old in self.folder.glob("test-template-*.sqlite3"):
            if old != self.path:
                old.unlink(missing_ok=True)

    def copy_to(self, creation, test_name) -> None:
        creation.connection.close()
        for leftover in (test_name, f"{test_name}-wal", f"{test_name}-shm"):
            Path(leftover).unlink(missing_ok=True)
        shutil.copyfile(self.path, test_name)


class _PostgreSQLTemplate:
    def __init__(self, connection, key):
        self.folder = Path(settings.VAR_DIR)
        self.prefix = f"test_{connection.settings_dict['NAME']}_template_"[: 63 - len(key)]
        self.name = self.prefix + key
        self.connection = connection

    def _databases(self, cursor) -> set[str]:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
            [len(self.prefix), self.prefix],
        )
        return {row[0] for row in cursor.fetchall()}

    def exists(self) -> bool:
        with self.connection._nodb_cursor() as cursor:
            return self.name in self._databases(cursor)

    def save(self, connection, test_name) -> None:
        connection.close()  # no session may be connected to a database being copied
        quote = connection.ops.quote_name
        with connection._nodb_cursor() as cursor:
            for old in self._databases(cursor) - {self.name}:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
            cursor.execute(f"CREATE DATABASE {quote(self.name)} TEMPLATE {quote(test_name)}")

    def copy_to(self, creation, test_name) -> None:
        connection = creation.connection
        connection.close()
        quote = connection.ops.quote_name
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)}")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(self.name)}")


def _template_for(connection):
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return _SQLiteTemplate(connection, migrations_key(connection))
    if connection.vendor == "postgresql":
        return _PostgreSQLTemplate(connection, migrations_key(connection))
    return None


def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
    """BaseDatabaseCreation.create_test_db, but copied from the template when there is
    one (and the template made when there is none)."""
    connection = self.connection
    template = None
    migrating = (
        connection.settings_dict["TEST"].get("MIGRATE", True) is not False
        # pytest-django's --no-migrations puts an object of its own here: tables made
        # from the models, not the migrations, must not become the template.
        and isinstance(settings.MIGRATION_MODULES, dict)
    )
    if migrating and not keepdb:
        template = _template_for(connection)
    if template is None:
        return _create_by_migrating(self, verbosity, autoclobber, serialize, keepdb)

    from django.core.management import call_command

    test_name = self._get_test_db_name()
    with _locked(template.folder):
        if not template.exists():
            _create_by_migrating(self, verbosity, autoclobber, serialize=False, keepdb=False)
            template.save(connection, test_name)
        else:
            if verbosity >= 1:
                self.log(
                    f"Copying test database for alias '{connection.alias}' from its template..."
                )
            template.copy_to(self, test_name)
            settings.DATABASES[connection.alias]["NAME"] = test_name
            connection.settings_dict["NAME"] = test_name
            call_command("createcachetable", database=connection.alias)
    connection.ensure_connection()
    return test_name


@contextmanager
def migrated_once():
    """While open, test databases are made from a template (see the module's docstring)."""
    BaseDatabaseCreation.create_test_db = create_test_db
    try:
        yield
    finally:
        BaseDatabaseCreation.create_test_db = _create_by_migrating


def remember_migrated_rows(connection) -> None:
    """Reads the rows migrations made, table by table, for restore_migrated_rows: on
    SQLite the stored values themselves (a connection of its own, without Django's
    converters), on PostgreSQL each table in COPY's binary form."""
    tables = sorted(
        connection.introspection.django_table_names(only_existing=True, include_views=False)
    )
    quote = connection.ops.quote_name
    saved = []
    if connection.vendor == "sqlite":
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            for table in tables:
                cursor = plain.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - names only
                rows = cursor.fetchall()
                if rows:
                    saved.append((table, [column[0] for column in cursor.description], rows))
        finally:
            plain.close()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 - names only
                if cursor.fetchone() is None:
                    continue
                with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT BINARY)") as copy:
                    saved.append((table, None, b"".join(bytes(block) for block in copy)))
    else:
        return  # conftest.py falls back on Django's serialized copy
    connection._migrated_rows = saved
    # Django's own restore, before each serialized_rollback test, is then left nothing to
    # do: the rows are back already. Its copy must stay there, though, empty: it is what
    # keeps the flush after such a test from making content types and permissions anew.
    if hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = "[]"


def restore_migrated_rows(connection) -> bool:
    """Writes back the rows remember_migrated_rows read, into the tables a flush emptied.
    False when it has none for this connection."""
    saved = getattr(connection, "_migrated_rows", None)
    if saved is None:
        return False
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias):
        with connection.constraint_checks_disabled(), connection.cursor() as cursor:
            # A transactional test skipped before its body ran (a SQLite-only test on
            # PostgreSQL) flushed nothing: its rows are still there, and writing them again
            # would collide with themselves.
            if saved:
                cursor.execute(f"SELECT 1 FROM {quote(saved[0][0])} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is not None:
                    return True
            for table, columns, rows in saved:
                if columns is None:  # PostgreSQL: COPY's binary form
                    with cursor.cursor.copy(
                        f"COPY {quote(table)} FROM STDIN (FORMAT BINARY)"
                    ) as copy:
                        copy.write(rows)
                    continue
                names = ", ".join(quote(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                insert = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, rows)
        connection.check_constraints(table_names=[table for table, _, _ in saved])
    return True
