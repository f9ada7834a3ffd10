"""Every write a reader can make to a discussion: one function per action, one transaction.

Views, the htmx fragments and the JSON API all call these; none of them holds a rule of
its own. Errors are raised as `CommentError` with a message per field, and nothing is
stored when one is raised.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from wagtail.models import Page

from broadsheet.engagement import anchoring
from broadsheet.engagement.identity import Reader
from broadsheet.engagement.models import (
    AnchorHistory,
    Annotation,
    Comment,
    Discussion,
    Rating,
    RatingSummary,
    Vote,
)
from broadsheet.engagement.rendering import render_comment
from broadsheet.engagement.selectors import RatingResult, has_approved_comment
from broadsheet.engagement.signals import announce_approved, announce_changed
from broadsheet.moderation.verdicts import (
    CLOSED,
    OPEN,
    REFUSED,
    discussion_mode,
    judge_comment,
)
from broadsheet.ratelimit import Limit, RateLimited, check_all
from broadsheet.reader_input import clean_text, single_line, whole_number

log = logging.getLogger(__name__)


class CommentError(Exception):
    """Bad input or a refused action: `errors` maps a field (or "form") to a message."""

    status = 400

    def __init__(self, errors: dict[str, str] | str, status: int | None = None):
        self.errors = errors if isinstance(errors, dict) else {"form": errors}
        if status:
            self.status = status
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))

    @property
    def message(self) -> str:
        return " ".join(self.errors.values())


class Throttled(CommentError):
    """Over a rate limit: 429, with the seconds to wait."""

    status = 429

    def __init__(self, limited: RateLimited):
        super().__init__({"rate": str(limited)})
        self.limited = limited
        self.retry_after = limited.retry_after


def _retry_on_conflict(write, *args, attempts: int = 3):
    """Run a transactional write again when a concurrent one won a unique constraint
    first (the same reader's double click): the retry reads the row that won."""
    for attempt in range(attempts):
        try:
            return write(*args)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class NotSaved(CommentError):
    """The database refused the write (full, away): 503, and nothing was stored, the
    comment and its side effects being one transaction."""

    status = 503

    def __init__(self):
        super().__init__(
            {
                "form": "Your comment could not be saved just now, and nothing was stored: "
                "please try again in a moment."
            }
        )


def check_limits(reader: Reader, action: str) -> None:
    """Per identity and per keyed client address (see broadsheet.ratelimit)."""
    identity_limit, address_limit = LIMITS[action]
    try:
        check_all([(identity_limit, reader.voter), (address_limit, reader.ip_hash)])
    except RateLimited as limited:
        raise Throttled(limited) from limited


LIMITS = {
    "comment": (Limit("comment-identity", 10, 600), Limit("comment-address", 30, 600)),
    "vote": (Limit("vote-identity", 120, 600), Limit("vote-address", 300, 600)),
    "rating": (Limit("rating-identity", 30, 600), Limit("rating-address", 100, 600)),
    "report": (Limit("report-identity", 20, 3600), Limit("report-address", 50, 3600)),
}

GUEST_CAP_HOURS = 24


def _guest_window_start():
    return timezone.now() - timedelta(hours=GUEST_CAP_HOURS)


def _cap_guests(reader: Reader, earlier: int, first, message: str) -> None:
    """Refuse a guest's new vote or rating when GUEST_VOTES_PER_ADDRESS guests from the
    reader's keyed address already cast one on the same comment or article in the last
    24 hours: a guest is their cookie, so clearing it makes a new guest, and this is what
    bounds them. `earlier` and `first` are those guests' count and the oldest's time,
    read by the vote's or the rating's own query (the (comment, ip_hash) or (page,
    ip_hash) index). Accounts are not capped, and a change to one's own vote never comes
    here."""
    if reader.user is not None:
        return
    cap = settings.GUEST_VOTES_PER_ADDRESS
    if earlier >= cap:
        # Retry-After: when the oldest of them leaves the window.
        if isinstance(first, str):  # SQLite's text, in UTC
            first = parse_datetime(first).replace(tzinfo=UTC)
        first = first or timezone.now()
        wait = (first + timedelta(hours=GUEST_CAP_HOURS) - timezone.now()).total_seconds()
        limit = Limit("guest-votes-address", cap, GUEST_CAP_HOURS * 3600)
        raise Throttled(RateLimited(limit, int(wait) + 1, message))


class NotFound(CommentError):
    status = 404


class Forbidden(CommentError):
    status = 403


@dataclass(frozen=True)
class CommentsState:
    accepts: bool
    open: bool
    reason: str = ""
    mode: str = OPEN  # the section's: open, premoderated or closed


def comments_state(page: Page) -> CommentsState:
    """Whether a page takes comments, and whether they are open now.

    A page type takes comments by declaring `accepts_comments = True` (articles do); it
    closes them with a `comments_open` field, and all close COMMENTS_CLOSE_AFTER_DAYS
    after first publication when that setting is above zero.
    """
    return _state(_commenting(page))


@dataclass(frozen=True)
class _Commenting:
    """What comments_state and ratings_state read of a page and its section."""

    accepts: bool
    open: bool = False  # the page's own flag
    mode: str = OPEN
    first_published_at: datetime | None = None
    rates: bool = False  # ratings_state's answer


def _commenting(page: Page) -> _Commenting:
    specific = page.specific
    rates = bool(getattr(specific, "accepts_ratings", False))
    if not getattr(specific, "accepts_comments", False):
        return _Commenting(False, rates=rates)
    return _Commenting(
        True,
        getattr(specific, "comments_open", True),
        discussion_mode(page),
        page.first_published_at,
        rates,
    )


def _state(facts: _Commenting) -> CommentsState:
    if not facts.accepts:
        return CommentsState(False, False, "This page does not take comments.")
    if not facts.open:
        return CommentsState(True, False, "Comments are closed on this article.")
    mode = facts.mode
    if mode == CLOSED:
        return CommentsState(True, False, "Comments are closed in this section.", mode)
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    published = facts.first_published_at
    if days > 0 and published and timezone.now() - published > timedelta(days=days):
        return CommentsState(True, False, f"Comments close {days} days after publication.", mode)
    return CommentsState(True, True, "", mode)


COMMENTING_SECONDS = 60


def stored_comments_state(page_id: int) -> CommentsState | None:
    """comments_state of page `page_id` as stored (None: no such live page), for the writes
    that name a page by id. Reading it costs three queries (the page, its specific row,
    its section), more than the rest of a comment's checks together; what they read
    changes only when the page or its section is published, unpublished, moved or
    deleted, all of which move the page cache's publication counter. So what was read
    is kept in the shared cache under the counter's value, read with the counter in one
    round trip (pagecache.published_copy) by every process, and read from the database
    again once the counter moves, or after COMMENTING_SECONDS in any case: the bound, as
    for the cached pages, on a change made without a publication (an import's direct
    update) or one committed after its counter moved. The time rule
    (COMMENTS_CLOSE_AFTER_DAYS) is applied afresh on every call. With the shared cache
    out of reach, nothing is kept."""
    facts = _stored_facts(page_id)
    return None if facts is None else _state(facts)


def _stored_facts(page_id: int) -> _Commenting | None:
    """What stored_comments_state and rate_page answer from."""
    from django.core.cache import cache

    from broadsheet import pagecache

    key = f"engagement:commenting:2:{page_id}"  # 2: the tuple's shape; change with it
    version, known = pagecache.published_copy(key)
    if version is not None and isinstance(known, tuple) and known[0] == version:
        return _Commenting(*known[1])
    # A page not live (a draft, one taken down) is not there for readers to write to.
    page = Page.objects.filter(pk=page_id, live=True).first()
    if page is None:
        return None  # not kept: a page made without a publication (an import) may follow
    facts = _commenting(page)
    if version is not None:
        fields = (facts.accepts, facts.open, facts.mode, facts.first_published_at, facts.rates)
        cache.set(key, (version, fields), timeout=COMMENTING_SECONDS)
    return facts


def _validate_body(body: str, errors: dict[str, str]) -> str:
    body = clean_text(body).strip()
    if not body:
        errors["body"] = "Write a comment before posting."
    elif len(body) > settings.COMMENTS_MAX_LENGTH:
        errors["body"] = (
            f"Comments can be at most {settings.COMMENTS_MAX_LENGTH:,} characters; "
            f"this one has {len(body):,}."
        )
    return body


def _validate_guest(name, email, url, consent, errors) -> tuple[str, str, str]:
    # A name is one line: it goes into email subjects, feeds and headings.
    name, email, url = single_line(name), clean_text(email).strip(), clean_text(url).strip()
    if not name:
        errors["author_name"] = "Give a name to comment as a guest."
    elif len(name) > 80:
        errors["author_name"] = "Names can be at most 80 characters."
    try:
        validate_email(email)
    except ValidationError:
        errors["author_email"] = "Give a valid email address (it is never shown)."
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 300:
                raise ValidationError("too long")
        except ValidationError:
            errors["author_url"] = "The website must be an http or https address."
    if not consent:
        errors["consent"] = "Agree to the storage of your name and email to comment as a guest."
    return name, email, url


def _count_approved(comment: Comment, delta: int) -> None:
    """Keep the page's comment count and the thread's reply count in step."""
    update = {"comment_count": F("comment_count") + delta}
    if delta > 0:
        update["last_comment_at"] = comment.created_at
    discussion = Discussion.objects.filter(page_id=comment.page_id)
    if not discussion.update(**update):  # the page's first: made, then counted
        Discussion.objects.get_or_create(page_id=comment.page_id)
        discussion.update(**update)
    if comment.thread_id:
        Comment.objects.filter(pk=comment.thread_id).update(reply_count=F("reply_count") + delta)


def _unpin(comment: Comment) -> None:
    """A comment leaving the thread (removed, spam, held again) leaves the top of it
    too: a pin never outlives what it pins. (A pick stays, shown only while approved.)"""
    Discussion.objects.filter(pinned_id=comment.pk).update(pinned=None)


def post_comment(
    *,
    page_id: int,
    reader: Reader,
    body: str,
    parent_id: int | str | None = None,
    author_name: str = "",
    author_email: str = "",
    author_url: str = "",
    consent: bool = False,
    quote: dict | None = None,
) -> Comment:
    """Store a new comment or reply; its status comes from moderation's verdict. The
    parent is its id as sent (an int, or a form's text); one that names no approved
    comment of this article (not a number, or too big for any id, included) is refused
    with 400, never taken for a new thread. With a `quote` ({exact, prefix, suffix,
    start, end}) it is anchored to that passage. The comment is stored with its side
    effects' tasks (notifications) or not at all: when the database refuses any of it,
    NotSaved (503) and nothing is stored."""
    state = stored_comments_state(page_id)
    if state is None:
        raise NotFound({"article": "No such article."})
    if not state.accepts:
        raise NotFound({"article": state.reason})
    if not state.open:
        raise Forbidden({"form": state.reason})

    errors: dict[str, str] = {}
    body = _validate_body(body, errors)
    parent = None
    if parent_id is not None:
        number = whole_number(parent_id, low=1)
        parent = Comment.objects.filter(pk=number).first() if number else None
        if parent is None or parent.status != Comment.Status.APPROVED:
            errors["parent"] = "The comment you are replying to does not exist."
        elif parent.page_id != page_id:
            errors["parent"] = "The comment you are replying to is on another article."
    if reader.user is None:
        author_name, author_email, author_url = _validate_guest(
            author_name, author_email, author_url, consent, errors
        )
    page = passage = None
    if quote:  # the page itself is read only to find the passage in it
        page = Page.objects.get(pk=page_id)
        passage = _locate_quote(page, quote, errors)
    if passage and parent is not None:
        errors["quote"] = "A reply cannot quote a passage: start a new comment instead."
    if errors:
        raise CommentError(errors)

    check_limits(reader, "comment")
    email = author_email.strip().lower() if reader.user is None else ""
    verdict = judge_comment(
        text=body,
        is_guest=reader.user is None,
        section_mode=state.mode,
        user_id=reader.user.pk if reader.user else None,
        email=email or (getattr(reader.user, "email", "") or "").lower(),
        ip_hash=reader.ip_hash,
        # A guest whose cookie was made by this request has no comment yet: no query.
        approved_before=reader.user is not None
        or (not reader.new_token and has_approved_comment(reader)),
    )
    if verdict.status == REFUSED:
        raise CommentError({"body": verdict.reason}, status=verdict.http_status)
    guest = reader.user is None
    try:
        return _create_comment(
            page_id=page_id,
            page=page,
            parent=parent,
            user=reader.user,
            guest_name=author_name if guest else "",
            guest_email=author_email if guest else "",
            guest_url=author_url if guest else "",
            guest_key=reader.guest_key if guest else "",
            ip_hash=reader.ip_hash,
            body=body,
            status=verdict.status,
            status_reason=verdict.reason,
            passage=passage,
        )
    except DatabaseError as error:  # rolled back whole: say so, not a bare 500
        log.error("Comment on page %s not saved: %s", page_id, error)
        raise NotSaved() from error


@transaction.atomic
def _create_comment(
    *,
    page_id: int,
    body: str,
    status: str,
    status_reason: str = "",
    parent: Comment | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
    guest_url: str = "",
    guest_key: str = "",
    ip_hash: str = "",
    passage: anchoring.Quote | None = None,
    page: Page | None = None,
    is_question: bool = False,
) -> Comment:
    """The one way a comment comes to exist, a reader's comment or reply or an editor's
    question: stored with its thread and depth, counted and announced when approved
    (notifications hear of it after commit), anchored to its passage, and, when
    approved, announced as a change (the page cache's versions move on commit, live
    threads hear of it). Every side effect is here, so no way in can forget one.

    A comment that starts held, spam or shadow-banned changes nothing any other reader
    sees (its author sees it on their own copy of the article, which the page cache
    never keeps: pagecache.OWN_PAGES_COOKIE), so it is not announced: the shared cached
    copies stay valid, and live threads would find nothing to tell. Its approval later
    (set_status) is announced. `page` (the page itself) is needed with a `passage` only:
    the passage is anchored in its live revision."""
    comment = Comment(
        page_id=page_id,
        parent=parent,
        thread_id=(parent.thread_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        user=user,
        guest_name=guest_name,
        guest_email=guest_email,
        guest_url=guest_url,
        guest_key=guest_key,
        body=body,
        body_html=render_comment(body),
        status=status,
        status_reason=status_reason,
        ip_hash=ip_hash,
    )
    _insert_comment(comment)
    approved = comment.status == Comment.Status.APPROVED
    if approved:
        _count_approved(comment, +1)
        announce_approved(comment, was_held=False)
    if passage:
        anchor_comment(comment, page, passage, is_question=is_question)
    if approved:
        announce_changed(page_id, comment.pk)
    return comment


def _insert_comment(comment: Comment) -> None:
    """Store a new comment with one INSERT written out once per process, its columns'
    values prepared by their own fields as Django's would be: through
    `Comment.objects.create` the statement was built anew for each comment, a quarter of
    a comment POST's CPU. Nothing listens for a comment's save signals; everything a new
    comment sets off is in `_create_comment`."""
    sql, fields = _comment_insert()
    values = [field.get_db_prep_save(field.pre_save(comment, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        comment.pk = cursor.fetchone()[0]
    comment._state.adding = False
    comment._state.db = connection.alias


@cache
def _comment_insert() -> tuple[str, list]:
    q = connection.ops.quote_name
    fields = [field for field in Comment._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(q(field.column) for field in fields)
    sql = (
        f"INSERT INTO {q(Comment._meta.db_table)} ({columns}) "  # noqa: S608 - names only
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q(Comment._meta.pk.column)}"
    )
    return sql, fields


@transaction.atomic
def set_status(comment_id: int, status: str, reason: str = "") -> Comment:
    """A moderator's (or the report rule's) change of a comment's status, with the counts
    kept right and an approval announced. Returns the comment; unchanged when it had the
    status already."""
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None:
        raise NotFound({"comment": "No such comment."})
    if status not in Comment.Status.values:
        raise CommentError({"status": f"Unknown status {status!r}."})
    old = comment.status
    if old == status:
        return comment
    comment.status = status
    comment.status_reason = reason[:200]
    comment.save(update_fields=["status", "status_reason"])
    if old == Comment.Status.APPROVED:
        _count_approved(comment, -1)
        _unpin(comment)
    elif status == Comment.Status.APPROVED:
        _count_approved(comment, +1)
        announce_approved(comment, was_held=old == Comment.Status.PENDING)
    announce_changed(comment.page_id, comment.pk)
    return comment


@transaction.atomic
def set_pick(comment_id: int, picked: bool, by=None) -> Comment:
    """Make a comment an editor's pick, or undo it: the engagement side of
    moderation.services.pick, which checks the moderator's permission first. Only an
    approved comment can be picked (400 otherwise, nothing changed); undoing works
    whatever its status. Picking twice keeps the first pick's time. The article's page
    cache moves on commit, as for any change to its discussion."""
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None:
        raise NotFound({"comment": "No such comment."})
    if picked and comment.status != Comment.Status.APPROVED:
        raise CommentError({"comment": "Only a published comment can be an editor's pick."})
    if picked == comment.picked:
        return comment
    comment.picked_at = timezone.now() if picked else None
    comment.picked_by = by if picked else None
    comment.save(update_fields=["picked_at", "picked_by"])
    announce_changed(comment.page_id)
    return comment


@transaction.atomic
def set_pin(comment_id: int, pinned: bool) -> Comment:
    """Pin a comment to the top of its article's thread, or unpin it: the engagement side
    of moderation.services.pin, which checks the moderator's permission first. One pin
    per article (Discussion.pinned): pinning another replaces it. Only an approved
    top-level comment can be pinned (a reply shows under what it answers); unpinning a
    comment that is not pinned changes nothing."""
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound({"comment": "No such comment."})
    if pinned and comment.status != Comment.Status.APPROVED:
        raise CommentError({"comment": "Only a published comment can be pinned."})
    if pinned and comment.parent_id is not None:
        raise CommentError(
            {"comment": "Only a comment that starts a thread can be pinned; pick a reply instead."}
        )
    Discussion.objects.get_or_create(page_id=comment.page_id)
    discussion = Discussion.objects.select_for_update().get(page_id=comment.page_id)
    if pinned and discussion.pinned_id != comment.pk:
        discussion.pinned = comment
    elif not pinned and discussion.pinned_id == comment.pk:
        discussion.pinned = None
    else:
        return comment
    discussion.save(update_fields=["pinned"])
    announce_changed(comment.page_id)
    return comment


def approve_comment(comment_id: int) -> Comment:
    """A moderator lets a held comment through: counted, shown, and announced."""
    return set_status(comment_id, Comment.Status.APPROVED)


def anchor_comment(
    comment: Comment, page: Page, passage: anchoring.Quote, is_question: bool = False
) -> Annotation:
    """Attach a comment to a passage of the page's live revision, with its history."""
    annotation = Annotation.objects.create(
        comment=comment,
        page_id=page.pk,
        revision_id=page.live_revision_id,
        exact=passage.exact,
        prefix=passage.prefix,
        suffix=passage.suffix,
        start=passage.start,
        end=passage.end,
        original_exact=passage.exact,
        is_question=is_question,
    )
    _record_anchor(annotation)
    return annotation


def takes_comments(page: Page) -> bool:
    """Whether a page's type takes comments (declares `accepts_comments`), read from its
    class: no query for the specific page, for code that only needs to know the kind."""
    return getattr(page.specific_class, "accepts_comments", False)


def commentable_page_types() -> list[type]:
    """Page models that take comments (articles), found without importing their apps."""
    from wagtail.models import get_page_models

    return [model for model in get_page_models() if getattr(model, "accepts_comments", False)]


@transaction.atomic
def ask_about_passage(*, page_id: int, user, passage: str, question: str) -> Comment:
    """An editor marks a passage and asks readers a question about it; readers answer
    with replies. Only someone who may edit the article may ask."""
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None or not comments_state(page).accepts:
        raise NotFound({"article": "No such article."})
    if user is None or not page.permissions_for_user(user).can_edit():
        raise Forbidden({"article": "Only the article's editors can ask about its passages."})
    errors: dict[str, str] = {}
    question = _validate_body(question, errors)
    text = article_text(page) or ""
    passage = " ".join((passage or "").split())
    if not passage:
        errors["passage"] = "Copy the passage from the article."
    elif text.count(passage) == 0:
        errors["passage"] = "That passage is not in the article's current text."
    elif text.count(passage) > 1:
        errors["passage"] = "That passage occurs more than once: copy a longer one."
    if errors:
        raise CommentError(errors)
    start = text.index(passage)
    return _create_comment(
        page_id=page.pk,
        page=page,
        user=user,
        body=question,
        status=Comment.Status.APPROVED,
        status_reason="Question from the newsroom.",
        passage=anchoring.quote_at(text, start, start + len(passage)),
        is_question=True,
    )


def article_text(page: Page) -> str | None:
    """The page's plain text (the articleBody of its JSON-LD), if its type has one."""
    plain_text = getattr(page.specific, "plain_text", None)
    return plain_text() if callable(plain_text) else None


def _locate_quote(page: Page, quote: dict, errors: dict[str, str]):
    text = article_text(page)
    exact = str(quote.get("exact") or "")
    if text is None:
        errors["quote"] = "This page has no text to quote."
        return None
    if not exact.strip() or len(exact) > 2000:
        errors["quote"] = "Select a passage of the article (at most 2,000 characters)."
        return None
    start = quote.get("start")
    found = anchoring.locate(
        text,
        exact,
        prefix=str(quote.get("prefix") or ""),
        suffix=str(quote.get("suffix") or ""),
        start=start if isinstance(start, int) and start >= 0 else None,
    )
    if found is None:
        errors["quote"] = "The quoted passage is not in the article's current text."
    return found


def _record_anchor(annotation: Annotation) -> None:
    AnchorHistory.objects.create(
        annotation=annotation,
        revision_id=annotation.revision_id,
        status=annotation.status,
        start=None if annotation.orphaned else annotation.start,
        end=None if annotation.orphaned else annotation.end,
        exact="" if annotation.orphaned else annotation.exact,
    )


@transaction.atomic
def reanchor_annotations(page_id: int) -> dict[str, int]:
    """Anchor every annotation of a page to its live revision; returns a count per status.

    Each annotation is carried from the revision it was last anchored to (see
    `anchoring.reanchor`); orphaned ones stay orphaned, listed as comments on an earlier
    version. Runs after each publication (tasks.reanchor_after_publish).
    """
    page = Page.objects.filter(pk=page_id).first()
    outcome_counts: dict[str, int] = {}
    if page is None or page.live_revision_id is None:
        return outcome_counts
    new_text = article_text(page)
    if new_text is None:
        return outcome_counts
    old_texts: dict[int | None, str | None] = {}
    annotations = (
        Annotation.objects.select_for_update(of=("self",))
        .filter(page_id=page_id)
        .exclude(status=Annotation.Status.ORPHANED)
        .exclude(revision_id=page.live_revision_id)
        .select_related("revision")
    )
    for annotation in annotations:
        if annotation.revision_id not in old_texts:
            old = annotation.revision.as_object() if annotation.revision else None
            old_texts[annotation.revision_id] = old.plain_text() if old is not None else None
        old_text = old_texts[annotation.revision_id]
        quote = anchoring.Quote(
            annotation.exact, annotation.start, annotation.end, annotation.prefix, annotation.suffix
        )
        if old_text is None or old_text[annotation.start : annotation.end] != annotation.exact:
            # The old revision is gone: fall back to finding the quote by its context.
            found = anchoring.locate(new_text, quote.exact, quote.prefix, quote.suffix, quote.start)
            outcome = anchoring.Outcome(
                anchoring.ORPHANED if found is None else anchoring.MOVED, found
            )
        else:
            outcome = anchoring.reanchor(old_text, new_text, quote)
        annotation.revision_id = page.live_revision_id
        annotation.status = outcome.status
        if outcome.quote is not None:
            annotation.exact = outcome.quote.exact
            annotation.prefix = outcome.quote.prefix
            annotation.suffix = outcome.quote.suffix
            annotation.start = outcome.quote.start
            annotation.end = outcome.quote.end
        annotation.save()
        _record_anchor(annotation)
        outcome_counts[outcome.status] = outcome_counts.get(outcome.status, 0) + 1
    announce_changed(page_id)  # "comments on an earlier version" may have changed
    return outcome_counts


def _editable_comment(comment_id: int, reader: Reader) -> Comment:
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None or comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        raise NotFound({"comment": "No such comment."})
    if not reader.owns(comment):
        raise Forbidden({"comment": "Only the author can change this comment."})
    return comment


def has_replies(comment: Comment) -> bool:
    return (
        Comment.objects.filter(parent=comment)
        .exclude(status__in=[Comment.Status.REMOVED, Comment.Status.SPAM])
        .exists()
    )


def edit_refusal(comment: Comment, reader: Reader) -> str:
    """Why this reader may not edit this comment now, or "" when they may: the one place
    the edit rules live (the author only, within the edit window, before any reply)."""
    if not reader.owns(comment):
        return "Only the author can change this comment."
    if comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return "This comment can no longer be edited."
    minutes = settings.COMMENTS_EDIT_WINDOW_MINUTES
    if timezone.now() - comment.created_at > timedelta(minutes=minutes):
        return f"Comments can be edited for {minutes} minutes only."
    if has_replies(comment):
        return "A comment with replies can no longer be edited."
    return ""


def can_edit(comment: Comment, reader: Reader) -> bool:
    return not edit_refusal(comment, reader)


@transaction.atomic
def edit_comment(*, comment_id: int, reader: Reader, body: str) -> Comment:
    """Change a comment's text: its author only, within the edit window, before replies."""
    comment = _editable_comment(comment_id, reader)
    refusal = edit_refusal(comment, reader)
    if refusal:
        raise Forbidden({"comment": refusal})
    errors: dict[str, str] = {}
    body = _validate_body(body, errors)
    if errors:
        raise CommentError(errors)
    comment.body = body
    comment.body_html = render_comment(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    announce_changed(comment.page_id, comment.pk)
    return comment


@transaction.atomic
def delete_comment(*, comment_id: int, reader: Reader) -> Comment:
    """Withdraw a comment. With replies it stays as “comment removed” so threads still read."""
    comment = _editable_comment(comment_id, reader)
    was_approved = comment.status == Comment.Status.APPROVED
    comment.status = Comment.Status.REMOVED
    comment.status_reason = Comment.DELETED_BY_AUTHOR
    comment.save(update_fields=["status", "status_reason"])
    if was_approved:
        _count_approved(comment, -1)
        _unpin(comment)
    announce_changed(comment.page_id, comment.pk)
    return comment


@dataclass(frozen=True)
class VoteResult:
    score: int
    up: int
    down: int
    mine: int


def cast_vote(*, comment_id: int, reader: Reader, value: int) -> VoteResult:
    """Record a reader's +1/-1 (0 withdraws). Counts change by F() deltas in the same
    transaction as the vote row, so concurrent voters never overwrite each other; a
    repeated value changes nothing. A reader is their account or guest cookie; a guest's
    first vote on a comment is refused (429) over their address's cap."""
    if value not in (-1, 0, 1):
        raise CommentError({"value": "A vote is 1, -1, or 0 to withdraw."})
    if not reader.voter:
        raise Forbidden({"form": "Voting needs cookies to be enabled."})
    check_limits(reader, "vote")
    # The same reader voting twice at the same instant: the other vote wins the unique
    # constraint; this one is read again and applied on top.
    return _retry_on_conflict(_cast_vote, comment_id, reader, value)


@transaction.atomic
def _cast_vote(comment_id: int, reader: Reader, value: int) -> VoteResult:
    """Five statements: the comment (locked: concurrent votes on it take turns, which
    also makes concurrent guests take turns at their address's cap), the reader's vote
    and the cap's count in one, the vote's insert, update or delete, the counts' F()
    deltas returning the new totals, and live's event (signals.discussion_changing)."""
    sql = _vote_statements()
    found = _fetch_one(sql.comment, [comment_id, Comment.Status.APPROVED.value])
    if found is None:
        raise NotFound({"comment": "No such comment."})
    page_id, user_id, guest_key, score, up, down = found
    if reader.owns(_Author(user_id, guest_key)):
        raise Forbidden({"comment": "You cannot vote on your own comment."})
    since = connection.ops.adapt_datetimefield_value(_guest_window_start())
    params = [comment_id, reader.voter, comment_id, reader.ip_hash, since]
    old, earlier, first = _fetch_one(sql.mine_and_cap, params)
    old = old or 0
    if value == old:  # a repeated vote changes nothing: nothing to write or announce
        return VoteResult(score=score, up=up, down=down, mine=value)
    with connection.cursor() as cursor:
        if old == 0:
            _cap_guests(
                reader,
                earlier,
                first,
                "Too many readers on your network have voted on this comment today. "
                "Sign in to vote on it.",
            )
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(sql.insert, [comment_id, reader.voter, reader.ip_hash, value, now])
        elif value == 0:
            cursor.execute(sql.delete, [comment_id, reader.voter])
        else:
            cursor.execute(sql.change, [value, comment_id, reader.voter])
        deltas = [int(value == 1) - int(old == 1), int(value == -1) - int(old == -1)]
        cursor.execute(sql.count, [*deltas, value - old, comment_id])
        score, up, down = cursor.fetchone()
    votes = {"id": comment_id, "score": score, "up": up, "down": down}
    announce_changed(page_id, comment_id, votes=votes)
    return VoteResult(score=score, up=up, down=down, mine=value)


@dataclass(frozen=True)
class _Author:
    """What Reader.owns reads of a comment."""

    user_id: int | None
    guest_key: str


def _fetch_one(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _mine_and_cap(table: str, value: str, key: str) -> str:
    """The reader's own vote or rating on one comment or article (`key` its id), and
    their address's guest votes or ratings there within the cap's window (the (key,
    ip_hash) index): the cap's count and the oldest's time, used only for a new one."""
    voter = connection.ops.quote_name("voter")
    return (
        f"SELECT (SELECT {value} FROM {table} WHERE {key} = %s AND {voter} = %s), "  # noqa: S608
        f"COUNT(*), MIN(created_at) FROM {table} WHERE {key} = %s AND ip_hash = %s "
        f"AND {voter} LIKE 'g:%%' AND created_at >= %s"
    )


@dataclass(frozen=True)
class _VoteStatements:
    comment: str
    mine_and_cap: str
    insert: str
    change: str
    delete: str
    count: str


@cache
def _vote_statements() -> _VoteStatements:
    """The vote's statements, written out: through the ORM, building them cost more than
    running them (names only are formatted in; every value is a parameter)."""
    q = connection.ops.quote_name
    comments, votes = q(Comment._meta.db_table), q(Vote._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    up, down, score = q("upvotes"), q("downvotes"), q("score")
    mine = f"comment_id = %s AND {q('voter')} = %s"
    return _VoteStatements(
        comment=f"SELECT page_id, user_id, guest_key, {score}, {up}, {down} "  # noqa: S608
        f"FROM {comments} WHERE id = %s AND status = %s{lock}",
        mine_and_cap=_mine_and_cap(votes, q("value"), "comment_id"),
        insert=f"INSERT INTO {votes} (comment_id, {q('voter')}, ip_hash, {q('value')}, "  # noqa: S608
        "created_at) VALUES (%s, %s, %s, %s, %s)",
        change=f"UPDATE {votes} SET {q('value')} = %s WHERE {mine}",  # noqa: S608
        delete=f"DELETE FROM {votes} WHERE {mine}",  # noqa: S608
        count=f"UPDATE {comments} SET {up} = {up} + %s, {down} = {down} + %s, "  # noqa: S608
        f"{score} = {score} + %s WHERE id = %s RETURNING {score}, {up}, {down}",
    )


def recount(page_id: int | None = None) -> int:
    """Rebuild every denormalized count from the rows, in a few set-based updates;
    returns how many comments were recounted."""
    comments = Comment.objects.all()
    discussions = Discussion.objects.all()
    if page_id is not None:
        comments = comments.filter(page_id=page_id)
        discussions = discussions.filter(page_id=page_id)

    def votes(value: int):
        return Coalesce(
            Subquery(
                Vote.objects.filter(comment=OuterRef("pk"), value=value)
                .values("comment")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    replies = Coalesce(
        Subquery(
            Comment.objects.filter(thread=OuterRef("pk"), status=Comment.Status.APPROVED)
            .values("thread")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )
    up = votes(1) + F("imported_upvotes")
    down = votes(-1) + F("imported_downvotes")
    with transaction.atomic():
        # Imported totals (wpDiscuz's) count as votes beside the Vote rows.
        comments.update(upvotes=up, downvotes=down, score=up - down, reply_count=replies)
        discussions.update(comment_count=0)
        approved = comments.filter(status=Comment.Status.APPROVED)
        for row in approved.values("page_id").annotate(n=Count("pk"), last=Max("created_at")):
            Discussion.objects.update_or_create(
                page_id=row["page_id"],
                defaults={"comment_count": row["n"], "last_comment_at": row["last"]},
            )
        ratings, summaries = Rating.objects.all(), RatingSummary.objects.all()
        if page_id is not None:
            ratings, summaries = ratings.filter(page_id=page_id), summaries.filter(page_id=page_id)
        # An imported count and total (wpDiscuz's) stay part of the summary.
        summaries.update(count=F("imported_count"), total=F("imported_total"))
        for row in ratings.values("page_id").annotate(n=Count("pk"), total=Sum("stars")):
            summary, _ = RatingSummary.objects.get_or_create(page_id=row["page_id"])
            RatingSummary.objects.filter(pk=summary.pk).update(
                count=F("imported_count") + row["n"], total=F("imported_total") + row["total"]
            )
        for changed in (
            [page_id] if page_id is not None else discussions.values_list("page_id", flat=True)
        ):
            announce_changed(changed)
    return comments.count()


RATINGS_OFF = "Ratings are switched off for this article."


def ratings_state(page: Page) -> tuple[bool, str]:
    """Whether readers may rate a page: its type declares `accepts_ratings` (articles do,
    unless an editor switched rating off for the article or its section)."""
    if not getattr(page.specific, "accepts_ratings", False):
        return False, RATINGS_OFF
    return True, ""


def rate_page(*, page_id: int, reader: Reader, stars) -> RatingResult:
    """Record a reader's 1-5 stars; a second vote replaces the first. The page's count and
    total change by deltas in the same transaction: no rescan of all ratings. A guest's
    first rating of a page is refused (429) over their address's cap."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise CommentError({"stars": "Give 1 to 5 stars."})
    # Kept with the comment state (stored_comments_state): the page, its specific row and
    # its section are not read again for every rating.
    facts = _stored_facts(page_id)
    if facts is None:
        raise NotFound({"article": "No such article."})
    if not facts.rates:
        raise Forbidden({"stars": RATINGS_OFF})
    if not reader.voter:
        raise Forbidden({"form": "Rating needs cookies to be enabled."})
    check_limits(reader, "rating")
    return _retry_on_conflict(_rate, page_id, reader, stars)


@transaction.atomic
def _rate(page_id: int, reader: Reader, stars: int) -> RatingResult:
    """Five statements: the article's summary row (made if need be and locked: ratings
    of one article take turns, guests at their address's cap included), the reader's
    rating and the cap's count in one, the rating's insert or update, the summary's F()
    deltas, and live's event with the new rating (signals.discussion_changing)."""
    sql = _rating_statements()
    since = connection.ops.adapt_datetimefield_value(_guest_window_start())
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql.lock, [page_id])
        count, total = cursor.fetchone()
        cursor.execute(sql.mine_and_cap, [page_id, reader.voter, page_id, reader.ip_hash, since])
        old, earlier, first = cursor.fetchone()
        if old == stars:  # the same stars again change nothing: nothing to announce
            return RatingResult(RatingSummary(count=count, total=total).average, count, stars)
        if old is None:
            _cap_guests(
                reader,
                earlier,
                first,
                "Too many readers on your network have rated this article today. "
                "Sign in to rate it.",
            )
            cursor.execute(sql.insert, [page_id, reader.voter, reader.ip_hash, stars, now, now])
            added, old = 1, 0
        else:
            cursor.execute(sql.change, [stars, now, page_id, reader.voter])
            added = 0
        cursor.execute(sql.count, [added, stars - old, page_id])
    # The row is locked: the new totals are what was read plus this change.
    count, total = count + added, total + stars - old
    average = RatingSummary(count=count, total=total).average
    announce_changed(page_id, rating={"average": average, "count": count})
    return RatingResult(average, count, stars)


@dataclass(frozen=True)
class _RatingStatements:
    lock: str
    mine_and_cap: str
    insert: str
    change: str
    count: str


@cache
def _rating_statements() -> _RatingStatements:
    """The rating's statements, written out, as the vote's (see _vote_statements)."""
    q = connection.ops.quote_name
    summaries, ratings = q(RatingSummary._meta.db_table), q(Rating._meta.db_table)
    count, total, voter = q("count"), q("total"), q("voter")
    return _RatingStatements(
        lock=f"INSERT INTO {summaries} (page_id, {count}, {total}, imported_count, "  # noqa: S608
        f"imported_total) VALUES (%s, 0, 0, 0, 0) ON CONFLICT (page_id) DO UPDATE SET "
        f"{count} = {summaries}.{count} RETURNING {count}, {total}",
        mine_and_cap=_mine_and_cap(ratings, "stars", "page_id"),
        insert=f"INSERT INTO {ratings} (page_id, {voter}, ip_hash, stars, created_at, "  # noqa: S608
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s)",
        change=f"UPDATE {ratings} SET stars = %s, updated_at = %s "  # noqa: S608
        f"WHERE page_id = %s AND {voter} = %s",
        count=f"UPDATE {summaries} SET {count} = {count} + %s, "  # noqa: S608
        f"{total} = {total} + %s WHERE page_id = %s",
    )
