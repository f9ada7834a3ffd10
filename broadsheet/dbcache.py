"""Django's database cache, with the writes that every reader's write makes done in one
statement each (CACHE_BACKEND=database; settings.py names it).

A comment, a vote or a rating hits two rate limits (`add`, then `incr` past the first
hit) and bumps two page-cache versions (`incr`). Django's DatabaseCache spends five
queries on each `add` or `set` (a COUNT(*) of the whole table to decide whether to
cull, then a transaction around a SELECT and an INSERT or UPDATE) and six on an `incr`
(a `get`, then a `set`): 22 of a vote's 32 queries, more than the vote itself, and the
COUNT(*) grows with the table (up to MAX_ENTRIES rows). Here, on SQLite and PostgreSQL:

- `set` is one upsert (INSERT ... ON CONFLICT DO UPDATE), `set_many` one for all keys.
- `add` is one upsert that updates only an expired row; the row count says whether it
  stored (an unexpired key is left alone, as Django's `add` does).
- `incr` reads the value and writes it back only if unchanged (compare and set, retried
  on a race), so concurrent increments are never lost (Django's get-then-set could lose
  one), and the key keeps its expiry, as Redis's INCR and the local-memory cache do
  (Django's reset it to the default timeout).
- `get_many` is one SELECT that leaves expired rows out (culling deletes them), without
  Django's per-call expression and converters for the expiry: the page cache reads its
  counters with it on every hit.
- `count_hits` (the rate limits') counts one hit on several keys in one statement: a
  multi-row upsert that starts a key at 1 or adds 1 to it in SQL, answering the counts
  (RETURNING). Such counters are kept as "#<n>" rather than a pickle, so that SQL can
  add to them; `get` reads both.
- Culling (deleting expired rows, then a share of the oldest when over MAX_ENTRIES)
  follows a COUNT(*) made every CULL_CHECK_EVERY writes of a process rather than every
  write, so the table may pass MAX_ENTRIES by that many rows per process before it is
  culled.

Other databases (none supported today) get Django's own behaviour.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

CULL_CHECK_EVERY = 100
COUNTER = "#"  # a value kept as text digits: see count_hits
UPSERT_VENDORS = ("sqlite", "postgresql")
INCR_ATTEMPTS = 10


# Up to this many keys, SQLite reads them by one lookup each (see `_write_out`; SQLite
# takes up to 500 terms in a compound SELECT), and a statement is kept once written.
LOOKUPS = 100


def _reads_by_lookup(connection, count: int) -> bool:
    """Whether `count` keys are read one lookup each (see `DatabaseCache._write_out`)."""
    return connection.vendor == "sqlite" and count <= LOOKUPS


class DatabaseCache(DjangoDatabaseCache):
    def __init__(self, table, params):
        super().__init__(table, params)
        self._writes = 0
        self._statements: dict[tuple, str] = {}

    def _connection(self):
        return connections[router.db_for_write(self.cache_model_class)]

    def _expiry(self, timeout):
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        return expires.replace(microsecond=0)

    def _now(self):
        return tz_now().replace(microsecond=0)

    def _encode(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _decode(self, stored: str):
        if stored.startswith(COUNTER):
            return int(stored[1:])
        return pickle.loads(base64.b64decode(stored.encode()))  # noqa: S301 - our own

    def get_many(self, keys, version=None):
        connection = connections[router.db_for_read(self.cache_model_class)]
        if connection.vendor not in UPSERT_VENDORS:
            return super().get_many(keys, version)
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        now = connection.ops.adapt_datetimefield_value(self._now())
        sql = self._statement(connection, "read", len(made))
        if _reads_by_lookup(connection, len(made)):
            params = [part for key in made for part in (key, now)]
        else:
            params = [*made, now]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {made[key]: self._decode(connection.ops.process_clob(value)) for key, value in rows}

    def count_hits(self, timeouts: dict[str, int]) -> dict[str, int] | None:
        """One hit on each key (key: its window in seconds, from the first hit): the
        count each has reached, in one statement. A key whose window ended starts again
        at 1. None where this database has no upsert (the caller counts another way)."""
        connection = self._connection()
        if connection.vendor not in UPSERT_VENDORS:
            return None
        self._maybe_cull(connection)
        made = {self.make_and_validate_key(key): key for key in timeouts}
        adapt = connection.ops.adapt_datetimefield_value
        params: list = []
        for key, original in made.items():
            params += [key, f"{COUNTER}1", adapt(self._expiry(timeouts[original]))]
        now = adapt(self._now())
        sql = self._statement(connection, "hits", len(made))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, now, now])
            rows = cursor.fetchall()
        return {made[key]: int(connection.ops.process_clob(value)[1:]) for key, value in rows}

    def _maybe_cull(self, connection) -> None:
        """Django's cull (expired rows first, then the oldest share when still over
        MAX_ENTRIES), checked every CULL_CHECK_EVERY writes of this process."""
        self._writes += 1
        if self._writes % CULL_CHECK_EVERY != 1:
            return
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(self._table)
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - names only
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(connection.alias, cursor, self._now(), count)

    def _statement(self, connection, kind: str, count: int) -> str:
        """The SQL of a read of `count` keys or a write of `count` rows, written out once
        per process for each kind and count (a reader's write makes two or three:
        building them each time was a tenth of a vote's Python)."""
        if count > LOOKUPS:  # a rare size: not kept, so the kept ones stay few
            return self._write_out(connection, kind, count)
        known = (connection.alias, kind, count)
        sql = self._statements.get(known)
        if sql is None:
            sql = self._statements[known] = self._write_out(connection, kind, count)
        return sql

    def _write_out(self, connection, kind: str, count: int) -> str:
        quote = connection.ops.quote_name
        table = quote(self._table)
        key_, value_, expires_ = quote("cache_key"), quote("value"), quote("expires")
        if kind == "read":
            read = f"SELECT {key_}, {value_} FROM {table} WHERE "  # noqa: S608 - names only
            if _reads_by_lookup(connection, count):
                # One lookup by key each, not `IN (...)`: SQLite plans an IN list by its
                # statistics, and an ANALYZE run while this table was nearly empty (after
                # a bulk import, say) made it scan the whole table for every read, 1.5 ms
                # at 36,000 rows, where a lookup by key is chosen whatever they say.
                return " UNION ALL ".join([f"{read}{key_} = %s AND {expires_} > %s"] * count)
            return f"{read}{key_} IN ({', '.join(['%s'] * count)}) AND {expires_} > %s"
        sql = self._insert_rows(connection, count)
        if kind == "hits":
            live = f"{table}.{expires_} > %s"
            return sql + (
                f"{value_} = CASE WHEN {live} AND {table}.{value_} LIKE '{COUNTER}%%' "
                f"THEN '{COUNTER}' || (CAST(SUBSTR({table}.{value_}, 2) AS INTEGER) + 1) "
                f"ELSE EXCLUDED.{value_} END, "
                f"{expires_} = CASE WHEN {live} THEN {table}.{expires_} "
                f"ELSE EXCLUDED.{expires_} END "
                f"RETURNING {key_}, {value_}"  # noqa: S608 - names only
            )
        sql += f"{value_} = EXCLUDED.{value_}, {expires_} = EXCLUDED.{expires_}"
        if kind == "add":
            sql += f" WHERE {table}.{expires_} < %s"
        return sql

    def _insert_rows(self, connection, count: int) -> str:
        """An INSERT of `count` rows (key, value, expiry) going on, for a key already
        there, to the DO UPDATE SET clause the caller appends: every write here."""
        quote = connection.ops.quote_name
        return (
            f"INSERT INTO {quote(self._table)} "  # noqa: S608 - names only
            f"({quote('cache_key')}, {quote('value')}, {quote('expires')}) "
            f"VALUES {', '.join(['(%s, %s, %s)'] * count)} "
            f"ON CONFLICT ({quote('cache_key')}) DO UPDATE SET "
        )

    def _upsert(self, rows: dict, timeout, only_if_expired: bool) -> bool:
        """Store `rows` (made key: value) in one statement; with `only_if_expired`, over
        missing or expired keys only. Whether a row was written."""
        connection = self._connection()
        self._maybe_cull(connection)
        adapt = connection.ops.adapt_datetimefield_value
        expires = adapt(self._expiry(timeout))
        params = [
            part for key, value in rows.items() for part in (key, self._encode(value), expires)
        ]
        sql = self._statement(connection, "add" if only_if_expired else "set", len(rows))
        if only_if_expired:
            params.append(adapt(self._now()))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount > 0

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._connection().vendor not in UPSERT_VENDORS:
            return super().set(key, value, timeout, version)
        self._upsert({self.make_and_validate_key(key, version=version): value}, timeout, False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """One multi-row upsert (the page cache bumps an article's version and the
        listings' together)."""
        if self._connection().vendor not in UPSERT_VENDORS or not data:
            return super().set_many(data, timeout, version)
        made = {self.make_and_validate_key(key, version=version): v for key, v in data.items()}
        self._upsert(made, timeout, only_if_expired=False)
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._connection().vendor not in UPSERT_VENDORS:
            return super().add(key, value, timeout, version)
        made = self.make_and_validate_key(key, version=version)
        return self._upsert({made: value}, timeout, only_if_expired=True)

    def incr(self, key, delta=1, version=None):
        connection = self._connection()
        if connection.vendor not in UPSERT_VENDORS:
            return super().incr(key, delta, version)
        key = self.make_and_validate_key(key, version=version)
        quote = connection.ops.quote_name
        table = quote(self._table)
        now = connection.ops.adapt_datetimefield_value(self._now())
        for _ in range(INCR_ATTEMPTS):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote('value')} FROM {table} "  # noqa: S608 - names only
                    f"WHERE {quote('cache_key')} = %s AND {quote('expires')} > %s",
                    [key, now],
                )
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found.")
                stored = connection.ops.process_clob(row[0])
                value = self._decode(stored) + delta
                new = f"{COUNTER}{value}" if stored.startswith(COUNTER) else self._encode(value)
                cursor.execute(
                    f"UPDATE {table} SET {quote('value')} = %s "  # noqa: S608 - names only
                    f"WHERE {quote('cache_key')} = %s AND {quote('value')} = %s",
                    [new, key, stored],
                )
                if cursor.rowcount:
                    return value
        raise ValueError(f"Key '{key}' kept changing: not incremented.")
