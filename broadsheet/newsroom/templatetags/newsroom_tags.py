import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from wagtail.models import Site

from broadsheet import fragmentcache
from broadsheet.newsroom import selectors

register = template.Library()

# As Django's json_script: nothing in the data can close the script element.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def newsdate(value) -> str:
    """24 November 2026, in the site's time zone."""
    return format_date(localtime(value), "j F Y") if value else ""


def _time(value, text: str) -> SafeString:
    return format_html('<time datetime="{}">{}</time>', localtime(value).isoformat(), text)


def _join_names(names: list[SafeString]) -> SafeString:
    if len(names) <= 1:
        return format_html_join("", "{}", ((name,) for name in names))
    head = format_html_join(", ", "{}", ((name,) for name in names[:-1]))
    return format_html("{} and {}", head, names[-1])


@register.simple_tag(takes_context=True)
def byline(context, article) -> SafeString:
    """“By A and B in Section, 24 November 2026”, leaving out what is missing.

    Each part is added only when it has content, so a byline never reads “in ,” (the
    reference page's bug) when an article has no authors, no section or no date yet.
    """
    request = context.get("request")
    authors = [
        format_html('<a href="{}" rel="author">{}</a>', a.get_absolute_url(), a.name)
        for a in article.authors
    ]
    parts: list[SafeString] = []
    if authors:
        parts.append(format_html("By {}", _join_names(authors)))
    if article.section:
        link = format_html('<a href="{}">{}</a>', article.section.get_url(request), article.section)
        parts.append(format_html("in {}", link) if authors else link)
    line = mark_safe(" ".join(parts))  # noqa: S308 - every part is built by format_html
    published = article.first_published_at
    if published:
        when = _time(published, newsdate(published))
        line = format_html("{}, {}", line, when) if parts else when
    html = format_html('<p class="byline">{}</p>', line) if line else mark_safe("")  # noqa: S308
    updated = article.updated_at
    if updated and (published is None or updated > published):
        text = f"{newsdate(updated)}, {format_date(localtime(updated), 'H:i')}"
        html = format_html('{}<p class="byline-updated">Updated {}</p>', html, _time(updated, text))
    return html


@register.simple_tag
def json_ld(data) -> SafeString:
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(JSON_SCRIPT_ESCAPES)),  # noqa: S308 - escaped above
    )


@register.simple_tag(takes_context=True)
def section_navigation(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    home = site.root_page if site else None
    return selectors.section_navigation(home)


@register.simple_tag
def front_page(home) -> dict:
    """The home page's lead story and each section's newest stories. Read here, where
    the template asks, not in the page model: models know nothing of selectors, which
    are built on them (docs/architecture.md)."""
    lead = selectors.lead_article(home)
    sections = selectors.sections_with_latest(home, per_section=4, exclude=lead)
    shown = [lead] if lead else []
    for _section, articles in sections:
        shown.extend(articles)
    return {"lead": lead, "sections": sections, "all_articles": shown}


@register.simple_tag(takes_context=True)
def section_articles(context, section):
    """A section's articles, the page of them the reader asked for (?page=)."""
    request = context.get("request")
    number = request.GET.get("page") if request else None
    return selectors.paginate(selectors.articles_in_section(section), number)


# {% fragment %}: parts of pages kept between renders (broadsheet/fragmentcache.py).
register.tag("fragment", fragmentcache.fragment_tag)
