"""deploy/nginx-front-cache.conf in front of a live Broadsheet: nginx (Debian's, with
ngx_cache_purge; `make test` installs both) keeps anonymous article pages, passes
signed-in readers through, and drops a page when Wagtail's frontend cache purges it
after its discussion changed, so a new comment shows at once there too."""

import gzip
import sys
import urllib.request
from pathlib import Path

import pytest

from broadsheet.engagement.tests.conftest import Reader
from broadsheet.newsroom.tests.factories import ArticlePageFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from nginx import free_port, front_cache_server, nginx, wait_for  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fetch(url: str, cookie: str = "") -> tuple[str, str]:
    """(X-Front-Cache, body) for a GET through nginx, as the site's host."""
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Front-Cache"], response.read().decode()


def test_nginx_keeps_anonymous_pages_and_drops_them_when_purged(
    live_server, settings, world, ada, django_capture_on_commit_callbacks
):
    article = ArticlePageFactory(parent=world, authors=[ada], title="Quay talks", slug="quay")
    port = free_port()
    upstream = live_server.url.removeprefix("http://")
    settings.PAGE_CACHE = True
    settings.WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{port}",
        }
    }
    server = front_cache_server(f"127.0.0.1:{port}", upstream, "@ROOT@/cache")
    with nginx(server, with_purge=True):
        url = f"http://127.0.0.1:{port}{article.url}"
        wait_for(url)
        first, _ = fetch(url)
        second, body = fetch(url)
        assert (first, second) == ("MISS", "HIT")
        assert "Quay talks" in body

        # A browser asking for gzip gets the same copy, compressed by nginx (one copy per
        # page, so the purge below reaches it).
        gzipped = urllib.request.Request(url, headers={"Host": "localhost"})
        gzipped.add_header("Accept-Encoding", "gzip, deflate, br")
        with urllib.request.urlopen(gzipped, timeout=10) as response:
            assert response.headers["X-Front-Cache"] == "HIT"
            assert response.headers["Content-Encoding"] == "gzip"
            assert "Quay talks" in gzip.decompress(response.read()).decode()

        # Signed-in readers and editors never get (or fill) the shared copy.
        assert fetch(url, cookie="sessionid=abc")[0] == "BYPASS"

        with django_capture_on_commit_callbacks(execute=True):  # the purge runs on commit
            Reader("198.51.100.30").comment(article, "Seen through the proxy.")
        status, body = fetch(url)
        assert status == "MISS"
        assert "Seen through the proxy." in body
        assert fetch(url)[0] == "HIT"
