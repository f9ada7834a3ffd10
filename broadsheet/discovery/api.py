"""Reader API for discovery."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from broadsheet.discovery import selectors
from broadsheet.discovery.search import SearchError, hits, search_articles
from broadsheet.http import Answer
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage
from broadsheet.reader_input import Id, Offset
from broadsheet.refusals import refusals

router = Router(tags=["discovery"])


class RelatedOut(Answer):
    id: int
    url: str
    title: str


class RelatedList(Answer):
    results: list[RelatedOut]


@router.get(
    "/articles/{article_id}/related",
    response={200: RelatedList, **refusals(400, 404)},
    summary="Related articles",
)
def related(request: HttpRequest, article_id: Id):
    article = newsroom.public(ArticlePage.objects.live()).filter(pk=article_id).first()
    if article is None:
        raise HttpError(404, "No such article.")
    return {
        "results": [
            {"id": a.pk, "url": a.get_full_url(request), "title": a.title}
            for a in selectors.related_for(article)
        ]
    }


class SearchQuery(Schema):
    q: str = Field(min_length=1, description="Words to search for")
    limit: int = Field(10, ge=1, le=50)
    offset: Offset = 0


class SearchHit(Answer):
    id: int
    url: str
    title: str
    snippet: str


class SearchResults(Answer):
    count: int
    results: list[SearchHit]


@router.get(
    "/search", response={200: SearchResults, **refusals(400)}, summary="Search live articles"
)
def search(request: HttpRequest, query: Query[SearchQuery]):
    try:
        results, cleaned = search_articles(query.q)
    except SearchError as error:
        raise HttpError(400, str(error)) from error
    page = results[query.offset : query.offset + query.limit]
    return {
        "count": results.count(),
        "results": [
            {
                "id": hit.article.pk,
                "url": hit.article.get_full_url(request),
                "title": hit.article.title,
                "snippet": str(hit.snippet),
            }
            for hit in hits(page, cleaned)
        ],
    }
