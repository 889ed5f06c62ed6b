from __future__ import annotations

from rest_framework import viewsets

from articles.models import Article
from entities.api.serializers import EntitySerializer
from entities.models import Entity


class EntityViewSet(viewsets.ReadOnlyModelViewSet):
    """Entities that at least one published story is tagged with."""

    serializer_class = EntitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return (
            Entity.objects.filter(articles__in=Article.objects.published())
            .distinct()
            .prefetch_related("aliases")
            .order_by("name", "pk")
        )
