from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import viewsets

from articles.api.serializers import ArticleSerializer, SectionSerializer
from articles.models import Article, ArticleEntity, Section


def published_articles_for_api():
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
    )


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published stories, newest first."""

    serializer_class = ArticleSerializer

    def get_queryset(self):
        queryset = published_articles_for_api()
        params = self.request.query_params
        if entity := params.get("entity"):
            queryset = queryset.filter(entity_links__tag__slug=entity)
        if section := params.get("section"):
            queryset = queryset.filter(section__slug=section)
        if tag := params.get("tag"):
            queryset = queryset.filter(tag_links__tag__slug=tag)
        return queryset


class SectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SectionSerializer
    queryset = Section.objects.all()
    lookup_field = "slug"
