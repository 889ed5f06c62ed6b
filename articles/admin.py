from __future__ import annotations

import time

from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles import services
from articles.cleaning import unwanted_in
from articles.forms import (
    PUBLISH_BUTTON,
    SCHEDULE_BUTTON,
    ArticleForm,
    CleanTextForm,
    StoryImportForm,
)
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
    PreviewLink,
    Section,
    Thread,
    format_time,
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


class SubmittedFilter(admin.SimpleListFilter):
    """Drafts their reporters have submitted for review, oldest first in line."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("submitted", "Submitted"), ("not_submitted", "Not submitted")]

    def queryset(self, request, queryset):
        drafts = queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "submitted":
            return drafts.filter(submitted_at__isnull=False)
        if self.value() == "not_submitted":
            return drafts.filter(submitted_at__isnull=True)
        return queryset


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
    list_filter = ["status", SubmittedFilter, "section", "go_live_at", "language"]
    list_select_related = ["section"]
    search_fields = ["headline", "dek", "body"]
    date_hierarchy = "go_live_at"
    ordering = ["-go_live_at", "-created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "thread"]
    # Topic tags are the `tags` text field (comma-separated): typing a new
    # one creates it.
    inlines = [ArticleEntityInline, CorrectionInline]
    readonly_fields = [
        "first_published_at",
        "last_published_at",
        "created_at",
        "updated_at",
        "preview_link",
        "review",
        "preview_links",
    ]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        (
            "Credits",
            {"fields": ["byline", "dateline", "section", "language", "tags"]},
        ),
        ("Related stories", {"fields": ["thread"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "go_live_at",
                    "expire_at",
                    "preview_link",
                    "first_published_at",
                    "last_published_at",
                ]
            },
        ),
        ("Review and sharing", {"fields": ["review", "preview_links"]}),
        (
            "Source",
            {
                "fields": ["source_name", "source_url", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish", "withdraw", "submit_for_review"]
    save_on_top = True
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"

    class Media:
        # Wide headline and slug, a tall body editor (CSP: no inline styles),
        # and a question before leaving the form with unsaved edits.
        css = {"all": ["css/admin-story.css"]}
        js = ["js/unsaved-changes.js"]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_article_import",
            ),
            path(
                "scheduled/",
                self.admin_site.admin_view(self.scheduled_view),
                name="articles_article_scheduled",
            ),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="articles_article_import_job",
            ),
            path(
                "<int:pk>/preview-links/",
                self.admin_site.admin_view(self.preview_link_create_view),
                name="articles_article_preview_link_create",
            ),
            path(
                "<int:pk>/preview-links/<int:link_id>/revoke/",
                self.admin_site.admin_view(self.preview_link_revoke_view),
                name="articles_article_preview_link_revoke",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        queryset = (
            super()
            .get_queryset(request)
            .annotate(entity_count=Count("entity_links", distinct=True))
        )
        if not request.user.has_perm(services.CHANGE_ANY_PERMISSION):
            # A reporter sees their own stories and what readers see, not
            # others' drafts and embargoes.
            queryset = queryset.filter(
                models.Q(created_by=request.user)
                | Article.objects.published_condition()
            )
        return queryset

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return services.may_change_article(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return services.may_delete_article(request.user, obj)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and services.may_share_preview(request.user, obj):
            return fieldsets
        # Sharing a story outside the newsroom is an editor's decision.
        return [
            (name, {**options, "fields": [f for f in fields if f != "preview_links"]})
            for name, options in fieldsets
            for fields in [options["fields"]]
        ]

    def view_on_site(self, article: Article) -> str:
        return (
            article.get_absolute_url() if article.is_live else article.get_preview_url()
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, article: Article) -> str:
        if article.is_scheduled:
            return "Scheduled"
        if article.is_expired:
            return "Expired"
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

    @admin.display(description="review")
    def review(self, article: Article) -> str:
        return render_to_string(
            "admin/articles/article/review.html", {"article": article}
        )

    @admin.display(description="preview links")
    def preview_links(self, article: Article) -> str:
        """Shareable preview links: the active ones with a revoke button, and a
        button to make another (for a story readers cannot see yet). A live
        story's links lead to its page, a withdrawn one's work no more: neither
        is listed."""
        shareable = (
            article.pk
            and not article.is_live
            and (article.status != Article.Status.WITHDRAWN)
        )
        return render_to_string(
            "admin/articles/article/preview_links.html",
            {
                "article": article,
                "links": article.preview_links.active().select_related("created_by")
                if shareable
                else [],
                "days": settings.PREVIEW_LINK_DAYS,
            },
        )

    # The one-click buttons of the story form's panels are submit buttons of
    # the form itself, `name="_action" value="<verb>:<id>"`: the form is saved
    # first, with every unsaved edit, then the action runs (`response_change`);
    # a form with errors (or an edit conflict) saves and does nothing.
    ACTION = "_action"

    def panel_actions(self) -> dict:
        """verb: handler(request, article, id) for the panel buttons; the
        subclasses in entities.admin and related.admin add theirs."""
        return {
            "make-preview-link": lambda request, article, _: self._make_preview_link(
                request, article
            ),
            "revoke-preview-link": self._revoke_preview_link,
        }

    def response_change(self, request: HttpRequest, obj: Article) -> HttpResponse:
        if self.ACTION not in request.POST:
            return super().response_change(request, obj)
        verb, _, number = request.POST[self.ACTION].partition(":")
        handler = self.panel_actions().get(verb)
        if handler is None or not (number.isdigit() or number == ""):
            raise BadRequest("No such action on the story form.")
        self.message_user(request, f"Saved “{obj}”.", messages.SUCCESS)
        handler(request, obj, int(number) if number else None)
        return redirect("admin:articles_article_change", obj.pk)

    def _revoke_preview_link(self, request, article: Article, link_id) -> None:
        link = get_object_or_404(article.preview_links, pk=link_id)
        services.revoke_preview_link(link=link, by=request.user)
        self.message_user(
            request, "The preview link no longer works.", messages.SUCCESS
        )

    @method_decorator(require_POST)
    def preview_link_create_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Make a preview link for the story (POST from its change form)."""
        self._make_preview_link(request, get_object_or_404(Article, pk=pk))
        return redirect("admin:articles_article_change", pk)

    def _make_preview_link(self, request: HttpRequest, article: Article) -> None:
        try:
            link = services.create_preview_link(article=article, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            url = request.build_absolute_uri(link.get_absolute_url())
            self.message_user(
                request,
                format_html(
                    'Preview link made: <a href="{}">{}</a> (it works until {}).',
                    url,
                    url,
                    date_format(timezone.localtime(link.expires_at), "j F Y, H:i"),
                ),
                messages.SUCCESS,
            )

    @method_decorator(require_POST)
    def preview_link_revoke_view(
        self, request: HttpRequest, pk: int, link_id: int
    ) -> HttpResponse:
        """Make a preview link stop working (POST from the story's change form)."""
        link = get_object_or_404(
            PreviewLink.objects.select_related("article"), pk=link_id, article_id=pk
        )
        services.revoke_preview_link(link=link, by=request.user)
        self.message_user(
            request, "The preview link no longer works.", messages.SUCCESS
        )
        return redirect("admin:articles_article_change", pk)

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

    SCHEDULED_DAYS = 7

    def scheduled_view(self, request: HttpRequest) -> HttpResponse:
        """What goes live or expires in the coming days, soonest first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Scheduled: the next {self.SCHEDULED_DAYS} days",
            "days": self.SCHEDULED_DAYS,
            "time_zone": settings.TIME_ZONE,
            "stories": Article.objects.coming_up(days=self.SCHEDULED_DAYS)
            .select_related("section")
            .only("headline", "status", "go_live_at", "expire_at", "section__name"),
        }
        return TemplateResponse(
            request, "admin/articles/article/scheduled.html", context
        )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers draft; publishing is an editor's decision.
            readonly += ["status", "go_live_at", "expire_at"]
        return readonly

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        # The submit row (templates/admin/articles/article/submit_line.html).
        article = context.get("original")
        published = article is not None and article.status == Article.Status.PUBLISHED
        can_publish = self.has_publish_permission(request) and not (
            article is not None and article.is_live
        )
        form = context["adminform"].form
        context.update(
            conflict=getattr(form, "conflict", None),
            also_editing=also_editing(article, request.user) if article else [],
            publish_button=(
                None
                if not can_publish
                else SCHEDULE_BUTTON
                if article is not None
                and article.go_live_at is not None
                and article.go_live_at > timezone.now()
                else PUBLISH_BUTTON
            ),
            save_label="Save" if published else "Save draft",
            time_zone=settings.TIME_ZONE,
        )
        return super().render_change_form(
            request, context, add=add, change=change, **kwargs
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        obj.edited_by = request.user
        # A publication goes through the transition that owns it, which saves
        # the story (once) with the rest of the form's changes.
        if form.button is not None:
            at = obj.go_live_at
            now = timezone.now()
            if form.button == SCHEDULE_BUTTON and at <= now:
                services.publish_article(article=obj, by=request.user, at=now)
                self.message_user(
                    request,
                    f"The go-live time {format_time(at)} had passed, so “{obj}” "
                    f"was published now, {format_time(obj.go_live_at)}.",
                    messages.WARNING,
                )
                return
            services.publish_article(article=obj, by=request.user, at=at)
        elif obj.status == Article.Status.WITHDRAWN and "status" in form.changed_data:
            services.withdraw_article(article=obj, by=request.user)
            return
        elif obj.status == Article.Status.PUBLISHED and (
            {"status", "go_live_at", "expire_at"} & set(form.changed_data)
        ):
            services.publish_article(article=obj, by=request.user, at=obj.go_live_at)
        else:
            super().save_model(request, obj, form, change)
            return
        self.message_user(request, publication_message(obj), messages.SUCCESS)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if "_submit_for_review" in request.POST:
            try:
                services.submit_articles(articles=[form.instance], by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, "Submitted for review.", messages.SUCCESS)

    def delete_model(self, request, obj) -> None:
        services.delete_articles(articles=[obj], by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        services.delete_articles(articles=queryset, by=request.user)

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        """Publish each story at its own go-live time: now, or later for one
        scheduled. Nothing changes when any of them would expire first."""
        now = timezone.now()
        articles = list(queryset.order_by("pk"))
        refused = []
        for article in articles:
            try:
                article.check_expiry(article.go_live_at or now)
            except ValidationError:
                refused.append(article)
        if refused:
            self.message_user(
                request,
                f"Nothing was published: {stories(len(refused))} would expire "
                f"before going live ({quoted(refused)}). Change their expiry "
                "times first.",
                messages.ERROR,
            )
            return
        with transaction.atomic():
            for article in articles:
                services.publish_article(article=article, by=request.user)
        live = [article for article in articles if article.is_live]
        scheduled = sorted(
            (article for article in articles if article.is_scheduled),
            key=lambda article: (article.go_live_at, article.pk),
        )
        expired = [article for article in articles if article.is_expired]
        parts = []
        if live or not (scheduled or expired):
            parts.append(f"Published {stories(len(live))} now.")
        if scheduled:
            times = "; ".join(
                f"“{article}” for {format_time(article.go_live_at)}"
                for article in scheduled
            )
            parts.append(f"Scheduled {stories(len(scheduled))}: {times}.")
        if expired:
            parts.append(
                f"Still off the site, past {their(expired)} expiry time: "
                f"{quoted(expired)}. Clear the expiry time to publish again."
            )
        self.message_user(
            request,
            " ".join(parts),
            messages.WARNING if expired else messages.SUCCESS,
        )

    @admin.action(
        description="Submit selected drafts for review", permissions=["change"]
    )
    def submit_for_review(
        self, request: HttpRequest, queryset: QuerySet[Article]
    ) -> None:
        try:
            count = services.submit_articles(articles=queryset, by=request.user)
        except (PermissionDenied, ValidationError) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            self.message_user(request, f"Nothing submitted: {message}", messages.ERROR)
        else:
            self.message_user(
                request, f"Submitted {stories(count)} for review.", messages.SUCCESS
            )

    @admin.action(description="Withdraw selected stories", permissions=["publish"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = 0
        for article in queryset:
            services.withdraw_article(article=article, by=request.user)
            count += 1
        self.message_user(request, f"Withdrew {stories(count)}.", messages.SUCCESS)


EDITING_WINDOW = 120  # seconds: who opened or saved the form this recently


def also_editing(article: Article, user) -> list[str]:
    """Who else has had the story's form open within EDITING_WINDOW seconds,
    recording `user` as editing it now. Kept in the cache: an accelerator, so
    a cache outage shows nobody, and the edit-conflict check still holds."""
    key = f"articles:editing:{article.pk}"
    now = time.time()
    editing = {
        pk: (name, seen)
        for pk, (name, seen) in (cache.get(key) or {}).items()
        if now - seen < EDITING_WINDOW and pk != user.pk
    }
    others = sorted(name for name, _ in editing.values())
    editing[user.pk] = (user.get_username(), now)
    cache.set(key, editing, EDITING_WINDOW)
    return others


def stories(count: int) -> str:
    """ "1 story", "2 stories"."""
    return f"{count} {'story' if count == 1 else 'stories'}"


def their(articles: list[Article]) -> str:
    return "its" if len(articles) == 1 else "their"


def quoted(articles: list[Article]) -> str:
    return ", ".join(f"“{article}”" for article in articles)


def publication_message(article: Article) -> str:
    """What a publication did, with exact times and the zone: "Scheduled for
    5 Dec 2026, 08:00 UTC: “Headline” goes live then." """
    expiry = (
        f" It expires {format_time(article.expire_at)}."
        if article.expire_at and not article.is_expired
        else ""
    )
    if article.is_scheduled:
        return (
            f"Scheduled for {format_time(article.go_live_at)}: “{article}” goes "
            f"live then.{expiry}"
        )
    if article.is_expired:
        return (
            f"“{article}” is published but past its expiry time "
            f"({format_time(article.expire_at)}): readers do not see it."
        )
    since = format_time(article.go_live_at)
    return f"Published: “{article}” is live since {since}.{expiry}"


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
