"""Serving stories from any endpoint: the public piece of this app's API that
other apps' endpoints use (entities/api serves an entity's stories with it).

`ArticleFieldsMixin` answers `fields=`, `expand=` and the ninjs format with
the story serializers; `article_list_schema` documents an action that does.
"""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from articles.api.serializers import (
    EXPANDABLE,
    ArticleSerializer,
    NinjsSerializer,
    chosen_fields,
    load_relations,
)
from articles.models import Article, ArticleQuerySet
from newsroom.api.renderers import FORMAT_PARAMETER, NinjsRenderer


class ArticleFieldsMixin:
    """`fields=`, `expand=` and the ninjs format for the `article_actions`
    that serve stories. Put it before the view set's other bases, and
    StrictParametersMixin among them."""

    article_actions = frozenset({"list", "retrieve"})

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if request.query_params.get("format") == "":
            raise ValidationError({"format": ["Choose json or ninjs."]})
        if self.action in self.article_actions:
            # Validated before any query, so a bad field costs nothing.
            self.article_fields = chosen_fields(
                request, detail=self.action == "retrieve"
            )

    def extra_query_parameters(self) -> set[str]:
        parameters = super().extra_query_parameters()
        if self.action in self.article_actions:
            parameters |= {"fields", "expand"}
        return parameters

    def article_queryset(self) -> ArticleQuerySet:
        """Published stories newest first, with what the serializers show of
        them loaded: sections and threads here, entities and tags by
        `paginate_queryset` for the page that is served."""
        return (
            Article.objects.published()
            .select_related("section", "thread")
            .newest_first()
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action in self.article_actions:
            load_relations(page)
        return page

    @property
    def wants_ninjs(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None) == NinjsRenderer.format

    def get_serializer_class(self):
        if self.action in self.article_actions:
            return NinjsSerializer if self.wants_ninjs else ArticleSerializer
        return super().get_serializer_class()

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["fields"] = getattr(self, "article_fields", None)
        context["detail"] = self.action == "retrieve"
        return context


class StoryLookupMixin:
    """Finds the published story a detail address names by its id, with its
    entities and tags; a malformed id is a JSON 400, not an HTML 404. Put it
    before ConditionalGetMixin: the story's own times are its Last-Modified."""

    # Anything up to the next slash reaches the view, which answers a malformed
    # id with a JSON 400 rather than Django's HTML 404.
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Article:
        pk = self.kwargs.get("pk", "")
        if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
            raise ValidationError({"id": ["A story id is a whole number."]})
        article = super().get_object()
        load_relations([article])
        self.object_last_modified = max(article.updated_at, article.go_live_at)
        return article

    def get_last_modified(self) -> datetime.datetime | None:
        return getattr(self, "object_last_modified", None)


ID_PARAMETER = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    OpenApiParameter.PATH,
    description="The story's id.",
)
FIELDS_PARAMETER = OpenApiParameter(
    "fields",
    {
        "type": "array",
        "items": {"type": "string", "enum": ArticleSerializer.Meta.fields},
        "minItems": 1,
    },
    style="form",
    explode=False,
    description="Only these fields, separated by commas (`id` always comes). "
    "An unknown field is a 400.",
)
EXPAND_PARAMETER = OpenApiParameter(
    "expand",
    {
        "type": "array",
        "items": {"type": "string", "enum": list(EXPANDABLE)},
        "minItems": 1,
    },
    style="form",
    explode=False,
    description="Lists leave the body out; `expand=body` puts it in.",
)


def article_responses(*, many: bool) -> dict:
    return {
        (200, "application/json"): ArticleSerializer(many=many),
        (200, NinjsRenderer.media_type): NinjsSerializer(many=many),
    }


def article_list_schema(*, summary: str, description: str):
    """The OpenAPI description of an action that lists stories with
    `ArticleFieldsMixin`: its summary, its parameters and both formats."""
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[FIELDS_PARAMETER, EXPAND_PARAMETER, FORMAT_PARAMETER],
        responses=article_responses(many=True),
    )
