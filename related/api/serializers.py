from __future__ import annotations

from rest_framework import serializers

from articles.api.serializers import ArticleSerializer
from articles.models import Article


class RelatedArticleSerializer(ArticleSerializer):
    """A story to read next: an editor's pick, or a suggestion with its score;
    with the entities it shares with the first story."""

    picked = serializers.BooleanField(
        read_only=True, help_text="An editor's pick; picks come first."
    )
    score = serializers.FloatField(
        source="related_score",
        read_only=True,
        allow_null=True,
        help_text="How strongly it relates; null for an editor's pick.",
    )
    shared_entities = serializers.SerializerMethodField(
        help_text="Slugs of the entities both stories are tagged with."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "picked", "score", "shared_entities"]
        read_only_fields = fields

    def get_shared_entities(self, article: Article) -> list[str]:
        shared = self.context.get("entity_ids", set())
        return sorted(
            link.slug for link in article.entity_list if link.entity_id in shared
        )
