"""Reads of related articles for the article page and the API."""

from broadsheet.discovery.models import RelatedArticle
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage

SHOWN = 4


def related_for(article: ArticlePage, limit: int = SHOWN) -> list[ArticlePage]:
    """Editors' picks first, then the stored computed list; live articles only."""
    picks = newsroom.related_picks(article)
    chosen = {article.pk, *(a.pk for a in picks)}
    computed_ids = [
        related_id
        for related_id in RelatedArticle.objects.filter(article=article)
        .order_by("rank")
        .values_list("related_id", flat=True)
        if related_id not in chosen
    ][: max(0, limit - len(picks))]
    computed = {a.pk: a for a in newsroom.live_articles().filter(pk__in=computed_ids)}
    ordered = [computed[pk] for pk in computed_ids if pk in computed]
    return (picks + newsroom.attach_sections(ordered))[:limit]
