from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from articles.models import Article
from entities.api.serializers import EntitySerializer
from entities.models import Entity


@extend_schema_view(
    list=extend_schema(
        summary="List entities with published stories",
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=Entity.Kind.values,
                description="Only entities of this kind.",
            )
        ],
    ),
    retrieve=extend_schema(summary="Retrieve an entity"),
)
class EntityViewSet(viewsets.ReadOnlyModelViewSet):
    """Entities that at least one published story is tagged with.

    An entity known only from drafts stays hidden: its name could give an embargoed
    story away.
    """

    serializer_class = EntitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Entity]:
        published = Article.objects.published()
        queryset = (
            Entity.objects.annotate(
                article_count=Count(
                    "article_links",
                    filter=Q(article_links__content_object__in=published),
                )
            )
            .filter(article_count__gt=0)
            .prefetch_related("aliases")
            .order_by("name", "pk")
        )
        if kind := self.request.query_params.get("kind"):
            queryset = queryset.filter(kind=kind)
        return queryset
