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

ENGINE "broadsheet.sqlite" (settings.py chooses it for sqlite:// URLs).
"""

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler alone, as before
    fcntl = None

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


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
            or self._writer_file is None
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
        connection = super().get_new_connection(conn_params)
        if fcntl is not None and self._writer_file is None and not self.is_in_memory_db():
            self._writer_file = open(f"{self.settings_dict['NAME']}.writers", "a+b")  # noqa: SIM115
        return connection

    def _take_writers(self):
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
