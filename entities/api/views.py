from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api.filters import StrictFilterSet
from articles.api.serializers import ArticleSerializer, NinjsSerializer
from articles.api.views import (
    EXPAND_PARAMETER,
    FIELDS_PARAMETER,
    FORMAT_PARAMETER,
    ArticleFieldsMixin,
    ConditionalGetMixin,
    NinjsRenderer,
    article_responses,
    count_of,
    published_articles_for_api,
    stories_last_modified,
)
from articles.models import Article, ArticleEntity
from entities.api.serializers import EntitySerializer
from entities.models import Entity


class EntityFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(
        choices=Entity.Kind.choices, help_text="Only entities of this kind."
    )

    class Meta:
        model = Entity
        fields = ["kind"]


@extend_schema_view(
    list=extend_schema(summary="List entities with published stories"),
    retrieve=extend_schema(summary="Retrieve an entity"),
    articles=extend_schema(
        summary="An entity's published stories",
        description="Stories about the entity first, then those that only "
        "mention it; newest first within each.",
        parameters=[FIELDS_PARAMETER, EXPAND_PARAMETER, FORMAT_PARAMETER],
        responses=article_responses(many=True),
    ),
)
class EntityViewSet(
    ArticleFieldsMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """Entities that at least one published story is tagged with.

    An entity known only from drafts stays hidden: its name could give an embargoed
    story away.
    """

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    filterset_class = EntityFilter
    article_actions = frozenset({"articles"})

    def get_queryset(self) -> QuerySet[Entity]:
        links = ArticleEntity.objects.filter(
            tag=OuterRef("pk"), content_object__in=Article.objects.published()
        )
        return (
            Entity.objects.filter(Exists(links))
            .annotate(article_count=count_of(links))
            .prefetch_related("aliases")
            .order_by("name", "pk")
        )

    def get_serializer_class(self):
        if self.action == "articles":
            return NinjsSerializer if self.wants_ninjs else ArticleSerializer
        return EntitySerializer

    def get_last_modified(self) -> datetime.datetime | None:
        entities = Entity.objects.aggregate(edited=Max("updated_at"))["edited"]
        return max(filter(None, [entities, stories_last_modified()]), default=None)

    @action(
        detail=True,
        filterset_class=None,
        renderer_classes=[JSONRenderer, NinjsRenderer, BrowsableAPIRenderer],
    )
    def articles(self, request: Request, slug: str | None = None) -> Response:
        entity = self.get_object()
        stories = (
            published_articles_for_api()
            .filter(entity_links__tag=entity)
            .annotate(
                about_first=Case(
                    When(
                        entity_links__relevance=ArticleEntity.Relevance.ABOUT,
                        then=Value(0),
                    ),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("about_first", "-go_live_at", "-pk")
        )
        page = self.paginate_queryset(stories)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)
