from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles import services
from articles.forms import StoryImportForm
from articles.importers import import_files
from articles.models import (
    Article,
    ArticleEntity,
    RelatedExclusion,
    RelatedLink,
    Section,
    TaggedArticle,
    Thread,
)
from articles.related import suggest
from entities.admin import render_suggestions
from entities.models import Entity
from entities.services import suggest_entities


class EntityKindFilter(admin.SimpleListFilter):
    title = "entity kind"
    parameter_name = "entity_kind"

    def lookups(self, request, model_admin):
        return Entity.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(entity_links__tag__kind=self.value()).distinct()
        return queryset


class ArticleEntityInline(admin.TabularInline):
    model = ArticleEntity
    autocomplete_fields = ["tag"]
    extra = 1
    verbose_name = "entity"
    verbose_name_plural = "entities"


class TaggedArticleInline(admin.TabularInline):
    model = TaggedArticle
    autocomplete_fields = ["tag"]
    extra = 1


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    autocomplete_fields = ["target"]
    fields = ["target", "sort_order"]
    extra = 1
    verbose_name = "related story"
    verbose_name_plural = "related stories (editor's picks, shown first)"


class RelatedExclusionInline(admin.TabularInline):
    model = RelatedExclusion
    fk_name = "article"
    autocomplete_fields = ["target"]
    fields = ["target"]
    extra = 0
    verbose_name = "excluded suggestion"
    verbose_name_plural = "suggestions never to show (exclusions)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "headline",
        "section",
        "status_label",
        "go_live_at",
        "entity_count",
        "updated_at",
    ]
    list_filter = ["status", "section", "go_live_at", EntityKindFilter, "language"]
    list_select_related = ["section"]
    search_fields = ["headline", "dek", "body"]
    date_hierarchy = "go_live_at"
    ordering = ["-go_live_at", "-created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "thread"]
    inlines = [
        ArticleEntityInline,
        TaggedArticleInline,
        RelatedLinkInline,
        RelatedExclusionInline,
    ]
    readonly_fields = [
        "first_published_at",
        "last_published_at",
        "created_at",
        "updated_at",
        "preview_link",
        "related_suggestions",
        "entity_suggestions",
    ]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        ("Credits", {"fields": ["byline", "dateline", "section", "language"]}),
        ("Entities found in the text", {"fields": ["entity_suggestions"]}),
        ("Related stories", {"fields": ["thread", "related_suggestions"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "go_live_at",
                    "preview_link",
                    "first_published_at",
                    "last_published_at",
                ]
            },
        ),
        (
            "Source",
            {
                "fields": ["source_name", "source_url", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish", "withdraw"]
    save_on_top = True
    change_list_template = "admin/articles/article/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_article_import",
            ),
            path(
                "<int:pk>/pin/<int:target>/",
                self.admin_site.admin_view(self.pin_view),
                name="articles_article_pin",
            ),
            path(
                "<int:pk>/exclude/<int:target>/",
                self.admin_site.admin_view(self.exclude_view),
                name="articles_article_exclude",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .annotate(entity_count=Count("entity_links", distinct=True))
        )

    def view_on_site(self, article: Article) -> str:
        return (
            article.get_absolute_url() if article.is_live else article.get_preview_url()
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, article: Article) -> str:
        if article.is_scheduled:
            return "Scheduled"
        return article.get_status_display()

    @admin.display(description="entities", ordering="entity_count")
    def entity_count(self, article: Article) -> int:
        return article.entity_count

    @admin.display(description="suggestions")
    def entity_suggestions(self, article: Article) -> str:
        return render_suggestions(article)

    @admin.display(description="preview")
    def preview_link(self, article: Article) -> str:
        if not article.pk:
            return "Save the story to preview it."
        return format_html(
            '<a href="{}" target="_blank">Preview as a reader would see it</a>',
            article.get_preview_url(),
        )

    @admin.display(description="suggested related stories")
    def related_suggestions(self, article: Article) -> str:
        """Automatic suggestions, scored now, with a pin and an exclude button."""
        if not article.pk:
            return "Save the story to see suggestions."
        picked = set(article.related_links.values_list("target_id", flat=True))
        suggestions = [s for s in suggest(article) if s.target_id not in picked]
        if not suggestions:
            return "No suggestions: add entities or tags this story shares with others."
        targets = Article.objects.in_bulk([s.target_id for s in suggestions])
        rows = format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a><br><small>{}</small></td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:articles_article_change", args=[s.target_id]),
                    targets[s.target_id].headline,
                    targets[s.target_id].go_live_at.date()
                    if targets[s.target_id].go_live_at
                    else "",
                    f"{s.score:.2f}",
                    ", ".join(
                        e["name"] for e in s.shared["entities"] + s.shared["tags"]
                    ),
                    format_html(
                        '<button type="submit" class="button" formaction="{}" '
                        'formmethod="post" formnovalidate>Pin</button> '
                        '<button type="submit" class="button" formaction="{}" '
                        'formmethod="post" formnovalidate>Exclude</button>',
                        reverse(
                            "admin:articles_article_pin",
                            args=[article.pk, s.target_id],
                        ),
                        reverse(
                            "admin:articles_article_exclude",
                            args=[article.pk, s.target_id],
                        ),
                    ),
                )
                for s in suggestions
            ),
        )
        return format_html(
            "<p class='help'>Scored from the entities and tags each story shares, "
            "rarest first, and how close in time they are. Pinning or excluding "
            "discards unsaved changes to this form.</p>"
            "<table><thead><tr><th>story</th><th>score</th><th>shared</th>"
            "<th></th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def _related_action(self, request: HttpRequest, pk: int, target: int, action):
        article = get_object_or_404(Article, pk=pk)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        other = get_object_or_404(Article, pk=target)
        action(article=article, target=other)
        return other, HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[article.pk])
        )

    @method_decorator(require_POST)
    def pin_view(self, request: HttpRequest, pk: int, target: int) -> HttpResponse:
        """Make a suggestion an editor's pick (POST from the change form)."""
        other, response = self._related_action(
            request, pk, target, services.pin_related
        )
        self.message_user(request, f"Pinned “{other}” as related.", messages.SUCCESS)
        return response

    @method_decorator(require_POST)
    def exclude_view(self, request: HttpRequest, pk: int, target: int) -> HttpResponse:
        """Never suggest a story next to this one again (POST from the change form)."""
        other, response = self._related_action(
            request, pk, target, services.exclude_related
        )
        self.message_user(
            request, f"“{other}” will no longer be suggested.", messages.SUCCESS
        )
        return response

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        suggest_entities(article=form.instance)
        # Entities or tags may have changed: the stored suggestions follow.
        services.refresh_related_later(article=form.instance)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload plain-text or ninjs files and see what became of each."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StoryImportForm(
            request.POST or None,
            request.FILES or None,
            can_publish=self.has_publish_permission(request),
        )
        report = None
        if request.method == "POST" and form.is_valid():
            uploads = form.cleaned_data["files"]
            report = import_files(
                ((upload.name, upload.read()) for upload in uploads),
                status=form.cleaned_data["status"],
                section=form.cleaned_data["section"],
                published_at=form.cleaned_data["published_at"],
                confirm_entities=form.cleaned_data["confirm_entities"],
                by=request.user,
            )
            self.message_user(
                request,
                f"Import finished: {report.summary()}.",
                messages.WARNING if report.rejected else messages.SUCCESS,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import stories",
            "form": form,
            "report": report,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers draft; publishing is an editor's decision.
            readonly += ["status", "go_live_at"]
        return readonly

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "status" not in form.changed_data:
            return
        if obj.status == Article.Status.PUBLISHED:
            services.publish_article(article=obj, by=request.user, at=obj.go_live_at)
        elif obj.status == Article.Status.WITHDRAWN:
            services.withdraw_article(article=obj, by=request.user)

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.publish_article(article=article, by=request.user)
        self.message_user(
            request, f"Published {len(queryset)} stories.", messages.SUCCESS
        )

    @admin.action(description="Withdraw selected stories", permissions=["publish"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.withdraw_article(article=article, by=request.user)
        self.message_user(
            request, f"Withdrew {len(queryset)} stories.", messages.SUCCESS
        )


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "story_count"]
    list_editable = ["position"]
    ordering = ["position", "name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, section: Section) -> int:
        return section.story_count


# taggit's own Tag admin lists generic tagged items; stories use their own table.
admin.site.unregister(Tag)


@admin.register(Tag)
class TopicTagAdmin(TagAdmin):
    inlines = []
    list_display = ["name", "slug", "story_count"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=Count("articles_taggedarticle_items"))
        )

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, tag: Tag) -> int:
        return tag.story_count


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "story_count", "updated_at"]
    search_fields = ["title", "slug"]
    ordering = ["-created_at", "-pk"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["timeline"]
    fields = ["title", "slug", "description", "timeline"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thread]:
        return super().get_queryset(request).annotate(story_count=Count("stories"))

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, thread: Thread) -> int:
        return thread.story_count

    @admin.display(description="stories, oldest first")
    def timeline(self, thread: Thread) -> str:
        if not thread.pk:
            return "Add stories to the thread from their own form."
        stories = thread.stories.order_by("go_live_at", "pk")
        if not stories:
            return "No stories yet: add them from each story's form."
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li><a href='{}'>{}</a> ({})</li>",
                (
                    (
                        reverse("admin:articles_article_change", args=[story.pk]),
                        story.headline,
                        "scheduled"
                        if story.is_scheduled
                        else story.get_status_display().lower(),
                    )
                    for story in stories
                ),
            ),
        )
