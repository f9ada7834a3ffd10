"""What the importers remember between runs, so that running one twice changes nothing."""

from django.db import models
from django.utils import timezone

# Disqus


class DisqusPost(models.Model):
    """A comment that came from Disqus, by its Disqus id (`dsq:id`): a second run of
    `broadsheet import_disqus` finds it here and leaves it alone, and a reply imported
    later finds its parent here."""

    dsq_id = models.CharField(max_length=40, unique=True)
    thread_dsq_id = models.CharField(max_length=40)
    comment = models.OneToOneField("engagement.Comment", on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "comment imported from Disqus"
        verbose_name_plural = "comments imported from Disqus"

    def __str__(self) -> str:
        return f"Disqus {self.dsq_id} → comment {self.comment_id}"
