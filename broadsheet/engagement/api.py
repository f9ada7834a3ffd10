"""Reader API for discussions: the contract for other clients and embeds.

Writes check Django's CSRF token (csrftoken cookie + X-CSRFToken header), which
GET /session hands out; the HTML slot and this API call the same services.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import add_never_cache_headers
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field
from wagtail.models import Page

from broadsheet import pagecache
from broadsheet.engagement import selectors, services
from broadsheet.engagement.identity import (
    READER_COOKIE,
    guest_details,
    reader_for,
    remember_reader,
)
from broadsheet.engagement.models import Comment
from broadsheet.http import Answer, ApiError, QuickWrite, require_csrf
from broadsheet.moderation import proof_of_work
from broadsheet.moderation.bots import form_started
from broadsheet.reader_input import Id, JsonId, JsonOffset, PageNumber
from broadsheet.refusals import refusals

router = Router(tags=["comments"])


def _raise(error: services.CommentError):
    if isinstance(error, services.Throttled):
        raise error.limited  # 429 with Retry-After, by the API's handler
    raise ApiError(error.status, error.errors)


class SessionUser(Answer):
    id: int
    name: str


class GuestDetails(Answer):
    name: str
    email: str
    url: str


class MyComment(Answer):
    id: int
    editable: bool


class Session(Answer):
    user: SessionUser | None
    csrf_token: str
    form_started: str = Field("", description="For the HTML comment form's timing check.")
    guest: GuestDetails | None = None
    votes: dict[int, int] = {}
    mine: list[MyComment] = []
    rating: int | None = None


class SessionQuery(Schema):
    page: Id | None = Field(None, description="A page whose votes and own comments to include.")


@router.get(
    "/session", response={200: Session, **refusals(400)}, summary="Who is reading, and a CSRF token"
)
def session(request: HttpRequest, response: HttpResponse, query: Query[SessionQuery]):
    """Personal state kept out of cached pages: never cached itself."""
    add_never_cache_headers(response)
    reader = reader_for(request)
    result = {
        "user": {"id": reader.user.pk, "name": reader.user.get_username()} if reader.user else None,
        "csrf_token": get_token(request),
        "form_started": form_started(),
        "guest": None if reader.user else guest_details(request),
    }
    if query.page:
        result["votes"] = selectors.my_votes(reader, query.page)
        result["mine"] = [
            {"id": c.pk, "editable": services.can_edit(c, reader)}
            for c in selectors.my_comments(reader, query.page)
        ]
        result["rating"] = selectors.rating_summary(query.page, reader).mine
    return result


class Author(Answer):
    name: str
    url: str


class CommentOut(Answer):
    id: int
    parent: int | None
    author: Author
    body_html: str
    created: datetime
    edited: datetime | None
    score: int
    up: int
    down: int
    status: str
    picked: bool = Field(description="An editor's pick (also listed in `picks`).")
    pinned: bool = Field(description="Pinned to the top of the article's thread.")
    badge: Literal["", "author", "staff"] = Field(
        description="Earned by the account that wrote it: the article's author, or the "
        "newsroom's staff; empty for everyone else (a name proves nothing)."
    )
    replies: list["CommentOut"]


class CommentPage(Answer):
    count: int
    page: int
    pages: int
    picks: list[CommentOut] = Field(
        [],
        description="Picked by the editors: the article's picks, latest pick first, without "
        "their replies (they are in results too, where they are in the thread).",
    )
    results: list[CommentOut] = Field(
        description="The thread pinned to the top of the article comes first on page 1, "
        "whatever the sort."
    )
    earlier: list[CommentOut] = Field(
        [],
        description="Comments on a passage that a correction removed, with their replies: "
        "listed here, not in results.",
    )


class ThreadQuery(Schema):
    sort: Literal["newest", "oldest", "top", "hot"] = "newest"
    page: PageNumber = 1


def _serialize(comment: Comment) -> dict:
    removed = comment.status == Comment.Status.REMOVED
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": {
            "name": "" if removed else comment.author_name,
            "url": "" if removed else comment.author_url,
        },
        "body_html": "" if removed else comment.body_html,
        "created": comment.created_at,
        "edited": comment.edited_at,
        "score": comment.score,
        "up": comment.upvotes,
        "down": comment.downvotes,
        "status": comment.status,
        "picked": comment.picked and not removed,
        "pinned": comment.pinned,
        "badge": "" if removed else comment.badge,
        "replies": [_serialize(reply) for reply in getattr(comment, "replies", [])],
    }


def _commentable_page(page_id: int) -> Page:
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None or not services.comments_state(page).accepts:
        raise ApiError(404, {"article": "No such article."})
    return page


@router.get(
    "/articles/{article_id}/comments",
    response={200: CommentPage, **refusals(400, 404)},
    summary="A page of threads",
)
def list_comments(
    request: HttpRequest, response: HttpResponse, article_id: Id, query: Query[ThreadQuery]
):
    page = _commentable_page(article_id)
    reader = reader_for(request)
    thread = selectors.thread_page(page.pk, query.sort, query.page, reader)
    earlier = selectors.earlier_version_comments(page.pk, reader)
    picks = selectors.picks(page.pk)
    selectors.mark_voice([*thread.comments, *earlier, *picks], page, thread.pinned_id)
    if reader.user is None and not reader.guest_key:
        # The same for every reader without an identity: kept by the page cache until
        # the discussion changes. A guest's own held comments make theirs personal.
        pagecache.depends_on_thread(response, page.pk, unless_cookie=READER_COOKIE)
    return {
        "count": thread.count,
        "page": thread.page,
        "pages": thread.pages,
        "picks": [_serialize(comment) for comment in picks],
        "results": [_serialize(comment) for comment in thread.comments],
        "earlier": [_serialize(comment) for comment in earlier],
    }


# Numbers in request bodies are strict (JsonId, strict=True): pydantic's lax mode reads
# `true` as 1, "5" as 5 and 5.0 as 5, so `{"stars": true}` was a star and
# `{"parent": true}` a reply to comment 1. A JSON integer or a 400.


class QuoteIn(Schema):
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: JsonOffset | None = None
    end: JsonOffset | None = None


class CommentIn(Schema):
    body: str
    quote: QuoteIn | None = None
    parent: JsonId | None = None
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    consent: bool = Field(
        True,
        description="Guests: the client has asked the reader's consent to store name and email.",
    )
    altcha: str = Field("", description="A solved proof-of-work, when the site asks for one.")
    notify: Literal["", "comments", "replies"] = Field(
        "", description="Also subscribe: to all new comments, or to replies to this one's author."
    )


class Created(Answer):
    id: int
    status: str
    notifications: str = Field(
        "", description="With notify: confirmation_sent, active, or why it was refused."
    )


@router.post(
    "/articles/{article_id}/comments",
    response={201: Created, **refusals(400, 403, 404, 429, 503)},
    summary="Post a comment or reply",
)
def create_comment(
    request: HttpRequest, response: HttpResponse, article_id: Id, payload: CommentIn
):
    require_csrf(request)
    reader = reader_for(request, create=True)
    try:
        fields = payload.dict()
        fields["parent_id"] = fields.pop("parent")
        notify = fields.pop("notify")
        solution = fields.pop("altcha")
        refused = proof_of_work.check(solution) if proof_of_work.enabled() else None
        if refused:
            raise services.CommentError({"altcha": refused})
        comment = services.post_comment(page_id=article_id, reader=reader, **fields)
    except services.CommentError as error:
        _raise(error)
    remember_reader(response, reader)
    pagecache.remember_own_page(request, response, article_id)
    notifications = ""
    if notify:
        from broadsheet.notifications.services import subscribe_with_comment

        status, message = subscribe_with_comment(
            article_id=article_id, kind=notify, email=payload.author_email, reader=reader
        )
        notifications = message if status == "refused" else status
    return Status(201, {"id": comment.pk, "status": comment.status, "notifications": notifications})


class VoteIn(Schema):
    value: int = Field(ge=-1, le=1, strict=True, description="1 up, -1 down, 0 withdraws")


class VoteOut(Answer):
    score: int
    up: int
    down: int
    mine: int


@router.post(
    "/comments/{comment_id}/vote",
    response={200: VoteOut, **refusals(400, 403, 404, 429)},
    summary="Vote on a comment",
)
def vote(request: HttpRequest, response: HttpResponse, comment_id: Id, payload: VoteIn):
    require_csrf(request)
    reader = reader_for(request, create=True)
    try:
        result = services.cast_vote(comment_id=comment_id, reader=reader, value=payload.value)
    except services.CommentError as error:
        _raise(error)
    remember_reader(response, reader)
    return result.__dict__


class EditIn(Schema):
    body: str


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, **refusals(400, 403, 404)},
    summary="Edit your comment",
)
def edit_comment(request: HttpRequest, comment_id: Id, payload: EditIn):
    require_csrf(request)
    try:
        comment = services.edit_comment(
            comment_id=comment_id, reader=reader_for(request), body=payload.body
        )
    except services.CommentError as error:
        _raise(error)
    comment.replies = []
    selectors.mark_voice([comment], comment.page)
    return _serialize(comment)


@router.delete(
    "/comments/{comment_id}",
    response={204: None, **refusals(400, 403, 404)},
    summary="Delete your comment",
)
def delete_comment(request: HttpRequest, comment_id: Id):
    require_csrf(request)
    try:
        services.delete_comment(comment_id=comment_id, reader=reader_for(request))
    except services.CommentError as error:
        _raise(error)
    return Status(204, None)


class RatingOut(Answer):
    average: float | None
    count: int
    mine: int | None


class RatingIn(Schema):
    stars: int = Field(ge=1, le=5, strict=True, description="1 to 5")


def _rateable_page(page_id: int) -> Page:
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        raise ApiError(404, {"article": "No such article."})
    allowed, reason = services.ratings_state(page)
    if not allowed:
        raise ApiError(403, {"stars": reason})
    return page


@router.get(
    "/articles/{article_id}/rating",
    response={200: RatingOut, **refusals(400, 403, 404)},
    summary="An article's rating",
)
def get_rating(request: HttpRequest, response: HttpResponse, article_id: Id):
    page = _rateable_page(article_id)
    add_never_cache_headers(response)
    return selectors.rating_summary(page.pk, reader_for(request)).__dict__


@router.post(
    "/articles/{article_id}/rating",
    response={200: RatingOut, **refusals(400, 403, 404, 429)},
    summary="Rate an article",
)
def rate(request: HttpRequest, response: HttpResponse, article_id: Id, payload: RatingIn):
    require_csrf(request)
    reader = reader_for(request, create=True)
    try:
        result = services.rate_page(page_id=article_id, reader=reader, stars=payload.stars)
    except services.CommentError as error:
        _raise(error)
    remember_reader(response, reader)
    return result.__dict__


class AnnotationOut(Answer):
    comment_id: int
    exact: str
    start: int
    end: int
    orphaned: bool
    question: bool = Field(description="An editor's question, answered by replies")
    replies: int = Field(description="Approved replies (answers) to it")


@router.get(
    "/articles/{article_id}/annotations",
    response={200: list[AnnotationOut], **refusals(400, 404)},
    summary="Passages readers commented on",
)
def list_annotations(request: HttpRequest, article_id: Id):
    page = _commentable_page(article_id)
    return [
        {
            "comment_id": a.comment_id,
            "exact": a.exact,
            "start": a.start,
            "end": a.end,
            "orphaned": a.orphaned,
            "question": a.is_question,
            "replies": a.comment.reply_count,
        }
        for a in selectors.annotations(page.pk)
    ]


# Answered by the API lane without URL resolution (broadsheet/lanes.py): the same views,
# schemas and error handlers, for the writes a busy discussion makes most.
QUICK_WRITES = (
    QuickWrite("/comments/{comment_id}/vote", vote, VoteIn, VoteOut),
    QuickWrite("/articles/{article_id}/rating", rate, RatingIn, RatingOut),
    QuickWrite("/articles/{article_id}/comments", create_comment, CommentIn, Created),
)
