from __future__ import annotations

from rest_framework import serializers

from articles.api.serializers import ArticleSerializer
from articles.models import Article


class SharedEntitySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The entity's id.")
    name = serializers.CharField()
    weight = serializers.FloatField(help_text="What it added to the score.")


class SharedTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = serializers.FloatField(help_text="What it added to the score.")


class SharedTermSerializer(serializers.Serializer):
    term = serializers.CharField(help_text="A key term both stories use.")
    weight = serializers.FloatField(help_text="What it added to the score.")


class WhySerializer(serializers.Serializer):
    """Why a story was suggested: the strongest things the two stories share."""

    entities = SharedEntitySerializer(many=True)
    tags = SharedTagSerializer(many=True)
    terms = SharedTermSerializer(many=True)


class RelatedArticleSerializer(ArticleSerializer):
    """A story to read next: an editor's pick, or a suggestion with its score
    and why; with the entities it shares with the first story."""

    picked = serializers.BooleanField(
        read_only=True, help_text="An editor's pick; picks come first."
    )
    score = serializers.FloatField(
        source="related_score",
        read_only=True,
        allow_null=True,
        help_text="How strongly it relates; null for an editor's pick.",
    )
    why = WhySerializer(
        source="related_why",
        read_only=True,
        allow_null=True,
        help_text="The shared entities, tags and key terms behind the score, "
        "strongest first, each with what it added; null for an editor's pick.",
    )
    shared_entities = serializers.SerializerMethodField(
        help_text="Slugs of the entities both stories are tagged with."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields,
            "picked",
            "score",
            "why",
            "shared_entities",
        ]
        read_only_fields = fields

    def get_shared_entities(self, article: Article) -> list[str]:
        shared = self.context.get("entity_ids", set())
        return sorted(
            link.slug for link in article.entity_list if link.entity_id in shared
        )
