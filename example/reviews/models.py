"""Reviews written by community profiles about any of the people tables."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Review(models.Model):
    """A star rating about a person in any legacy people table (generic relation)."""

    # Reviews target whichever people table the reviewed person lives in,
    # hence a generic relation instead of one foreign key per table.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    # Big: the people tables use BigAutoField primary keys.
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        "legacy.UserProfile", on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="reviews_review_rating_1_to_5",
            ),
        )
        indexes = (
            models.Index(fields=["content_type", "object_id"], name="reviews_review_target_idx"),
        )

    def __str__(self) -> str:
        return f"{self.rating} stars by {self.author_id}"
