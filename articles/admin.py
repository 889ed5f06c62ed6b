from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
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

from articles import audit, revisions, services
from articles.autosave import WorkingCopyAdminMixin
from articles.bylines import byline_names
from articles.diffs import side_by_side
from articles.figures import missing_figures
from articles.forms import (
    PUBLISH_BUTTON,
    SCHEDULE_BUTTON,
    ArticleForm,
    StoryImportForm,
)
from articles.importers import import_files
from articles.importers.jobs import (
    needs_background,
    retry_import_job,
    start_import_job,
)
from articles.models import (
    FEATURED_SLOTS,
    Article,
    ArticleAuthor,
    ArticleEntity,
    AuditEvent,
    Author,
    AuthorLink,
    Correction,
    FeaturedStory,
    FrontPage,
    ImportJob,
    Section,
    Thread,
    format_time,
)
from newsroom.admin import CleanTextAdmin, RichTextAdminMixin


@dataclass(frozen=True)
class PanelAction:
    """One of the story form's panel buttons: `run(request, article, id)` once
    the form is saved, for a user with every one of `permissions` and, if
    given, `allowed(user, article)`."""

    run: Callable | None
    permissions: tuple[str, ...] = ()
    allowed: Callable | None = None

    def permits(self, user, article: Article) -> bool:
        return user.has_perms(self.permissions) and (
            self.allowed is None or self.allowed(user, article)
        )


class ArticleEntityInline(CleanTextAdmin, admin.TabularInline):
    model = ArticleEntity
    autocomplete_fields = ["tag"]
    extra = 1
    verbose_name = "entity"
    verbose_name_plural = "entities"


class ArticleAuthorInline(CleanTextAdmin, admin.TabularInline):
    """The story's authors, in byline order (lowest position first). Saved
    with the form, like the entities: not staged on a live story."""

    model = ArticleAuthor
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (the free-text byline shows when there are none)"


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
                correction = super().save_new(form, commit)
                audit.record(
                    audit.Action.CORRECTED,
                    article=form.instance.article,
                    by=editor,
                    detail=form.instance.get_kind_display(),
                )
                return correction

        return RecordingFormSet


@admin.register(Article)
class ArticleAdmin(
    WorkingCopyAdminMixin, RichTextAdminMixin, CleanTextAdmin, admin.ModelAdmin
):
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
    autocomplete_fields = ["section", "thread", "lead_image"]
    # Topic tags are the `tags` text field (comma-separated): typing a new
    # one creates it.
    inlines = [ArticleAuthorInline, ArticleEntityInline, CorrectionInline]
    readonly_fields = [
        "first_published_at",
        "last_published_at",
        "created_at",
        "updated_at",
        "preview_link",
        "review",
        "preview_links",
        "byline_authors",
    ]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        ("Picture", {"fields": ["lead_image"]}),
        (
            "Credits",
            {
                "fields": [
                    "byline",
                    "byline_authors",
                    "dateline",
                    "section",
                    "language",
                    "tags",
                ]
            },
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
    actions = ["publish", "withdraw", "submit_for_review", "credit_byline_authors"]
    save_on_top = True
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"

    class Media:
        # Wide headline and slug, a tall body editor (CSP: no inline styles),
        # a question before leaving the form with unsaved edits, and autosave
        # to the editor's working copy (articles.autosave).
        css = {"all": ["css/admin-story.css"]}
        js = ["js/unsaved-changes.js", "js/autosave.js"]

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
                "<int:pk>/history/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="articles_article_revision",
            ),
            path(
                "<int:pk>/history/<int:number>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="articles_article_import_job",
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
        if obj is not None and obj.is_live and self.has_publish_permission(request):
            # A live story's edits are staged: when to publish them.
            fieldsets = [
                (
                    name,
                    {**options, "fields": [*options["fields"], "changes_go_live_at"]}
                    if name == "Publishing"
                    else options,
                )
                for name, options in fieldsets
            ]
        if obj is not None and services.may_share_preview(request.user, obj):
            return fieldsets
        # Sharing a story outside the newsroom is an editor's decision.
        return [
            (name, {**options, "fields": [f for f in fields if f != "preview_links"]})
            for name, options in fieldsets
            for fields in [options["fields"]]
        ]

    def get_object(self, request: HttpRequest, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None and getattr(request, "_story_form", False):
            if article.staged_revision_id:
                # The form opens on the live story's unpublished changes.
                revisions.overlay(article, article.staged_revision.content)
            # The panels show only the buttons this user may press.
            article.panel_actions_allowed = self.allowed_panel_actions(request, article)
        return article

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request._story_form = True
        if request.method == "POST" and self.ACTION in request.POST:
            # A panel button: refused before anything of the form is saved.
            verb = self._panel_verb(request)
            article = self.get_object(request, unquote(object_id))
            if article is None:
                return self._get_obj_does_not_exist_redirect(
                    request, self.opts, object_id
                )
            if verb not in article.panel_actions_allowed:
                raise PermissionDenied
            if verb == "discard-changes":
                # Throwing the unpublished changes away saves nothing of the form.
                self._discard_changes(request, article)
                return redirect("admin:articles_article_change", article.pk)
        return super().change_view(request, object_id, form_url, extra_context)

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
        staged = article.pk and article.is_live and article.staged_revision_id
        shareable = (
            article.pk
            and (staged or not article.is_live)
            and (article.status != Article.Status.WITHDRAWN)
        )
        links = article.preview_links.active().select_related("created_by", "revision")
        if staged:
            # Links to unpublished changes not yet published.
            links = links.filter(
                revision__isnull=False, revision__published_at__isnull=True
            )
        return render_to_string(
            "admin/articles/article/preview_links.html",
            {
                "article": article,
                "staged": staged,
                "links": links if shareable else [],
                "days": settings.PREVIEW_LINK_DAYS,
            },
        )

    # The one-click buttons of the story form's panels are submit buttons of
    # the form itself, `name="_action" value="<verb>:<id>"`: the form is saved
    # first, with every unsaved edit, then the action runs (`response_change`);
    # a form with errors (or an edit conflict) saves and does nothing. A verb
    # the user may not use is refused (403) before anything is saved, and its
    # button is not shown (`allowed_panel_actions`).
    ACTION = "_action"

    def panel_actions(self) -> dict[str, PanelAction]:
        """verb: PanelAction for the panel buttons; the subclasses in
        entities.admin and related.admin add theirs."""
        return {
            "make-preview-link": PanelAction(
                lambda request, article, _: self._make_preview_link(request, article),
                allowed=services.may_share_preview,
            ),
            "revoke-preview-link": PanelAction(
                self._revoke_preview_link, allowed=services.may_share_preview
            ),
            "credit-byline": PanelAction(
                lambda request, article, _: self._credit_byline(request, article),
                ("articles.add_author", "articles.add_articleauthor"),
            ),
            # Handled in change_view: it saves nothing of the form.
            "discard-changes": PanelAction(None),
        }

    def allowed_panel_actions(
        self, request: HttpRequest, article: Article
    ) -> frozenset[str]:
        """The panel verbs `request.user` may use on `article`: none without
        permission to change the story, each only with the permissions its
        action needs."""
        if not self.has_change_permission(request, article):
            return frozenset()
        return frozenset(
            verb
            for verb, action in self.panel_actions().items()
            if action.permits(request.user, article)
        )

    def _panel_verb(self, request: HttpRequest) -> str:
        verb, _, number = request.POST[self.ACTION].partition(":")
        if verb not in self.panel_actions() or not (number.isdigit() or number == ""):
            raise BadRequest("No such action on the story form.")
        return verb

    def _discard_changes(self, request: HttpRequest, article: Article) -> None:
        article.refresh_from_db(fields=["staged_revision"])
        revision = revisions.discard_changes(article=article, by=request.user)
        if revision is None:
            self.message_user(request, "There were no unpublished changes.")
        else:
            self.message_user(
                request,
                f"Discarded the unpublished changes (revision {revision.number}, "
                "still in the history): the form shows the published version.",
                messages.SUCCESS,
            )

    def response_change(self, request: HttpRequest, obj: Article) -> HttpResponse:
        if self.ACTION not in request.POST:
            return super().response_change(request, obj)
        verb = self._panel_verb(request)
        number = request.POST[self.ACTION].partition(":")[2]
        self.message_user(request, f"Saved “{obj}”.", messages.SUCCESS)
        self.panel_actions()[verb].run(request, obj, int(number) if number else None)
        return redirect("admin:articles_article_change", obj.pk)

    @admin.display(description="byline's authors")
    def byline_authors(self, article: Article) -> str:
        """Who the byline names, and a button crediting them as authors."""
        if article.pk is None:
            return render_to_string("admin/articles/article/byline_authors.html")
        credited = [
            link.author.name for link in article.author_links.select_related("author")
        ]
        names = []
        if not credited and article.byline:
            known = {
                author.name.casefold(): author
                for author in Author.objects.named_in(article.byline)
            }
            names = [
                (name, known.get(name.casefold()))
                for name in byline_names(article.byline)
            ]
        return render_to_string(
            "admin/articles/article/byline_authors.html",
            {
                "names": names,
                "new": any(author is None for _, author in names),
                "credited": credited,
                "allowed": set(getattr(article, "panel_actions_allowed", ())),
            },
        )

    def _credit_byline(self, request: HttpRequest, article: Article) -> None:
        authors = services.credit_byline_authors(article=article, create=True)
        if authors:
            self.message_user(
                request,
                f"Credited {', '.join(author.name for author in authors)}.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, "No author credited: the story has authors already."
            )

    def _revoke_preview_link(self, request, article: Article, link_id) -> None:
        link = get_object_or_404(article.preview_links, pk=link_id)
        services.revoke_preview_link(link=link, by=request.user)
        self.message_user(
            request, "The preview link no longer works.", messages.SUCCESS
        )

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

    HISTORY_PAGE_SIZE = 50

    def _story_for_history(self, request: HttpRequest, pk) -> Article:
        article = self.get_object(request, str(pk))
        if article is None:
            raise Http404(
                "No story with this id: it may have been deleted, and its "
                "revisions with it (the audit trail keeps what happened)."
            )
        if not services.may_change_article(
            request.user, article
        ) and not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        return article

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        """Every revision of the story, newest first, with what each changed,
        and everything done to it (the audit trail)."""
        article = self._story_for_history(request, unquote(object_id))
        paginator = Paginator(
            article.revisions.defer("content").select_related("created_by"),
            self.HISTORY_PAGE_SIZE,
        )
        page = paginator.get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"History: {article}",
            "subtitle": None,
            "original": article,
            "object": article,
            "page": page,
            "labels": revision_labels(),
            "may_restore": services.may_change_article(request.user, article),
            "events": article.audit_events.select_related("revision")[:100],
        }
        return TemplateResponse(request, "admin/articles/article/history.html", context)

    def revision_view(self, request: HttpRequest, pk: int, number: int):
        """One revision side by side with the one before it, or with another
        (`?with=N`), or with the published version (`?with=live`)."""
        article = self._story_for_history(request, pk)
        revision = get_object_or_404(
            article.revisions.select_related("created_by"), number=number
        )
        against = request.GET.get("with", "")
        if against == "live":
            other = revisions.content_of(article)
            other_label = "Published version"
        elif against.isdigit():
            older = get_object_or_404(article.revisions, number=int(against))
            other, other_label = older.content, f"Revision {older.number}"
        else:
            older = article.revisions.filter(number__lt=number).first()
            other = older.content if older else {}
            other_label = f"Revision {older.number}" if older else "Nothing before"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Revision {revision.number} of “{article}”",
            "subtitle": None,
            "original": article,
            "revision": revision,
            "other_label": other_label,
            "comparison": compare(other, revision.content),
            "may_restore": services.may_change_article(request.user, article),
        }
        return TemplateResponse(
            request, "admin/articles/article/revision.html", context
        )

    @method_decorator(require_POST)
    def restore_view(self, request: HttpRequest, pk: int, number: int):
        """Bring back a revision as a new one (POST from the history)."""
        article = Article.objects.filter(pk=pk).first()
        if article is None:
            self.message_user(
                request,
                "That story has been deleted, with its revisions: there is "
                "nothing to restore.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_changelist")
        revision = get_object_or_404(article.revisions, number=number)
        try:
            new, warnings = revisions.restore_revision(
                revision=revision, by=request.user
            )
        except ValidationError as error:
            self.message_user(
                request,
                f"Revision {number} was not restored: {' '.join(error.messages)}",
                messages.ERROR,
            )
            return redirect("admin:articles_article_history", pk)
        live = article.is_live
        self.message_user(
            request,
            f"Restored revision {number} as revision {new.number}"
            + (
                ": it waits as unpublished changes; readers see the published "
                "version until you publish it."
                if live
                else "."
            ),
            messages.SUCCESS,
        )
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)
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
                "byline": form.cleaned_data["byline"],
            }
            if needs_background(uploads):
                job = start_import_job(
                    uploads=uploads,
                    by=request.user,
                    thread=form.cleaned_data["thread"],
                    new_thread=form.cleaned_data["new_thread"],
                    **options,
                )
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
                thread=form.thread_name(),
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
        live = article is not None and article.is_live
        can_publish = self.has_publish_permission(request)
        form = context["adminform"].form
        zone = settings.TIME_ZONE
        if not can_publish:
            buttons = []
        elif live:
            buttons = [
                (
                    PUBLISH_BUTTON,
                    "Publish changes",
                    f"Readers see this version now ({zone})",
                ),
                (
                    SCHEDULE_BUTTON,
                    "Schedule changes",
                    f"Readers see this version from “publish changes at” ({zone})",
                ),
            ]
        elif (
            article is not None
            and article.go_live_at is not None
            and article.go_live_at > timezone.now()
        ):
            buttons = [
                (SCHEDULE_BUTTON, "Schedule", f"Go live at the go-live time ({zone})")
            ]
        else:
            buttons = [
                (
                    PUBLISH_BUTTON,
                    "Publish",
                    f"Go live now, or at the go-live time if it is later ({zone})",
                )
            ]
        staged = article.staged_revision if article is not None else None
        context.update(
            conflict=getattr(form, "conflict", None),
            also_editing=also_editing(article, request.user) if article else [],
            publish_buttons=buttons,
            save_label=(
                "Save as unpublished changes"
                if live
                else "Save"
                if published
                else "Save draft"
            ),
            live=live,
            staged=staged,
            time_zone=zone,
        )
        return super().render_change_form(
            request, context, add=add, change=change, **kwargs
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        obj.edited_by = request.user
        form.staged = None
        if (
            form.live
            and obj.status == Article.Status.PUBLISHED
            and (form.button != PUBLISH_BUTTON)
        ):
            self._stage_form(request, obj, form)
            return
        # The form held the unpublished changes, if any: they are saved now.
        obj.staged_revision = None
        # A publication goes through the transition that owns it, which saves
        # the story (once) with the rest of the form's changes.
        if form.live and form.button == PUBLISH_BUTTON:
            services.publish_article(article=obj, by=request.user, at=obj.go_live_at)
            form.published_changes = True
            return
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

    def _stage_form(self, request, obj: Article, form) -> None:
        """A live story's save: its text, credits and tags wait as unpublished
        changes (save_related stages them once the inlines are saved); its
        publishing box (go-live and expiry times) applies now."""
        form.staged = {
            name: getattr(obj, Article._meta.get_field(name).attname)
            for name in revisions.STAGED_FIELDS
        }
        stored = Article.objects.get(pk=obj.pk)
        for name in revisions.STAGED_FIELDS:
            attname = Article._meta.get_field(name).attname
            setattr(obj, attname, getattr(stored, attname))
        obj.staged_revision = stored.staged_revision
        if {"go_live_at", "expire_at"} & set(form.changed_data):
            services.publish_article(article=obj, by=request.user, at=obj.go_live_at)
            self.message_user(request, publication_message(obj), messages.SUCCESS)

    def save_related(self, request, form, formsets, change) -> None:
        staged = getattr(form, "staged", None)
        if staged is not None:
            # Tags are staged with the text (the inlines apply at once).
            staged["tags"] = form.cleaned_data.pop("tags", None)
        super().save_related(request, form, formsets, change)
        article = form.instance
        if missing := missing_figures(form.cleaned_data.get("body") or ""):
            self.message_user(
                request,
                "The body refers to pictures that are not in the library "
                f"(number {', '.join(map(str, missing))}); readers see nothing "
                "there. Remove them or insert another picture.",
                messages.WARNING,
            )
        if staged is not None:
            self._record_staged(request, article, form, staged)
        else:
            revision = revisions.record_revision(
                article, by=request.user, note=self._revision_note(form, change)
            )
            if getattr(form, "published_changes", False):
                audit.record(
                    audit.Action.PUBLISHED_CHANGES,
                    article=article,
                    by=request.user,
                    revision=revision,
                    detail=f"revision {revision.number}",
                )
        if "_submit_for_review" in request.POST:
            try:
                services.submit_articles(articles=[form.instance], by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, "Submitted for review.", messages.SUCCESS)

    @staticmethod
    def _revision_note(form, change: bool) -> str:
        if not change:
            return "Created"
        if form.button is not None or {"status", "go_live_at"} & set(form.changed_data):
            return f"Saved, {form.instance.get_status_display().lower()}"
        return "Saved"

    def _record_staged(self, request, article: Article, form, staged: dict) -> None:
        live = revisions.content_of(Article.objects.get(pk=article.pk))
        content = {**live, **staged}
        if content["tags"] is None:
            content["tags"] = live["tags"]
        content["tags"] = sorted(content["tags"])
        names = (*staged, "tags")
        pending = article.staged_revision
        if pending is not None and all(
            content[name] == pending.content.get(name) for name in names
        ):
            # Saved again as it was: the unpublished changes stand.
            revision = pending
        elif all(content[name] == live[name] for name in names):
            # Nothing readers see would change: no unpublished changes.
            if article.staged_revision_id:
                revisions.discard_changes(article=article, by=request.user)
            revisions.record_revision(article, by=request.user, note="Saved")
            return
        else:
            revision = revisions.stage_changes(
                article, content=content, by=request.user, note="Unpublished changes"
            )
        at = form.cleaned_data.get("changes_go_live_at")
        if form.button == SCHEDULE_BUTTON and at is not None:
            now = timezone.now()
            if at <= now:
                revisions.publish_revision(revision=revision, by=request.user)
                self.message_user(
                    request,
                    f"The time {format_time(at)} had passed, so the changes were "
                    f"published now, {format_time(now)}.",
                    messages.WARNING,
                )
                return
            revisions.publish_revision(revision=revision, by=request.user, at=at)
            self.message_user(
                request,
                f"Changes scheduled for {format_time(at)}: readers see the "
                "published version until then.",
                messages.SUCCESS,
            )
            return
        self.message_user(
            request,
            "Saved as unpublished changes: readers still see the published "
            "version. Press “Publish changes” to make them live.",
            messages.SUCCESS,
        )

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
                if article.staged_revision_id and article.is_live:
                    # Publishing a live story publishes its unpublished changes.
                    revisions.publish_revision(
                        revision=article.staged_revision, by=request.user
                    )
                    article.refresh_from_db()
                    continue
                if article.staged_revision_id:
                    revisions.apply_content(article, article.staged_revision.content)
                    tags = article.staged_revision.content.get("tags")
                    article.staged_revision = None
                    services.publish_article(article=article, by=request.user)
                    if tags is not None:
                        article.tags.set(tags)
                    revisions.record_revision(
                        article, by=request.user, note="Published"
                    )
                    continue
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

    def has_add_author_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(
            ["articles.add_author", "articles.add_articleauthor"]
        )

    @admin.action(
        description="Create authors from bylines (stories with no author)",
        permissions=["change", "add_author"],
    )
    def credit_byline_authors(
        self, request: HttpRequest, queryset: QuerySet[Article]
    ) -> None:
        """Credit each selected story that has a byline but no author with the
        people its byline names, creating the authors not known yet."""
        credited, names = 0, set()
        for article in queryset.filter(author_links__isnull=True).exclude(byline=""):
            if not services.may_change_article(request.user, article):
                continue
            authors = services.credit_byline_authors(article=article, create=True)
            credited += bool(authors)
            names |= {author.name for author in authors}
        if not credited:
            self.message_user(
                request,
                "No story was credited: the selected stories have authors "
                "already, or no byline.",
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            f"Credited {stories(credited)} with their authors: "
            f"{', '.join(sorted(names))}.",
            messages.SUCCESS,
        )

    @admin.action(description="Withdraw selected stories", permissions=["publish"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = 0
        for article in queryset:
            services.withdraw_article(article=article, by=request.user)
            count += 1
        self.message_user(request, f"Withdrew {stories(count)}.", messages.SUCCESS)


def revision_labels() -> dict[str, str]:
    """What the history calls each name in a revision's content."""
    labels = {
        name: str(Article._meta.get_field(name).verbose_name)
        for name in revisions.STAGED_FIELDS
    }
    return {
        **labels,
        "tags": "topic tags",
        "entities": "entities",
        "authors": "authors",
        "related": "related stories",
    }


def compare(old: dict, new: dict) -> dict:
    """Two revisions' content side by side: the headline, standfirst and body
    as marked-up rows, the other fields as before/after, tags, entities and
    related picks as added/removed."""
    labels = revision_labels()
    text = [
        {"label": labels[name], "rows": rows}
        for name in ("headline", "dek", "body")
        if (
            rows := side_by_side(
                old.get(name) or "", new.get(name) or "", html=name == "body"
            )
        )
    ]
    fields = [
        {"label": labels[name], "old": old.get(name), "new": new.get(name)}
        for name in revisions.STAGED_FIELDS
        if name not in ("headline", "dek", "body")
        and (old.get(name) or None) != (new.get(name) or None)
    ]
    names = _names_of(fields)
    for field in fields:
        field["old"] = names.get(field["label"], {}).get(field["old"], field["old"])
        field["new"] = names.get(field["label"], {}).get(field["new"], field["new"])
    # Authors in their order: a new order is a change too.
    authors = [
        ", ".join(name for _, name in content.get("authors", []))
        for content in (old, new)
    ]
    if authors[0] != authors[1]:
        fields.append(
            {"label": labels["authors"], "old": authors[0], "new": authors[1]}
        )

    def added_removed(before, after):
        before, after = set(before), set(after)
        return sorted(after - before), sorted(before - after)

    entities = {
        "old": {
            f"{name} ({relevance})" for _, name, relevance in old.get("entities", [])
        },
        "new": {
            f"{name} ({relevance})" for _, name, relevance in new.get("entities", [])
        },
    }
    related_old, related_new = old.get("related", {}), new.get("related", {})
    sets = [
        (labels["tags"], *added_removed(old.get("tags", []), new.get("tags", []))),
        (labels["entities"], *added_removed(entities["old"], entities["new"])),
        (
            "pinned related stories",
            *added_removed(
                related_old.get("pinned", []), related_new.get("pinned", [])
            ),
        ),
        (
            "excluded related stories",
            *added_removed(
                related_old.get("excluded", []), related_new.get("excluded", [])
            ),
        ),
    ]
    return {
        "text": text,
        "fields": fields,
        "sets": [
            {"label": label, "added": added, "removed": removed}
            for label, added, removed in sets
            if added or removed
        ],
        "same": not text and not fields and not any(a or r for _, a, r in sets),
    }


def _names_of(fields: list[dict]) -> dict[str, dict]:
    """Section and thread names for their ids in `fields` (two queries at most)."""
    labels = revision_labels()
    names = {}
    for name, model, attribute in (
        ("section", Section, "name"),
        ("thread", Thread, "title"),
    ):
        label = labels[name]
        ids = {
            value
            for field in fields
            if field["label"] == label
            for value in (field["old"], field["new"])
            if value
        }
        if ids:
            names[label] = dict(
                model.objects.filter(pk__in=ids).values_list("pk", attribute)
            )
    return names


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


@admin.register(AuditEvent)
class AuditEventAdmin(CleanTextAdmin, admin.ModelAdmin):
    """The audit trail across stories: who published, withdrew, scheduled,
    restored, deleted or decided what, and when. Read-only."""

    list_display = ["at", "user_name", "action", "story", "detail"]
    list_display_links = None
    list_filter = ["action", "at", "user_name"]
    search_fields = ["headline", "user_name", "detail"]
    date_hierarchy = "at"
    list_select_related = ["article"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="story", ordering="headline")
    def story(self, event: AuditEvent) -> str:
        if event.article_id is None:
            return format_html("{} <em>(deleted)</em>", event.headline)
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_history", args=[event.article_id]),
            event.headline,
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


class AuthorLinkInline(CleanTextAdmin, admin.TabularInline):
    model = AuthorLink
    fields = ["label", "url", "position"]
    extra = 1
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Author)
class AuthorAdmin(CleanTextAdmin, admin.ModelAdmin):
    """The people who write for the newsroom; each has a public page once a
    published story credits them."""

    list_display = ["name", "role", "user", "story_count"]
    search_fields = ["name", "role"]
    # Explicit: the story count's GROUP BY would leave the default unordered.
    ordering = ["name", "pk"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user", "photo"]
    fields = ["name", "slug", "role", "bio", "photo", "user"]
    inlines = [AuthorLinkInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=Count("article_links", distinct=True))
        )

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, author: Author) -> int:
        return author.story_count


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


def reader_state(article: Article | None) -> str:
    """Whether readers see `article` on the home page, for the front page's
    form: live, scheduled (from when), or skipped and why."""
    if article is None:
        return "–"
    if article.is_live:
        return "Shown: live"
    if article.is_scheduled:
        return f"Shown from {format_time(article.go_live_at)} (scheduled)"
    if article.is_expired:
        return "Not shown: expired"
    return f"Not shown: {article.get_status_display().lower()}"


class FeaturedStoryInline(CleanTextAdmin, admin.TabularInline):
    model = FeaturedStory
    autocomplete_fields = ["article"]
    fields = ["article", "position", "shown"]
    readonly_fields = ["shown"]
    max_num = FEATURED_SLOTS
    extra = FEATURED_SLOTS
    verbose_name = "featured story"
    verbose_name_plural = (
        f"featured stories (up to {FEATURED_SLOTS}, under the lead, lower "
        "positions first)"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeaturedStory]:
        return super().get_queryset(request).select_related("article")

    @admin.display(description="on the home page")
    def shown(self, slot: FeaturedStory) -> str:
        return reader_state(slot.article if slot.pk else None)


@admin.register(FrontPage)
class FrontPageAdmin(CleanTextAdmin, admin.ModelAdmin):
    """One front page: its list is its change form."""

    fields = ["lead", "lead_shown"]
    readonly_fields = ["lead_shown"]
    autocomplete_fields = ["lead"]
    inlines = [FeaturedStoryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        front_page = FrontPage.load()
        return redirect("admin:articles_frontpage_change", front_page.pk)

    @admin.display(description="on the home page")
    def lead_shown(self, front_page: FrontPage) -> str:
        if front_page.lead is None:
            return "No lead picked: the newest story leads."
        state = reader_state(front_page.lead)
        if front_page.lead.is_live:
            return state
        return f"{state}; until then the newest story leads."


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
