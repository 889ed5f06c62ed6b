"""The story list's query parameters, validated by django-filter: a malformed or
unknown value is a 400 that names the parameter, never an empty page or a 500."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import Cast, Greatest
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from taggit.models import Tag

from articles.models import Article, ArticleEntity, Section, TaggedArticle, Thread
from entities.models import Entity

MAX_ENTITIES = 20
MAX_QUERY_LENGTH = 200

# Headline, standfirst and body, in that order of weight. A GIN index on this
# expression would let PostgreSQL skip computing it row by row.
SEARCH_VECTOR = (
    SearchVector("headline", weight="A", config="english")
    + SearchVector("dek", weight="B", config="english")
    + SearchVector("body", weight="C", config="english")
)


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 time; one that cannot be expressed in UTC is invalid."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(
                "Enter a time between the years 1 and 9999.", code="invalid"
            ) from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class SlugsFilter(filters.BaseCSVFilter, filters.CharFilter):
    """One or several slugs separated by commas."""


class StrictFilterSet(filters.FilterSet):
    """A parameter given without a value is a 400, unless it takes free text,
    where empty means "any"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            free = isinstance(filter_, filters.CharFilter) and not isinstance(
                filter_, filters.BaseCSVFilter
            )
            if not free and self.data.get(name) == "":
                self.form.add_error(name, "Give a value or leave the parameter out.")
                valid = False
        return valid


def visible_entities() -> QuerySet[Entity]:
    """Entities tagged on at least one published story; any other is unknown to
    partners, so that naming a draft's entity answers like naming nothing."""
    published = Article.objects.published()
    return Entity.objects.filter(
        pk__in=ArticleEntity.objects.filter(content_object__in=published).values("tag")
    )


def visible_tags() -> QuerySet[Tag]:
    """Tags on at least one published story; a draft's tag is unknown to partners."""
    published = Article.objects.published()
    return Tag.objects.filter(
        pk__in=TaggedArticle.objects.filter(content_object__in=published).values("tag")
    )


def visible_threads() -> QuerySet[Thread]:
    """Threads holding at least one published story; a thread of drafts only is
    unknown to partners, like on the site."""
    return Thread.objects.filter(pk__in=Article.objects.published().values("thread"))


def with_change_time(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Annotate `changed_at`: when a published story last changed for readers,
    its last edit or its go-live time, whichever is later."""
    return queryset.annotate(changed_at=Greatest("updated_at", "go_live_at"))


class ArticleFilter(StrictFilterSet):
    section = filters.CharFilter(
        method="filter_section",
        help_text="Only stories in the section with this slug.",
    )
    entity = SlugsFilter(
        method="filter_entity",
        help_text="Only stories tagged with these entities: one slug or several "
        f"separated by commas (at most {MAX_ENTITIES}). An entity no published "
        "story is tagged with is a 400.",
    )
    entity_match = filters.ChoiceFilter(
        choices=[("all", "all"), ("any", "any")],
        method="filter_nothing",
        empty_label=None,
        help_text="With several entities: stories tagged with all of them "
        "(the default) or with any of them.",
    )
    tag = filters.CharFilter(
        method="filter_tag", help_text="Only stories with the topic tag with this slug."
    )
    thread = filters.CharFilter(
        method="filter_thread",
        help_text="Only stories in the developing story (thread) with this slug. "
        "A thread with no published story is a 400.",
    )
    published_after = DateTimeFilter(
        field_name="go_live_at",
        lookup_expr="gte",
        help_text="Only stories published at or after this time (ISO 8601).",
    )
    published_before = DateTimeFilter(
        field_name="go_live_at",
        lookup_expr="lt",
        help_text="Only stories published before this time (ISO 8601).",
    )
    updated_since = DateTimeFilter(
        method="filter_updated_since",
        help_text="Only stories edited or published at or after this time "
        "(ISO 8601). Together with /changes/ this lets a partner mirror us.",
    )
    q = filters.CharFilter(
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        help_text="Full-text search over headline, standfirst and body, e.g. "
        '`election -local "prime minister"`.',
    )

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # entity_match only changes how `entity` filters.
        return queryset

    def filter_section(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        section = Section.objects.filter(slug=value).first()
        if section is None:
            raise ValidationError({name: [f"No section has the slug “{value}”."]})
        return queryset.filter(section=section)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = visible_tags().filter(slug=value).first()
        if tag is None:
            raise ValidationError(
                {name: [f"No published story has the tag “{value}”."]}
            )
        return queryset.filter(
            pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object")
        )

    def filter_thread(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        thread = visible_threads().filter(slug=value).first()
        if thread is None:
            raise ValidationError(
                {name: [f"No published story is in the thread “{value}”."]}
            )
        return queryset.filter(thread=thread)

    def filter_entity(
        self, queryset: QuerySet, name: str, value: list[str]
    ) -> QuerySet:
        slugs = {slug.strip() for slug in value if slug.strip()}
        if not slugs:
            return queryset
        if len(slugs) > MAX_ENTITIES:
            raise ValidationError({name: [f"Name at most {MAX_ENTITIES} entities."]})
        found = dict(
            visible_entities().filter(slug__in=slugs).values_list("slug", "pk")
        )
        if unknown := sorted(slugs - found.keys()):
            raise ValidationError(
                {
                    name: [
                        f"No published story is tagged with “{slug}”."
                        for slug in unknown
                    ]
                }
            )
        links = ArticleEntity.objects.filter(tag__in=found.values())
        if self.form.cleaned_data.get("entity_match") == "any":
            return queryset.filter(pk__in=links.values("content_object"))
        tagged_with_all = (
            links.values("content_object")
            .annotate(matched=Count("tag"))
            .filter(matched=len(found))
            .values("content_object")
        )
        return queryset.filter(pk__in=tagged_with_all)

    def filter_updated_since(
        self, queryset: QuerySet, name: str, value: datetime.datetime
    ) -> QuerySet:
        return with_change_time(queryset).filter(changed_at__gte=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor != "postgresql":
            return queryset.filter(
                Q(headline__icontains=value)
                | Q(dek__icontains=value)
                | Q(body__icontains=value)
            )
        query = SearchQuery(value, search_type="websearch", config="english")
        return (
            queryset.annotate(search=SEARCH_VECTOR)
            .filter(search=query)
            .annotate(
                rank=Cast(
                    SearchRank(F("search"), query) * 1_000_000,
                    output_field=IntegerField(),
                )
            )
        )
