"""Bulk-built datasets for the benchmarks: an archive of articles (bench/discovery.py,
bench/load.py) and, on it, discussions and ratings at newsroom scale (bench/load.py).

Everything goes in with bulk inserts and with the stored counts a live site keeps
(comment counts, reply counts, rating summaries) computed as it goes, so a million
comments take minutes; broadsheet/tests/test_bench_dataset.py checks those counts equal
a recount, and that the site shows what was built.
"""

import hashlib
import random
import time
import uuid
from datetime import datetime, timedelta

SECTIONS = ["World", "Business", "Science", "Culture", "Sport", "Opinion", "City", "Climate"]
BATCH = 1000


def generated(rng: random.Random, count: int, start: datetime):
    """(title, standfirst, body, tags, published) for `count` articles in clusters of 4."""
    from related import PEOPLE, PLACES, SUBJECTS, story

    span = 6 * 365
    made = 0
    while made < count:
        place, person, subject = rng.choice(PLACES), rng.choice(PEOPLE), rng.choice(SUBJECTS)
        day = rng.random() * span
        for _ in range(min(4, count - made)):
            title, standfirst, body = story(rng, place, person, subject, int(day))
            tags = {place.lower(), subject[0]}
            yield title, standfirst, body, tags, start + timedelta(days=day + rng.random() * 3)
            made += 1


def build_articles(count: int, start: datetime) -> list[int]:
    """Bulk-create an archive of `count` articles published over six years from `start`:
    pages without a revision history (none is needed to be live), their tags and their
    search index entries, in a few minutes rather than the hours page-by-page publishing
    takes. Returns the new articles' ids."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from taggit.models import Tag
    from wagtail.models import Page, Site
    from wagtail.rich_text import RichText
    from wagtail.search.backends import get_search_backend

    from broadsheet.newsroom.models import ArticlePage, ArticleTag, HomePage, SectionPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="The Bench Ledger", slug="bench"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"root_page": home, "hostname": "localhost", "site_name": "Bench"},
    )
    sections = [
        home.add_child(instance=SectionPage(title=name, slug=name.lower())) for name in SECTIONS
    ]
    content_type = ContentType.objects.get_for_model(ArticlePage)
    rng = random.Random(20261125)
    tags: dict[str, Tag] = {}
    children = {section.pk: 0 for section in sections}
    backend = get_search_backend()
    index = backend.get_index_for_model(ArticlePage)
    stories = generated(rng, count, start)
    made = 0
    ids: list[int] = []
    began = time.perf_counter()
    while made < count:
        batch = []
        with transaction.atomic():
            for n, (title, standfirst, body, tag_names, published) in zip(
                range(min(BATCH, count - made)), stories, strict=False
            ):
                section = sections[rng.randrange(len(sections))]
                children[section.pk] += 1
                slug = f"story-{made + n + 1}"
                batch.append(
                    (
                        ArticlePage(
                            title=title,
                            draft_title=title,
                            slug=slug,
                            path=ArticlePage._get_path(
                                section.path, section.depth + 1, children[section.pk]
                            ),
                            depth=section.depth + 1,
                            numchild=0,
                            url_path=f"{section.url_path}{slug}/",
                            content_type=content_type,
                            live=True,
                            first_published_at=published,
                            last_published_at=published,
                            locale_id=section.locale_id,
                            translation_key=uuid.uuid4(),
                            standfirst=standfirst,
                            body=[("paragraph", RichText(f"<p>{body}</p>"))],
                        ),
                        tag_names,
                    )
                )
            page_fields = [f.attname for f in Page._meta.concrete_fields if not f.primary_key]
            pages = Page.objects.bulk_create(
                [Page(**{f: getattr(article, f) for f in page_fields}) for article, _ in batch]
            )
            for page, (article, _) in zip(pages, batch, strict=True):
                article.pk = article.page_ptr_id = page.pk
                article.save_base(raw=True, force_insert=True)  # the child row only
            links = []
            for article, tag_names in batch:
                for name in tag_names:
                    if name not in tags:
                        tags[name] = Tag.objects.get_or_create(name=name, slug=name)[0]
                    links.append(ArticleTag(content_object_id=article.pk, tag=tags[name]))
            ArticleTag.objects.bulk_create(links)
        index.add_items(ArticlePage, [article for article, _ in batch])
        made += len(batch)
        ids.extend(article.pk for article, _ in batch)
        print(f"  built {made} articles ({time.perf_counter() - began:.0f} s)", flush=True)
    for section in sections:
        Page.objects.filter(pk=section.pk).update(numchild=children[section.pk])
    return ids


def _spread(rng: random.Random, total: int, slots: int) -> list[int]:
    """`total` split over `slots` the way attention is split over a news archive: most
    articles get a few, a few get many (Pareto weights)."""
    if slots == 0:
        return []
    weights = [rng.paretovariate(1.3) for _ in range(slots)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(slots), min(slots, total - sum(counts))):
        counts[i] += 1
    return counts


def plan_comments(
    rng: random.Random, article_ids: list[int], total: int, busy: dict[int, int]
) -> dict[int, int]:
    """Comments per article: the `busy` ones get exactly their count, the rest share the
    remainder (capped below the busiest, so "the article with N comments" stays true)."""
    others = [pk for pk in article_ids if pk not in busy]
    rest = max(0, total - sum(busy.values()))
    ceiling = min(busy.values(), default=rest) - 1
    counts = [min(n, ceiling) if busy else n for n in _spread(rng, rest, len(others))]
    room = [i for i, n in enumerate(counts) if n < ceiling]
    surplus = rest - sum(counts)  # what the cap cut off goes to the quieter articles
    while surplus > 0 and room:
        i = room[rng.randrange(len(room))]
        counts[i] += 1
        surplus -= 1
        if counts[i] >= ceiling:
            room.remove(i)
    return {**busy, **dict(zip(others, counts, strict=True))}


class Readers:
    """A pool of guest readers (name, email, identity key, address hash) reused across
    comments and ratings, as returning readers are."""

    def __init__(self, rng: random.Random, count: int):
        self.rng = rng
        self.people = [
            (
                f"Reader {n}",
                f"reader{n}@example.org",
                hashlib.sha256(f"guest-{n}".encode()).hexdigest(),
                hashlib.sha256(f"address-{n}".encode()).hexdigest()[:32],
            )
            for n in range(count)
        ]

    def pick(self):
        return self.people[self.rng.randrange(len(self.people))]


def _bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Reader comments (text, sanitized HTML) from bench/corpus.py's ham, rendered
    once through the one sanitizer and reused."""
    from corpus import generate  # bench/ is on sys.path beside this module

    from broadsheet.engagement.rendering import render_comment

    texts = [text for text, spam in generate(count * 2, spam_share=0.0, seed=rng.random())]
    return [(text, render_comment(text)) for text in texts[:count]]


def build_discussions(
    article_ids: list[int],
    total: int,
    busy: dict[int, int],
    readers: Readers,
    rng: random.Random,
    report=print,
) -> dict[int, int]:
    """Bulk-create `total` approved comments over the articles: 60% start a thread, 30%
    answer one, 10% answer an answer; with each thread's reply count and each article's
    Discussion row as the services keep them. Returns comments per article."""
    from django.db import transaction
    from wagtail.models import Page

    from broadsheet.engagement.models import Comment, Discussion

    plan = plan_comments(rng, article_ids, total, busy)
    bodies = _bodies(rng, 400)
    published = dict(
        Page.objects.filter(pk__in=article_ids).values_list("pk", "first_published_at")
    )
    made, began, chunk = 0, time.perf_counter(), []

    def comment(article_id, when, parent=None, thread=None, depth=0, replies=0):
        name, email, key, address = readers.pick()
        text, html = bodies[rng.randrange(len(bodies))]
        return Comment(
            page_id=article_id,
            parent=parent,
            thread=thread,
            depth=depth,
            guest_name=name,
            guest_email=email,
            guest_key=key,
            ip_hash=address,
            body=text,
            body_html=html,
            status=Comment.Status.APPROVED,
            created_at=when,
            reply_count=replies,
        )

    def flush():
        nonlocal made
        tops, firsts, seconds = [], [], []
        for article_id, count in chunk:
            start = published[article_id]
            n_top = max(1, round(count * 0.6))
            n_first = (count - n_top) * 3 // 4
            # Replies gather on some threads: the square skews the choice to the first.
            thread_of = [int(n_top * rng.random() ** 2) for _ in range(count - n_top)]
            replies = [0] * n_top
            for t in thread_of:
                replies[t] += 1
            times = sorted(start + timedelta(minutes=rng.random() * 4320) for _ in range(n_top))
            base = len(tops)
            tops += [
                comment(article_id, when, replies=r) for when, r in zip(times, replies, strict=True)
            ]
            firsts += [(article_id, base + t) for t in thread_of[:n_first]]
            seconds += [(article_id, base + t) for t in thread_of[n_first:]]
        with transaction.atomic():
            Comment.objects.bulk_create(tops, batch_size=BATCH)
            first_rows = []
            by_thread: dict[int, list[int]] = {}
            for article_id, top in firsts:
                parent = tops[top]
                when = parent.created_at + timedelta(minutes=1 + rng.random() * 600)
                by_thread.setdefault(top, []).append(len(first_rows))
                first_rows.append(comment(article_id, when, parent, parent, 1))
            Comment.objects.bulk_create(first_rows, batch_size=BATCH)
            second_rows = []
            for article_id, top in seconds:
                answers = by_thread.get(top)
                parent = first_rows[rng.choice(answers)] if answers else tops[top]
                when = parent.created_at + timedelta(minutes=1 + rng.random() * 600)
                second_rows.append(comment(article_id, when, parent, tops[top], parent.depth + 1))
            Comment.objects.bulk_create(second_rows, batch_size=BATCH)
            last: dict[int, datetime] = {}
            for row in (*tops, *first_rows, *second_rows):
                if row.page_id not in last or row.created_at > last[row.page_id]:
                    last[row.page_id] = row.created_at
            Discussion.objects.bulk_create(
                [
                    Discussion(page_id=pk, comment_count=count, last_comment_at=last.get(pk))
                    for pk, count in chunk
                ],
                batch_size=BATCH,
            )
        made += len(tops) + len(first_rows) + len(second_rows)
        chunk.clear()
        report(f"  built {made:,} comments ({time.perf_counter() - began:.0f} s)")

    pending = 0
    for article_id, count in plan.items():
        if count:
            chunk.append((article_id, count))
            pending += count
        if pending >= 50_000:
            flush()
            pending = 0
    if chunk:
        flush()
    return plan


def build_ratings(article_ids: list[int], total: int, readers: Readers, rng: random.Random) -> None:
    """Bulk-create `total` star ratings (at most one per reader and article) and each
    article's RatingSummary."""
    from django.db import transaction

    from broadsheet.engagement.models import Rating, RatingSummary

    total = min(total, len(article_ids) * len(readers.people))
    plan = _spread(rng, total, len(article_ids))
    rows, summaries = [], []
    for article_id, count in zip(article_ids, plan, strict=True):
        count = min(count, len(readers.people))
        if not count:
            continue
        stars = [rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 3])[0] for _ in range(count)]
        for (_, _, key, address), n in zip(rng.sample(readers.people, count), stars, strict=True):
            rows.append(Rating(page_id=article_id, voter=f"g:{key}", ip_hash=address, stars=n))
        summaries.append(RatingSummary(page_id=article_id, count=count, total=sum(stars)))
    with transaction.atomic():
        Rating.objects.bulk_create(rows, batch_size=BATCH * 5)
        RatingSummary.objects.bulk_create(summaries, batch_size=BATCH)


def build_site(
    articles: int, comments: int, ratings: int, busy: tuple[int, ...] = (30_000, 300), report=print
) -> dict:
    """The whole bench newsroom. The newest articles carry the `busy` discussions (a
    30,000-comment thread and a 300-comment one by default, or smaller when the total is
    smaller). Returns what was built and how long each part took."""
    from datetime import UTC

    rng = random.Random(20261125)
    began = time.perf_counter()
    start = datetime.now(UTC) - timedelta(days=6 * 365 + 4)
    ids = build_articles(articles, start)
    articles_s = time.perf_counter() - began
    from wagtail.models import Page

    newest = list(
        Page.objects.filter(pk__in=ids).order_by("-first_published_at").values_list("pk", flat=True)
    )
    sizes = sorted((min(n, comments * 3 // 4) for n in busy), reverse=True)
    targets = dict(zip(newest, sizes, strict=False))
    readers = Readers(rng, max(100, min(50_000, comments // 20)))
    began = time.perf_counter()
    plan = build_discussions(ids, comments, targets, readers, rng, report=report)
    comments_s = time.perf_counter() - began
    began = time.perf_counter()
    build_ratings(ids, ratings, readers, rng)
    ratings_s = time.perf_counter() - began
    return {
        "articles": len(ids),
        "comments": sum(plan.values()),
        "ratings": ratings,
        "busy": {str(pk): n for pk, n in targets.items()},
        "build_articles_s": round(articles_s, 1),
        "build_comments_s": round(comments_s, 1),
        "build_ratings_s": round(ratings_s, 1),
        "readers": len(readers.people),
    }
