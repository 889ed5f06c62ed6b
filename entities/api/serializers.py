from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from entities.models import Entity


class EntitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:entity-detail", lookup_field="slug"
    )
    articles_url = serializers.SerializerMethodField()
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Entity
        fields = [
            "url",
            "name",
            "slug",
            "kind",
            "description",
            "aliases",
            "wikidata_id",
            "articles_url",
        ]

    @extend_schema_field(serializers.URLField())
    def get_articles_url(self, entity: Entity) -> str:
        url = reverse("api:article-list", request=self.context.get("request"))
        return f"{url}?entity={entity.slug}"
