"""gunicorn's sync worker, woken alone for a new connection.

gunicorn's sync workers all wait in select() on the one listening socket, so every new
connection wakes every idle worker: one accepts it, the others find nothing, go round
their loop and wait again. On a 2-core machine with four workers that was three wasted
wake-ups per request, and the request itself ran in whichever process won, its CPU
caches cold from the others: a vote cost 1.35 ms of server CPU with four workers and
0.9 ms with one (docs/performance.md).

Here each worker waits on an epoll of its own with the listening socket registered
EPOLLEXCLUSIVE (Linux 4.5+; nginx waits the same way): the kernel wakes one idle
worker per connection, the first that registered and is waiting, so a lightly loaded
server keeps serving from the same warm process and a busy one still hands each
connection to any idle worker. Everything else is gunicorn's (the heartbeat before each
wait, the timeout, the signal pipe). Where epoll or EPOLLEXCLUSIVE is missing, the
worker is gunicorn's own.
"""

import errno
import os
import select

from gunicorn.workers.sync import StopWaiting, SyncWorker

EXCLUSIVE = getattr(select, "EPOLLEXCLUSIVE", 0) if hasattr(select, "epoll") else 0


class ExclusiveSyncWorker(SyncWorker):
    def wait(self, timeout):
        if not EXCLUSIVE:
            return super().wait(timeout)
        poller = getattr(self, "_poller", None)
        if poller is None:
            poller = self._poller = select.epoll()
            self._by_fd = {}
            for listener in self.sockets:
                poller.register(listener.fileno(), select.EPOLLIN | EXCLUSIVE)
                self._by_fd[listener.fileno()] = listener
            poller.register(self.PIPE[0], select.EPOLLIN)
        try:
            self.notify()
            events = poller.poll(timeout)
        except OSError as error:
            if error.errno == errno.EBADF:
                if self.nr < 0:
                    return self.sockets
                raise StopWaiting from error
            raise
        ready = []
        for fd, _ in events:
            if fd == self.PIPE[0]:
                os.read(self.PIPE[0], 1)
                ready.append(fd)
            else:
                ready.append(self._by_fd[fd])
        return ready or None
