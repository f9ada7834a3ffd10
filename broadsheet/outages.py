"""Bad days: the database stops answering, or the disk under it is full or read-only.

One function decides what such a failure looks like to the reader (`outage_response`):
503 with `Retry-After`, a short page for pages and forms, JSON of the API's refusal
shape for /api/. Everything else (a programming error, an integrity error, a missing
table) is not an outage and stays a 500 with its traceback in the log.

It is reached three ways, because Django turns an exception into a response at the
layer that raised it: `OutageMiddleware.process_exception` for views and templates,
`server_error` (the project's handler500) for middleware (sessions saved after the
view), and the API's exception handler (broadsheet/api.py) for django-ninja, which
answers its own views' errors. The page cache (broadsheet/pagecache.py) recognises the
response by its `outage` attribute and serves the copy it still holds instead.

Nothing here keeps state: when the database answers again, the next request is served
as usual (Django drops a broken connection at the end of the request that found it).
"""

import errno
import logging
import sys

from django.db import Error as DatabaseLibraryError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

log = logging.getLogger(__name__)

RETRY_AFTER = 30  # seconds: long enough for a database restart or a failover

UNAVAILABLE = "unavailable"  # the database does not answer
FULL = "full"  # no room left to write
READ_ONLY = "read-only"  # storage that cannot be written

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_KINDS = {
    5: UNAVAILABLE,  # SQLITE_BUSY: still locked after the busy timeout
    6: UNAVAILABLE,  # SQLITE_LOCKED
    8: READ_ONLY,  # SQLITE_READONLY
    10: UNAVAILABLE,  # SQLITE_IOERR
    13: FULL,  # SQLITE_FULL: "database or disk is full"
    14: UNAVAILABLE,  # SQLITE_CANTOPEN
}
_OS_KINDS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY}
_PG_DISK_FULL = "53100"

MESSAGES = {
    UNAVAILABLE: "The site's database is not answering just now. Please try again in a moment.",
    FULL: "The site cannot save anything just now: its storage is full. "
    "Nothing you sent was kept; please try again later.",
    READ_ONLY: "The site cannot save anything just now: its storage is read-only. "
    "Nothing you sent was kept; please try again later.",
}


def outage_kind(exc: BaseException | None) -> str | None:
    """UNAVAILABLE, FULL or READ_ONLY when `exc` says the database or the disk failed
    (not the code); None for any other error."""
    if isinstance(exc, OSError):
        return _OS_KINDS.get(exc.errno)
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    cause = exc.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        # SQLite reports a missing table or a syntax error as OperationalError too:
        # only the storage's own result codes are outages.
        return _SQLITE_KINDS.get(code & 0xFF)
    if "sqlite" in type(cause).__module__:
        return None  # an SQLite error without its code: not ours to guess
    if getattr(cause, "sqlstate", None) == _PG_DISK_FULL:
        return FULL
    # PostgreSQL: connection refused or dropped, server shutting down, timeouts.
    return UNAVAILABLE


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 503 a reader gets for an outage `exc`, or None when `exc` is no outage."""
    kind = outage_kind(exc)
    if kind is None:
        return None
    log.warning("%s %s: %s (%s)", request.method, request.path, kind, exc)
    message = MESSAGES[kind]
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "errors": {}}, status=503)
    else:
        page = render_to_string("503.html", {"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response.outage = kind  # for the page cache: serve what it still holds instead
    return response


class OutageMiddleware:
    """Answer a view's (or its template's) outage with `outage_response`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return outage_response(request, exc)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view (in a middleware) is a 503 too."""
    exc = sys.exc_info()[1]
    return outage_response(request, exc) or defaults.server_error(request)


def api_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
    """django-ninja's handler for database and disk errors: outages answer 503 JSON;
    anything else goes on up as the error it is."""
    response = outage_response(request, exc)
    if response is None:
        raise exc
    return response


API_ERRORS = (DatabaseLibraryError, OSError)
