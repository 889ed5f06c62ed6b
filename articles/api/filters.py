"""The story list's query parameters, validated by django-filter: a malformed or
unknown value is a 400 that names the parameter, never an empty page or a 500."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, IntegerField, QuerySet
from django.db.models.functions import Cast
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleEntity,
    Author,
    Section,
    TaggedArticle,
    Thread,
)
from articles.search import MAX_QUERY_LENGTH
from entities.models import Entity
from newsroom.api.filters import DateTimeFilter, SlugsFilter, StrictFilterSet
from newsroom.cleaning import clean_text

MAX_ENTITIES = 20


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
    author = filters.CharFilter(
        method="filter_author",
        help_text="Only stories by the author with this slug. An author with no "
        "published story is a 400.",
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
        # A hidden section (only drafts in it) is as unknown as a missing one.
        section = Section.objects.visible().filter(slug=value).first()
        if section is None:
            raise ValidationError({name: [f"No section has the slug “{value}”."]})
        return queryset.filter(section=section)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = Article.objects.published().tags().filter(slug=value).first()
        if tag is None:
            raise ValidationError(
                {name: [f"No published story has the tag “{value}”."]}
            )
        return queryset.filter(
            pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object")
        )

    def filter_author(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        author = Author.objects.with_published_stories().filter(slug=value).first()
        if author is None:
            raise ValidationError(
                {name: [f"No published story is by the author “{value}”."]}
            )
        return queryset.filter(
            pk__in=ArticleAuthor.objects.filter(author=author).values("article")
        )

    def filter_thread(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        thread = Thread.objects.with_published_stories().filter(slug=value).first()
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
            Entity.objects.with_published_stories()
            .filter(slug__in=slugs)
            .values_list("slug", "pk")
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
        return queryset.with_change_time().filter(changed_at__gte=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The readers' search, through the stored vector (articles/search.py).
        value = clean_text(value).strip()
        if not value:
            return queryset
        queryset = queryset.search(value)
        if "search_rank" not in queryset.query.annotations:
            return queryset
        # A whole number, so that it survives the round trip through a cursor.
        return queryset.annotate(
            rank=Cast(F("search_rank") * 1_000_000, output_field=IntegerField())
        )
