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

The test client builds its handler from MIDDLEWARE alone; broadsheet/tests/test_lanes.py
drives this application itself and checks that API answers are the same on both
chains.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class _Handler(WSGIHandler):
    """Django's WSGI handler with a middleware list of its own."""

    def __init__(self, middleware: list[str]):
        self.middleware = middleware
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
        self.pages = WSGIHandler()
        self.api = _Handler(settings.API_MIDDLEWARE)
        self.prefix = settings.API_PREFIX

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        handler = self.api if path.startswith(self.prefix) else self.pages
        return handler(environ, start_response)
