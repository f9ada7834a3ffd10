"""CPU time an uncached article page costs, by the number of comments it shows (issue 19).

    .venv/bin/python bench/render_cost.py                 # 40 and 300 comments, 30 renders each
    BENCH_ROUNDS=100 .venv/bin/python bench/render_cost.py
    .venv/bin/python bench/render_cost.py --snapshot DIR  # also write the pages' HTML to DIR

It builds the demo newsroom in `var/render-bench/` (SQLite, kept between runs; delete the
folder to rebuild) and gives two of its articles a discussion of 40 and of 300 comments
as readers leave them: threads three and four deep and past the deepest level shown,
votes, comments on passages (one since corrected, one a newsroom question, one on a
passage a correction removed), edits, a removed comment kept for its replies, signed-in
and guest authors with and without a website, and a few comments of one guest still held
for review (shown only to that guest). Every comment is shown (`COMMENTS_PAGE_SIZE`
1000) and the page cache is off, so each request renders the whole page, as a cache miss
or a signed-in reader does.

Each figure is the CPU time of this process (`time.process_time`) per request through
Django's test client: the middleware, Wagtail's routing, the queries and the templates,
no network and no app server. The slope between the two articles is the cost of one more
comment. `--snapshot` writes each page and fragment (anonymous, for the guest with held
comments, htmx thread and load-more fragments) with the per-request nonce blanked, so
two builds' outputs can be compared byte for byte (`diff -r`).

`build_discussion()` and `cpu_per_request()` are importable (bench/ is on sys.path when
run from it) for a harness that wants the same dataset.
"""

import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
# BENCH_SIZES=0,40,300 adds an article without comments: the rest of the page alone.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "40,300").split(","))
# The guest with held comments (their identity cookie; a bench-only value).
VIEWER_TOKEN = "render-bench-viewer-token-0123456789abcdef"  # noqa: S105
PROJECT = Path(__file__).resolve().parent.parent

WORDS = [
    "the",
    "harbour",
    "council",
    "vote",
    "said",
    "budget",
    "ferry",
    "crossing",
    "tide",
    "night",
    "shift",
    "workers",
    "union",
    "minister",
    "promised",
    "review",
    "fares",
    "would",
    "rise",
    "spring",
    "port",
    "trust",
    "figures",
    "showed",
    "cargo",
    "fell",
    "while",
    "tourism",
    "grew",
    "residents",
    "asked",
    "why",
    "consultation",
    "ended",
    "early",
    "and",
    "whether",
    "anyone",
    "read",
]


def _setup() -> None:
    os.environ.setdefault("BROADSHEET_VAR_DIR", str(PROJECT / "var" / "render-bench"))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("PAGE_CACHE", "0")
    os.environ.setdefault("COMMENTS_PAGE_SIZE", "1000")
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import django

    django.setup()


def _text(rng: random.Random) -> str:
    """A comment as readers write one: a sentence or a few short paragraphs, now and
    then a link, emphasis or a quoted line (markdown, as the form takes it)."""
    paragraphs = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 40))]
        if rng.random() < 0.15:
            words[rng.randrange(len(words))] = "*" + rng.choice(WORDS) + "*"
        paragraphs.append(" ".join(words).capitalize() + ".")
    if rng.random() < 0.1:
        paragraphs.append("See https://example.org/report for the figures.")
    if rng.random() < 0.05:
        paragraphs.insert(0, "> " + " ".join(rng.choice(WORDS) for _ in range(10)))
    return "\n\n".join(paragraphs)


def build_discussion(article, count: int, seed: int = 19) -> None:
    """Replace `article`'s comments with `count` approved ones in threads (plus three of
    one guest's held for review), with the stored counts the services keep."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from broadsheet.engagement.identity import keyed_hash
    from broadsheet.engagement.models import Annotation, Comment, Discussion
    from broadsheet.engagement.rendering import render_comment

    rng = random.Random(seed + count)
    users = [get_user_model().objects.get_or_create(username=f"reader{n}")[0] for n in range(12)]
    viewer_key = keyed_hash("reader", VIEWER_TOKEN)
    start = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    plain = article.plain_text() if hasattr(article, "plain_text") else article.title
    with transaction.atomic():
        Comment.objects.filter(page_id=article.pk).delete()
        if not count:
            Discussion.objects.filter(page_id=article.pk).delete()
            return
        made: list[Comment] = []
        for n in range(count):
            parent = None
            roll = rng.random()
            if made and roll < 0.3:
                parent = rng.choice([c for c in made if c.depth == 0] or made)
            elif made and roll < 0.4:
                parent = rng.choice(made)
            elif made and roll < 0.45:
                parent = made[-1]  # chains that go past the deepest level shown
            author = {}
            if rng.random() < 0.35:
                author["user"] = rng.choice(users)
            else:
                author["guest_name"] = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
                author["guest_email"] = f"guest{n}@example.org"
                author["guest_key"] = keyed_hash("reader", f"guest-{n % 50}")
                if rng.random() < 0.3:
                    author["guest_url"] = f"https://example.org/~{n}"
            up, down = rng.randint(0, 25), rng.randint(0, 6)
            created = start + timedelta(minutes=7 * n + rng.randint(0, 6), seconds=n)
            body = _text(rng)
            comment = Comment.objects.create(
                page_id=article.pk,
                parent=parent,
                thread_id=(parent.thread_id or parent.pk) if parent else None,
                depth=parent.depth + 1 if parent else 0,
                body=body,
                body_html=render_comment(body),
                created_at=created,
                edited_at=created + timedelta(minutes=3) if rng.random() < 0.1 else None,
                upvotes=up,
                downvotes=down,
                score=up - down,
                **author,
            )
            made.append(comment)
        # Held comments of the viewing guest: one thread, one reply.
        first_top = next(c for c in made if c.depth == 0)
        for n, parent in enumerate((None, first_top, None)):
            made.append(
                Comment.objects.create(
                    page_id=article.pk,
                    parent=parent,
                    thread_id=parent.pk if parent else None,
                    depth=1 if parent else 0,
                    guest_name="Viewing Guest",
                    guest_email="viewer@example.org",
                    guest_key=viewer_key,
                    body=f"My comment {n}, waiting.",
                    body_html=render_comment(f"My comment {n}, *waiting*."),
                    status=Comment.Status.PENDING,
                    created_at=start + timedelta(minutes=7 * count + n),
                )
            )
        tops = [c for c in made if c.depth == 0 and c.status == Comment.Status.APPROVED]
        # Comments on passages: anchored, corrected since, a newsroom question, orphaned.
        for n, comment in enumerate(tops[1 : 1 + max(4, len(tops) // 8)]):
            status, question = Annotation.Status.ANCHORED, False
            if n == 1:
                status = Annotation.Status.EDITED
            elif n == 2:
                question = True
            elif n == 3:
                status = Annotation.Status.ORPHANED
            begin = (n * 97) % max(1, len(plain) - 60)
            Annotation.objects.create(
                comment=comment,
                page_id=article.pk,
                exact=plain[begin : begin + 50] or "the harbour",
                start=begin,
                end=begin + 50,
                status=status,
                original_exact="the passage as first written" if status == "orphaned" else "",
                is_question=question,
            )
        # A removed comment kept for its replies.
        with_replies = {c.parent_id for c in made if c.parent_id}
        removed = next(c for c in reversed(made) if c.pk in with_replies and c.depth == 0)
        Comment.objects.filter(pk=removed.pk).update(status=Comment.Status.REMOVED)
        for top in tops:
            replies = [
                c for c in made if c.thread_id == top.pk and c.status == Comment.Status.APPROVED
            ]
            Comment.objects.filter(pk=top.pk).update(reply_count=len(replies))
        approved = Comment.objects.filter(
            page_id=article.pk, status=Comment.Status.APPROVED
        ).count()
        Discussion.objects.update_or_create(
            page_id=article.pk, defaults={"comment_count": approved}
        )


def cpu_per_request(client, url: str, rounds: int = ROUNDS, **extra) -> dict:
    """CPU ms per GET of `url` (this process's time, median and mean of `rounds` after a
    warm-up) and the queries one request makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url, **extra)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **extra)
    query_count = len(queries)  # now: the next request empties the log
    times = []
    for _ in range(rounds):
        start = time.process_time()
        client.get(url, **extra)
        times.append((time.process_time() - start) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "queries": query_count,
    }


def _normalized(html: bytes) -> str:
    """A response's HTML without what differs between two requests for the same thing."""
    text = html.decode()
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    text = re.sub(r'name="form_started" value="[^"]*"', 'name="form_started" value=""', text)
    text = re.sub(r'challengejson="[^"]*"', 'challengejson=""', text)
    return text


def _articles() -> list:
    """The demo articles the discussions go to, one per size: the same article for the
    same size in every run (40 the first, 300 the second, none the third)."""
    from broadsheet.newsroom.models import ArticlePage

    slots = [40, 300, 0]
    slots += [size for size in SIZES if size not in slots]
    live = list(ArticlePage.objects.live().order_by("path")[: len(slots)])
    if len(live) < len(slots):
        return []
    return [live[slots.index(size)] for size in SIZES]


def main() -> None:
    _setup()
    from django.core.management import call_command
    from django.test import Client

    from broadsheet import pagecache
    from broadsheet.engagement.identity import READER_COOKIE
    from broadsheet.engagement.models import Comment

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    articles = _articles()
    if not articles:
        call_command("seed_demo", verbosity=0)
        articles = _articles()
    for article, size in zip(articles, SIZES, strict=True):
        if Comment.objects.filter(page_id=article.pk).count() != (size + 3 if size else 0):
            build_discussion(article, size)

    anonymous = Client()
    results = {}
    for article, size in zip(articles, SIZES, strict=True):
        results[size] = cpu_per_request(anonymous, article.url)
    few, many = SIZES[-2], SIZES[-1]
    slope = (results[many]["median_ms"] - results[few]["median_ms"]) / (many - few)
    print(f"| comments | CPU ms/request (median) | mean | queries |  ({ROUNDS} rounds)")
    print("|---:|---:|---:|---:|")
    for size, row in results.items():
        print(f"| {size} | {row['median_ms']} | {row['mean_ms']} | {row['queries']} |")
    print(f"per extra comment: {slope:.3f} ms")

    if "--snapshot" in sys.argv:
        folder = Path(sys.argv[sys.argv.index("--snapshot") + 1])
        folder.mkdir(parents=True, exist_ok=True)
        viewer = Client()
        viewer.cookies[READER_COOKIE] = VIEWER_TOKEN
        response = anonymous.get("/")  # any response, to sign the own-pages cookie
        pagecache.remember_own_page(response.wsgi_request, response, articles[-1].pk)
        viewer.cookies[pagecache.OWN_PAGES_COOKIE] = response.cookies[
            pagecache.OWN_PAGES_COOKIE
        ].value
        htmx = {"HTTP_HX_REQUEST": "true"}
        shots = {}
        for article, size in zip(articles, SIZES, strict=True):
            shots[f"article-{size}.html"] = anonymous.get(article.url)
            shots[f"viewer-{size}.html"] = viewer.get(article.url)
            thread = f"/comments/{article.pk}/"
            for sort in ("newest", "top", "hot", "oldest"):
                shots[f"thread-{size}-{sort}.html"] = viewer.get(thread, {"sort": sort}, **htmx)
            shots[f"more-{size}.html"] = anonymous.get(thread, {"page": 1, "more": 1}, **htmx)
        for name, response in shots.items():
            assert response.status_code == 200, (name, response.status_code)
            (folder / name).write_text(_normalized(response.content))
        print(f"wrote {len(shots)} pages to {folder}")


if __name__ == "__main__":
    sys.exit(main())
