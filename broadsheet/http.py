"""Request helpers every app's views and API share: Django's CSRF check run by hand, where
a post came from, and the API's refusal. One module of the project package, so that no
app reaches into another's views for them (docs/architecture.md)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.http import is_same_domain
from ninja.errors import HttpError
from pydantic import BaseModel


def csrf_ok(request: HttpRequest) -> bool:
    """Django's own CSRF check, run by hand in views that must not fail hard on it."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is None


def _is_our_origin(request: HttpRequest, url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin == f"{request.scheme}://{request.get_host()}".lower():
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:  # as Django's CSRF check allows them
        scheme, _, host = trusted.lower().partition("://")
        if scheme == parts.scheme.lower() and is_same_domain(parts.netloc.lower(), host):
            return True
    return False


def from_our_pages(request: HttpRequest) -> bool:
    """Whether a POST came from one of our own pages, as the browser tells it: its
    Sec-Fetch-Site, else its Origin, else its Referer. Only such a post may be answered
    with a page that repeats what it carried, one click from doing it. A post with none
    of the three (browsers before 2020, or a client that is not a browser) counts as
    ours over plain HTTP only: over HTTPS, browsers send Origin or Referer unless told
    to hide them, and Django's CSRF check refuses a post without both anyway."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE", "")
    if fetch_site == "same-origin":
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return _is_our_origin(request, origin)  # "null" (sandboxes, data: pages) is not
    if fetch_site:
        return False  # cross-site, same-site (another subdomain) or none (typed)
    referer = request.META.get("HTTP_REFERER")
    if referer:
        return _is_our_origin(request, referer)
    return not request.is_secure()


FROM_ELSEWHERE = (
    "This was sent to us from another site, so nothing was done and nothing of it is "
    "shown here. If you meant to do it, do it from the article itself."
)


class Answer(BaseModel):
    """The shape of an API answer that a view builds from plain values (dicts, numbers,
    strings; never ORM rows), checked by pydantic's own core. django-ninja's Schema, made
    to read ORM rows, wraps every value it checks, dicts too, in a getter that reads each
    field in Python: for the 300 comments of a thread that was half the answer's CPU.
    Request schemas stay django-ninja's, so its parsing and messages are unchanged."""


class ApiError(HttpError):
    """An HttpError carrying a message per field, rendered by the API's error handler."""

    def __init__(self, status: int, errors: dict[str, str]):
        super().__init__(status, " ".join(errors.values()))
        self.errors = errors


def require_csrf(request: HttpRequest) -> None:
    """API writes check Django's CSRF token; the refusal says how to get one."""
    if not csrf_ok(request):
        raise ApiError(403, {"csrf": "CSRF token missing or incorrect: GET /api/v1/session first."})


@dataclass(frozen=True)
class QuickWrite:
    """One API write the API lane answers without resolving its URL: its route under the
    API's root (django-ninja's spelling: "/comments/{comment_id}/vote", each {name} an
    id), its view, the schema of its body and that of its answer."""

    route: str
    view: object
    body: type
    answer: type
    method: str = "POST"
