from django import template
from django.conf import settings

from broadsheet.engagement import services
from broadsheet.live.publish import version

register = template.Library()


@register.inclusion_tag("live/bar.html", takes_context=True)
def live_bar(context, page):
    """The "N new comments — show" bar and what live.js needs, for a page that takes
    comments: the stream's URL and the event number this copy of the page has seen.

    Read before the comment slot renders (the article template calls this tag first),
    so a comment that lands while the page renders is in the page or after the number,
    never in neither: a cached copy's readers catch up from here, and live.js shows
    nothing twice (a comment already on the page is not shown again)."""
    if not services.comments_state(page).accepts:
        return {"live": False}
    return {
        "live": True,
        "page_id": page.pk,
        "since": version(page.pk),
        "poll": settings.LIVE_POLL_FALLBACK,
        "csp_nonce": context.get("csp_nonce", ""),
    }
