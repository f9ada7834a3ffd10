"""What readers add to a page: comments in threads, and votes on them.

A comment belongs to any Wagtail page (engagement knows pages only as `Page` rows). Counts
that every page view shows (votes, replies, comments per page) are stored denormalized
and kept right by the services with F() updates; `broadsheet recount_comments` rebuilds
them from the rows if they ever drift.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"
        SHADOW = "shadow", "Shadow-banned (seen by its author only)"

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    # Indexed for replies only (see Meta): an index holding every top-level comment under
    # NULL tempts the planner away from the per-page indexes below.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        db_index=False,
    )
    # The top-level comment of the thread (None for a top-level comment): a page of
    # threads loads all their replies with one `thread_id IN (...)` query.
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    guest_name = models.CharField(max_length=80, blank=True)
    guest_email = models.EmailField(blank=True)
    guest_url = models.URLField(blank=True, max_length=300)
    # HMAC of the guest's identity cookie: lets a guest edit, delete and see their own
    # comments without an account, and never reveals the cookie itself.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)

    body = models.TextField(help_text="As the reader wrote it.")
    body_html = models.TextField(help_text="Rendered through the one sanitizer when saved.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    status_reason = models.CharField(max_length=200, blank=True)
    # A default rather than auto_now_add, so importers and the demo can keep real dates.
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # HMAC of the client address with the site secret, never the plain address.
    ip_hash = models.CharField(max_length=64, blank=True)

    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    reply_count = models.PositiveIntegerField(
        default=0, help_text="Approved replies in this comment's thread (top-level only)."
    )
    # Votes brought by an import (wpDiscuz keeps totals, not voters): part of upvotes and
    # downvotes, kept apart so a recount from the Vote rows adds them back.
    imported_upvotes = models.PositiveIntegerField(default=0)
    imported_downvotes = models.PositiveIntegerField(default=0)

    # An editor's pick: shown in the "Picked by the editors" strip above the thread, in
    # the API and as the article's JSON-LD comments. Set and undone only through
    # moderation.services.pick (which checks the moderator's permission).
    picked_at = models.DateTimeField(null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The reason a comment withdrawn by its own author carries (any other removal was a
    # moderator's, which its author is told about).
    DELETED_BY_AUTHOR = "Deleted by its author."

    # Set on the comments of a page rendered for one reader (selectors.mark_own): their
    # own comments get no vote buttons. False on every page shared by all readers.
    mine = False
    # Set by selectors.mark_voice on the comments a page or the API shows: the comment
    # pinned to the top of its article's thread, and the badge its author's account
    # earns on this article ("author" or "staff"; "" for everyone else).
    pinned = False
    badge = ""

    class Meta:
        ordering = ["created_at", "id"]
        # A page of threads in any order walks one of these (backwards for "newest"),
        # status included so skipping to a deep page never touches the table; partial
        # on top-level comments, which is what pages of threads list.
        indexes = [
            models.Index(
                fields=["page", "created_at", "id", "status"],
                name="comment_threads_by_date",
                condition=Q(parent__isnull=True),
            ),
            models.Index(
                fields=["page", "score", "created_at", "id", "status"],
                name="comment_threads_by_score",
                condition=Q(parent__isnull=True),
            ),
            models.Index(
                fields=["page", "reply_count", "created_at", "id", "status"],
                name="comment_threads_by_replies",
                condition=Q(parent__isnull=True),
            ),
            models.Index(
                fields=["parent"], name="comment_replies", condition=Q(parent__isnull=False)
            ),
            # A guest's comments by email, ignoring case (privacy requests ask this):
            # see selectors.by_guest_email.
            models.Index(Lower("guest_email"), name="comment_guest_email"),
            models.Index(fields=["thread", "created_at"], name="comment_thread_by_date"),
            models.Index(fields=["status", "created_at"], name="comment_status_by_date"),
            # An article's picks (the strip, the JSON-LD): few rows, found without a scan.
            models.Index(
                fields=["page", "picked_at"],
                name="comment_picks",
                condition=Q(picked_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # An erased author leaves a "[removed]" placeholder with no name at all.
                condition=Q(user__isnull=False) | ~Q(guest_name="") | Q(status="removed"),
                name="comment_has_an_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"

    @property
    def author_name(self) -> str:
        if self.user_id:
            return self.user.get_username()
        return self.guest_name

    @property
    def author_url(self) -> str:
        return "" if self.user_id else self.guest_url

    @property
    def passage(self) -> "Annotation | None":
        """The passage this comment is anchored to, or None. Templates read this, not
        `annotation`, whose absence raises (and makes the template engine inspect the
        whole object): that was 1-2 ms on a page of comments."""
        try:
            return self.annotation
        except Annotation.DoesNotExist:
            return None

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def picked(self) -> bool:
        return self.picked_at is not None

    @property
    def badge_label(self) -> str:
        return BADGES.get(self.badge, "")


# What a comment's author badge says. Earned by the account that wrote the comment, never
# by the name it shows (see selectors.mark_voice).
BADGES = {"author": "Author", "staff": "Staff"}


class Vote(models.Model):
    """One reader's +1 or -1 on a comment; withdrawing deletes the row."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    # "u:<user id>" for accounts, "g:<guest key>" for guests: one vote per reader.
    voter = models.CharField(max_length=80)
    ip_hash = models.CharField(max_length=64, blank=True)
    value = models.SmallIntegerField(choices=[(1, "Up"), (-1, "Down")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="one_vote_per_reader"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_is_up_or_down"),
        ]
        indexes = [models.Index(fields=["comment", "ip_hash"], name="vote_by_address")]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} on comment {self.comment_id}"


class Discussion(models.Model):
    """Per-page totals that listings show, so a front page needs one query for all counts."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    comment_count = models.PositiveIntegerField(default=0)
    last_comment_at = models.DateTimeField(null=True, blank=True)
    # The one comment pinned to the top of the page's thread (a correction, an author's
    # answer): one per page by construction, and read with the counts the thread reads
    # anyway, so pinning costs a page of threads no query.
    pinned = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.comment_count} comments on page {self.page_id}"


class Rating(models.Model):
    """One reader's 1-5 stars for a page; a second vote replaces the first."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=80)  # as Vote.voter
    ip_hash = models.CharField(max_length=64, blank=True)
    stars = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "voter"], name="one_rating_per_reader"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="stars_1_to_5"),
        ]
        indexes = [models.Index(fields=["page", "ip_hash"], name="rating_by_address")]

    def __str__(self) -> str:
        return f"{self.stars} stars on page {self.page_id}"


class RatingSummary(models.Model):
    """A page's rating count and star total, changed by F() deltas per vote, never by a
    rescan of every rating; the average is total / count.

    Ratings brought by an import (wpDiscuz keeps an average and a count, not the raters)
    are `imported_count` and `imported_total`, included in `count` and `total`: new
    ratings add to them, and a recount is the Rating rows plus them."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    imported_total = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} ratings on page {self.page_id}"

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 1) if self.count else None


class Annotation(models.Model):
    """A comment's anchor on a passage of the article, as a W3C Web Annotation target:
    a TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector (start, end)
    over the article's plain text at `revision`. Re-anchored on every new revision."""

    class Status(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        MOVED = "moved", "Moved"
        EDITED = "edited", "Edited"
        ORPHANED = "orphaned", "Orphaned"

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="annotation"
    )
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exact = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANCHORED)
    # What the reader first quoted, kept when later revisions move or edit the passage.
    original_exact = models.TextField(blank=True)
    # An editor's question about the passage (readers answer it with replies), rather
    # than a reader's comment on it: the two ways in share this one model.
    is_question = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["page", "status"], name="annotation_by_page")]

    def __str__(self) -> str:
        return f"“{self.exact[:30]}” ({self.status})"

    @property
    def orphaned(self) -> bool:
        return self.status == self.Status.ORPHANED


class AnchorHistory(models.Model):
    """Where an annotation stood at each revision: the audit trail of re-anchoring."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="history")
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Annotation.Status.choices)
    start = models.PositiveIntegerField(null=True)
    end = models.PositiveIntegerField(null=True)
    exact = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.annotation_id} {self.status} at revision {self.revision_id}"
