"""The one reader API, mounted at /api/v1/.

Each app contributes a router from its own `api.py`; this module only assembles them
and decides how errors look, so every endpoint answers bad input the same way: 400 with
a message a developer can act on (django-ninja's default would be 422).
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from broadsheet.newsroom.api import router as newsroom_router

api = NinjaAPI(
    title="Broadsheet reader API",
    version="1",
    urls_namespace="api-v1",
    description="Read articles; later: comments, ratings, subscriptions.",
)


@api.exception_handler(ValidationError)
def bad_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query",))
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
    return api.create_response(
        request, {"detail": "; ".join(problems), "errors": exc.errors}, status=400
    )


api.add_router("/", newsroom_router)
