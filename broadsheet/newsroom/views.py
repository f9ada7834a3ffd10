"""Author and tag pages: listings of articles that cut across sections.

They are plain Django views rather than pages in the tree, because an author or a tag is
not something an editor publishes; it exists as soon as an article names it.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from taggit.models import Tag

from broadsheet import pagecache
from broadsheet.newsroom import selectors
from broadsheet.newsroom.models import Author


def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    articles = selectors.paginate(selectors.articles_by_author(author), request.GET.get("page"))
    response = TemplateResponse(
        request, "newsroom/author_page.html", {"author": author, "articles": articles}
    )
    return pagecache.depends_on_listings(response, f"author-{author.pk}")


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.paginate(selectors.articles_with_tag(tag), request.GET.get("page"))
    response = TemplateResponse(
        request, "newsroom/tag_page.html", {"tag": tag, "articles": articles}
    )
    return pagecache.depends_on_listings(response, f"tag-{tag.pk}")
