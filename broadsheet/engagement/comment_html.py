"""The one way a comment becomes HTML: the article page's threads, the htmx fragments
(a page of threads, "View more", a posted, edited or deleted comment) and the vote
buttons all come from here.

Why Python and not a template: the comment template was included once per comment
(recursively for replies) and the vote buttons once more inside it, each inclusion
building a context, resolving some forty variables through the template engine's
lookups, switching localization off and on, and asking for nine URLs. That was about
80% of an uncached article's render, 0.6 to 1.6 ms per comment. Here a comment is a few
f-strings: every URL is reversed once per process and per prefix (the id is
concatenated in), the two dates are formatted by hand with the same formats the
template used (`c` and `j F Y, H:i`, the month's name in the active language, in the
current time zone), and text is escaped exactly as the template's autoescape did. The
HTML is byte for byte the one the templates produced (bench/render_cost.py --snapshot
compares two builds).

Public functions, for any code that shows comments (a badge or a live stream of new
comments should call these rather than grow a second template):

- `render_thread(comments, page_id=..., comments_open=...)`: arranged comments (each
  with `.replies`, `.level`, `.replies_container` as `selectors.arrange` leaves them),
  each followed by its replies, as the `<li>` items of a comment list.
- `render_comment_html(comment, page_id=..., comments_open=..., fresh=False)`: one
  comment and its replies; `fresh` marks one just posted (`is-fresh`).
- `render_votes_html(comment, mine=0, error="")`: the vote buttons (the vote endpoint
  answers htmx with these alone).

Templates reach them through the `{% comment_list %}`, `{% comment_item %}` and
`{% comment_votes %}` tags of `engagement_tags`.
"""

from collections.abc import Iterable
from datetime import datetime
from html import escape

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import SafeString, mark_safe

_SENTINEL = "2147480011"  # an id no URL has by chance: replaced by the real one
_ID_URLS: dict[tuple, tuple[str, str]] = {}

APPROVED, PENDING, REMOVED, SHADOW = "approved", "pending", "removed", "shadow"


def id_url_parts(name: str) -> tuple[str, str]:
    """The URL `name` takes with one id, split around that id (HTML-escaped), reversed
    once per process, script prefix and URL configuration: `str(id).join(parts)` is
    what {% url name id %} gives."""
    key = (name, get_script_prefix(), get_urlconf())
    parts = _ID_URLS.get(key)
    if parts is None:
        before, after = reverse(name, args=[_SENTINEL]).split(_SENTINEL)
        parts = _ID_URLS[key] = (escape(before), escape(after))
    return parts


class _Render:
    """What every comment of one render shares, looked up once: the actions' URLs
    (prefix and suffix of each, see id_url_parts), the current time zone and the
    months' names in the active language (each a thread-local lookup, and a
    translation, that cost more than the rest of a comment when asked per date)."""

    def __init__(self, page_id):
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None
        self.months = {number: escape(str(name)) for number, name in MONTHS.items()}
        self.vote = id_url_parts("engagement:vote")
        self.report = id_url_parts("report_comment")
        self.edit = id_url_parts("engagement:edit")
        self.delete = id_url_parts("engagement:delete")
        self.form = (
            str(int(page_id)).join(id_url_parts("engagement:form")) if page_id is not None else ""
        )


def _votes(comment, mine: int, error: str, vote_url: tuple[str, str]) -> str:
    pk = str(int(comment.pk))
    url = pk.join(vote_url)
    error_html = f'<p class="form-error" role="alert">{escape(str(error))}</p>' if error else ""
    return (
        f'<form id="votes-{pk}" class="votes" method="post" action="{url}" hx-post="{url}" '
        f'hx-target="this" hx-swap="outerHTML" data-votes="{pk}">\n'
        '  <input type="hidden" name="csrfmiddlewaretoken" value="">\n'
        f'  <button type="submit" name="value" value="{"0" if mine == 1 else "1"}" '
        f'class="vote vote-up" aria-pressed="{"true" if mine == 1 else "false"}" '
        f'aria-label="Vote up" title="{comment.upvotes} up">&#9650;</button>\n'
        f'  <span class="vote-score" aria-label="Score">{comment.score}</span>\n'
        f'  <button type="submit" name="value" value="{"0" if mine == -1 else "-1"}" '
        f'class="vote vote-down" aria-pressed="{"true" if mine == -1 else "false"}" '
        f'aria-label="Vote down" title="{comment.downvotes} down">&#9660;</button>\n'
        f"  {error_html}\n"
        "</form>\n"
    )


def _quote(pk: str, passage) -> str:
    if passage is None:
        return "    \n    "
    if passage.orphaned:
        classes = "comment-quote is-orphaned"
        inner = (
            f"<p>On an earlier version: “{escape(passage.original_exact or passage.exact)}”"
            "</p>\n      "
        )
    else:
        classes = "comment-quote"
        edited = (
            ' <span class="quote-edited">(since corrected)</span>'
            if passage.status == "edited"
            else ""
        )
        inner = (
            f'<p><a href="#passage-{pk}" data-passage="{pk}">“{escape(passage.exact)}”</a>'
            f"{edited}</p>"
        )
    return f'    \n    <blockquote class="{classes}">\n      {inner}\n    </blockquote>\n    \n    '


def _dates(moment: datetime, render: _Render) -> tuple[str, str]:
    """(`c`, `j F Y, H:i`) as the template's `date` filter formats them: in the current
    time zone, the month named in the active language."""
    if render.zone is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(render.zone)
    shown = (
        f"{moment.day} {render.months[moment.month]} {moment.year:04d}, "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )
    return moment.isoformat(), shown


def _voice(comment, pinned: bool, picked: bool) -> str:
    """What the newsroom says of a comment (selectors.mark_voice): the badge its author's
    account earns on this article, and whether it is pinned or an editors' pick."""
    badge = getattr(comment, "badge", "")
    return (
        "      "
        + (
            f'<span class="comment-badge is-{escape(badge)}">{escape(comment.badge_label)}</span>'
            if badge
            else ""
        )
        + ('<span class="comment-pinned">Pinned</span>' if pinned else "")
        + ('<span class="comment-picked">Editors\' pick</span>' if picked else "")
        + "\n"
    )


def _open(comment, fresh: bool, comments_open: bool, render: _Render) -> str:
    """A comment's HTML up to where its replies go."""
    pk = str(int(comment.pk))
    status = comment.status
    classes = f"comment level-{getattr(comment, 'level', '')}"
    if status == PENDING:
        classes += " is-pending"
    if fresh:
        classes += " is-fresh"
    pinned = getattr(comment, "pinned", False)
    picked = getattr(comment, "picked", False)
    if pinned:
        classes += " is-pinned"
    if picked:
        classes += " is-picked"
    head = f'\n<li id="comment-{pk}" class="{classes}">\n'
    if status == REMOVED:
        body = (
            '  <article class="comment-body is-removed" aria-label="Removed comment">'
            "<p>Comment removed.</p></article>\n"
        )
    else:
        name = escape(comment.author_name)
        author_url = comment.author_url
        author = (
            f'<a href="{escape(author_url)}" rel="nofollow ugc noopener">{name}</a>'
            if author_url
            else name
        )
        iso, shown = _dates(comment.created_at, render)
        passage = comment.passage
        votes = (
            _votes(comment, 0, "", render.vote)
            if status in (APPROVED, SHADOW) and not comment.mine
            else ""
        )
        if comments_open and status == APPROVED:
            target = str(getattr(comment, "replies_container", None) or pk)
            reply = (
                f'\n      <a class="comment-reply" href="{render.form}?parent={pk}" '
                f'hx-get="{render.form}?parent={pk}&amp;target={target}" '
                f'hx-target="#reply-form-{pk}" hx-swap="outerHTML">Reply</a>\n      '
            )
        else:
            reply = ""
        report = (
            f'<a class="comment-report" href="{pk.join(render.report)}" rel="nofollow">Report</a>'
            if status == APPROVED
            else ""
        )
        edit_url = pk.join(render.edit)
        delete_url = pk.join(render.delete)
        body = (
            f'  <article class="comment-body" aria-labelledby="comment-{pk}-author">\n'
            '    <header class="comment-meta">\n'
            f'      <span id="comment-{pk}-author" class="comment-author">{author}</span>\n'
            + _voice(comment, pinned, picked)
            + f'      <a class="comment-time" href="#comment-{pk}"><time datetime="{iso}">'
            f"{shown}</time></a>\n"
            "      "
            + ('<span class="comment-edited">edited</span>' if comment.edited_at else "")
            + "\n      "
            + (
                '<span class="comment-newsroom">Question from the newsroom</span>'
                if passage is not None and passage.is_question
                else ""
            )
            + "\n      "
            + (
                '<span class="comment-pending">Held for review: only you can see it until '
                "a moderator approves it.</span>"
                if status == PENDING
                else ""
            )
            + "\n    </header>\n"
            + _quote(pk, passage)
            + f'<div class="comment-text" id="comment-{pk}-text">{comment.body_html}</div>\n'
            f'    <footer class="comment-actions" id="comment-{pk}-actions">\n'
            f"      {votes}\n"
            f"      {reply}\n"
            f"      {report}\n"
            f'      <span class="own-actions" data-own="{pk}" hidden>\n'
            f'        <a class="comment-edit" href="{edit_url}" hx-get="{edit_url}" '
            f'hx-target="#comment-{pk}-text" hx-swap="innerHTML" hidden>Edit</a>\n'
            f'        <form class="comment-delete" method="post" action="{delete_url}" '
            f'hx-post="{delete_url}" hx-target="#comment-{pk}" hx-swap="outerHTML" '
            'hx-confirm="Delete this comment?">\n'
            '          <input type="hidden" name="csrfmiddlewaretoken" value="">\n'
            '          <button type="submit" class="link-button">Delete</button>\n'
            "        </form>\n"
            "      </span>\n"
            "    </footer>\n"
            "  </article>\n"
        )
    return (
        head
        + "  \n"
        + body
        + "  \n"
        + f'  <div id="reply-form-{pk}" class="reply-form-slot"></div>\n'
        + f'  <ol id="replies-{pk}" class="comment-replies">\n    '
    )


_CLOSE = "\n  </ol>\n</li>\n"


def _render(comments: Iterable, page_id, comments_open: bool, fresh: bool) -> SafeString:
    """Each comment followed by its replies, walked with a stack (readers choose how
    deep a chain goes; `selectors.arrange` flattens what is past the deepest level)."""
    render = _Render(page_id)
    out: list[str] = []
    stack: list = [(comment, fresh) for comment in reversed(list(comments))]
    while stack:
        item = stack.pop()
        if item is _CLOSE:
            out.append(_CLOSE)
            continue
        comment, is_fresh = item
        out.append(_open(comment, is_fresh, comments_open, render))
        stack.append(_CLOSE)
        stack.extend((reply, False) for reply in reversed(getattr(comment, "replies", ())))
    return mark_safe("".join(out))  # noqa: S308 - every reader-given value is escaped


def render_thread(comments: Iterable, *, page_id, comments_open: bool) -> SafeString:
    """Arranged comments, each followed by its replies: the items of a comment list.
    `page_id` names the page the reply links post to; `comments_open` whether they are
    offered. Reads each comment's `mine` (no vote buttons on one's own)."""
    return _render(comments, page_id, comments_open, False)


def render_comment_html(
    comment, *, page_id, comments_open: bool, fresh: bool = False
) -> SafeString:
    """One comment and its replies (`comment.replies`, if arranged), as the thread shows
    it; `fresh` marks one just posted (`is-fresh`)."""
    return _render([comment], page_id, comments_open, fresh)


def render_votes_html(comment, mine: int = 0, error: str = "") -> SafeString:
    """A comment's vote buttons: `mine` is the reader's vote (1, -1 or 0), shown pressed;
    `error` why a vote was refused, shown under them."""
    return mark_safe(_votes(comment, mine, error, id_url_parts("engagement:vote")))  # noqa: S308
