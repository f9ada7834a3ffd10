"""The served WSGI application: two middleware chains, the reader API taking the shorter.

Every request used to pass all of settings.MIDDLEWARE, and a reader's vote paid for
middleware that never acts on the API: static files (whitenoise), slash redirects
(CommonMiddleware resolves the URL a second time to decide), flash messages, htmx,
allauth's login stages, Wagtail's redirects (a query on every 404) and the site lookup
for page views. Measured on a vote, that chain was a fifth of the request's CPU
(docs/performance.md). Requests under API_PREFIX go through API_MIDDLEWARE instead
(settings.py: MIDDLEWARE without those), so what the API relies on is unchanged: the
Content-Security-Policy and security headers, gzip, the page cache (its API pages
depend on discussions), outages as 503, sessions and accounts, CSRF, frame options.

Inside that chain, a reader's three writes (a vote, a rating, a comment: the requests a
busy discussion makes most) skip URL resolution and django-ninja's per-request machinery
(`QuickWrite`). Each is still its own API view, called with the body parsed and
validated by the view's own schema, its answer checked by its answer schema and
rendered, and any error it raises answered, by the API's own renderer and handlers;
every middleware still runs around it. A request the quick path cannot take as it is
(another content type, a body that is not JSON or fails its schema, an id out of range)
goes to django-ninja, before anything is done, for ninja's own answer.

The test client builds its handler from MIDDLEWARE alone; broadsheet/tests/test_lanes.py
drives this application itself and checks that API answers are the same on both
chains.
"""

import json
import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import CsrfViewMiddleware
from ninja.responses import Status
from pydantic import ValidationError

from broadsheet.http import QuickWrite
from broadsheet.reader_input import whole_number


class _Handler(WSGIHandler):
    """Django's WSGI handler with a middleware list of its own, and writes it answers
    without resolving their URL (`quick`: (method, compiled path, QuickWrite, names);
    `api`: the NinjaAPI whose views and handlers they are)."""

    def __init__(self, middleware: list[str], quick=(), api=None):
        self.middleware = middleware
        self.quick = quick
        self.ninja = api  # the API whose views the quick writes are
        super().__init__()

    def load_middleware(self, is_async=False):
        # BaseHandler reads settings.MIDDLEWARE: it is swapped for the time of the
        # build, once per process, before any request (the WSGI module's import).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full
        # The quick path calls no middleware's process_view: the only one in the chain,
        # CSRF's, passes the API's views (django-ninja marks them exempt; they check
        # CSRF themselves). Should the chain gain another, the quick path is off.
        if any(
            not isinstance(getattr(hook, "__self__", None), CsrfViewMiddleware)
            for hook in self._view_middleware
        ):
            self.quick = ()

    def _get_response(self, request):
        for method, pattern, write, names in self.quick:
            found = request.method == method and pattern.match(request.path_info)
            if found:
                response = self._quick(request, write, names, found)
                if response is not None:
                    return response
                break
        return super()._get_response(request)

    def _quick(self, request, write: QuickWrite, names: tuple, found):
        """The write's answer, or None for django-ninja to give it (nothing done yet)."""
        api = self.ninja
        if request.content_type != "application/json":
            return None
        ids = [whole_number(found[name], low=1) for name in names]
        if None in ids:
            return None
        try:
            payload = write.body.model_validate(json.loads(request.body))
        except (ValueError, ValidationError):  # not JSON, or not the schema's
            return None
        answer = api.create_temporal_response(request)
        try:
            result = write.view(request, answer, *ids, payload)
            status = 200
            if isinstance(result, Status):
                status, result = result.status_code, result.value
            answer.status_code = status
            data = write.answer.model_validate(result).model_dump()
            return api.create_response(request, data, temporal_response=answer)
        except Exception as error:  # noqa: BLE001 - handled as django-ninja and Django do
            try:
                return api.on_exception(request, error)  # the API's handlers, or raised again
            except Exception as unhandled:  # noqa: BLE001
                response = self.process_exception_by_middleware(unhandled, request)
                if response is None:
                    raise
                return response

    def get_response(self, request):
        response = super().get_response(request)
        # CommonMiddleware's one service the API wants: a length, so the server need
        # not chunk the answer.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


class LaneApplication:
    """Hands each request to the full chain, or to the API's when its path is under
    settings.API_PREFIX (PATH_INFO: below any prefix the site is mounted at)."""

    def __init__(self):
        from broadsheet.api import QUICK_WRITES, api

        self.pages = WSGIHandler()
        self.api = _Handler(settings.API_MIDDLEWARE, quick_routes(api, QUICK_WRITES), api)
        self.prefix = settings.API_PREFIX

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        handler = self.api if path.startswith(self.prefix) else self.pages
        return handler(environ, start_response)


def quick_routes(api, writes) -> tuple:
    """(method, compiled path, write, names of its ids) for each quick write, under the
    API's root path as mounted."""
    from django.urls import reverse

    root = reverse(f"{api.urls_namespace}:api-root").rstrip("/")
    routes = []
    for write in writes:
        names = tuple(re.findall(r"{(\w+)}", write.route))
        pattern = re.escape(root + write.route)
        for name in names:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[0-9]{{1,19}})")
        routes.append((write.method, re.compile(pattern + r"\Z"), write, names))
    return tuple(routes)
