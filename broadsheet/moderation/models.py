"""What moderators decide and the rules they set.

Rules are a site-wide Wagtail setting (Settings → Moderation rules); whether a section's
discussions are open, pre-moderated or closed is a field of the section. Bans, reports
and the audit trail are rows here; the spam filter's trained state is one row too.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from broadsheet.moderation.mailboxes import canonical_email


@register_setting(icon="warning")
class ModerationRules(BaseGenericSetting):
    hold_first_guest_comment = models.BooleanField(
        default=True,
        help_text="Hold a guest's comments until one from the same guest (their browser's "
        "reader cookie, not an email anyone can type) has been approved.",
    )
    max_links = models.PositiveSmallIntegerField(
        default=2, help_text="Hold comments with more links than this."
    )
    banned_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line. Comments containing one are refused. "
        "Matched as whole words, ignoring case and accents.",
    )
    watched_words = models.TextField(
        blank=True, help_text="One per line. Comments containing one are held for review."
    )
    spam_threshold = models.FloatField(
        default=0.8, help_text="Hold comments whose spam score (0 to 1) is above this."
    )
    reports_to_hide = models.PositiveSmallIntegerField(
        default=3,
        help_text="Hide a comment until reviewed once this many distinct readers report it: "
        "accounts count one each, guests one per client address, trusted reporters as set "
        "below.",
    )
    trusted_report_weight = models.PositiveSmallIntegerField(
        default=2,
        help_text="How many readers a trusted reporter's report counts as (members of the "
        "“Trusted reporters” group, and accounts with the history below).",
    )
    trusted_after_approved_comments = models.PositiveSmallIntegerField(
        default=10,
        help_text="Accounts with at least this many approved comments are trusted reporters "
        "too (0: only the group).",
    )
    min_seconds_to_post = models.PositiveSmallIntegerField(
        default=3, help_text="Refuse forms posted sooner than this after they were loaded."
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("hold_first_guest_comment"), FieldPanel("max_links")], heading="Holding"
        ),
        MultiFieldPanel([FieldPanel("banned_words"), FieldPanel("watched_words")], heading="Words"),
        MultiFieldPanel(
            [FieldPanel("spam_threshold"), FieldPanel("min_seconds_to_post")],
            heading="Spam",
        ),
        MultiFieldPanel(
            [
                FieldPanel("reports_to_hide"),
                FieldPanel("trusted_report_weight"),
                FieldPanel("trusted_after_approved_comments"),
            ],
            heading="Readers' reports",
        ),
    ]

    class Meta:
        verbose_name = "moderation rules"


class Ban(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", "Account"
        EMAIL = "email", "Email address"
        ADDRESS = "address", "Client address (keyed hash)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        max_length=254,
        help_text="Account id, email (as bans.canonical_email spells it), or the keyed "
        "address hash.",
    )
    shadow = models.BooleanField(
        default=False, help_text="The author still sees their comments; nobody else does."
    )
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="ban_lookup")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value[:12]}"

    def save(self, *args, **kwargs):
        if self.kind == self.Kind.EMAIL:
            self.value = canonical_email(self.value)
        super().save(*args, **kwargs)

    @property
    def active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off-topic", "Off topic"
        PRIVACY = "privacy", "Shares private information"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(
        "engagement.Comment", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.CharField(max_length=80, help_text="u:<account> or g:<guest key>.")
    # The keyed client address it came from: guests count once per address, so one
    # client clearing its cookies is still one reader (services.report_weight).
    ip_hash = models.CharField(max_length=64, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many readers it counts as: 1, a trusted reporter's weight, or 0 "
        "from a banned reader (decided when it was made).",
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="report_once")]
        permissions = [("trusted_reporter", "Reports count as several readers' (trusted)")]

    def __str__(self) -> str:
        return f"{self.reason} on {self.comment_id}"


class ModerationAction(models.Model):
    """The audit trail: who did what to which comment or author, when, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        SPAM = "spam", "Marked as spam"
        REMOVE = "remove", "Removed"
        BAN = "ban", "Banned the author"
        UNBAN = "unban", "Lifted a ban"
        DISMISS = "dismiss", "Dismissed reports"
        ERASE = "erase", "Erased a reader's data"
        PICK = "pick", "Picked (editors' pick)"
        UNPICK = "unpick", "Undid a pick"
        PIN = "pin", "Pinned to the top"
        UNPIN = "unpin", "Unpinned"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.ForeignKey(
        "engagement.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(max_length=200, blank=True, help_text="What was acted on.")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("moderate_comments", "Can moderate reader comments")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target}"


class SpamFilter(models.Model):
    """The filter trained on this site's decisions (one row; compressed JSON)."""

    trained_at = models.DateTimeField(auto_now=True)
    ham = models.PositiveIntegerField()
    spam = models.PositiveIntegerField()
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"trained on {self.ham} ham / {self.spam} spam"
