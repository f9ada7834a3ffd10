"""Discovery at archive scale: search time, and what a publication's related-article
refresh costs, at 100,000 articles (BENCH_ARTICLES). Run with `make bench-discovery`.

The archive is built once with bulk inserts (Wagtail pages and their search index) into
var/bench/discovery-N.sqlite3, and reused while it exists; DATABASE_URL may name an
empty PostgreSQL database instead. Articles are generated story clusters (bench/related.py's
generator) written over 6 years, with tags. Then, in one process:

- the stored vocabulary is fitted over the archive (background work, once per fifth of
  growth) and loaded back from the database, as a fresh worker process would;
- BENCH_PUBLISHES new articles are published the way editors publish, and the related
  refresh of each is timed: the figure the "under a second at 100,000" target is about;
- each refreshed list is compared with an exhaustive ranking over the whole archive on
  the same vocabulary (recall at 6: how much the search candidates miss);
- the search page, the search API and the search service are timed over a set of queries.

Writes bench/results/discovery.json and prints a table.
"""

import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dataset import build_articles, generated  # noqa: E402

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
PUBLISHES = int(os.environ.get("BENCH_PUBLISHES", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
QUERIES = [
    "flood",
    "strike pay",
    "Harlow",
    "Moravel bridge",
    "election turnout",
    "officials said",
    "firefighters forest smoke",
    "Vosk",
    "court hearing verdict",
    "a word nobody wrote",
]


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def setup_django() -> None:
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var}/discovery-{ARTICLES}.sqlite3")
    os.environ.setdefault("BROADSHEET_VAR_DIR", str(var))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def time_publishes(rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.rich_text import RichText

    from broadsheet.discovery import services
    from broadsheet.discovery.models import RelatedArticle
    from broadsheet.discovery.related import KEEP, Index
    from broadsheet.newsroom.models import ArticlePage, SectionPage

    began = time.perf_counter()
    archive = services.live_docs()
    load_s = time.perf_counter() - began
    began = time.perf_counter()
    services.fit_vocabulary(archive)
    fit_s = time.perf_counter() - began
    services._vocabulary.forget()  # as a fresh worker: read the stored vocabulary back
    began = time.perf_counter()
    vocabulary = services.stored_vocabulary(len(archive))
    vocabulary_load_s = time.perf_counter() - began

    sections = list(SectionPage.objects.live())
    newest = max(doc.published for doc in archive)
    refresh, queries, recalls = [], [], []
    exhaustive = None
    for n, (title, standfirst, body, tag_names, _) in enumerate(generated(rng, PUBLISHES, newest)):
        article = ArticlePage(
            title=title,
            slug=f"new-{n}-{uuid.uuid4().hex[:6]}",
            standfirst=standfirst,
            body=[("paragraph", RichText(f"<p>{body}</p>"))],
        )
        rng.choice(sections).add_child(instance=article)
        article.tags.add(*tag_names)
        article.save_revision().publish()  # the signal's task refreshes once (immediate)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            services.refresh_related(article.pk)
            refresh.append(time.perf_counter() - began)
        queries.append(len(captured))
        if exhaustive is None:
            exhaustive = Index(services.live_docs(), vocabulary)
        else:
            exhaustive = Index(
                [*exhaustive.docs, *services.docs_of(ArticlePage.objects.filter(pk=article.pk))],
                vocabulary,
            )
        exact = {related for related, _ in exhaustive.rank(article.pk, KEEP)}
        stored = set(
            RelatedArticle.objects.filter(article=article).values_list("related_id", flat=True)
        )
        recalls.append(len(exact & stored) / KEEP)
    return {
        "archive_load_s": round(load_s, 1),
        "vocabulary_fit_s": round(fit_s, 1),
        "vocabulary_load_ms": ms(vocabulary_load_s),
        "vocabulary_terms": len(vocabulary.vectorizer.vocabulary_),
        "publishes": len(refresh),
        "refresh_p50_ms": ms(statistics.median(refresh)),
        "refresh_max_ms": ms(max(refresh)),
        "refresh_queries_p50": statistics.median(queries),
        "recall_at_6_vs_exhaustive": round(statistics.mean(recalls), 3),
    }


def time_search() -> dict:
    from django.test import Client

    from broadsheet.discovery.search import SearchError, search_articles

    client = Client()
    page, api, service = [], [], []
    for query in QUERIES:
        client.get("/search/", {"q": query})  # warm
        for _ in range(ROUNDS):
            began = time.perf_counter()
            response = client.get("/search/", {"q": query})
            page.append(time.perf_counter() - began)
            assert response.status_code == 200, query
            began = time.perf_counter()
            response = client.get("/api/v1/search", {"q": query})
            api.append(time.perf_counter() - began)
            assert response.status_code == 200, query
            began = time.perf_counter()
            try:
                results, _ = search_articles(query)
                list(results[:10])
            except SearchError:
                pass
            service.append(time.perf_counter() - began)
    return {
        "queries": len(QUERIES),
        "rounds": ROUNDS,
        "search_page_p50_ms": ms(statistics.median(page)),
        "search_page_p95_ms": ms(percentile(page, 0.95)),
        "search_api_p50_ms": ms(statistics.median(api)),
        "search_api_p95_ms": ms(percentile(api, 0.95)),
        "search_service_p50_ms": ms(statistics.median(service)),
    }


def main() -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from broadsheet.newsroom.models import ArticlePage

    call_command("migrate", verbosity=0)
    existing = ArticlePage.objects.count()
    build_s = None
    if existing == 0:
        print(f"Building an archive of {ARTICLES} articles (once; reused next time)")
        began = time.perf_counter()
        build_articles(ARTICLES, datetime(2020, 11, 1, tzinfo=UTC))
        build_s = round(time.perf_counter() - began, 1)
    elif existing < ARTICLES:
        sys.exit(f"The bench database holds {existing} articles, not {ARTICLES}: remove it.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as after any bulk import
    call_command("collectstatic", interactive=False, verbosity=0)
    live = ArticlePage.objects.live().count()
    results = {
        "database": connection.vendor,
        "articles": live,
        "build_s": build_s,
        **time_search(),
        **time_publishes(random.Random(7)),
    }
    rows = [
        ("live articles", f"{live:,}"),
        (
            "search page, p50 / p95",
            f"{results['search_page_p50_ms']} / {results['search_page_p95_ms']} ms",
        ),
        (
            "search API, p50 / p95",
            f"{results['search_api_p50_ms']} / {results['search_api_p95_ms']} ms",
        ),
        (
            "related refresh per publication, p50 / max",
            f"{results['refresh_p50_ms']} / {results['refresh_max_ms']} ms",
        ),
        ("queries per related refresh (p50)", f"{results['refresh_queries_p50']:.0f}"),
        (
            "related lists vs exhaustive ranking, recall at 6",
            f"{results['recall_at_6_vs_exhaustive']:.3f}",
        ),
        ("vocabulary fit over the archive (background)", f"{results['vocabulary_fit_s']} s"),
        ("vocabulary load in a fresh worker", f"{results['vocabulary_load_ms']} ms"),
    ]
    print(f"| discovery at scale ({connection.vendor}) | value |")
    print("|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "discovery.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
