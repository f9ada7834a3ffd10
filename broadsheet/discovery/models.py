"""Related articles, computed when an article is published and stored: a page view only
reads rows, never computes similarity."""

from django.db import models


class RelatedArticle(models.Model):
    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="computed_related"
    )
    related = models.ForeignKey("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["article", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="related_once"),
        ]
        indexes = [models.Index(fields=["related"], name="related_by_target")]

    def __str__(self) -> str:
        return f"{self.article_id} -> {self.related_id} ({self.score:.3f})"


class RelatedVocabulary(models.Model):
    """The archive's terms and their IDF, fitted now and then (one row).

    Large archives compare a new article with a few candidates only; this keeps their
    scores on the whole archive's statistics, and comparable from one publication to the
    next, so a new article can be merged into its neighbours' stored lists.
    """

    fitted_at = models.DateTimeField(auto_now=True)
    documents = models.PositiveIntegerField()
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.documents} articles, fitted {self.fitted_at:%Y-%m-%d %H:%M}"
