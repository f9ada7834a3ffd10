"""Reader API for what the newsroom publishes."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from broadsheet.http import Answer
from broadsheet.newsroom import selectors
from broadsheet.reader_input import Offset
from broadsheet.refusals import refusals

router = Router(tags=["articles"])


class ArticlePaging(Schema):
    limit: int = Field(20, ge=1, le=100, description="How many articles, 1 to 100.")
    offset: Offset = Field(0, description="How many of the newest to skip.")


class ArticleSummary(Answer):
    id: int
    url: str
    title: str
    section: str | None
    published: datetime | None


class ArticleList(Answer):
    count: int
    results: list[ArticleSummary]


@router.get(
    "/articles", response={200: ArticleList, **refusals(400)}, summary="Live articles, newest first"
)
def list_articles(request: HttpRequest, paging: Query[ArticlePaging]):
    count, articles = selectors.latest_articles(paging.limit, paging.offset)
    return {
        "count": count,
        "results": [
            {
                "id": article.pk,
                "url": article.get_full_url(request),
                "title": article.title,
                "section": article.section.title if article.section else None,
                "published": article.first_published_at,
            }
            for article in articles
        ],
    }
