"""Who asked to hear about what, and every email that follows from it.

A `Subscription` sends nothing but its own confirmation email until its address's
owner confirms it (double opt-in per subscription: confirming one never confirms
another, so nobody can add to what a confirmed address receives); one made by the
address's owner, signed in with it verified, is confirmed when made.
A `Notification` is one event for one address, unique per comment and address: the
idempotency key. Notifications wait until their address's next `Delivery` for that
article, which is one email (a digest when several events fell in the coalescing
window) and is marked sent only once the SMTP server has taken it. A `WorkerHeartbeat`
is one running `broadsheet worker` (the command lives here), so that a dead worker's
tasks come back within seconds.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Address(models.Model):
    email = models.EmailField(unique=True, help_text="Lower-cased.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    class Kind(models.TextChoices):
        COMMENTS = "comments", "All new comments"
        REPLIES = "replies", "New replies to my comments"
        MENTIONS = "mentions", "@mentions of me"
        APPROVED = "approved", "My held comment was approved"

    PER_ARTICLE = (Kind.COMMENTS, Kind.REPLIES)

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty for an account's own kinds (mentions, approvals).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address's owner said yes to this one."
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # When the mail server accepted the confirmation email asked for at
    # confirmation_sent_at: a task run again after its worker died sends nothing twice.
    confirmation_mailed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Unsubscribed.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["address", "page", "kind"],
                condition=Q(page__isnull=False),
                name="subscription_once_per_article",
            ),
            models.UniqueConstraint(
                fields=["address", "kind"],
                condition=Q(page__isnull=True),
                name="subscription_once_per_account_kind",
            ),
        ]
        indexes = [models.Index(fields=["page", "kind"], name="subscription_by_page")]

    def __str__(self) -> str:
        return f"{self.address} {self.kind} {self.page_id or ''}".strip()

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def active(self) -> bool:
        """Emails go out for it: confirmed, and not stopped."""
        return self.confirmed and self.ended_at is None


class Delivery(models.Model):
    """One email to one address about one article (or about the account)."""

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="deliveries")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["address", "page", "sent_at"], name="delivery_window")]

    def __str__(self) -> str:
        return f"{self.address} {self.page_id} {'sent' if self.sent_at else 'pending'}"


class Notification(models.Model):
    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="notifications")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey("engagement.Comment", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Subscription.Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address", "comment"], name="notify_once_per_comment")
        ]
        indexes = [models.Index(fields=["address", "page", "delivery"], name="notification_wait")]

    def __str__(self) -> str:
        return f"{self.kind} {self.comment_id} -> {self.address}"


class WorkerHeartbeat(models.Model):
    """A running `broadsheet worker`, by the id it gives django-tasks-db's queue: when it
    last said it was alive (every TASKS_HEARTBEAT_SECONDS) and until when that vouches
    for it (three of its beats; each worker's own setting, so workers configured
    differently judge each other right). A task whose worker is past `alive_until` is
    taken back within seconds instead of after the whole lease (broadsheet/taskqueue.py);
    a worker that stops cleanly deletes its row, and the row of one that died is deleted
    once its tasks are back in the queue."""

    worker_id = models.CharField(max_length=64, primary_key=True)  # db_worker's limit
    seen_at = models.DateTimeField()
    alive_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} {self.seen_at:%H:%M:%S}"
