"""Serving stories from any endpoint: the public piece of this app's API that
other apps' endpoints use (entities/api serves an entity's stories with it).

`ArticleFieldsMixin` answers `fields=`, `expand=` and the ninjs format with
the story serializers; `article_list_schema` documents an action that does.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.http import parse_header_parameters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from articles.api.serializers import (
    EXPANDABLE,
    ArticleSerializer,
    Ninjs31Serializer,
    NinjsSerializer,
    chosen_fields,
    load_relations,
)
from articles.models import Article, ArticleQuerySet, PublicChange
from articles.ninjs import DEFAULT_NINJS_VERSION, NINJS_VERSIONS
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
            self.ninjs_version = self.chosen_ninjs_version(request)

    def chosen_ninjs_version(self, request: Request) -> str:
        """The ninjs version asked for with `?version=` or a `version`
        parameter of the ninjs media type in Accept (`application/ninjs+json;
        version=3.1`); 2.2 if neither. A version this API does not write, or
        one given with a format other than ninjs, is a 400."""
        _, accept = parse_header_parameters(
            getattr(request, "accepted_media_type", "") or ""
        )
        asked = request.query_params.get("version", accept.get("version"))
        if asked is None:
            return DEFAULT_NINJS_VERSION
        accepted = ", ".join(NINJS_VERSIONS)
        if asked not in NINJS_VERSIONS:
            raise ValidationError(
                {"version": [f"No ninjs version “{asked}”: it takes {accepted}."]}
            )
        if not self.wants_ninjs:
            raise ValidationError(
                {
                    "version": [
                        "version chooses the ninjs version: ask for ninjs too "
                        f"(format=ninjs or Accept: {NinjsRenderer.media_type})."
                    ]
                }
            )
        self.ninjs_version_asked = asked
        return asked

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        asked = getattr(self, "ninjs_version_asked", None)
        if asked is not None and response.status_code == 200:
            # The Content-Type says which version was given, as it was asked.
            response.content_type = f"{NinjsRenderer.media_type}; version={asked}"
        return response

    @property
    def ninjs_serializer_class(self) -> type[NinjsSerializer]:
        version = getattr(self, "ninjs_version", DEFAULT_NINJS_VERSION)
        return Ninjs31Serializer if version == "3.1" else NinjsSerializer

    def extra_query_parameters(self) -> set[str]:
        parameters = super().extra_query_parameters()
        if self.action in self.article_actions:
            parameters |= {"fields", "expand"}
            if NinjsRenderer in self.renderer_classes:
                parameters.add("version")
        return parameters

    def article_queryset(self) -> ArticleQuerySet:
        """The stories the caller may see (`visible_to`: published ones, and
        a partner's embargoed ones) newest first, with what the serializers
        show of them loaded: sections and threads here, entities and tags by
        `paginate_queryset` for the page that is served."""
        return (
            Article.objects.visible_to(early_access(self.request))
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
            return (
                self.ninjs_serializer_class if self.wants_ninjs else ArticleSerializer
            )
        return super().get_serializer_class()

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["fields"] = getattr(self, "article_fields", None)
        context["detail"] = self.action == "retrieve"
        return context


def early_access(request: Request) -> Q | None:
    """The stories the caller may see before readers do, as a condition on
    Article, or None (readers' view): what its credentials (`request.auth`)
    give through their `early_access_condition()` method, if they have one.

    This is the door by which the partners app, above this one, lets a
    partner's API key see the embargoed stories granted to it
    (`partners.models.PartnerAPIKey.early_access_condition`); articles never
    imports partners. The condition is a subquery: it costs no query of its
    own."""
    if not hasattr(request, "_early_access"):
        condition = getattr(
            getattr(request, "auth", None), "early_access_condition", None
        )
        request._early_access = condition() if condition is not None else None
    return request._early_access


def sees_unpublic_changes(request: Request) -> bool:
    """Whether the caller sees stories readers have not (embargoed ones): its
    lists then change with no public time to say so, and have no
    Last-Modified (their ETag still answers If-None-Match). One query, for
    callers with early access only."""
    early = early_access(request)
    return early is not None and Article.objects.seen_early(early).exists()


# What a story shows of other things (PublicChange), beside its own fields.
NAME_SCOPES = tuple(
    scope for scope in PublicChange.Scope if scope != PublicChange.Scope.STORIES
)


class StoryLookupMixin:
    """Finds the published story a detail address names by its id, with its
        entities and tags; a malformed id is a JSON 400, not an HTML 404. Put it
        before ConditionalGetMixin: the story's own times, or a later rename of what
    it shows, are its Last-Modified."""

    # Anything up to the next slash reaches the view, which answers a malformed
    # id with a JSON 400 rather than Django's HTML 404.
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Article:
        pk = self.kwargs.get("pk", "")
        if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
            raise ValidationError({"id": ["A story id is a whole number."]})
        article = super().get_object()
        load_relations([article])
        # An embargoed story's go-live time is to come: until then it last
        # changed at its last edit.
        self.object_last_modified = max(
            article.updated_at, min(article.go_live_at, timezone.now())
        )
        return article

    def get_last_modified(self) -> datetime.datetime | None:
        own = getattr(self, "object_last_modified", None)
        if own is None:
            return None
        # The story also shows the names of its section, tags, thread,
        # entities and authors, which change with no write to it.
        names = PublicChange.objects.recorded(*NAME_SCOPES)
        return max(filter(None, [own, names]))


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
VERSION_PARAMETER = OpenApiParameter(
    "version",
    {"type": "string", "enum": list(NINJS_VERSIONS)},
    description="With `format=ninjs`: the ninjs version, 2.2 (the default) or "
    "3.1; also `Accept: application/ninjs+json; version=3.1`.",
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
        parameters=[
            FIELDS_PARAMETER,
            EXPAND_PARAMETER,
            FORMAT_PARAMETER,
            VERSION_PARAMETER,
        ],
        responses=article_responses(many=True),
    )
