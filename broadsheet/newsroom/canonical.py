"""The site's canonical addresses: what structured data, share tags, feeds and sitemaps
name, whichever host name a page was reached through. Below the models (which name the
share image) and everything that builds on them."""

from urllib.parse import urljoin

from django.http import HttpRequest
from wagtail.models import Site

# The lead image's size in structured data, share tags, feeds and sitemaps.
LEAD_IMAGE_RENDITION = "width-1200"


def canonical_url(request: HttpRequest, path: str) -> str:
    """An absolute URL on the site's configured host (Wagtail's Site), not the request's.

    Structured data and share tags must name the canonical address even when the page
    was reached through another host name; URLs that are already absolute (media on a
    CDN) are kept as they are.
    """
    site = Site.find_for_request(request)
    base = site.root_url if site else request.build_absolute_uri("/")
    return urljoin(base + "/", path)
