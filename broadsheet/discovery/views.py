from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from wagtail.models import Site

from broadsheet.discovery.search import SearchError, hits, search_articles
from broadsheet.newsroom import selectors as newsroom

PER_PAGE = 10


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=…&section=…&from=…&to=…: never a 500, whatever the query."""
    raw = request.GET.get("q", "")
    site = Site.find_for_request(request)
    sections = newsroom.section_navigation(site.root_page if site else None)
    section = next((s for s in sections if s.slug == request.GET.get("section")), None)
    since, until = _date(request.GET.get("from")), _date(request.GET.get("to"))
    context = {
        "query": raw[:300],
        "sections": sections,
        "section": section,
        "since": since,
        "until": until,
        "error": "",
        "page_obj": None,
        "hits": [],
    }
    status = 200
    if "q" in request.GET:
        try:
            results, query = search_articles(raw, section, since, until)
            page_obj = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
            context.update(page_obj=page_obj, hits=hits(page_obj.object_list, query))
        except SearchError as error:
            context["error"] = str(error)
            status = 400 if raw.strip() else 200
    return TemplateResponse(request, "discovery/search.html", context, status=status)
