"""Keeping stored related-article lists right as articles come and go.

Run by tasks after each publication or unpublication (never in a page request). Two
regimes, by the number of live articles:

- up to RELATED_FULL_SCAN_LIMIT: one TF-IDF fit over every live article, then the lists
  of the article and of its nearest neighbours (the lists it may enter) are recomputed
  exactly;
- beyond: the archive's vocabulary is fitted now and then and stored; a publication
  finds candidates with the search backend (the new article's weightiest words) and by
  shared tags, ranks them on the stored vocabulary, and merges the new article into its
  neighbours' lists (scores are symmetric and comparable). The cost no longer grows with
  the archive: see bench/discovery.py for the figures at 100,000 articles.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from broadsheet import fragmentcache, pagecache
from broadsheet.discovery import fulltext
from broadsheet.discovery.models import RelatedArticle, RelatedVocabulary
from broadsheet.discovery.related import DECAY_DAYS, KEEP, MAX_TERMS, Doc, Index, Vocabulary
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage
from broadsheet.stored import ParsedOnce

CANDIDATES_FROM_SEARCH = 150
CANDIDATES_FROM_TAGS = 50
CANDIDATES_NEARBY = 30  # published just before (or after) it: lists are never short
QUERY_WORDS = 12
ARCHIVE_WORDS = 3
REFIT_GROWTH = 1.2  # refit the stored vocabulary when the archive has grown by a fifth
log = logging.getLogger(__name__)


def _live() -> QuerySet[ArticlePage]:
    return newsroom.public(ArticlePage.objects.live())


def docs_of(articles: QuerySet[ArticlePage]) -> list[Doc]:
    articles = newsroom.attach_sections(articles.prefetch_related("tags").order_by("pk"))
    return [
        Doc(
            id=article.pk,
            title=article.title,
            standfirst=article.standfirst,
            body=article.plain_text(),
            section_id=article.section.pk if article.section else None,
            tags=frozenset(tag.slug for tag in article.tags.all()),
            published=article.first_published_at,
        )
        for article in articles
    ]


def live_docs() -> list[Doc]:
    return docs_of(_live())


def _large(live_count: int) -> bool:
    return live_count > settings.RELATED_FULL_SCAN_LIMIT


def _store(index: Index, article_ids: list[int]) -> None:
    RelatedArticle.objects.filter(article_id__in=article_ids).delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(article_id=article_id, related_id=related_id, rank=rank, score=score)
        for article_id in article_ids
        for rank, (related_id, score) in enumerate(index.rank(article_id))
    )
    _pages_changed(article_ids)


def _pages_changed(article_ids) -> None:
    """Their related slots changed: cached copies of those pages are stale, and so are
    the related lists kept between renders (broadsheet/fragmentcache.py)."""
    ids = list(article_ids)
    transaction.on_commit(lambda: [pagecache.page_changed(i) for i in ids])
    fragmentcache.content_changed()


# The stored vocabulary, parsed once per worker process.
_vocabulary = ParsedOnce(RelatedVocabulary, Vocabulary.loads, "fitted_at")


def fit_vocabulary(docs: list[Doc] | None = None) -> Vocabulary:
    """Fit the archive's vocabulary over every live article and store it (slow: minutes
    at 100,000 articles; done in the background, about once per fifth of growth)."""
    docs = live_docs() if docs is None else docs
    vocabulary = Vocabulary.fit([doc.text for doc in docs], max_terms=MAX_TERMS)
    RelatedVocabulary.objects.all().delete()
    row = RelatedVocabulary.objects.create(documents=len(docs), data=vocabulary.dumps())
    _vocabulary.keep(row, vocabulary)
    return vocabulary


def stored_vocabulary(live_count: int) -> Vocabulary:
    row = _vocabulary.latest_row()
    if row is None or live_count > row.documents * REFIT_GROWTH:
        log.info("Fitting the related-articles vocabulary over %s articles", live_count)
        return fit_vocabulary()
    return _vocabulary.value(row)


def _search_ids(
    articles: QuerySet[ArticlePage], words: list[str], limit: int, any_word: bool, few=False
):
    if fulltext.available():
        found = fulltext.RankedArticles(words, articles, any_word=any_word, few=few)
        return set(found.ids(limit))
    operator = "or" if any_word else "and"
    return {page.pk for page in articles.search(" ".join(words), operator=operator)[:limit]}


def candidate_ids(doc: Doc, vocabulary: Vocabulary) -> set[int]:
    """Articles that may be related to `doc`: the search backend's best matches for its
    weightiest words, the most recent articles sharing one of its tags, and the articles
    published just before and after it (recency weighs in every score)."""
    others = _live().exclude(pk=doc.id)
    ids: set[int] = set()
    words = vocabulary.top_words(doc.text, QUERY_WORDS)
    if words:
        try:
            # Across the whole archive, articles holding all of its few weightiest words
            # (precise, and cheap: rare words match few rows); around its date, the best
            # matches for any of its words (the recency decay makes those the likelier
            # winners, and a few months hold few enough articles to rank them all).
            ids |= _search_ids(others, words[:ARCHIVE_WORDS], CANDIDATES_FROM_SEARCH, False)
            if doc.published:
                window = timedelta(days=3 * DECAY_DAYS)
                nearby = others.filter(
                    first_published_at__range=(doc.published - window, doc.published + window)
                )
                ids |= _search_ids(nearby, words, CANDIDATES_FROM_SEARCH, True, few=True)
        except Exception as error:  # a search backend that fails must not lose the list
            log.warning("Related candidates: search failed for %s: %s", doc.id, error)
    if doc.tags:
        ids |= set(
            others.filter(tags__slug__in=doc.tags)
            .order_by("-first_published_at")
            .values_list("pk", flat=True)[:CANDIDATES_FROM_TAGS]
        )
    if doc.published:
        ids |= set(
            others.filter(first_published_at__lte=doc.published)
            .order_by("-first_published_at")
            .values_list("pk", flat=True)[:CANDIDATES_NEARBY]
        )
        ids |= set(
            others.filter(first_published_at__gt=doc.published)
            .order_by("first_published_at")
            .values_list("pk", flat=True)[: CANDIDATES_NEARBY // 3]
        )
    return ids


def _candidate_index(doc: Doc, vocabulary: Vocabulary) -> Index:
    pool = docs_of(_live().filter(pk__in=candidate_ids(doc, vocabulary)))
    return Index([doc, *pool], vocabulary)


def _merge_into_neighbours(index: Index, article_id: int) -> None:
    """Put the new article into the stored lists of its neighbours where it ranks."""
    neighbours = index.nearest(article_id)
    scores = index.scores(article_id)  # symmetric: the neighbour's score for the article
    stored: dict[int, list[tuple[int, float]]] = {n: [] for n in neighbours}
    for row in RelatedArticle.objects.filter(article_id__in=neighbours).exclude(
        related_id=article_id
    ):
        stored[row.article_id].append((row.related_id, row.score))
    changed = []
    for neighbour, entries in stored.items():
        entries.append((article_id, float(scores[index.position[neighbour]])))
        entries.sort(key=lambda pair: (-pair[1], -pair[0]))
        if article_id in [related for related, _ in entries[:KEEP]]:
            stored[neighbour] = entries[:KEEP]
            changed.append(neighbour)
    RelatedArticle.objects.filter(article_id__in=changed).delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(article_id=n, related_id=related, rank=rank, score=score)
        for n in changed
        for rank, (related, score) in enumerate(stored[n])
    )
    _pages_changed(changed)


@transaction.atomic
def refresh_related(article_id: int) -> int:
    """Recompute the list of a (re)published article and of the lists it may enter."""
    live_count = _live().count()
    if not _large(live_count):
        docs = live_docs()
        if not any(doc.id == article_id for doc in docs):
            return forget_article(article_id)
        index = Index(docs)
        targets = [article_id, *index.nearest(article_id)]
        _store(index, targets)
        return len(targets)
    mine = docs_of(_live().filter(pk=article_id))
    if not mine:
        return forget_article(article_id)
    index = _candidate_index(mine[0], stored_vocabulary(live_count))
    _store(index, [article_id])
    _merge_into_neighbours(index, article_id)
    return 1 + len(index.nearest(article_id))


@transaction.atomic
def forget_article(article_id: int) -> int:
    """An article left the site: drop its list, and refill the lists it was in."""
    affected = list(
        RelatedArticle.objects.filter(related_id=article_id)
        .exclude(article_id=article_id)
        .values_list("article_id", flat=True)
    )
    RelatedArticle.objects.filter(article_id=article_id).delete()
    RelatedArticle.objects.filter(related_id=article_id).delete()
    live_count = _live().exclude(pk=article_id).count()
    if not affected or live_count < 2:
        return 0
    if not _large(live_count):
        docs = [doc for doc in live_docs() if doc.id != article_id]
        live = {doc.id for doc in docs}
        affected = [a for a in affected if a in live]
        _store(Index(docs), affected)
        return len(affected)
    vocabulary = stored_vocabulary(live_count)
    for doc in docs_of(_live().filter(pk__in=affected)):
        _store(_candidate_index(doc, vocabulary), [doc.id])
    return len(affected)


@transaction.atomic
def refresh_all() -> int:
    """Recompute every list (after an import, or to apply new weights).

    Exact, over the whole archive: it grows with the archive (run it in the background).
    """
    docs = live_docs()
    RelatedArticle.objects.exclude(article_id__in=[doc.id for doc in docs]).delete()
    if len(docs) > 1:
        vocabulary = fit_vocabulary(docs) if _large(len(docs)) else None
        _store(Index(docs, vocabulary), [doc.id for doc in docs])
    return len(docs)
