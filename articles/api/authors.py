"""/api/v1/authors/: the people who write for the newsroom, as partners see
them. Only authors credited on a published story are listed, as on the site:
an author known only from drafts could give an embargoed story away. Their
stories are `/api/v1/articles/?author=<slug>`."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from articles.models import Article, Author, AuthorLink, PublicChange
from newsroom.api.fields import LinkField, filtered_list_link
from newsroom.api.mixins import ConditionalGetMixin, StrictParametersMixin


class AuthorLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthorLink
        fields = ["label", "url"]
        read_only_fields = fields


class AuthorSerializer(serializers.ModelSerializer):
    """An author with at least one published story."""

    url = LinkField("api:author-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()
    links = AuthorLinkSerializer(many=True, read_only=True)
    story_count = serializers.IntegerField(
        read_only=True, help_text="How many published stories credit them."
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = [
            "url",
            "web_url",
            "name",
            "slug",
            "role",
            "bio",
            "links",
            "story_count",
            "articles_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, author: Author) -> str:
        path = author.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, author: Author) -> str:
        return filtered_list_link(
            self.root.context, "api:article-list", author=author.slug
        )


@extend_schema_view(
    list=extend_schema(
        summary="List authors",
        description="Authors credited on at least one published story, by name.",
    ),
    retrieve=extend_schema(summary="Retrieve an author"),
)
class AuthorViewSet(
    StrictParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """The newsroom's authors that at least one published story credits."""

    serializer_class = AuthorSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Author]:
        live = Q(article_links__article__in=Article.objects.published())
        return (
            Author.objects.with_published_stories()
            .annotate(story_count=Count("article_links", filter=live))
            .prefetch_related(
                Prefetch("links", AuthorLink.objects.order_by("position", "pk"))
            )
            .order_by("name", "pk")
        )

    def get_last_modified(self) -> datetime.datetime | None:
        return PublicChange.objects.last_changed(
            PublicChange.Scope.AUTHORS, PublicChange.Scope.STORIES
        )
