"""The related-stories part of the story form: the editor's picks and
exclusions as inlines, and the automatic suggestions with a pin and an exclude
button.

The story form is built in layers, as its apps are: `articles.admin` has the
story itself, `entities.admin` adds what the matcher found, and this module
adds related stories, registering the finished form for Article.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from articles.admin import PanelAction
from articles.models import Article
from entities.admin import ArticleAdmin as EntityArticleAdmin
from newsroom.admin import CleanTextAdmin
from related import services
from related.models import RelatedExclusion, RelatedLink
from related.upkeep import suggest


class RelatedLinkInline(CleanTextAdmin, admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    autocomplete_fields = ["target"]
    fields = ["target", "sort_order"]
    extra = 1
    verbose_name = "related story"
    verbose_name_plural = "related stories (editor's picks, shown first)"


class RelatedExclusionInline(CleanTextAdmin, admin.TabularInline):
    model = RelatedExclusion
    fk_name = "article"
    autocomplete_fields = ["target"]
    fields = ["target"]
    extra = 0
    verbose_name = "excluded suggestion"
    verbose_name_plural = "suggestions never to show (exclusions)"


admin.site.unregister(Article)


@admin.register(Article)
class ArticleAdmin(EntityArticleAdmin):
    inlines = [*EntityArticleAdmin.inlines, RelatedLinkInline, RelatedExclusionInline]
    readonly_fields = [*EntityArticleAdmin.readonly_fields, "related_suggestions"]
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "related_suggestions"]})
        if name == "Related stories"
        else (name, options)
        for name, options in EntityArticleAdmin.fieldsets
    ]

    @admin.display(description="suggested related stories")
    def related_suggestions(self, article: Article) -> str:
        """Automatic suggestions, scored now, with a pin and an exclude button."""
        suggestions = []
        if article.pk:
            picked = set(article.related_links.values_list("target_id", flat=True))
            suggestions = [s for s in suggest(article) if s.target_id not in picked]
        stories = Article.objects.in_bulk([s.target_id for s in suggestions])
        return render_to_string(
            "admin/related/suggestions.html",
            {
                "article": article,
                "suggestions": [(s, stories[s.target_id]) for s in suggestions],
                "allowed": getattr(article, "panel_actions_allowed", ()),
            },
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Entities, tags, text or picks may have changed: the stored lists follow.
        services.refresh_related_later(article=form.instance)

    def panel_actions(self) -> dict[str, PanelAction]:
        # Pinning also lifts an exclusion of the same story.
        return {
            **super().panel_actions(),
            "pin": PanelAction(
                self._pin_or_exclude,
                ("related.add_relatedlink", "related.delete_relatedexclusion"),
            ),
            "exclude": PanelAction(
                self._pin_or_exclude, ("related.add_relatedexclusion",)
            ),
        }

    def _pin_or_exclude(self, request: HttpRequest, article: Article, target: int):
        other = get_object_or_404(Article, pk=target)
        if request.POST[self.ACTION].startswith("pin:"):
            action, done = services.pin_related, "Pinned “{}” as related."
        else:
            action, done = services.exclude_related, "“{}” will no longer be suggested."
        try:
            action(article=article, target=other, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, done.format(other), messages.SUCCESS)
