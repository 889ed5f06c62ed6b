from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from entities.models import Entity
from newsroom.api.fields import LinkField, filtered_list_link


class EntitySerializer(serializers.ModelSerializer):
    url = LinkField("api:entity-detail", lookup_field="slug")
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    article_count = serializers.IntegerField(
        read_only=True, help_text="How many published stories are tagged with it."
    )
    kind_label = serializers.CharField(
        source="get_kind_display",
        read_only=True,
        help_text="The kind as the site names it: " + ", ".join(Entity.Kind.labels),
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Entity
        fields = [
            "url",
            "name",
            "slug",
            "kind",
            "kind_label",
            "description",
            "aliases",
            "wikidata_id",
            "article_count",
            "articles_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, entity: Entity) -> str:
        return filtered_list_link(
            self.root.context, "api:article-list", entity=entity.slug
        )
