"""Reader API for discovery."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from broadsheet.discovery import selectors
from broadsheet.newsroom.models import ArticlePage

router = Router(tags=["discovery"])


class RelatedOut(Schema):
    id: int
    url: str
    title: str


class RelatedList(Schema):
    results: list[RelatedOut]


@router.get("/articles/{article_id}/related", response=RelatedList, summary="Related articles")
def related(request: HttpRequest, article_id: int):
    article = ArticlePage.objects.live().public().filter(pk=article_id).first()
    if article is None:
        raise HttpError(404, "No such article.")
    return {
        "results": [
            {"id": a.pk, "url": a.get_full_url(request), "title": a.title}
            for a in selectors.related_for(article)
        ]
    }
