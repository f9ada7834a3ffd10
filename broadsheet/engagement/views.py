"""The comment slot's HTML endpoints: plain form posts without JavaScript, fragments for htmx.

The article page itself is cacheable and carries no CSRF token. With JavaScript on, a
small script fetches one from /api/v1/session and fills it in. Without JavaScript, a post
from a cached page arrives without a token: nothing is written, and the reader gets an
uncached page with their comment filled in and a fresh token, one click from posting.
So a page cache can never make posting fail, and no write skips Django's CSRF check.

That confirm step is offered only to a post that came from our own pages
(`from_our_pages`): a form on another site, posted into a signed-in reader's browser,
gets a 403 that repeats nothing it carried, never a page one click from publishing it.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget
from wagtail.models import Page

from broadsheet import pagecache
from broadsheet.engagement import selectors, services
from broadsheet.engagement.comment_html import render_comment_html, render_votes_html
from broadsheet.engagement.identity import (
    forget_guest_details,
    reader_for,
    remember_guest_details,
    remember_reader,
)
from broadsheet.engagement.models import Comment
from broadsheet.http import FROM_ELSEWHERE, csrf_ok, from_our_pages
from broadsheet.moderation import bots
from broadsheet.moderation.bots import form_started
from broadsheet.reader_input import MAX_PAGE, whole_number

FORM_FIELDS = (
    "body",
    "parent",
    "author_name",
    "author_email",
    "author_url",
    "notify",
    "form_started",
)
QUOTE_FIELDS = ("quote_exact", "quote_prefix", "quote_suffix", "quote_start", "quote_end")


def _from_elsewhere(request: HttpRequest, article) -> HttpResponse:
    """The answer to a cross-site post without a token: 403, nothing it carried."""
    context = {"message": FROM_ELSEWHERE, "article": article}
    return TemplateResponse(request, "engagement/message.html", context, status=403)


def _form_id(parent_id: int | None) -> str:
    return f"reply-form-{parent_id}" if parent_id else "comment-form"


def _form_context(request, page, *, parent_id=None, values=None, errors=None, notice=""):
    values = values or {}
    return {
        "page_id": page.pk,
        "parent_id": parent_id,
        "form_id": _form_id(parent_id),
        "values": values,
        "errors": errors or {},
        "notice": notice,
        "request": request,
        "prompt": settings.COMMENTS_PROMPT,
        "max_length": settings.COMMENTS_MAX_LENGTH,
        # A form shown again after an error keeps the stamp it was posted with (none,
        # from a cached page without JavaScript): correcting it is not posting too soon.
        "form_started": (
            bots.kept_stamp(values["form_started"]) if "form_started" in values else form_started()
        ),
        "altcha": settings.ALTCHA_ENABLED,
        "next_url": f"{page.url}#{_form_id(parent_id)}",
    }


def _form_page(request, page, status, **kwargs) -> HttpResponse:
    """The uncached page that holds a comment form: for errors and for confirming."""
    context = _form_context(request, page, **kwargs)
    context["article"] = page
    return TemplateResponse(request, "engagement/form_page.html", context, status=status)


@require_GET
def comment_form(request: HttpRequest, page_id: int) -> HttpResponse:
    """A reply form, opened inline by htmx or as its own page without JavaScript."""
    page = get_object_or_404(Page.objects.live(), pk=page_id)
    parent_id = whole_number(request.GET.get("parent"), low=1)
    if not request.htmx:
        return _form_page(request, page, 200, parent_id=parent_id)
    context = _form_context(request, page, parent_id=parent_id)
    context["target"] = whole_number(request.GET.get("target"), low=1) or parent_id
    context["with_token"] = True
    return TemplateResponse(request, "engagement/form.html", context)


@require_GET
def thread_fragment(request: HttpRequest, page_id: int) -> HttpResponse:
    """A page of threads (“View all comments”, re-sorting), as htmx asks for it."""
    page = get_object_or_404(Page.objects.live(), pk=page_id)
    state = services.comments_state(page)
    if not state.accepts:
        raise Http404("This page does not take comments.")
    # As the API does: a page number no listing could reach is refused (a page past the
    # last is empty, with a way back to the first).
    number = whole_number(request.GET.get("page") or 1, low=1, high=MAX_PAGE)
    if number is None:
        return HttpResponse("No such page of comments.", status=400)
    # htmx answers are never cached: this one is the reader's own (held comments shown).
    reader = reader_for(request)
    thread = selectors.thread_page(page.pk, request.GET.get("sort", ""), number, reader)
    selectors.mark_own(thread.comments, reader)
    selectors.mark_voice(thread.comments, page, thread.pinned_id)
    template = (
        "engagement/thread_page.html" if request.GET.get("more") else "engagement/thread.html"
    )
    context = {
        "thread": thread,
        "page_id": page.pk,
        "comments_open": state.open,
        "sorts": list(selectors.SORT_LABELS.items()),
    }
    response = TemplateResponse(request, template, context)
    return _with_heading(request, response, page.pk, reader)


def _refused_form(request, page, parent_id, values, error) -> HttpResponse:
    """The form again with its errors: swapped in place for htmx (200, so htmx swaps
    it), or on its own page with the error's status."""
    if request.htmx:
        context = _form_context(
            request, page, parent_id=parent_id, values=values, errors=error.errors
        )
        response = TemplateResponse(request, "engagement/form.html", context)
        return reswap(retarget(response, f"#{_form_id(parent_id)}"), "outerHTML")
    return _form_page(
        request, page, error.status, parent_id=parent_id, values=values, errors=error.errors
    )


def _notify_me(page, reader, values) -> str:
    """The form's "Notify me of" choice, once the comment is in. A refused subscription
    never loses the comment: the reader is told, and can subscribe later."""
    from broadsheet.notifications.services import subscribe_with_comment

    if values.get("notify") not in ("comments", "replies"):
        return ""
    _, message = subscribe_with_comment(
        article_id=page.pk, kind=values["notify"], email=values["author_email"], reader=reader
    )
    return message


def _form_values(post) -> dict:
    """The comment form as posted: text fields as strings, tick boxes as booleans."""
    values = {name: post.get(name, "") for name in FORM_FIELDS + QUOTE_FIELDS}
    values["remember"] = bool(post.get("remember"))
    values["consent"] = bool(post.get("consent"))
    return values


@csrf_exempt  # checked by hand below, so that a cached page degrades to a confirm step
@require_POST
def post_comment(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(Page.objects.live(), pk=page_id)
    values = _form_values(request.POST)
    # The reply slot the form is shown in again. The service judges the parent as sent:
    # one that names no comment (not a number, or too big for any id) is refused, never
    # posted as a new thread instead.
    parent_id = whole_number(values["parent"], low=1)

    if not csrf_ok(request):
        if request.htmx:
            return _stale_session()
        if not from_our_pages(request):
            return _from_elsewhere(request, page)
        notice = "Please confirm: press “Post comment” again to publish it."
        return _form_page(request, page, 403, parent_id=parent_id, values=values, notice=notice)

    trapped = bots.check(request.POST)
    if trapped:
        return _refused_form(
            request, page, parent_id, values, services.CommentError({"form": trapped})
        )
    reader = reader_for(request, create=True)
    try:
        comment = services.post_comment(
            page_id=page.pk,
            reader=reader,
            body=values["body"],
            parent_id=values["parent"].strip() or None,
            author_name=values["author_name"],
            author_email=values["author_email"],
            author_url=values["author_url"],
            consent=values["consent"],
            quote=_quote(values),
        )
    except services.CommentError as error:
        return _refused_form(request, page, parent_id, values, error)

    notify_notice = _notify_me(page, reader, values)
    if request.htmx:
        response = _posted_fragment(request, page, comment, parent_id, notify_notice)
    else:
        response = HttpResponseRedirect(f"{page.url}#comment-{comment.pk}")
        response.status_code = 303
    return _remember_author(request, response, page, reader, values)


def _remember_author(request, response, page, reader, values) -> HttpResponse:
    """The cookies a post leaves: the article is this browser's own (its held comments
    show), the reader's identity, and a guest's details if they asked to be remembered."""
    pagecache.remember_own_page(request, response, page.pk)
    if reader.user is None:
        if values["remember"]:
            remember_guest_details(
                response, values["author_name"], values["author_email"], values["author_url"]
            )
        else:
            forget_guest_details(response)
    return remember_reader(response, reader)


POSTED = "Thank you: posted."
HELD = (
    "Thank you: your comment is held for review. Only you can see it until a moderator approves it."
)


def _posted_fragment(request, page, comment, parent_id, notify_notice) -> HttpResponse:
    """The new comment where htmx puts it, with a fresh form (or the reply form gone) and
    the comments heading, out of band."""
    comment.level = min(comment.depth + 1, _max_level())
    comment.replies = []
    comment.mine = True  # no vote buttons on one's own comment
    selectors.mark_voice([comment], page)  # an author's answer has its badge at once
    held = comment.status == Comment.Status.PENDING
    context = {
        **_form_context(request, page),
        "comment": comment,
        "comments_open": True,
        "fresh": True,
        "reply_to": parent_id,
        "notice": " ".join(filter(None, [HELD if held else POSTED, notify_notice])),
        "total": selectors.comment_counts([page.pk]).get(page.pk, 0),
        "empty": False,
    }
    return TemplateResponse(request, "engagement/posted.html", context, status=201)


def _quote(values: dict) -> dict | None:
    if not values.get("quote_exact"):
        return None
    return {
        "exact": values["quote_exact"],
        "prefix": values["quote_prefix"],
        "suffix": values["quote_suffix"],
        # Hints only: one out of range is dropped, and the passage found by its words.
        "start": whole_number(values["quote_start"], high=MAX_PAGE),
        "end": whole_number(values["quote_end"], high=MAX_PAGE),
    }


def _max_level() -> int:
    return settings.COMMENTS_MAX_DEPTH


def _stale_session() -> HttpResponse:
    # Only htmx gets here without a token, when the page outlived its session's cookie.
    return HttpResponse("Your session has expired: reload the page.", status=403)


def _refused(request, error: services.CommentError, article, comment_id=None) -> HttpResponse:
    """A refused action. For htmx, its message in place, under the comment's actions
    (a 200, so htmx shows it rather than dropping it; the message says what happened);
    otherwise a page with the message and a way back."""
    if request.htmx:
        if comment_id is None:
            return HttpResponse(error.message, status=error.status)
        response = HttpResponse(
            format_html('<p class="action-error" role="alert">{}</p>', error.message)
        )
        return reswap(retarget(response, f"#comment-{int(comment_id)}-actions"), "beforeend")
    return TemplateResponse(
        request,
        "engagement/message.html",
        {"message": error.message, "article": article},
        status=error.status,
    )


def _comment_or_404(comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("page"), pk=comment_id)


def _back_to(comment: Comment) -> HttpResponseRedirect:
    response = HttpResponseRedirect(f"{comment.page.url}#comment-{comment.pk}")
    response.status_code = 303
    return response


def _confirm_page(request, comment: Comment, action: str, fields: dict) -> HttpResponse:
    """A vote, edit or delete posted without a token: confirm it, if it came from us."""
    if not from_our_pages(request):
        return _from_elsewhere(request, comment.page)
    return TemplateResponse(
        request,
        "engagement/confirm.html",
        {"comment": comment, "action": action, "fields": fields, "article": comment.page},
        status=403,
    )


@csrf_exempt  # checked by hand, as for posting
@require_POST
def vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment_or_404(comment_id)
    value = whole_number(request.POST.get("value"), low=-1, high=1)
    if not csrf_ok(request):
        if request.htmx:
            return _stale_session()
        return _confirm_page(request, comment, "vote", {"value": request.POST.get("value", "")})
    reader = reader_for(request, create=True)
    try:
        result = services.cast_vote(
            comment_id=comment.pk, reader=reader, value=value if value is not None else 99
        )
    except services.CommentError as error:
        if request.htmx:  # the votes again, with why, in place
            mine = selectors.my_votes(reader, comment.page_id).get(comment.pk, 0)
            return HttpResponse(render_votes_html(comment, mine, error.message))
        return _refused(request, error, comment.page)
    if request.htmx:
        comment.score, comment.upvotes, comment.downvotes = result.score, result.up, result.down
        response = HttpResponse(render_votes_html(comment, result.mine))
    else:
        response = _back_to(comment)
    return remember_reader(response, reader)


@csrf_exempt  # checked by hand, as for posting
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment_or_404(comment_id)
    reader = reader_for(request)
    if request.method == "GET":
        if not services.can_edit(comment, reader):
            if request.htmx:
                error = services.Forbidden({"comment": services.edit_refusal(comment, reader)})
                return _refused(request, error, comment.page, comment.pk)
            raise Http404("You cannot edit this comment.")
        template = "engagement/edit_form.html" if request.htmx else "engagement/edit_page.html"
        return TemplateResponse(
            request, template, {"comment": comment, "article": comment.page, "value": comment.body}
        )
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not csrf_ok(request):
        return _confirm_page(request, comment, "edit", {"body": request.POST.get("body", "")})
    try:
        comment = services.edit_comment(
            comment_id=comment.pk, reader=reader, body=request.POST.get("body", "")
        )
    except services.CommentError as error:
        context = {
            "comment": comment,
            "article": comment.page,
            "value": request.POST.get("body", ""),
            "errors": error.errors,
        }
        template = "engagement/edit_form.html" if request.htmx else "engagement/edit_page.html"
        return TemplateResponse(
            request, template, context, status=200 if request.htmx else error.status
        )
    if request.htmx:
        return _comment_fragment(request, comment)
    return _back_to(comment)


@csrf_exempt  # checked by hand, as for posting
@require_POST
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment_or_404(comment_id)
    if not csrf_ok(request):
        return _confirm_page(request, comment, "delete", {})
    reader = reader_for(request)
    try:
        comment = services.delete_comment(comment_id=comment.pk, reader=reader)
    except services.CommentError as error:
        return _refused(request, error, comment.page, comment.pk)
    if request.htmx:
        response = (
            _comment_fragment(request, comment, reader)
            if services.has_replies(comment)
            else HttpResponse("")
        )
        return _with_heading(request, response, comment.page_id, reader)
    return _back_to(comment)


def _with_heading(request, response: HttpResponse, page_id: int, reader) -> HttpResponse:
    """Add the comments heading (count, and "No comments yet.") to an htmx answer that
    changed or loaded the thread, so they never disagree with what the reader sees."""
    if hasattr(response, "render"):
        response.render()
    total = selectors.comment_counts([page_id]).get(page_id, 0)
    empty = not total and not selectors.my_comments(reader, page_id)
    heading = render_to_string(
        "engagement/heading.html", {"oob": True, "total": total, "empty": empty}, request
    )
    response.content = response.content + heading.encode()
    return response


def _comment_fragment(request, comment: Comment, reader=None) -> HttpResponse:
    """One comment re-rendered in place (after an edit or a delete), replies included."""
    reader = reader or reader_for(request)
    node = selectors.comment_with_replies(comment, reader)
    if node is None:
        return HttpResponse("")
    selectors.mark_own([node], reader)
    selectors.mark_voice([node], Page.objects.get(pk=comment.page_id))
    return HttpResponse(render_comment_html(node, page_id=comment.page_id, comments_open=True))


def _rating_context(page, reader=None) -> dict:
    return {"page_id": page.pk, "rating": selectors.rating_summary(page.pk, reader)}


@csrf_exempt  # checked by hand, as for posting
@require_POST
def rate(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(Page.objects.live(), pk=page_id)
    stars = whole_number(request.POST.get("stars"))
    if not csrf_ok(request):
        if request.htmx:
            return _stale_session()
        if not from_our_pages(request):
            return _from_elsewhere(request, page)
        return TemplateResponse(
            request,
            "engagement/confirm_rating.html",
            {"article": page, "stars": request.POST.get("stars", "")},
            status=403,
        )
    reader = reader_for(request, create=True)
    try:
        rating = services.rate_page(page_id=page.pk, reader=reader, stars=stars)
    except services.CommentError as error:
        if request.htmx:
            context = {**_rating_context(page, reader), "error": error.message}
            return TemplateResponse(request, "engagement/rating.html", context)
        return _refused(request, error, page)
    if request.htmx:  # the rating as the write left it: not read again
        context = {"page_id": page.pk, "rating": rating, "thanks": True}
        response = TemplateResponse(request, "engagement/rating.html", context)
    else:
        response = HttpResponseRedirect(f"{page.url}#rating")
        response.status_code = 303
    return remember_reader(response, reader)
