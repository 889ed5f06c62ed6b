from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from entities.models import Alias, Entity


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1
    verbose_name_plural = "aliases (other names stories use for it)"


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "story_count",
        "wikidata_id",
        "always_confirm",
        "updated_at",
    ]
    ordering = ["name"]
    list_filter = ["kind", "always_confirm"]
    search_fields = ["name", "aliases__name", "wikidata_id"]
    search_help_text = "Search by name, alias or Wikidata ID."
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AliasInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "description"]}),
        ("Linked data", {"fields": ["wikidata_id"]}),
        ("Matching", {"fields": ["always_confirm"]}),
        (
            "History",
            {"fields": ["created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=Count("article_links", distinct=True))
        )

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, entity: Entity) -> int:
        return entity.story_count
