"""What the related-stories engine stores: the editor's decisions about pairs of
stories (picks and exclusions) and derived data kept for scoring (scores,
document frequencies, each story's counted features)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class StoryPair(models.Model):
    """An editor's decision about showing `target` next to `article`.

    Subclasses declare the two foreign keys, `article` and `target`, with their
    own reverse names and labels.
    """

    # Shown between the two headlines by __str__.
    arrow = "→"
    self_error = "A story cannot be paired with itself."

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.article} {self.arrow} {self.target}"

    def clean(self) -> None:
        if self.article_id and self.article_id == self.target_id:
            raise ValidationError({"target": self.self_error})

    @staticmethod
    def pair_constraints(prefix: str) -> list[models.BaseConstraint]:
        """One row per pair, and never a story paired with itself."""
        return [
            models.UniqueConstraint(
                fields=["article", "target"], name=f"{prefix}_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(article=models.F("target")),
                name=f"{prefix}_not_self",
            ),
        ]


class RelatedLink(StoryPair):
    """An editor's pick: a story to read next, shown before automatic suggestions."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="related_links"
    )
    target = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="related story",
    )
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    self_error = "A story cannot be related to itself."

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = StoryPair.pair_constraints("related_link")


class RelatedExclusion(StoryPair):
    """A story the editor never wants suggested as related to another."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="related_exclusions",
    )
    target = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="excluded story",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    arrow = "↛"
    self_error = "A story cannot exclude itself."

    class Meta:
        verbose_name = "excluded suggestion"
        constraints = StoryPair.pair_constraints("related_exclusion")


class RelatedScore(models.Model):
    """A precomputed automatic suggestion: how strongly `target` relates to
    `article`, and the entities and tags they share.

    Derived data, rebuilt by `manage.py rebuild_related`; editors never edit it.
    """

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="related_scores"
    )
    target = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    shared = models.JSONField(default=dict)

    class Meta:
        # By the column, not the story's own ordering, which would join Article.
        ordering = ["article_id", "rank"]
        indexes = [models.Index(fields=["article", "rank"], name="related_score_rank")]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "target"], name="related_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.target_id} ({self.score:.2f})"


class Posting(models.Model):
    """A feature a published story is scored on (an entity, a topic tag or a key
    term of its text) with its weight: the posting lists that find a story's
    candidates in one indexed read.

    Derived data, kept by `related.upkeep` and rebuilt by
    `manage.py rebuild_related`; see `related.scoring` for how features are
    numbered.
    """

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+"
    )
    feature = models.BigIntegerField()
    weight = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "article"], name="related_posting_unique"
            )
        ]
        indexes = [models.Index(fields=["article"], name="related_posting_article")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.feature} ({self.weight:.3f})"


class DocumentFrequency(models.Model):
    """How many published stories carry a feature (an entity, a topic tag or a
    word of their text).

    Derived data for scoring, kept by `related.upkeep`: rebuilt by
    `manage.py rebuild_related`, then moved by one on every publish, withdrawal or
    change of a story's entities. See `related.scoring` for how features are
    numbered; feature 0 counts the published stories themselves.
    """

    feature = models.BigIntegerField(primary_key=True)
    df = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "document frequencies"

    def __str__(self) -> str:
        return f"{self.feature}: {self.df}"


class StoryFeatures(models.Model):
    """The features a published story was last counted with in
    `DocumentFrequency`, so the counts can be moved exactly when it changes.

    Derived data, kept by `related.upkeep`.
    """

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    features = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "story features"

    def __str__(self) -> str:
        return f"{self.article_id}: {self.features}"
