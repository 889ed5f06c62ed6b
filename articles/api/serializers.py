from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.reverse import reverse

from articles.models import Article, ArticleEntity, Section
from entities.models import Entity


def article_list_url(request: Request | None, **filters: str) -> str:
    """The address of the story list narrowed by `filters` (entity=, section=)."""
    return f"{reverse('api:article-list', request=request)}?{urlencode(filters)}"


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:section-detail", lookup_field="slug"
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["url", "name", "slug", "description", "articles_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, section: Section) -> str:
        return article_list_url(self.context.get("request"), section=section.slug)


class ArticleEntitySerializer(serializers.ModelSerializer):
    """An entity as tagged on one story, with whether the story is about it."""

    name = serializers.CharField(source="tag.name", read_only=True)
    slug = serializers.CharField(source="tag.slug", read_only=True)
    kind = serializers.ChoiceField(
        source="tag.kind", choices=Entity.Kind.choices, read_only=True
    )
    wikidata_id = serializers.CharField(source="tag.wikidata_id", read_only=True)
    url = serializers.HyperlinkedRelatedField(
        source="tag",
        view_name="api:entity-detail",
        lookup_field="slug",
        read_only=True,
    )

    class Meta:
        model = ArticleEntity
        fields = ["name", "slug", "kind", "relevance", "wikidata_id", "url"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail")
    web_url = serializers.SerializerMethodField()
    section = SectionSerializer(read_only=True, allow_null=True)
    entities = ArticleEntitySerializer(source="entity_links", many=True, read_only=True)
    tags = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="go_live_at", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "url",
            "web_url",
            "headline",
            "slug",
            "dek",
            "body",
            "byline",
            "dateline",
            "language",
            "section",
            "entities",
            "tags",
            "source_name",
            "source_url",
            "published_at",
            "first_published_at",
            "last_published_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, article: Article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_tags(self, article: Article) -> list[str]:
        # Sorted here rather than in SQL so the prefetched tags are used as they are.
        return sorted(tag.name for tag in article.tags.all())
