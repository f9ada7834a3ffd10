from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from broadsheet.engagement import rendering, selectors, services
from broadsheet.engagement.identity import personal_reader
from broadsheet.reader_input import page_number

register = template.Library()


_SENTINEL = "2147480011"  # an id no URL has by chance: replaced by the real one
_ID_URLS: dict[tuple, list[str]] = {}


@register.simple_tag
def id_url(name: str, pk) -> str:
    """The URL `name` takes with one id, as {% url name pk %} gives it, reversed once per
    process: a page of comments asks for nine URLs per comment, and reverse() was the
    costliest part of rendering it."""
    key = (name, get_script_prefix(), get_urlconf())
    parts = _ID_URLS.get(key)
    if parts is None:
        parts = _ID_URLS[key] = reverse(name, args=[_SENTINEL]).split(_SENTINEL)
    return str(int(pk)).join(parts)


@register.inclusion_tag("engagement/slot.html", takes_context=True)
def comment_slot(context, page):
    """The comment slot of a page: the same for every anonymous reader, so cacheable.

    Nothing personal goes in here (no CSRF token, no “you voted”): comments.js fetches
    that from /api/v1/session after the page loads. The one exception is a page rendered
    for one reader alone (signed in, or with comments of their own here, which the page
    cache then neither serves nor keeps): it shows their held comments, marked, and no
    vote buttons on their own, with JavaScript or without.
    """
    request = context.get("request")
    state = services.comments_state(page)
    query = request.GET if request else {}
    reader = personal_reader(request, page.pk)
    thread = selectors.thread_page(
        page.pk, query.get("sort", ""), page_number(query.get("cpage")), reader
    )
    earlier = selectors.earlier_version_comments(page.pk)
    picks = selectors.picks(page.pk)
    selectors.mark_own(thread.comments, reader)
    selectors.mark_own(earlier, reader)
    selectors.mark_voice([*thread.comments, *earlier, *picks], page)
    return {
        "request": request,
        "csp_nonce": context.get("csp_nonce", ""),  # its script tags need the page's nonce
        "page_id": page.pk,
        "thread": thread,
        "sorts": list(selectors.SORT_LABELS.items()),
        "comments_open": state.open,
        "closed_reason": state.reason,
        "prompt": settings.COMMENTS_PROMPT,
        "max_length": settings.COMMENTS_MAX_LENGTH,
        "earlier": earlier,
        "picks": picks,
        "rejected": selectors.my_rejected(reader, page.pk) if reader else [],
        "next_url": f"{page.url}#comment-form",
        "altcha": settings.ALTCHA_ENABLED,
    }


@register.inclusion_tag("engagement/rating.html")
def rating_slot(page):
    """The rating slot: the same for everyone (the reader's own stars come from the
    session endpoint), empty when ratings are switched off."""
    allowed, _reason = services.ratings_state(page)
    if not allowed:
        return {"hidden": True}
    return {"page_id": page.pk, "rating": selectors.rating_summary(page.pk)}


@register.simple_tag
def accepts_comments(page) -> bool:
    return services.comments_state(page).accepts


@register.simple_tag
def comment_counts(articles) -> dict[int, int]:
    """Comment counts for a listing's articles, in one query."""
    return selectors.comment_counts(article.pk for article in articles)


@register.filter
def count_for(counts: dict, article) -> int:
    return counts.get(article.pk, 0) if counts else 0


@register.filter
def excerpt(body_html: str, length: int = 120) -> str:
    """`{{ comment.body_html|excerpt:120 }}`: the comment's start as plain text, which
    the template escapes once (see rendering.excerpt)."""
    return rendering.excerpt(body_html or "", int(length))


@register.inclusion_tag("engagement/latest_comments.html")
def latest_comments(section, limit: int = 5):
    return {"comments": selectors.latest_comments(section, limit)}
