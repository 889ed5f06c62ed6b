from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from articles.api.serializers import ArticleSerializer, SectionSerializer
from articles.models import Article, ArticleEntity, ArticleQuerySet, Section


def published_articles_for_api() -> ArticleQuerySet:
    """Published stories with everything the serializer touches loaded in bulk."""
    return (
        Article.objects.published()
        .select_related("section")
        .prefetch_related(
            Prefetch(
                "entity_links",
                queryset=ArticleEntity.objects.select_related("tag").order_by(
                    "tag__kind", "tag__name"
                ),
            ),
            "tags",
        )
        # The primary key breaks ties so that pages never overlap.
        .order_by("-go_live_at", "-pk")
    )


@extend_schema_view(
    list=extend_schema(
        summary="List published stories",
        parameters=[
            OpenApiParameter(
                "entity",
                OpenApiTypes.STR,
                description="Only stories tagged with the entity that has this slug.",
            ),
            OpenApiParameter(
                "section",
                OpenApiTypes.STR,
                description="Only stories in the section that has this slug.",
            ),
            OpenApiParameter(
                "tag",
                OpenApiTypes.STR,
                description="Only stories with the topic tag that has this slug.",
            ),
        ],
    ),
    retrieve=extend_schema(summary="Retrieve a published story"),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published stories, newest first, with their section, entities and tags."""

    serializer_class = ArticleSerializer

    def get_queryset(self) -> ArticleQuerySet:
        queryset = published_articles_for_api()
        params = self.request.query_params
        if entity := params.get("entity"):
            queryset = queryset.filter(entity_links__tag__slug=entity)
        if section := params.get("section"):
            queryset = queryset.filter(section__slug=section)
        if tag := params.get("tag"):
            queryset = queryset.filter(tag_links__tag__slug=tag)
        return queryset


@extend_schema_view(
    list=extend_schema(summary="List sections"),
    retrieve=extend_schema(summary="Retrieve a section"),
)
class SectionViewSet(viewsets.ReadOnlyModelViewSet):
    """The parts of the paper, in the order of the site navigation."""

    serializer_class = SectionSerializer
    queryset = Section.objects.all()
    lookup_field = "slug"
