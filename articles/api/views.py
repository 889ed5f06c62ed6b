from __future__ import annotations

import datetime

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from taggit.models import Tag

from articles.api.filters import ArticleFilter
from articles.api.mixins import (
    EXPAND_PARAMETER,
    FIELDS_PARAMETER,
    ID_PARAMETER,
    VERSION_PARAMETER,
    ArticleFieldsMixin,
    StoryLookupMixin,
    article_responses,
    early_access,
    sees_unpublic_changes,
)
from articles.api.pagination import (
    ArticleCursorPagination,
    ChangeCursorPagination,
    TagCursorPagination,
)
from articles.api.serializers import (
    ArticleSerializer,
    ChangeSerializer,
    SectionSerializer,
    TagSerializer,
    ThreadDetailSerializer,
    ThreadSerializer,
)
from articles.models import (
    Article,
    ArticleQuerySet,
    DeletedArticle,
    PublicChange,
    Section,
    Thread,
)
from newsroom.api.filters import DateTimeFilter, StrictFilterSet
from newsroom.api.merged import MergedQuerySet
from newsroom.api.mixins import ConditionalGetMixin, StrictParametersMixin
from newsroom.api.queries import count_of
from newsroom.api.renderers import FORMAT_PARAMETER, NinjsRenderer
from related.serving import related_articles


@extend_schema_view(
    list=extend_schema(
        summary="List published stories",
        description="Newest first; filter, search, choose fields and page with "
        "a cursor. Lists leave the body out unless `expand=body`.",
        parameters=[
            FIELDS_PARAMETER,
            EXPAND_PARAMETER,
            FORMAT_PARAMETER,
            VERSION_PARAMETER,
        ],
        responses=article_responses(many=True),
    ),
    retrieve=extend_schema(
        summary="Retrieve a published story",
        description="The whole story, body included. In ninjs, its related "
        "stories come as associations.",
        parameters=[
            ID_PARAMETER,
            FIELDS_PARAMETER,
            EXPAND_PARAMETER,
            FORMAT_PARAMETER,
            VERSION_PARAMETER,
        ],
        responses=article_responses(many=False),
    ),
)
class ArticleViewSet(
    StoryLookupMixin,
    ArticleFieldsMixin,
    StrictParametersMixin,
    ConditionalGetMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Published stories, newest first, with their section, entities and tags."""

    filterset_class = ArticleFilter
    pagination_class = ArticleCursorPagination
    renderer_classes = [JSONRenderer, NinjsRenderer, BrowsableAPIRenderer]

    def get_queryset(self) -> ArticleQuerySet:
        queryset = self.article_queryset()
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
            return self.ninjs_serializer_class
        return ArticleSerializer

    def get_last_modified(self) -> datetime.datetime | None:
        if self.action == "list":
            if sees_unpublic_changes(self.request):
                return None
            # A story shows its section, entities, tags, thread and authors.
            return PublicChange.objects.last_changed(*PublicChange.Scope)
        return super().get_last_modified()

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

    def filter_queryset(self, queryset: MergedQuerySet) -> MergedQuerySet:
        # As FilterSet's, without its check that each filter returns a
        # QuerySet: the feed is stories and tombstones (MergedQuerySet).
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="Stories published, withdrawn or deleted, oldest change first",
        description="Each story once, in its latest state: `published` (fetch "
        "`url`), `withdrawn` (take it down; no content is given) or `deleted` "
        "(take it down for good: the story is gone). Drafts and stories that "
        "were never live do not appear, nor does their deletion.",
    )
)
class ChangeViewSet(
    StrictParametersMixin,
    ConditionalGetMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The change feed that lets a partner mirror exactly what readers see."""

    serializer_class = ChangeSerializer
    filterset_class = ChangeFilter
    pagination_class = ChangeCursorPagination

    def get_queryset(self) -> MergedQuerySet:
        # Stories and the tombstones of deleted ones, in one time order: a
        # deleted story's id never comes back, so (time, id) stays unique.
        stories = Article.objects.changes(early_access=early_access(self.request)).only(
            "pk", "status", "go_live_at", "updated_at", "first_published_at"
        )
        return MergedQuerySet(stories, DeletedArticle.objects.changes())

    def get_last_modified(self) -> datetime.datetime | None:
        if sees_unpublic_changes(self.request):
            return None
        # Deleting a story partners saw is recorded too (its tombstone's time).
        return PublicChange.objects.last_changed(PublicChange.Scope.STORIES)


@extend_schema_view(
    list=extend_schema(summary="List sections"),
    retrieve=extend_schema(summary="Retrieve a section"),
)
class SectionViewSet(
    StrictParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """The parts of the paper, in the order of the site navigation."""

    serializer_class = SectionSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        # Built per request: "published" means published by now.
        return Section.objects.visible()

    def get_last_modified(self) -> datetime.datetime | None:
        # Which sections are shown follows the stories.
        return PublicChange.objects.last_changed(
            PublicChange.Scope.SECTIONS, PublicChange.Scope.STORIES
        )


@extend_schema_view(
    list=extend_schema(
        summary="List topic tags with published stories",
        description="In alphabetical order, each with its number of published "
        "stories, paged with a cursor.",
    ),
    retrieve=extend_schema(summary="Retrieve a topic tag"),
)
class TagViewSet(
    StrictParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """Topic tags that at least one published story carries.

    A tag only drafts carry stays hidden: it could give an embargoed story away.
    """

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    pagination_class = TagCursorPagination

    def get_queryset(self) -> QuerySet[Tag]:
        published = Article.objects.published()
        return published.tags().annotate(
            article_count=count_of(published.links_per_tag())
        )

    def get_last_modified(self) -> datetime.datetime | None:
        return PublicChange.objects.last_changed(
            PublicChange.Scope.TAGS, PublicChange.Scope.STORIES
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
class ThreadViewSet(
    StrictParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    """Developing stories: threads that at least one published story belongs to.

    A thread of drafts only stays hidden, as it is on the site.
    """

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Thread]:
        published = Article.objects.published()
        live = Q(stories__in=published)
        threads = (
            Thread.objects.with_published_stories()
            .annotate(
                story_count=Count("stories", filter=live),
                latest_at=Max("stories__go_live_at", filter=live),
            )
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
        return PublicChange.objects.last_changed(
            PublicChange.Scope.THREADS, PublicChange.Scope.STORIES
        )
