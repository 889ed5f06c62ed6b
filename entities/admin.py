from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from entities.models import Alias, Entity


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "story_count", "wikidata_id", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "wikidata_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "description"]}),
        ("Linked data", {"fields": ["wikidata_id"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=Count("article_links", distinct=True))
        )

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, entity: Entity) -> int:
        return entity.story_count
