from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles import services
from articles.cleaning import unwanted_in
from articles.forms import ArticleForm, CleanTextForm, StoryImportForm
from articles.importers import import_files
from articles.importers.jobs import (
    needs_background,
    retry_import_job,
    start_import_job,
)
from articles.models import (
    Article,
    ArticleEntity,
    Correction,
    ImportJob,
    Section,
    TaggedArticle,
    Thread,
)
from newsroom.admin import RichTextAdminMixin


class CleanTextAdmin:
    """Mixed into every ModelAdmin and inline of the project: text arrives
    cleaned (`CleanTextForm`) in change forms, inlines and list-editable rows,
    and an action on rows that are not ids is a 400, not a database error.
    A custom `form` must subclass CleanTextForm."""

    form = CleanTextForm

    def get_changelist_form(self, request: HttpRequest, **kwargs):
        return super().get_changelist_form(request, **{"form": self.form, **kwargs})

    def response_action(self, request: HttpRequest, queryset: QuerySet):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(map(self._is_pk, selected)):
            raise BadRequest("The selected rows are not rows of this list.")
        return super().response_action(request, queryset)

    def _is_pk(self, value: str) -> bool:
        try:
            self.model._meta.pk.to_python(value)
        except ValidationError:
            return False
        return not unwanted_in(value)


class ArticleEntityInline(CleanTextAdmin, admin.TabularInline):
    model = ArticleEntity
    autocomplete_fields = ["tag"]
    extra = 1
    verbose_name = "entity"
    verbose_name_plural = "entities"


class TaggedArticleInline(CleanTextAdmin, admin.TabularInline):
    model = TaggedArticle
    autocomplete_fields = ["tag"]
    extra = 1


class CorrectionInline(CleanTextAdmin, admin.StackedInline):
    """Corrections and clarifications shown under the story; each records the
    editor who added it."""

    model = Correction
    fields = ["kind", "published_at", "text", "created_by"]
    readonly_fields = ["created_by"]
    extra = 0

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        editor = request.user

        class RecordingFormSet(formset):
            def save_new(self, form, commit=True):
                form.instance.created_by = editor
                return super().save_new(form, commit)

        return RecordingFormSet


@admin.register(Article)
class ArticleAdmin(RichTextAdminMixin, CleanTextAdmin, admin.ModelAdmin):
    """The story form. `entities.admin` and `related.admin` extend it with their
    panels and register the finished form."""

    form = ArticleForm
    list_display = [
        "headline",
        "section",
        "status_label",
        "go_live_at",
        "entity_count",
        "updated_at",
    ]
    list_filter = ["status", "section", "go_live_at", "language"]
    list_select_related = ["section"]
    search_fields = ["headline", "dek", "body"]
    date_hierarchy = "go_live_at"
    ordering = ["-go_live_at", "-created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "thread"]
    inlines = [ArticleEntityInline, TaggedArticleInline, CorrectionInline]
    readonly_fields = [
        "first_published_at",
        "last_published_at",
        "created_at",
        "updated_at",
        "preview_link",
    ]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        ("Credits", {"fields": ["byline", "dateline", "section", "language"]}),
        ("Related stories", {"fields": ["thread"]}),
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
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="articles_article_import_job",
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

    @admin.display(description="preview")
    def preview_link(self, article: Article) -> str:
        if not article.pk:
            return "Save the story to preview it."
        return format_html(
            '<a href="{}" target="_blank">Preview as a reader would see it</a>',
            article.get_preview_url(),
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload plain-text or ninjs files and see what became of each; an
        upload too large to import at once goes to the task worker, and the
        editor to its progress page."""
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
            options = {
                "status": form.cleaned_data["status"],
                "section": form.cleaned_data["section"],
                "published_at": form.cleaned_data["published_at"],
                "confirm_entities": form.cleaned_data["confirm_entities"],
            }
            if needs_background(uploads):
                job = start_import_job(uploads=uploads, by=request.user, **options)
                self.message_user(
                    request,
                    "The files are being imported in the background; this page "
                    "shows how far it has got.",
                    messages.INFO,
                )
                return redirect("admin:articles_article_import_job", job_id=job.pk)
            report = import_files(
                ((upload.name, upload) for upload in uploads),
                by=request.user,
                **options,
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
            "rows": [outcome.as_row() for outcome in report.outcomes] if report else [],
            "jobs": ImportJob.objects.filter(created_by=request.user)[:5],
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """A background import's progress, then its report; it reloads itself
        until the job has finished."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            ImportJob.objects.select_related("created_by"), pk=job_id
        )
        if job.created_by_id != request.user.pk and not request.user.has_perm(
            "articles.view_importjob"
        ):
            raise Http404
        if request.method == "POST" and "retry" in request.POST:
            if retry_import_job(job=job):
                self.message_user(request, "The import is queued again.")
            else:
                self.message_user(
                    request,
                    "Only an import that failed or stalled can be retried.",
                    messages.WARNING,
                )
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import of {job}",
            "job": job,
            "rows": job.report,
        }
        return TemplateResponse(
            request, "admin/articles/article/import_job.html", context
        )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers draft; publishing is an editor's decision.
            readonly += ["status", "go_live_at"]
        return readonly

    def save_model(self, request, obj, form, change) -> None:
        # A change of status goes through the transition that owns it, which
        # saves the story (once) with the rest of the form's changes.
        if "status" in form.changed_data and obj.status == Article.Status.PUBLISHED:
            services.publish_article(article=obj, by=request.user, at=obj.go_live_at)
        elif "status" in form.changed_data and obj.status == Article.Status.WITHDRAWN:
            services.withdraw_article(article=obj, by=request.user)
        else:
            super().save_model(request, obj, form, change)

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
class SectionAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "show_when_empty", "story_count"]
    list_editable = ["position", "show_when_empty"]
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
class TopicTagAdmin(CleanTextAdmin, TagAdmin):
    inlines = []
    # taggit's "Merge selected tags" moves only taggit's own generic links, not
    # the stories' tag table: it would report a merge that changed no story.
    actions = []
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
class ThreadAdmin(CleanTextAdmin, admin.ModelAdmin):
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
        stories = thread.stories.order_by("go_live_at", "pk") if thread.pk else []
        return render_to_string(
            "admin/articles/thread/timeline.html",
            {"thread": thread, "stories": stories},
        )


@admin.register(ImportJob)
class ImportJobAdmin(CleanTextAdmin, admin.ModelAdmin):
    """Background imports, newest first; each links to its progress page."""

    list_display = [
        "created_at",
        "progress_link",
        "created_by",
        "status",
        "created",
        "updated",
        "rejected",
    ]
    list_display_links = None
    list_filter = ["status"]
    list_select_related = ["created_by"]
    search_fields = ["file_names", "created_by__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="files")
    def progress_link(self, job: ImportJob) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_import_job", kwargs={"job_id": job.pk}),
            str(job) or "(no files)",
        )
