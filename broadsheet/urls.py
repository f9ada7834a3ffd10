from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from broadsheet.api import api


@never_cache
def health(request):
    """For load balancers and the bench: the app answers and its database does (200
    "ok", else 503). The site serves without its cache, so an unreachable Redis leaves
    the answer 200 and says "cache: degraded" in a second line and the Broadsheet-Cache
    header ("ok" otherwise), for monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    ping = getattr(cache, "ping", None)  # the Redis cache's (broadsheet/redis_cache.py)
    if ping is not None and not ping():
        response = HttpResponse("ok\ncache: degraded\n", content_type="text/plain")
        response["Broadsheet-Cache"] = "degraded"
        return response
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Broadsheet-Cache"] = "ok"
    return response


# An outage raised outside a view (a session saved by its middleware) is a 503 too.
handler500 = "broadsheet.outages.server_error"

urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("broadsheet.engagement.urls")),
    path("", include("broadsheet.live.urls")),
    path("", include("broadsheet.notifications.urls")),
    path("", include("broadsheet.moderation.urls")),
    path("", include("broadsheet.discovery.urls")),
    path("", include("broadsheet.newsroom.urls")),
]


def local_media(request, path):
    # MEDIA_ROOT is read per request, so tests that move it are served from the new place.
    return serve_media(request, path, document_root=settings.MEDIA_ROOT)


if settings.MEDIA_URL.startswith("/"):
    # Media on local disk is served by the app (small sites, `make run`, tests); at scale
    # MEDIA_URL points at object storage behind a CDN and this route disappears.
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", local_media))

urlpatterns.append(path("", include(wagtail_urls)))
