"""Whole-page cache for anonymous readers, kept right by version counters.

Pages that may be cached say what they depend on, in an internal response header set by
their view (stripped before the response leaves): an article depends on its own version
(bumped when it is published or its discussion or rating changes) and on the site's
publication counter (related stories, section lists); home, section, author and tag
pages depend on the listings counter (bumped by every publication and every discussion
change, since they show comment counts and latest comments). An entry is served only
while the counters it was rendered under are unchanged, so there is nothing to find and
delete on invalidation: one new value makes every affected entry stale at once. Entries
also expire after PAGE_CACHE_SECONDS, which bounds the one race left (a change during a
page's very first render).

Only anonymous requests are served from the cache or stored in it: no session cookie,
no Authorization header, a GET or HEAD, and query parameters the pages use. Responses
are stored only when they set no cookie. Cache-Control lets a CDN keep pages for
CDN_MAX_AGE seconds (it must pass requests carrying the session cookie through), and
Surrogate-Key / Cache-Tag name the page so that a CDN purge can target it.

A browser that has something of its own on an article (a comment it posted, perhaps
held for review) carries the OWN_PAGES_COOKIE, a signed list of those articles' ids:
those articles are rendered afresh for it (its held comments shown, no vote buttons on
its own comments) and never stored or served from the cache, whether it runs JavaScript
or not. Every other page, and every other reader, still gets the cached copy.

Each process also keeps the last PAGE_CACHE_LOCAL_ENTRIES entries it served in memory:
a hit then reads only the small version counters from the shared cache, not the page
(tens of kilobytes, unpickled) each time. A local copy obeys the same rule as the shared
entry (served only while its counters are unchanged, never past its expiry), so it is
exactly as fresh.

When the database is down (broadsheet/outages.py answers 503), a page whose entry is
no longer fresh is served from that entry anyway, marked stale (`X-Cache: stale`, its
`Age`, `Warning: 111`, `Cache-Control: no-store`) rather than not at all: entries are
kept PAGE_CACHE_STALE_SECONDS beyond their freshness for that, and freshness is checked
on every hit (counters unchanged, PAGE_CACHE_SECONDS not past).
"""

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from broadsheet import compression, csp

log = logging.getLogger(__name__)

DEPENDS = "X-Broadsheet-Depends"  # internal: set by views, removed before sending
# Internal too: cookies whose bearers get their own version of a response (a guest sees
# their own held comments in the comments API), so the shared one is not for them.
UNLESS = "X-Broadsheet-Unless-Cookie"
PUBLISHED = "pagecache:published"
LISTINGS = "pagecache:listings"
QUERY_ALLOWED = {"cpage", "sort", "page", "q", "section", "from", "to"}


OWN_PAGES_COOKIE = "bs_own"
OWN_PAGES_SALT = "broadsheet.pagecache.own-pages"
OWN_PAGES_KEPT = 50  # the newest articles a browser commented on; older ones cache again
OWN_PAGES_AGE = 365 * 24 * 3600
_PAGE_KEY = re.compile(r"^pagecache:page:(\d+)$")


def page_key(page_id: int) -> str:
    return f"pagecache:page:{page_id}"


def own_pages(request: HttpRequest) -> list[int]:
    """The articles this browser has something of its own on, newest first (read once
    per request; a forged or stale cookie counts as none)."""
    found = getattr(request, "_own_pages", None)
    if found is None:
        found = []
        raw = request.COOKIES.get(OWN_PAGES_COOKIE)
        if raw:
            try:
                value = signing.loads(raw, salt=OWN_PAGES_SALT, max_age=OWN_PAGES_AGE)
                found = [int(pk) for pk in value if isinstance(pk, int)][:OWN_PAGES_KEPT]
            except (signing.BadSignature, TypeError, ValueError):
                found = []
        request._own_pages = found
    return found


def is_own_page(request: HttpRequest, page_id: int) -> bool:
    return page_id in own_pages(request)


def remember_own_page(request: HttpRequest, response: HttpResponse, page_id: int) -> None:
    """This browser now has something of its own on `page_id` (say, a held comment):
    from now on that article is rendered for it alone."""
    pages = [page_id, *(pk for pk in own_pages(request) if pk != page_id)][:OWN_PAGES_KEPT]
    response.set_cookie(
        OWN_PAGES_COOKIE,
        signing.dumps(pages, salt=OWN_PAGES_SALT),
        max_age=OWN_PAGES_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _personal(request: HttpRequest, depends: list[str]) -> bool:
    """Whether a page depending on `depends` is this browser's own version."""
    if OWN_PAGES_COOKIE not in request.COOKIES:
        return False
    for key in depends:
        match = _PAGE_KEY.match(key)
        if match and is_own_page(request, int(match[1])):
            return True
    return False


def depends_on_page(response: HttpResponse, page_id: int) -> HttpResponse:
    response[DEPENDS] = f"{page_key(page_id)} {PUBLISHED}"
    response["Surrogate-Key"] = response["Cache-Tag"] = f"page-{page_id} articles"
    return response


def depends_on_thread(response: HttpResponse, page_id: int, unless_cookie: str) -> HttpResponse:
    """An API view of an article's discussion, shared by readers without `unless_cookie`;
    kept by this cache only (a CDN cannot tell those readers apart)."""
    response[DEPENDS] = page_key(page_id)
    response[UNLESS] = unless_cookie
    return response


def depends_on_listings(response: HttpResponse, tag: str = "listings") -> HttpResponse:
    response[DEPENDS] = LISTINGS
    response["Surrogate-Key"] = response["Cache-Tag"] = f"{tag} listings"
    return response


def fresh_version() -> int:
    """A counter value no entry was rendered under: 62 random bits (an integer Redis and
    the database cache can still increment, as another process's older code would)."""
    return secrets.randbits(62)


def bump(*keys: str) -> None:
    """Move version counters on: what was kept under their old values goes stale. Kept
    things are only compared for equality with the counters, so a bump is one write of
    a new value (one upsert with the database cache, where an increment was a read and
    a compare-and-set; one command with Redis), not an increment. The page cache's
    counters and the kept fragments' (broadsheet/fragmentcache.py) move this way."""
    cache.set_many(dict.fromkeys(keys, fresh_version()), timeout=None)


def page_changed(page_id: int, listings: bool = True) -> None:
    """An article's page or discussion changed: its entry goes stale, and every listing
    unless the change is none a listing shows (a vote, a rating: listings show comment
    counts and the latest comments)."""
    bump(page_key(page_id), *([LISTINGS] if listings else []))


def purge_cdn(page_id: int) -> None:
    """Ask the CDN to drop an article whose discussion changed (Wagtail's frontend cache,
    by a background task; Wagtail itself purges on publication). Listings at the CDN
    catch up within CDN_MAX_AGE."""
    if not settings.WAGTAILFRONTENDCACHE:
        return
    from wagtail.contrib.frontend_cache.utils import purge_page_from_cache
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    if page is not None:
        purge_page_from_cache(page)


def published() -> None:
    """A publication or unpublication: every page that lists or relates articles."""
    bump(PUBLISHED, LISTINGS)


def published_copy(key: str) -> tuple[object, object]:
    """The publication counter's value (started when missing) and the cache entry `key`,
    in one round trip: for copies of published state kept in the cache under the
    counter's value, as the cached pages are (engagement's stored_comments_state). The
    counter is None while the shared cache is out of reach: keep no copy then."""
    found = cache.get_many([PUBLISHED, key])
    version = found.get(PUBLISHED)
    if version is None:
        version = versions([PUBLISHED], start=True)[0]
    return version, found.get(key)


def _entry_key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}{request.get_full_path()}"
    return "pagecache:entry:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _cacheable_request(request: HttpRequest) -> bool:
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False  # a signed-in reader or editor, or one with a message waiting
    if "HTTP_AUTHORIZATION" in request.META or request.headers.get("HX-Request"):
        return False
    return all(name in QUERY_ALLOWED for name in request.GET)


class _LocalEntries:
    """The newest entries this process served, bounded in number (least recently used
    leave first); guarded by a lock for threaded workers."""

    def __init__(self):
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.get("kept", entry["expires"]) <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, key: str, entry: dict) -> None:
        limit = settings.PAGE_CACHE_LOCAL_ENTRIES
        if limit <= 0 or "expires" not in entry:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > limit:
                self._entries.popitem(last=False)


local_entries = _LocalEntries()


def _entry(key: str) -> dict | None:
    entry = local_entries.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry:
            local_entries.put(key, entry)
    return entry


def versions(keys: list[str], start: bool = False) -> list:
    """The counters' values; with `start`, missing ones are started (with a fresh value,
    so an entry kept before a counter was evicted never matches its new value)."""
    found = cache.get_many(keys)
    if start:
        for key in keys:
            if found.get(key) is None:
                cache.add(key, fresh_version(), timeout=None)
                found[key] = cache.get(key)
    return [found.get(key) for key in keys]


class AnonymousPageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            response = self.get_response(request)
            if DEPENDS in response and "Cache-Control" not in response:
                response["Cache-Control"] = "private, no-cache"  # never into a CDN
            return self._finish(response, cached=None)
        key = _entry_key(request)
        entry = _entry(key)
        if entry and (
            any(name in request.COOKIES for name in entry.get("unless", ()))
            or _personal(request, entry["depends"])
        ):
            return self._finish(self._private(self.get_response(request)), cached=None)
        if (
            entry
            and entry["expires"] > time.time()
            and versions(entry["depends"]) == entry["versions"]
        ):
            return self._finish(self._served(entry, request), cached=True)
        # Counters are read before rendering: a change during the render then makes
        # this entry stale at once instead of hiding behind a fresh counter.
        known = entry["depends"] if entry else [LISTINGS, PUBLISHED]
        before = dict(zip(known, versions(known, start=True), strict=True))
        response = self.get_response(request)
        if entry and getattr(response, "outage", None):
            return self._stale(self._finish(self._served(entry, request), cached=True), entry)
        depends = response.get(DEPENDS, "").split()
        if depends and _personal(request, depends):
            return self._finish(self._private(response), cached=None)
        if depends and self._storable(response):
            after = versions(depends, start=True)
            rendered_under = [before.get(k, v) for k, v in zip(depends, after, strict=True)]
            if None in rendered_under:
                # The shared cache is out of reach (broadsheet/redis_cache.py): with no
                # counters to check it against later, the page is served, not kept.
                return self._finish(response, cached=False)
            headers = [
                (name, value)
                for name, value in response.items()
                if name not in (DEPENDS, UNLESS, "Content-Length", "Date")
            ]
            now = time.time()
            nonce = getattr(request, "csp_nonce", "")
            entry = {
                "content": response.content,
                # Compressed once, here; every hit that takes gzip is served these bytes.
                "gzip": (
                    compression.stored_gzip(response.content, nonce)
                    if compression.compressible(response)
                    else None
                ),
                "status": response.status_code,
                "headers": headers,
                "depends": depends,
                "versions": rendered_under,
                "stored": now,
                "expires": now + settings.PAGE_CACHE_SECONDS,
                # Kept longer than fresh: served, marked stale, while the database is down.
                "kept": now + settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS,
                "unless": response.get(UNLESS, "").split(),
                # The scripts' nonce, replaced by each response's own when served.
                "nonce": nonce,
            }
            cache.set(
                key, entry, timeout=settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS
            )
            local_entries.put(key, entry)
            if entry["gzip"] and compression.accepts_gzip(request):
                compression.serve_stored(response, entry["gzip"], nonce)
            return self._finish(response, cached=False)
        return self._finish(response, cached=None)

    @staticmethod
    def _served(entry: dict, request: HttpRequest) -> HttpResponse:
        stored_gzip = entry.get("gzip")
        if stored_gzip and compression.accepts_gzip(request):
            response = HttpResponse(status=entry["status"])
            for name, value in entry["headers"]:
                response[name] = value
            compression.serve_stored(response, stored_gzip, getattr(request, "csp_nonce", ""))
        else:
            content = csp.reissue_nonce(entry["content"], entry.get("nonce", ""), request)
            response = HttpResponse(content, status=entry["status"])
            for name, value in entry["headers"]:
                response[name] = value
        if entry.get("unless"):
            response[UNLESS] = " ".join(entry["unless"])
        return response

    @staticmethod
    def _stale(response: HttpResponse, entry: dict) -> HttpResponse:
        """The copy held, served because the page cannot be rendered now (outages.py)."""
        response["X-Cache"] = "stale"
        response["Age"] = str(max(0, int(time.time() - entry.get("stored", time.time()))))
        response["Warning"] = '111 - "Revalidation Failed"'
        response["Cache-Control"] = "no-store"  # no CDN keeps it past the outage
        return response

    @staticmethod
    def _private(response: HttpResponse) -> HttpResponse:
        if DEPENDS in response:
            response["Cache-Control"] = "private, no-cache"  # this browser's own version
        return response

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        # Vary: Cookie is there because the template asked who the user is (the
        # editors' bar); requests without a session cookie all get the same page, and
        # only those are stored here or served from here.
        return response.status_code == 200 and not response.streaming and not response.cookies

    @staticmethod
    def _finish(response: HttpResponse, cached: bool | None) -> HttpResponse:
        depends = response.get(DEPENDS)
        if depends is not None:
            del response[DEPENDS]
        personal = response.get(UNLESS)
        if personal is not None:
            del response[UNLESS]
        if cached is None:
            return response
        response["X-Cache"] = "hit" if cached else "miss"
        if personal:
            response["Cache-Control"] = "private, no-cache"
            return response
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        vary = [v for v in vary if v.lower() != "cookie"]  # else no CDN would keep it
        if vary:
            response["Vary"] = ", ".join(vary)
        elif "Vary" in response:
            del response["Vary"]
        response["Cache-Control"] = (
            f"public, max-age=0, s-maxage={settings.CDN_MAX_AGE}, "
            f"stale-while-revalidate={settings.CDN_MAX_AGE}"
        )
        return response
