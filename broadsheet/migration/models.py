"""What an import brought in, so that running it again updates instead of duplicating."""

from django.db import models
from django.utils import timezone


class ImportedObject(models.Model):
    """One thing of an export and the row it became: keyed on the export's site
    (`source`: WordPress's `wp:base_site_url`), the kind of thing and the id the export
    gives it. The target is named by model label and primary key, so the mapping knows
    no other app's models (nothing imports `migration`, and it imports only services)."""

    source = models.CharField(max_length=300)
    kind = models.CharField(max_length=30)  # author, section, tag, article, page, image, comment
    source_id = models.CharField(max_length=100)
    model = models.CharField(max_length=100)  # "newsroom.articlepage"
    object_id = models.BigIntegerField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="one_object_per_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} of {self.source} → {self.model} {self.object_id}"


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
