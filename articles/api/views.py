from __future__ import annotations

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import conditional_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from taggit.models import Tag

from articles.api.filters import ArticleFilter, DateTimeFilter, StrictFilterSet
from articles.api.pagination import ArticleCursorPagination, ChangeCursorPagination
from articles.api.serializers import (
    EXPANDABLE,
    ArticleSerializer,
    ChangeSerializer,
    NinjsSerializer,
    SectionSerializer,
    TagSerializer,
    ThreadDetailSerializer,
    ThreadSerializer,
    chosen_fields,
    load_relations,
)
from articles.models import (
    Article,
    ArticleQuerySet,
    Section,
    TaggedArticle,
    Thread,
)
from related.serving import related_articles


class NinjsRenderer(JSONRenderer):
    """IPTC ninjs, chosen with `Accept: application/ninjs+json` or `?format=ninjs`."""

    media_type = "application/ninjs+json"
    format = "ninjs"


def published_articles_for_api() -> ArticleQuerySet:
    """Published stories with their sections and threads; `load_relations` adds
    entities and tags to the page that is served."""
    return (
        Article.objects.published()
        .select_related("section", "thread")
        # The primary key breaks ties so that pages never overlap.
        .order_by("-go_live_at", "-pk")
    )


def count_of(links: QuerySet) -> Subquery:
    """How many rows `links` (filtered on OuterRef("pk")) has, per outer row.

    As a correlated subquery it is counted only for the rows a page returns;
    a JOIN with GROUP BY would count every link in the archive on each request.
    """
    return Subquery(
        links.order_by().values("tag").annotate(count=Count("pk")).values("count")
    )


def stories_last_modified() -> datetime.datetime | None:
    return Article.objects.last_changed()


class ConditionalGetMixin:
    """GET answers carry an ETag (a hash of the body) and, where the data keeps
    times, a Last-Modified; a client whose copy is current gets 304."""

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return conditional_page(super().as_view(actions, **initkwargs))

    def get_last_modified(self) -> datetime.datetime | None:
        return None

    def get_object(self):
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if "\x00" in lookup:
            raise Http404
        return super().get_object()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow lists; a detail is found by its address alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and (modified := self.get_last_modified()) is not None
        ):
            response.headers["Last-Modified"] = http_date(modified.timestamp())
        patch_vary_headers(response, ["Accept"])
        return response


class ArticleFieldsMixin:
    """`fields=`, `expand=` and the ninjs format for views that list stories."""

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

    def paginate_queryset(self, queryset: QuerySet) -> list | None:
        page = super().paginate_queryset(queryset)
        if page is not None and self.action in self.article_actions:
            load_relations(page)
        return page

    @property
    def wants_ninjs(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None) == NinjsRenderer.format

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["fields"] = getattr(self, "article_fields", None)
        context["detail"] = self.action == "retrieve"
        return context


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
ID_PARAMETER = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    OpenApiParameter.PATH,
    description="The story's id.",
)
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "ninjs"],
    description="`ninjs` answers in IPTC ninjs 2.2, like "
    "`Accept: application/ninjs+json`.",
)


def article_responses(*, many: bool) -> dict:
    return {
        (200, "application/json"): ArticleSerializer(many=many),
        (200, NinjsRenderer.media_type): NinjsSerializer(many=many),
    }


@extend_schema_view(
    list=extend_schema(
        summary="List published stories",
        description="Newest first; filter, search, choose fields and page with "
        "a cursor. Lists leave the body out unless `expand=body`.",
        parameters=[FIELDS_PARAMETER, EXPAND_PARAMETER, FORMAT_PARAMETER],
        responses=article_responses(many=True),
    ),
    retrieve=extend_schema(
        summary="Retrieve a published story",
        description="The whole story, body included. In ninjs, its related "
        "stories come as associations.",
        parameters=[ID_PARAMETER, FIELDS_PARAMETER, FORMAT_PARAMETER],
        responses=article_responses(many=False),
    ),
)
class ArticleViewSet(
    ArticleFieldsMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """Published stories, newest first, with their section, entities and tags."""

    filterset_class = ArticleFilter
    pagination_class = ArticleCursorPagination
    # Anything up to the next slash reaches the view, which answers a malformed
    # id with a JSON 400 rather than Django's HTML 404.
    lookup_value_regex = "[^/]+"
    renderer_classes = [JSONRenderer, NinjsRenderer, BrowsableAPIRenderer]

    def get_queryset(self) -> ArticleQuerySet:
        queryset = published_articles_for_api()
        if (
            self.action == "list"
            and not self.wants_ninjs
            and "body" not in getattr(self, "article_fields", ["body"])
        ):
            # The body is most of a row; a list leaves it out unless expanded.
            queryset = queryset.defer("body")
        return queryset

    def get_serializer_class(self):
        if self.wants_ninjs:
            return NinjsSerializer
        return ArticleSerializer

    def get_object(self) -> Article:
        pk = self.kwargs.get("pk", "")
        if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
            raise ValidationError({"id": ["A story id is a whole number."]})
        article = super().get_object()
        load_relations([article])
        self.object_last_modified = max(article.updated_at, article.go_live_at)
        return article

    def get_last_modified(self) -> datetime.datetime | None:
        if self.action == "list":
            return stories_last_modified()
        return getattr(self, "object_last_modified", None)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        article = self.get_object()
        context = self.get_serializer_context()
        if self.wants_ninjs:
            context["related"] = related_articles(article)
        return Response(self.get_serializer_class()(article, context=context).data)


class ChangeFilter(StrictFilterSet):
    since = DateTimeFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text="Only changes at or after this time (ISO 8601): pass the "
        "time of the last change you saw.",
    )

    class Meta:
        model = Article
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Stories published or withdrawn, oldest change first",
        description="Each story once, in its latest state: `published` (fetch "
        "`url`) or `withdrawn` (take it down; no content is given). Drafts and "
        "stories that were never live do not appear.",
    )
)
class ChangeViewSet(
    ConditionalGetMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The change feed that lets a partner mirror exactly what readers see."""

    serializer_class = ChangeSerializer
    filterset_class = ChangeFilter
    pagination_class = ChangeCursorPagination

    def get_queryset(self) -> QuerySet[Article]:
        now = timezone.now()
        live = ArticleQuerySet.published_condition(now)
        # Live once and then taken off: first_published_at is set when a story
        # is published, even for a future go-live time, so it must also precede
        # the story's last change.
        was_live = Q(first_published_at__lte=F("updated_at")) & Q(
            first_published_at__lte=now
        )
        return (
            Article.objects.filter(live | was_live)
            .annotate(
                live=ExpressionWrapper(live, output_field=BooleanField()),
                changed_at=Case(
                    When(live, then=Greatest("updated_at", "go_live_at")),
                    default=F("updated_at"),
                ),
            )
            .only("pk", "status", "go_live_at", "updated_at", "first_published_at")
            .order_by("changed_at", "pk")
        )

    def get_last_modified(self) -> datetime.datetime | None:
        return stories_last_modified()


@extend_schema_view(
    list=extend_schema(summary="List sections"),
    retrieve=extend_schema(summary="Retrieve a section"),
)
class SectionViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """The parts of the paper, in the order of the site navigation."""

    serializer_class = SectionSerializer
    queryset = Section.objects.all()
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"


@extend_schema_view(
    list=extend_schema(
        summary="List topic tags with published stories",
        description="In alphabetical order, each with its number of published stories.",
    ),
    retrieve=extend_schema(summary="Retrieve a topic tag"),
)
class TagViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Topic tags that at least one published story carries.

    A tag only drafts carry stays hidden: it could give an embargoed story away.
    """

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Tag]:
        links = TaggedArticle.objects.filter(
            tag=OuterRef("pk"), content_object__in=Article.objects.published()
        )
        return (
            Tag.objects.filter(Exists(links))
            .annotate(article_count=count_of(links))
            .order_by("name", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        summary="List developing stories",
        description="Threads with at least one published story, the one with "
        "the latest story first.",
    ),
    retrieve=extend_schema(
        summary="Retrieve a developing story",
        description="The thread with its published stories, oldest first.",
    ),
)
class ThreadViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Developing stories: threads that at least one published story belongs to.

    A thread of drafts only stays hidden, as it is on the site.
    """

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Thread]:
        published = Article.objects.published()
        live = Q(stories__in=published)
        threads = (
            Thread.objects.annotate(
                story_count=Count("stories", filter=live),
                latest_at=Max("stories__go_live_at", filter=live),
            )
            .filter(story_count__gt=0)
            .order_by("-latest_at", "-pk")
        )
        if self.action == "retrieve":
            timeline = published.order_by("go_live_at", "pk").only(
                "pk", "thread_id", "headline", "slug", "go_live_at", "created_at"
            )
            threads = threads.prefetch_related(
                Prefetch("stories", queryset=timeline, to_attr="timeline_stories")
            )
        return threads

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ThreadDetailSerializer
        return ThreadSerializer

    def get_last_modified(self) -> datetime.datetime | None:
        threads = Thread.objects.aggregate(edited=Max("updated_at"))["edited"]
        return max(filter(None, [threads, stories_last_modified()]), default=None)
