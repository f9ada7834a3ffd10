"""Content-Security-Policy on every response, with a fresh script nonce per response.

Why a small middleware and not django-csp: Django 5.2 has no CSP of its own (Django 6.0
adds one, configured much like this), and what we need is mostly what django-csp's
extension points would have to be bent to: one policy for the public site and one for
the Wagtail admin, `frame-ancestors` that follows the framing the view allowed, and the
whole-page cache handing each copy of a stored page this response's nonce
(`reissue_nonce`). About sixty lines, no dependency.

Public pages and the API (`public_policy`): scripts run if they carry this response's
nonce or come from the site itself; an inline script without the nonce, which is what
injected HTML would be, never runs, and nothing uses 'unsafe-inline' or eval. Our
templates give every script tag the nonce (`{{ csp_nonce }}`, and django-htmx's
`{% htmx_script %}` reads the same context variable); 'self' is there for the
same-origin scripts of templates we do not write (the Wagtail user bar editors see on
public pages, allauth's account pages, the API docs). JSON-LD blocks are data, not
scripts: browsers do not run them, so script-src does not apply to them and they carry
no nonce. Nobody may frame the public site (`frame-ancestors 'none'`, and
X-Frame-Options DENY from Django's middleware for older browsers).

The Wagtail admin (`admin_policy`) writes inline scripts in its own templates and
widgets (date pickers, inline panels, choosers): it needs 'unsafe-inline' for scripts
and styles, and a nonce in the policy would make browsers ignore 'unsafe-inline', so the
admin gets none. It is used only by signed-in staff, and reader text reaches it only
through the same sanitizer as the public pages. Its previews are the one thing framed,
by the admin's own preview panel: Wagtail marks those responses X-Frame-Options
SAMEORIGIN, and `frame-ancestors` follows it ('self' there, 'none' everywhere else).
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

HEADER = "Content-Security-Policy"


def _media_origins() -> list[str]:
    """Media on a CDN or object store (a full MEDIA_URL) is another origin."""
    parts = urlsplit(settings.MEDIA_URL)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


def _form_targets() -> list[str]:
    # A social sign-in posts here and is redirected to the provider, which Chrome
    # checks against form-action too.
    return ["https:"] if settings.SOCIAL_PROVIDERS else []


def public_policy(nonce: str, framing: str) -> dict[str, list[str]]:
    media = _media_origins()
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *media],
        "media-src": ["'self'", *media],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],  # ALTCHA's proof-of-work, from our static files
        # Editors' embeds (video players) are frames from their providers.
        "frame-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'", *_form_targets()],
        "frame-ancestors": [framing],
    }


def admin_policy(framing: str) -> dict[str, list[str]]:
    media = _media_origins()
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *media],
        "media-src": ["'self'", *media],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [framing],
    }


def nonce(request: HttpRequest) -> dict[str, str]:
    """Context processor: `csp_nonce`, the nonce of this response's scripts."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def reissue_nonce(content: bytes, stored_nonce: str, request: HttpRequest) -> bytes:
    """A stored page's scripts carry the nonce of the response they were rendered for:
    give them this response's instead, so no two responses share one. Only the exact
    attribute the template wrote is replaced (the nonce was unguessable when stored)."""
    fresh = getattr(request, "csp_nonce", "")
    if not stored_nonce or not fresh:
        return content
    return content.replace(f'nonce="{stored_nonce}"'.encode(), f'nonce="{fresh}"'.encode())


class ContentSecurityPolicyMiddleware:
    """Gives each request a nonce and each response the policy for its part of the site
    (outermost, so pages from the whole-page cache get it too)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("wagtailadmin_home")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        # Set, or set again: Wagtail renders a preview by running a request for the
        # page's public URL through the middleware inside the admin's request, and the
        # policy that counts is the one for the request the browser made.
        framing = "'self'" if response.get("X-Frame-Options") == "SAMEORIGIN" else "'none'"
        if request.path.startswith(self.admin_prefix):
            directives = admin_policy(framing)
        else:
            directives = public_policy(request.csp_nonce, framing)
        response[HEADER] = "; ".join(
            " ".join([name, *sources]) for name, sources in directives.items()
        )
        return response
