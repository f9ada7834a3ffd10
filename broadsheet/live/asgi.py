"""The ASGI handler for the live streams: Django's, without the per-request thread.

Django's ASGIHandler gives each request its own thread for thread-sensitive code
(ThreadSensitiveContext) and runs the middleware that is not async-capable through
threads. A page is done in milliseconds, a stream lives for minutes: with those, every
open stream held an idle thread. This handler serves only `/live/` paths
(broadsheet/asgi.py routes them here) with the async-capable middleware that applies to
an event stream (security headers, host checks); the view reads the database through
its own worker threads (broadsheet/live/channel.py). Everything else is Django's own.
"""

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

STREAM_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]


class StreamHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        everything = settings.MIDDLEWARE
        settings.MIDDLEWARE = STREAM_MIDDLEWARE
        try:
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = everything

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Live streams are HTTP only, not {scope['type']}.")
        await self.handle(scope, receive, send)
