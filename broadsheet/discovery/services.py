"""Keeping stored related-article lists right as articles come and go.

Run by tasks after each publication or unpublication (never in a page request): one
TF-IDF fit over the live articles, then the lists of the article itself and of its
nearest neighbours (the lists it may enter) are rewritten.
"""

from django.db import transaction

from broadsheet.discovery.models import RelatedArticle
from broadsheet.discovery.related import Doc, Index
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage


def live_docs() -> list[Doc]:
    articles = newsroom.attach_sections(
        ArticlePage.objects.live().public().prefetch_related("tags").order_by("pk")
    )
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


def _store(index: Index, article_ids: list[int]) -> None:
    RelatedArticle.objects.filter(article_id__in=article_ids).delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(article_id=article_id, related_id=related_id, rank=rank, score=score)
        for article_id in article_ids
        for rank, (related_id, score) in enumerate(index.rank(article_id))
    )


@transaction.atomic
def refresh_related(article_id: int) -> int:
    """Recompute the list of a (re)published article and of the lists it may enter."""
    docs = live_docs()
    if not any(doc.id == article_id for doc in docs):
        return forget_article(article_id)
    index = Index(docs)
    targets = [article_id, *index.nearest(article_id)]
    _store(index, targets)
    return len(targets)


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
    docs = [doc for doc in live_docs() if doc.id != article_id]
    live = {doc.id for doc in docs}
    affected = [a for a in affected if a in live]
    if affected and len(docs) > 1:
        _store(Index(docs), affected)
    return len(affected)


@transaction.atomic
def refresh_all() -> int:
    """Recompute every list (after an import, or to apply new weights)."""
    docs = live_docs()
    RelatedArticle.objects.exclude(article_id__in=[doc.id for doc in docs]).delete()
    if len(docs) > 1:
        _store(Index(docs), [doc.id for doc in docs])
    return len(docs)
