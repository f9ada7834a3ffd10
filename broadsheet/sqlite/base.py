"""SQLite, with writers queued by the kernel instead of SQLite's busy handler.

Every transaction here begins IMMEDIATE (it takes the write lock up front). When another
process holds it, SQLite's busy handler sleeps and retries (1, 2, 5, 10 ... 100 ms), so
a writer that arrives a moment after another waits for the next retry, not for the lock:
under 16 concurrent writers that turned 5 ms writes into 300-800 ms tails. Here a
transaction first takes an exclusive flock() on a file beside the database; waiting
writers sleep in the kernel and the next one wakes as soon as the lock is released.
A write statement outside a transaction (autocommit: a QuerySet.update(), the database
cache deleting expired keys) takes the same lock for its duration. Reads (WAL) never
wait; the busy timeout still guards anything else. A worker killed mid-transaction
releases the lock with its process.

The lock file is opened on the first write, not with every connection, and read-only
when it cannot be opened to write: a read-only or full folder never stops reads, and
the next write after the folder is writable again opens it. A database on a read-only
filesystem whose WAL index (-shm) is gone cannot be opened even to read: such a
connection is opened `immutable` (nothing can write there anyway) and closed after its
request, so the first request after the filesystem is writable again gets a normal one.
Any connection that met an error is closed at the end of its request (reopening costs
~1 ms), since SQLite opens a database it cannot write read-only and keeps it so.

ENGINE "broadsheet.sqlite" (settings.py chooses it for sqlite:// URLs).
"""

import logging
import os
import sqlite3
from urllib.parse import quote

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler alone, as before
    fcntl = None

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
SQLITE_CANTOPEN = 14

log = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer_file = None
        self._writing = False
        self.execute_wrappers.append(self._queue_lone_writes)

    def _queue_lone_writes(self, execute, sql, params, many, context):
        """An autocommit write is its own transaction: it queues like one."""
        if (
            self._writing
            or fcntl is None
            or self.in_atomic_block
            or sql.lstrip()[:6].upper() not in WRITES
        ):
            return execute(sql, params, many, context)
        self._take_writers()
        try:
            return execute(sql, params, many, context)
        finally:
            self._release_writers()

    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except sqlite3.OperationalError as error:
            path = str(self.settings_dict["NAME"])
            if (
                getattr(error, "sqlite_errorcode", 0) & 0xFF != SQLITE_CANTOPEN
                or self.is_in_memory_db()
                or not os.path.exists(path)
                or not os.statvfs(os.path.dirname(path) or ".").f_flag & os.ST_RDONLY
            ):
                raise
        # A read-only filesystem, and no WAL index to read through: nobody can write
        # here, so the file is read as it is, by this request only.
        log.warning("%s is on a read-only filesystem: reading it immutable", path)
        self.close_at = 0
        uri = f"file:{quote(os.path.abspath(path))}?immutable=1"
        return super().get_new_connection({**conn_params, "database": uri, "uri": True})

    def close_if_unusable_or_obsolete(self):
        # SQLite keeps a connection read-only once it opened it so (a full or read-only
        # disk): after any error a fresh one is opened for the next request.
        if self.connection is not None and self.errors_occurred and not self.in_atomic_block:
            self.close()
            return
        super().close_if_unusable_or_obsolete()

    def _open_writers(self) -> None:
        """Open the lock file if it is not open; read-only if it cannot be written (a
        flock needs no write access); left closed, to be tried at the next write, when
        it cannot be opened at all."""
        if fcntl is None or self._writer_file is not None or self.is_in_memory_db():
            return
        path = f"{self.settings_dict['NAME']}.writers"
        for mode in ("a+b", "rb"):
            try:
                self._writer_file = open(path, mode)  # noqa: SIM115 - closed in _close()
                return
            except OSError as error:
                failure = error
        log.warning("Writers queue without their lock file (%s): %s", path, failure)

    def _take_writers(self):
        self._open_writers()
        if self._writer_file is not None and not self._writing:
            fcntl.flock(self._writer_file, fcntl.LOCK_EX)
            self._writing = True

    def _start_transaction_under_autocommit(self):
        self._take_writers()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self):
        if self._writing:
            self._writing = False
            fcntl.flock(self._writer_file, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writers()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writers()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writers()
            if self._writer_file is not None:
                self._writer_file.close()
                self._writer_file = None
