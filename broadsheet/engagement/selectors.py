"""Reads of discussions shared by the article page, the htmx fragments and the API.

A page of threads costs the same few queries whatever the size of the discussion: the
count of top-level comments, the ids of one page of them (from an index alone, however
deep the page), those comments, and every reply of those threads in one
`thread_id IN (...)` query; the tree is assembled in Python.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from wagtail.models import Page

from broadsheet.engagement.identity import Reader
from broadsheet.engagement.models import (
    Annotation,
    Comment,
    Discussion,
    Rating,
    RatingSummary,
    Vote,
)

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "top": ("-score", "-created_at", "-id"),
    "hot": ("-reply_count", "-created_at", "-id"),
}
SORT_LABELS = {"newest": "Newest", "oldest": "Oldest", "top": "Most voted", "hot": "Hottest"}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class RatingResult:
    average: float | None
    count: int
    mine: int | None


@dataclass
class ThreadPage:
    comments: list[Comment]
    count: int
    page: int
    pages: int
    sort: str
    total: int = 0  # approved comments on the page, replies included
    pinned_id: int | None = None  # the thread pinned to the top (Discussion.pinned)
    has_next: bool = field(init=False)

    def __post_init__(self):
        self.has_next = self.page < self.pages


_UNREAD = object()  # an argument not given: the function reads it itself


def _shown(reader: Reader | None) -> Q:
    """Approved comments, removed ones (kept as placeholders when they have replies) and
    the reader's own comments awaiting moderation."""
    q = Q(status__in=[Comment.Status.APPROVED, Comment.Status.REMOVED])
    own = [Comment.Status.PENDING, Comment.Status.SHADOW]  # a shadow ban looks like nothing
    if reader is not None:
        q |= Q(status__in=own) & reader.written()
    return q


def arrange(top: list[Comment], replies: Iterable[Comment], max_depth: int) -> list[Comment]:
    """Nest replies under their parents. Replies deeper than `max_depth` are shown at the
    deepest level, in the order written, as WordPress shows them. Removed comments stay
    only while they have something to show under them.

    Readers choose how deep a chain goes, so the tree is walked with a loop and a stack,
    never by recursion: a chain thousands deep costs time in proportion to its length."""
    children: dict[int, list[Comment]] = defaultdict(list)
    for reply in replies:
        children[reply.parent_id].append(reply)
    kept: set[int] = set()

    def finish(node: Comment) -> None:
        if node.status != Comment.Status.REMOVED or node.replies:
            kept.add(node.pk)

    for root in top:
        # (node, level, children done): a node is finished after its children, since
        # whether a removed one stays depends on what is kept below it.
        stack = [(root, 1, False)]
        while stack:
            node, level, children_done = stack.pop()
            if children_done:
                node.replies = [c for c in children.get(node.pk, []) if c.pk in kept]
                finish(node)
                continue
            node.level = level
            node.replies_container = node.pk  # where replies to it appear on the page
            if level >= max_depth - 1:
                node.replies = []
                for reply in _descendants(node, children):
                    reply.level, reply.replies = min(level + 1, max_depth), []
                    reply.replies_container = node.pk
                    if reply.status != Comment.Status.REMOVED:
                        node.replies.append(reply)
                finish(node)
            else:
                stack.append((node, level, True))
                stack.extend((c, level + 1, False) for c in reversed(children.get(node.pk, [])))
    return [root for root in top if root.pk in kept]


def _replies(thread_ids: list[int], reader: Reader | None) -> list[Comment]:
    """Every reply the reader may see in these threads, in the order written: one query
    (`thread_id IN (...)`), none without threads."""
    if not thread_ids:
        return []
    return list(
        Comment.objects.filter(thread_id__in=thread_ids)
        .filter(_shown(reader))
        .select_related("user", "annotation")
        .order_by("created_at", "id")
    )


def _descendants(node: Comment, children: dict[int, list[Comment]]) -> list[Comment]:
    """Every reply below `node`, at any depth, in the order written (a loop and a stack)."""
    found: list[Comment] = []
    stack = list(children.get(node.pk, []))
    while stack:
        reply = stack.pop()
        found.append(reply)
        stack.extend(children.get(reply.pk, []))
    return sorted(found, key=lambda c: (c.created_at, c.pk))


def _find(nodes: list[Comment], pk: int) -> Comment | None:
    """The comment `pk` among arranged comments and their replies (a loop and a stack)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if node.pk == pk:
            return node
        stack.extend(reversed(node.replies))
    return None


def _once_per_page(page: Page, name: str, read):
    """`read()`, kept on the page object: what the article page needs twice in one
    render (its structured data, then the thread) is read once."""
    if name not in page.__dict__:
        page.__dict__[name] = read()
    return page.__dict__[name]


def discussion_of(page: Page) -> Discussion | None:
    """The page's Discussion row (its comment count and pin), read once per page object."""
    return _once_per_page(
        page,
        "_engagement_discussion",
        lambda: Discussion.objects.filter(page_id=page.pk).first(),
    )


def thread_page(
    page_id: int,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    reader: Reader | None = None,
    discussion: Discussion | None = _UNREAD,
) -> ThreadPage:
    """One page of top-level threads with all their replies, in five queries (three on
    a first page that is not full, the usual case: its rows are read at once and
    counted in Python). The thread pinned to the top of the article
    (Discussion.pinned) comes first on the first page in every order, marked `pinned`,
    and nowhere else."""
    if sort not in SORTS:
        sort = DEFAULT_SORT
    size = settings.COMMENTS_PAGE_SIZE
    if discussion is _UNREAD:
        discussion = Discussion.objects.filter(page_id=page_id).first()
    pinned_id = discussion.pinned_id if discussion else None
    top = (
        Comment.objects.filter(page_id=page_id, parent__isnull=True)
        .filter(_shown(reader) & ~Q(status=Comment.Status.REMOVED, reply_count=0))
        # Comments on a passage that a correction deleted are listed apart, with their
        # replies (earlier_version_comments), never here too: a subquery on the page's
        # few anchors, so the count and the page of ids stay one query each.
        .exclude(pk__in=_orphaned(page_id))
    )
    if pinned_id:
        top = top.exclude(pk=pinned_id)
    page = max(1, page)
    first = None
    if page == 1:
        # The first page skips nothing: its rows straight away, and when they do not
        # fill it they are all there is, so there is nothing else to count.
        first = list(top.select_related("user", "annotation").order_by(*SORTS[sort])[:size])
    count = len(first) if first is not None and len(first) < size else top.count()
    pages = max(1, math.ceil(count / size))
    if first is not None:
        ids = [comment.pk for comment in first]
        rows = {comment.pk: comment for comment in first}
        if pinned_id:
            rows.update(Comment.objects.select_related("user", "annotation").in_bulk([pinned_id]))
    else:
        # Ids first, from the index alone, then the rows: a deep page skips index
        # entries, not joined rows. A page past the last is empty without asking: its
        # offset may be past what the database can count to (a reader's
        # ?page=99999999999999999999).
        ids = (
            list(
                top.order_by(*SORTS[sort]).values_list("pk", flat=True)[
                    (page - 1) * size : page * size
                ]
            )
            if page <= pages
            else []
        )
        rows = Comment.objects.select_related("user", "annotation").in_bulk(ids) if ids else {}
    if pinned_id and page == 1:
        ids.insert(0, pinned_id)
    items = [rows[pk] for pk in ids if pk in rows]
    if pinned_id and items and items[0].pk == pinned_id:
        if items[0].status == Comment.Status.APPROVED:
            items[0].pinned = True
        else:  # unpinned as it left the thread; never shown as a pin meanwhile
            items.pop(0)
    if pinned_id:
        # Counted on every page alike: a pin is cleared as its comment leaves the thread
        # (services._unpin), so a pinned comment is an approved one.
        count += 1
    replies = _replies([c.pk for c in items], reader)
    return ThreadPage(
        comments=arrange(items, replies, settings.COMMENTS_MAX_DEPTH),
        count=count,
        page=page,
        pages=pages,
        sort=sort,
        total=discussion.comment_count if discussion else 0,
        pinned_id=pinned_id,
    )


def comment_with_replies(comment: Comment, reader: Reader | None = None) -> Comment | None:
    """One comment arranged with its replies as the thread shows it (None if not shown)."""
    thread_id = comment.thread_id or comment.pk
    top = Comment.objects.select_related("user", "annotation").filter(pk=thread_id).first()
    if top is None:
        return None
    replies = _replies([thread_id], reader)
    return _find(arrange([top], replies, settings.COMMENTS_MAX_DEPTH), comment.pk)


def by_guest_email(email: str) -> QuerySet[Comment]:
    """Guests' comments left with this email, whatever its case, through the
    LOWER(guest_email) index (a scan of every comment before: 100 ms at a million)."""
    return Comment.objects.alias(email_lower=Lower("guest_email")).filter(
        user__isnull=True, email_lower=email.strip().lower()
    )


def comment_counts(page_ids: Iterable[int]) -> dict[int, int]:
    """Approved comments per page, for listings: one query for any number of pages."""
    return dict(
        Discussion.objects.filter(page_id__in=list(page_ids)).values_list(
            "page_id", "comment_count"
        )
    )


def latest_comments(under: Page, limit: int = 5) -> list[Comment]:
    """The newest approved comments on pages below `under` (a section), with their pages."""
    return list(
        Comment.objects.filter(status=Comment.Status.APPROVED, page__path__startswith=under.path)
        .exclude(page_id=under.pk)
        .select_related("page", "user")
        .order_by("-created_at", "-id")[:limit]
    )


def my_votes(reader: Reader, page_id: int) -> dict[int, int]:
    """The reader's votes on one page's comments, for the uncached session endpoint."""
    if not reader.voter:
        return {}
    return dict(
        Vote.objects.filter(voter=reader.voter, comment__page_id=page_id).values_list(
            "comment_id", "value"
        )
    )


def my_comments(reader: Reader, page_id: int) -> list[Comment]:
    """The reader's own live comments on a page, so the page can offer edit and delete."""
    return list(
        Comment.objects.filter(reader.written(), page_id=page_id)
        .exclude(status__in=[Comment.Status.REMOVED, Comment.Status.SPAM])
        .order_by("-created_at")[:200]
    )


def has_approved_comment(reader: Reader) -> bool:
    """Whether a moderator (or the rules) ever let one of this reader's comments through:
    their account's, or as a guest, their own cookie's. Never by the email they type,
    which anyone can type (the first-comment hold was bypassed so). One indexed query."""
    return Comment.objects.filter(reader.written(), status=Comment.Status.APPROVED).exists()


def my_rejected(reader: Reader, page_id: int, limit: int = 5) -> list[Comment]:
    """The reader's comments on a page that a moderator (or a ban) kept from readers, the
    newest first: gone from their view of the thread, and said so, with the reason."""
    return list(
        Comment.objects.filter(
            reader.written(),
            page_id=page_id,
            status__in=[Comment.Status.SPAM, Comment.Status.REMOVED],
        )
        .exclude(status_reason=Comment.DELETED_BY_AUTHOR)
        .order_by("-created_at")[:limit]
    )


def rating_summary(page_id: int, reader: Reader | None = None):
    """Average (None without votes), count, and the reader's own stars (None if none)."""
    summary = RatingSummary.objects.filter(page_id=page_id).first()
    mine = None
    if reader is not None and reader.voter:
        mine = (
            Rating.objects.filter(voter=reader.voter, page_id=page_id)
            .values_list("stars", flat=True)
            .first()
        )
    if summary is None:
        return RatingResult(None, 0, mine)
    return RatingResult(summary.average, summary.count, mine)


def annotations(page_id: int) -> list[Annotation]:
    """The anchors of a page's approved comments, orphaned ones included (flagged), each
    with its comment (for the reply count): one query at any number of passages."""
    return list(
        Annotation.objects.filter(page_id=page_id, comment__status=Comment.Status.APPROVED)
        .select_related("comment")
        .order_by("start", "comment_id")
    )


def _orphaned(page_id: int) -> QuerySet:
    """Ids of a page's comments whose passage no longer exists (a subquery)."""
    return Annotation.objects.filter(page_id=page_id, status=Annotation.Status.ORPHANED).values(
        "comment_id"
    )


def earlier_version_comments(page_id: int, reader: Reader | None = None) -> list[Comment]:
    """Comments whose passage no longer exists, arranged with their replies: listed apart
    from the thread (and only there), each with the quote it was written about. Two
    queries, found from the page's anchors (few), not from its comments."""
    top = list(
        Comment.objects.filter(pk__in=_orphaned(page_id))
        .filter(_shown(reader) & ~Q(status=Comment.Status.REMOVED, reply_count=0))
        .select_related("user", "annotation")
        .order_by("created_at", "id")
    )
    return arrange(top, _replies([c.pk for c in top], reader), settings.COMMENTS_MAX_DEPTH)


def passage_questions(limit: int = 50) -> list[Annotation]:
    """Editors' latest questions about passages, with their articles, for the admin."""
    return list(
        Annotation.objects.filter(is_question=True)
        .select_related("comment", "page")
        .order_by("-comment__created_at")[:limit]
    )


def latest_comments_on(page_id: int, limit: int = 20) -> list[Comment]:
    """A page's newest approved comments (its comments feed)."""
    return list(
        Comment.objects.filter(page_id=page_id, status=Comment.Status.APPROVED)
        .select_related("page", "user")
        .order_by("-created_at", "-id")[:limit]
    )


def mark_own(comments: Iterable[Comment], reader: Reader | None) -> bool:
    """Flag the reader's own comments (`comment.mine`) in arranged threads, replies
    included, for a page rendered for that reader alone; returns whether any is theirs.
    Walks with a stack: readers choose how deep threads go."""
    if reader is None:
        return False
    found = False
    stack = list(comments)
    while stack:
        comment = stack.pop()
        comment.mine = reader.owns(comment)
        found = found or comment.mine
        stack.extend(getattr(comment, "replies", ()))
    return found


PICKS_SHOWN = 10


def picks(page_id: int, limit: int = PICKS_SHOWN) -> list[Comment]:
    """An article's editors' picks that readers may see, the latest pick first (the
    strip above the thread, the API, the JSON-LD): one query on the picks index."""
    return list(
        Comment.objects.filter(
            page_id=page_id, picked_at__isnull=False, status=Comment.Status.APPROVED
        )
        .select_related("user", "annotation")
        .order_by("-picked_at", "-id")[:limit]
    )


def picks_of(page: Page) -> list[Comment]:
    """`picks(page.pk)`, read once per page object (its structured data, then the strip
    above the thread)."""
    return _once_per_page(page, "_engagement_picks", lambda: picks(page.pk))


def _staff_accounts(user_ids: set[int]) -> set[int]:
    """Which of these accounts belong to the newsroom: active, and a superuser, Django
    staff, or allowed into the Wagtail admin (by a group or their own permission). One
    query."""
    if not user_ids:
        return set()
    admin = Q(codename="access_admin", content_type__app_label="wagtailadmin")
    allowed = Permission.objects.filter(admin)
    return set(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(is_staff=True)
            | Q(groups__permissions__in=allowed)
            | Q(user_permissions__in=allowed)
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def mark_voice(comments: Iterable[Comment], page: Page, pinned_id=_UNREAD) -> None:
    """Mark what the newsroom says about these comments (replies included) on this page:
    `pinned` on the one pinned to the top of its thread, and the `badge` its author's
    account earns here: "author" when the account signs the article (the page type says
    which accounts, by `author_account_ids()`: articles name their bylines' accounts),
    "staff" for the newsroom's other accounts. By account only: a guest typing an
    author's name gets nothing. At most two queries (the pin, unless `pinned_id` says
    it, as ThreadPage does; which accounts are staff) beyond what the page has loaded;
    walks with a stack, as readers choose how deep threads go."""
    stack = list(comments)
    found: list[Comment] = []
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(getattr(comment, "replies", ()))
    if not found:
        return
    if pinned_id is _UNREAD:
        pinned_id = (
            Discussion.objects.filter(page_id=page.pk).values_list("pinned_id", flat=True).first()
        )
    user_ids = {c.user_id for c in found if c.user_id}
    accounts = getattr(page.specific, "author_account_ids", None) if user_ids else None
    authors = accounts() if callable(accounts) else set()
    staff = _staff_accounts(user_ids - authors)
    for comment in found:
        comment.pinned = comment.pk == pinned_id
        if comment.user_id in authors:
            comment.badge = "author"
        elif comment.user_id in staff:
            comment.badge = "staff"
