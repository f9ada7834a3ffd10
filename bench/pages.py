"""Server-side cost of the newsroom's pages on the demo data: queries and render time.

Run with `make bench-pages` (or `.venv/bin/python bench/pages.py`). It builds the demo
newsroom in a throwaway SQLite database (or the one DATABASE_URL names, which must be
empty), then renders each page through Django's test client, which measures the
application without a network or an app server in the way. The full load harness,
with a production server and a load generator, is `make bench` (issue 8).
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="broadsheet-bench-"))
    os.environ.setdefault("BROADSHEET_VAR_DIR", str(workdir))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    # Render time is what this measures: pages are rendered every time, except in the
    # rows marked "from the page cache", which switch the cache on.
    os.environ.setdefault("PAGE_CACHE", "0")
    os.environ.setdefault("TASKS_BACKEND", "immediate")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo", verbosity=0)

    from broadsheet.engagement.models import Discussion
    from broadsheet.newsroom.models import ArticlePage, SectionPage

    article = ArticlePage.objects.live().order_by("-first_published_at").first()
    busiest = Discussion.objects.order_by("-comment_count").first()
    busy_article = ArticlePage.objects.get(pk=busiest.page_id)
    section = SectionPage.objects.live().first()
    pages = {
        "home": "/",
        "section": section.url,
        "article": article.url,
        f"article with {busiest.comment_count} comments": busy_article.url,
        "api comments (page 1)": f"/api/v1/articles/{busy_article.pk}/comments",
        "api session": f"/api/v1/session?page={busy_article.pk}",
        "search page (q=harbour)": "/search/?q=harbour",
        "api search (q=harbour)": "/api/v1/search?q=harbour",
        "api related": f"/api/v1/articles/{article.pk}/related",
        "rss feed": "/feed/",
        "author": "/authors/mara-lind/",
        "api articles (limit 20)": "/api/v1/articles?limit=20",
        "sitemap": "/sitemap.xml",
    }
    client = Client()

    def measure(url: str) -> dict:
        assert client.get(url).status_code == 200, url  # warm: renditions, caches
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries)  # before the next request resets the query log
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        return {
            "queries": query_count,
            "p50_ms": round(statistics.median(timings), 2),
            "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 2),
        }

    results = {name: measure(url) for name, url in pages.items()}
    from django.conf import settings

    settings.PAGE_CACHE = True
    results["article from the page cache"] = measure(article.url)
    results["home from the page cache"] = measure("/")
    settings.PAGE_CACHE = False

    print(f"| page | queries | p50 ms | p99 ms |  ({connection.vendor}, {ROUNDS} rounds)")
    print("|---|---:|---:|---:|")
    for name, row in results.items():
        print(f"| {name} | {row['queries']} | {row['p50_ms']} | {row['p99_ms']} |")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "pages.json").write_text(
        json.dumps({"database": connection.vendor, **results}, indent=2)
    )


if __name__ == "__main__":
    sys.exit(main())
