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
