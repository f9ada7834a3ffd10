"""The event log readers' streams replay and follow.

Each article with live readers' interest has a `Channel` row whose `seq` numbers its
events. An event is written in the transaction of the change it reports, as its last
step, by an upsert of the channel row that numbers it and locks the row until the
change commits: so on every database an article's events become visible in the order
of their numbers (and commit with their change or not at all), and a reader who has
seen number N has missed exactly the events numbered above N (the SSE `Last-Event-ID`).
"""

from django.db import models


class Channel(models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"page {self.page_id} at event {self.seq}"


class Event(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "A comment became visible"
        VOTES = "votes", "A comment's vote totals"
        REMOVED = "removed", "A visible comment was withdrawn"
        TOTALS = "totals", "The article's rating, comment count and passage counts"

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The comment an event is about (none for totals): lets a catch-up leave out the
    # comments withdrawn since, and tells whether a comment was announced already.
    comment_id = models.BigIntegerField(null=True, blank=True)
    # JSON text as sent on the stream: rendered once when written, never per reader.
    data = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "seq"], name="live_event_number"),
        ]
        indexes = [models.Index(fields=["page", "comment_id"], name="live_event_comment")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} on page {self.page_id}"
