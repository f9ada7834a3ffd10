"""The ASGI application: the live streams (`/live/`) by their own lean handler
(broadsheet/live/asgi.py), everything else by Django's. `broadsheet serve` runs it for
the streams beside gunicorn's sync workers for pages (see docs/deployment.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
pages = get_asgi_application()  # calls django.setup()

from broadsheet.live.asgi import StreamHandler  # noqa: E402 - needs the apps loaded

streams = StreamHandler()
LIVE_PREFIX = "/live/"


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(LIVE_PREFIX):
        return await streams(scope, receive, send)
    if scope["type"] == "lifespan":  # nothing to set up or tear down
        message = await receive()
        while message["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return None
    return await pages(scope, receive, send)
