"""The one reader API, mounted at /api/v1/.

Each app contributes a router from its own `api.py`; this module only assembles them
and decides how errors look, so every endpoint answers bad input the same way: 400 with
a message a developer can act on (django-ninja's default would be 422), and every
refusal, whatever raised it, in one shape (broadsheet.refusals.Refusal), which the
OpenAPI document describes for each endpoint.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from broadsheet.discovery.api import router as discovery_router
from broadsheet.engagement.api import QUICK_WRITES as ENGAGEMENT_QUICK_WRITES
from broadsheet.engagement.api import router as engagement_router
from broadsheet.http import ApiError
from broadsheet.moderation.api import router as moderation_router
from broadsheet.newsroom.api import router as newsroom_router
from broadsheet.notifications.api import router as notifications_router
from broadsheet.outages import API_ERRORS, api_outage
from broadsheet.ratelimit import RateLimited

api = NinjaAPI(
    title="Broadsheet reader API",
    version="1",
    urls_namespace="api-v1",
    description="Articles, and the discussions under them.",
)


@api.exception_handler(ValidationError)
def bad_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        # loc is (source, [parameter,] field...): "query"/"body"/"path" first, field last.
        location = [str(part) for part in error.get("loc", ())][1:]
        where = location[-1] if location else "form"
        errors.setdefault(where, error.get("msg", "invalid"))
    detail = "; ".join(f"{where}: {message}" for where, message in errors.items())
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(ApiError)
def refused(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc), "errors": exc.errors}, status=exc.status_code
    )


@api.exception_handler(HttpError)
def other_refusal(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja's own (and a view's plain HttpError): the same shape as ours.
    return api.create_response(request, {"detail": str(exc), "errors": {}}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found.", "errors": {}}, status=404)


@api.exception_handler(MultiPartParserError)
def unreadable(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A body that claims to be a form and is not one (the CSRF check reads forms).
    detail = "The request body could not be read: send JSON, as Content-Type says."
    return api.create_response(request, {"detail": detail, "errors": {}}, status=400)


@api.exception_handler(RateLimited)
def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(
        request, {"detail": str(exc), "errors": {"rate": str(exc)}}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


for error in API_ERRORS:
    # The database or the disk failed: 503 JSON with Retry-After (broadsheet/outages.py).
    api.add_exception_handler(error, api_outage)

api.add_router("/", newsroom_router)
api.add_router("/", engagement_router)
api.add_router("/", discovery_router)
api.add_router("/", notifications_router)
api.add_router("/", moderation_router)

# Writes the API lane answers without URL resolution (broadsheet/lanes.py).
QUICK_WRITES = ENGAGEMENT_QUICK_WRITES
