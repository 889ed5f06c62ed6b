from __future__ import annotations

from rest_framework import serializers

from articles.models import Article, ArticleEntity, Section


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:section-detail", lookup_field="slug"
    )

    class Meta:
        model = Section
        fields = ["url", "name", "slug", "description"]


class ArticleEntitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="tag.name")
    slug = serializers.CharField(source="tag.slug")
    kind = serializers.CharField(source="tag.kind")
    wikidata_id = serializers.CharField(source="tag.wikidata_id")
    url = serializers.HyperlinkedRelatedField(
        source="tag",
        view_name="api:entity-detail",
        lookup_field="slug",
        read_only=True,
    )

    class Meta:
        model = ArticleEntity
        fields = ["url", "name", "slug", "kind", "relevance", "wikidata_id"]


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail")
    web_url = serializers.SerializerMethodField()
    section = SectionSerializer(read_only=True)
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
            "updated_at",
        ]

    def get_web_url(self, article: Article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_tags(self, article: Article) -> list[str]:
        return [tag.name for tag in article.tags.all()]
