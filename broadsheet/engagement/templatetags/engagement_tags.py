from django import template
from django.conf import settings

from broadsheet import fragmentcache
from broadsheet.engagement import comment_html, rendering, selectors, services
from broadsheet.engagement.identity import personal_reader
from broadsheet.reader_input import page_number

register = template.Library()
# {% fragment %}: parts of pages kept between renders (broadsheet/fragmentcache.py).
register.tag("fragment", fragmentcache.fragment_tag)


@register.simple_tag(takes_context=True)
def comment_list(context, comments, comments_open=None) -> str:
    """`{% comment_list thread.comments %}`: arranged comments with their replies, as
    list items (comment_html.render_thread), for the `page_id` in the context; reply
    links while `comments_open` (the context's, unless given)."""
    if comments_open is None:
        comments_open = context.get("comments_open", False)
    return comment_html.render_thread(
        comments, page_id=context.get("page_id"), comments_open=bool(comments_open)
    )


@register.simple_tag(takes_context=True)
def comment_item(context, comment) -> str:
    """`{% comment_item comment %}`: one comment and its replies
    (comment_html.render_comment_html), `fresh` if the context says it was just posted."""
    return comment_html.render_comment_html(
        comment,
        page_id=context.get("page_id"),
        comments_open=bool(context.get("comments_open", False)),
        fresh=bool(context.get("fresh", False)),
    )


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
        page.pk,
        query.get("sort", ""),
        page_number(query.get("cpage")),
        reader,
        discussion=selectors.discussion_of(page),
    )
    earlier = selectors.earlier_version_comments(page.pk)
    picks = selectors.picks_of(page)
    selectors.mark_own(thread.comments, reader)
    selectors.mark_own(earlier, reader)
    selectors.mark_voice([*thread.comments, *earlier, *picks], page, thread.pinned_id)
    # The page's address (Wagtail reads the sites' root paths from the cache for it: a
    # query on the database cache), kept as the parts around the slot are.
    page_url = fragmentcache.remember(request, ("url", page.pk), lambda: page.url)
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
        "next_url": f"{page_url}#comment-form",
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
