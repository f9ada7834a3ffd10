"""PostgreSQL, with Django's connection health check made without a round trip.

settings.py turns CONN_HEALTH_CHECKS on, so that the first request after the database
restarted does not fail on a connection the server has closed. Django checks a kept
connection before each request's first query by sending `SELECT 1`: a round trip on
every request that reads or writes, one of a vote's eleven, with the server's work for
it. A server that stops, restarts or ends a backend closes the socket after a last
FATAL message, so the socket turns readable. Here a connection that is idle (no
transaction open), not broken, with nothing to read, is usable without asking; any
other (something to read, a transaction left open, an error met) is asked as Django
asks. A server that vanished without closing (its host gone) is found by the next
query, as by Django's `SELECT 1`: both wait for TCP.

ENGINE "broadsheet.postgresql" (settings.py chooses it for postgres:// URLs).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq

IDLE = pq.TransactionStatus.IDLE


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == IDLE:
            poller = select.poll()  # not select(): a descriptor may be above 1023
            try:
                poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
                if not poller.poll(0):  # hang-ups and errors are reported unasked
                    return True
            except (OSError, ValueError, base.Database.Error):
                pass  # asked below, which closes what cannot answer
        return super().is_usable()
