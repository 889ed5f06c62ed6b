from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api.mixins import (
    ArticleFieldsMixin,
    article_list_schema,
    sees_unpublic_changes,
)
from articles.models import Article, ArticleEntity, PublicChange
from entities.api.serializers import EntitySerializer
from entities.models import Entity
from newsroom.api.filters import StrictFilterSet
from newsroom.api.mixins import ConditionalGetMixin, StrictParametersMixin
from newsroom.api.pagination import CursorPagination, PageNumberPagination
from newsroom.api.queries import count_of
from newsroom.api.renderers import NinjsRenderer


class EntityFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(
        choices=Entity.Kind.choices,
        help_text="Only entities of this kind.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a kind; choose one of "
            + ", ".join(Entity.Kind.values)
            + "."
        },
    )

    class Meta:
        model = Entity
        fields = ["kind"]


class EntityCursorPagination(CursorPagination):
    """Entities alphabetically, page after page with no total: at a million
    stories, counting every entity with a published story took seconds."""

    orderings = {"name": ("name", "pk")}
    default_ordering = "name"
    text_positions = frozenset({"name"})


@extend_schema_view(
    list=extend_schema(
        summary="List entities with published stories",
        description="Alphabetically, paged with a cursor.",
    ),
    retrieve=extend_schema(summary="Retrieve an entity"),
    articles=article_list_schema(
        summary="An entity's published stories",
        description="Stories about the entity first, then those that only "
        "mention it; newest first within each.",
    ),
)
class EntityViewSet(
    ArticleFieldsMixin,
    StrictParametersMixin,
    ConditionalGetMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Entities that at least one published story is tagged with.

    An entity known only from drafts stays hidden: its name could give an embargoed
    story away.
    """

    serializer_class = EntitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    filterset_class = EntityFilter
    pagination_class = EntityCursorPagination
    article_actions = frozenset({"articles"})
    paginated_actions = frozenset({"list", "articles"})

    def get_queryset(self) -> QuerySet[Entity]:
        links = Article.objects.published().links_per_entity()
        return (
            Entity.objects.with_published_stories()
            .annotate(article_count=count_of(links))
            .prefetch_related("aliases")
        )

    def get_last_modified(self) -> datetime.datetime | None:
        # An entity's stories show their own section, tags, thread and authors.
        if self.action == "articles":
            if sees_unpublic_changes(self.request):
                return None
            return PublicChange.objects.last_changed(*PublicChange.Scope)
        return PublicChange.objects.last_changed(
            PublicChange.Scope.ENTITIES, PublicChange.Scope.STORIES
        )

    @action(
        detail=True,
        filterset_class=None,
        # Its own order (about first); one entity's stories are few to count.
        pagination_class=PageNumberPagination,
        renderer_classes=[JSONRenderer, NinjsRenderer, BrowsableAPIRenderer],
    )
    def articles(
        self, request: Request, slug: str | None = None, format: str | None = None
    ) -> Response:
        entity = self.get_object()
        stories = (
            self.article_queryset()
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
            .newest_first("about_first")
        )
        page = self.paginate_queryset(stories)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)
