"""Parts of pages that are the same for every reader until the newsroom changes
something, kept between renders in each process.

An article the page cache cannot serve (a signed-in reader, a browser with comments of
its own there, the first reader after a new comment, a crawler's odd query string) used
to rebuild everything around its discussion on every render: the head and its
structured data, the masthead's sections, the byline, the body and its pictures'
renditions, the corrections, the related stories: about twenty queries and most of the
template work, for HTML that changes only when an editor acts. Those parts are now kept
as rendered (`{% fragment %}` in the templates, `remember()` in code), and only the
discussion (comments, rating, the live bar) and what is per response (the CSP nonce,
the year in the footer) are rendered each time.

Kept right by one counter in the shared cache, the site's content version: every change
an editor can make to what a fragment shows moves it (the receivers connected in
`broadsheet/newsroom/apps.py`: any page saved, moved, published, unpublished or deleted;
authors, calls to action, publication settings, pictures, tags, sites and view
restrictions saved or deleted; related lists recomputed, by
`broadsheet/discovery/services.py`). A render reads the counter once (one cache read)
and uses only fragments rendered under the value it read, so there is nothing to find
and delete: one increment makes every fragment stale, in every process at once.
Comments, votes and ratings do not move it; they are never inside a fragment.

The counter is moved as soon as the change is made and again when its transaction
commits: a render that read the first value while the change was still uncommitted may
have kept the old content under it, and the second move retires that. Changes that no
signal announces (a bulk `update()` in a migration, an edit in the database's shell)
show within PAGE_CACHE_SECONDS, the longest a fragment is kept, as on cached pages.

Fragments live in this process's memory (at most ENTRIES of them, the least recently
used leave first): nothing is pickled or sent anywhere, and a render writes nothing to
the shared cache, so an article on the database cache is still rendered with reads only
(broadsheet/newsroom/tests/test_render_writes.py). When the shared cache is out of
reach (no counter to read) nothing is kept or served from here: the page is rendered
whole, as before.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django import template
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest

from broadsheet import pagecache

VERSION_KEY = "fragments:content"
ENTRIES = 2000  # per process: an article keeps about ten (a few tens of KB), so ~200 articles


class _Kept:
    """The newest fragments, bounded in number, guarded by a lock for threaded workers."""

    def __init__(self):
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return False, None
            self._entries.move_to_end(key)
            return True, entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, value)
            self._entries.move_to_end(key)
            while len(self._entries) > ENTRIES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


kept = _Kept()


def version(request: HttpRequest | None) -> int | None:
    """The content version this request renders under: read once per request (started,
    from the clock, when missing or evicted, so no fragment kept before matches it).
    None when the shared cache cannot say, without a request, and for an editor's
    preview (a draft under the live page's id: never kept, never served kept parts)."""
    if request is None or getattr(request, "is_preview", False):
        return None
    try:
        return request._fragments_version
    except AttributeError:
        pass
    [found] = pagecache.versions([VERSION_KEY], start=True)
    request._fragments_version = found
    return found


def recall(request: HttpRequest | None, key: tuple) -> tuple[bool, Any]:
    """(True, the value kept under `key` for this request's content version), or
    (False, None)."""
    current = version(request)
    if current is None:
        return False, None
    return kept.get((current, *key))


def keep(request: HttpRequest | None, key: tuple, value: Any) -> None:
    """Keep `value` under `key` for this request's content version. It is shared by
    every later request: never mutate it, and let `key` name everything it depends on
    that the counter does not follow (the page, the site, the host)."""
    current = version(request)
    if current is not None:
        kept.put((current, *key), value)


def remember(request: HttpRequest | None, key: tuple, make: Callable[[], Any]) -> Any:
    """`make()`'s value, kept under `key` (see `keep`)."""
    found, value = recall(request, key)
    if not found:
        value = make()
        keep(request, key, value)
    return value


def site_key(request: HttpRequest) -> Hashable:
    """What makes a fragment's absolute and relative URLs differ between requests: the
    Wagtail site that answers (its root URL), or the host asked for when none does."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    return site.pk if site is not None else request.get_host()


def _bump() -> None:
    pagecache.bump(VERSION_KEY)


def content_changed() -> None:
    """Something fragments show changed: every fragment goes stale, now and again when
    the current transaction commits (see the module docstring)."""
    _bump()
    transaction.on_commit(_bump)


class FragmentNode(template.Node):
    def __init__(self, nodelist, place: tuple, vary_on: list):
        self.nodelist = nodelist
        self.place = place
        self.vary_on = vary_on

    def render(self, context) -> str:
        request = context.get("request")
        values = [value.resolve(context) for value in self.vary_on]
        if request is None or any(value in (None, "") for value in values):
            return self.nodelist.render(context)  # nothing to say what it would be kept for
        key = (*self.place, site_key(request), *values)
        return remember(request, key, lambda: self.nodelist.render(context))


def fragment_tag(parser, token) -> FragmentNode:
    """`{% fragment "name" page.pk ... %}…{% endfragment %}`: what is inside, rendered
    once and kept for the same site, the same values after the name, and the same
    content version; the place in the template is part of the key, so names need not
    be unique. (Wagtail's `{% wagtailpagecache %}` keys on the page's own state, which
    misses bylines, settings and related lists, and stores in a Django cache: a write
    to the database cache on every render that misses.)

    Only for what every reader gets alike and only an editor's change alters: never a
    nonce, a token, anything of the reader's, the discussion or the time. A value that
    resolves to nothing (no such variable) renders the inside afresh. Registered in the
    apps' tag libraries that use it (`newsroom_tags`, `engagement_tags`)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    place = (parser.origin.name if parser.origin else "", token.lineno, bits[1])
    return FragmentNode(nodelist, place, [parser.compile_filter(bit) for bit in bits[2:]])


def _values(instance) -> list:
    return [getattr(instance, field.attname) for field in instance._meta.concrete_fields]


class KeptSiteMiddleware:
    """Wagtail starts every page it serves by finding the request's Site (a query with
    four CASE branches, the costliest to build of the page) and then its root page's
    own row (another query). Which site and root page a host and port lead to is kept
    here, as field values, under the content version (sites and pages saved move it),
    and each request gets instances of its own built from them, in `_wagtail_site`,
    where Wagtail's `Site.find_for_request` keeps what it found for the request.

    Only for requests that reach Wagtail's page view (`process_view`): a page-cache hit,
    the API and the writes never get here and read no content version for it. Last in
    MIDDLEWARE, so nothing has asked for the site before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from wagtail.models import Site
        from wagtail.views import serve

        if view_func is not serve or hasattr(request, "_wagtail_site"):
            return None
        key = ("site", request._get_raw_host(), request.get_port())
        found, rows = recall(request, key)
        if found:
            site_values, root_model, root_values = rows
            site = Site.from_db(DEFAULT_DB_ALIAS, None, site_values)
            site.root_page = root_model.from_db(DEFAULT_DB_ALIAS, None, root_values)
            request._wagtail_site = site
            return None
        site = Site.find_for_request(request)
        if site is not None and site.root_page.localized is site.root_page:
            # No translation to choose by language. `.specific` is what Wagtail's
            # routing reads next; it is kept on the instance, so read only once.
            root = site.root_page.specific
            keep(request, key, (_values(site), type(root), _values(root)))
        return None
