from __future__ import annotations

from collections.abc import Collection

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from articles import services as article_services
from articles.admin import ArticleAdmin as BaseArticleAdmin
from articles.admin import PanelAction
from articles.html import html_to_text
from articles.models import Article
from entities import services
from entities.matcher import invalidate_matcher
from entities.models import Alias, Candidate, Entity, EntityRedirect, Suggestion
from newsroom.admin import CleanTextAdmin

SNIPPET_CONTEXT = 70
SENTENCE_CHARS = 200

# What each button of the story form's entity panel needs (ArticleEntity lives
# in the articles app).
REJECT_PERMISSIONS = ("entities.change_suggestion",)
CONFIRM_PERMISSIONS = (
    *REJECT_PERMISSIONS,
    "articles.add_articleentity",
    "articles.change_articleentity",
)
CREATE_PERMISSIONS = ("entities.add_entity", "articles.add_articleentity")


class AliasInline(CleanTextAdmin, admin.TabularInline):
    model = Alias
    extra = 1
    verbose_name_plural = "aliases (other names stories use for it)"


class GazetteerChangesMixin:
    """Every change to names or aliases rebuilds the matcher in every process."""

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        invalidate_matcher()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        invalidate_matcher()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        invalidate_matcher()


@admin.register(Entity)
class EntityAdmin(CleanTextAdmin, GazetteerChangesMixin, admin.ModelAdmin):
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
    actions = ["merge"]
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

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # A new entity is looked for by all its names; a changed one by the
        # names and aliases that changed, old and new.
        services.rescan_archive_later(
            entity=form.instance,
            names=_changed_names(form, formsets) if change else None,
        )

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, entity: Entity) -> int:
        return entity.story_count

    @admin.action(
        description="Merge selected entities into one", permissions=["change"]
    )
    def merge(self, request: HttpRequest, queryset: QuerySet[Entity]):
        entities = list(queryset.order_by("-story_count", "name"))
        if len(entities) < 2:
            self.message_user(
                request, "Select at least two entities to merge.", messages.WARNING
            )
            return None
        keep_pk = request.POST.get("keep")
        if keep_pk:
            keep = next((e for e in entities if str(e.pk) == keep_pk), None)
            if keep is None:
                raise PermissionDenied
            others = [entity for entity in entities if entity.pk != keep.pk]
            services.merge_entities(keep=keep, merge=others)
            self.message_user(
                request,
                f"Merged {', '.join(e.name for e in others)} into {keep.name}; "
                "their pages now redirect there.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge entities",
            "opts": self.opts,
            "entities": entities,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/entities/entity/merge.html", context)


def _changed_names(form, formsets) -> set[str]:
    """The names and aliases an entity form added, changed or deleted, with the
    ones they replaced."""
    forms = [form]
    forms += [f for formset in formsets if formset.model is Alias for f in formset]
    names = set()
    for each in forms:
        cleaned = getattr(each, "cleaned_data", {})
        if "name" in each.changed_data or cleaned.get("DELETE"):
            names |= {each.initial.get("name") or "", cleaned.get("name") or ""}
    return names - {""}


@admin.register(EntityRedirect)
class EntityRedirectAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ["old_slug", "entity", "created_at"]
    search_fields = ["old_slug", "entity__name"]
    autocomplete_fields = ["entity"]


class SuggestionStatusFilter(admin.SimpleListFilter):
    """The queue opens on what waits for an editor; "All" is one click away."""

    title = "status"
    parameter_name = "status"
    default = Suggestion.Status.SUGGESTED
    everything = "all"

    def lookups(self, request, model_admin):
        return [*Suggestion.Status.choices, (self.everything, "All")]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() in Suggestion.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Suggestion)
class SuggestionAdmin(CleanTextAdmin, admin.ModelAdmin):
    """The review queue: every suggestion waiting for an editor, across stories.

    A row's page is read-only: decisions go through the Confirm and Reject
    buttons (or the bulk actions), which tag the story as the services do.
    """

    list_display = [
        "entity",
        "article",
        "context",
        "relevance",
        "mention_count",
        "decision",
    ]
    list_filter = [SuggestionStatusFilter, "relevance", "entity__kind"]
    list_select_related = ["entity", "article"]
    search_fields = ["entity__name", "article__headline"]
    ordering = ["-mention_count", "entity__name"]
    actions = ["confirm", "reject"]
    readonly_fields = [
        "entity",
        "article",
        "status",
        "relevance",
        "mention_count",
        "first_field",
        "alias",
        "context",
        "decision",
        "updated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return request.user.has_perm("articles.change_article")
        return article_services.may_change_article(request.user, obj.article)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suggestion]:
        queryset = super().get_queryset(request)
        if not request.user.has_perm(article_services.CHANGE_ANY_PERMISSION):
            # A reporter decides only on the stories they may change.
            queryset = queryset.filter(
                article__created_by=request.user, article__status=Article.Status.DRAFT
            )
        return queryset

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # Under "All", what still waits comes first.
        waiting_first = Case(
            When(status=Suggestion.Status.SUGGESTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [waiting_first.asc(), *super().get_ordering(request)]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # Only these two words: "<pk>/change/" is the row's (GET) page.
            re_path(
                r"^(?P<pk>\d+)/(?P<decision>confirm|reject)/from-queue/$",
                view(self.queue_decide_view),
                name="entities_suggestion_queue_decide",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The row buttons come back here with the filters the editor had.
        self._queue_query = request.GET.urlencode()
        return super().changelist_view(request, extra_context)

    @admin.display(description="in the story")
    def context(self, suggestion: Suggestion) -> str:
        return sentence_of(suggestion)

    @admin.display(description="decision")
    def decision(self, suggestion: Suggestion) -> str:
        return render_to_string(
            "admin/entities/suggestion/decision.html",
            {
                "suggestion": suggestion,
                "back": getattr(self, "_queue_query", ""),
            },
        )

    @admin.action(description="Confirm selected suggestions", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> None:
        # Counted before deciding: a decided row no longer matches the filter.
        chosen = list(queryset.select_related("article", "entity"))
        for suggestion in chosen:
            services.confirm_suggestion(suggestion=suggestion, by=request.user)
        self.message_user(request, f"Confirmed {suggestions(len(chosen))}.")

    @admin.action(description="Reject selected suggestions", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> None:
        chosen = list(queryset.select_related("article", "entity"))
        for suggestion in chosen:
            services.reject_suggestion(suggestion=suggestion, by=request.user)
        self.message_user(request, f"Rejected {suggestions(len(chosen))}.")

    @method_decorator(require_POST)
    def queue_decide_view(
        self, request: HttpRequest, pk: int, decision: str
    ) -> HttpResponse:
        """One click from the queue: decide one row, back to the same list."""
        suggestion = get_object_or_404(
            self.get_queryset(request).select_related("article", "entity"), pk=pk
        )
        if not self.has_change_permission(request, suggestion):
            raise PermissionDenied
        if decision == "confirm":
            services.confirm_suggestion(suggestion=suggestion, by=request.user)
            verb = "Confirmed"
        else:
            services.reject_suggestion(suggestion=suggestion, by=request.user)
            verb = "Rejected"
        self.message_user(
            request, f"{verb} {suggestion.entity.name} in “{suggestion.article}”."
        )
        url = reverse("admin:entities_suggestion_changelist")
        query = request.GET.get("back", "")
        if query and url_has_allowed_host_and_scheme(f"{url}?{query}", None):
            url = f"{url}?{query}"
        return HttpResponseRedirect(url)


def suggestions(count: int) -> str:
    """ "1 suggestion", "2 suggestions"."""
    return f"{count} suggestion{'' if count == 1 else 's'}"


def sentence_of(suggestion: Suggestion) -> str:
    """The sentence of the story the mention is in, about SENTENCE_CHARS long
    at most (from the story already loaded with the row: no query)."""
    text = story_texts(suggestion.article).get(suggestion.first_field, "")
    return sentence_around(text, suggestion.first_offset, len(suggestion.alias))


def candidate_sentence(candidate: Candidate, texts: dict[str, str]) -> str:
    """The sentence a candidate name first appears in: headline, standfirst,
    then body (`texts` from `story_texts`); empty if the text no longer has it."""
    for text in texts.values():
        if (start := text.find(candidate.name)) != -1:
            return sentence_around(text, start, len(candidate.name))
    return ""


def story_texts(article: Article) -> dict[str, str]:
    """The story's text by field, as the matcher reads it."""
    return {
        "headline": article.headline,
        "dek": article.dek,
        "body": html_to_text(article.body),
    }


def sentence_around(text: str, start: int, length: int) -> str:
    """The sentence of `text` holding the `length` characters at `start`, about
    SENTENCE_CHARS long at most, the words kept in view."""
    start = min(start, len(text))
    end = start + length
    stops = ".!?\n"
    begin = max((text.rfind(stop, 0, start) for stop in stops), default=-1) + 1
    finish = min(
        (i for i in (text.find(stop, end) for stop in stops) if i != -1),
        default=len(text) - 1,
    )
    sentence = text[begin : finish + 1].strip()
    if len(sentence) > SENTENCE_CHARS:
        # Keep the mention in view: start shortly before it.
        offset = start - begin
        if offset > SENTENCE_CHARS // 2:
            sentence = "…" + text[start - SENTENCE_CHARS // 3 : finish + 1].strip()
        sentence = Truncator(sentence).chars(SENTENCE_CHARS)
    return sentence


class EntityKindFilter(admin.SimpleListFilter):
    title = "entity kind"
    parameter_name = "entity_kind"

    def lookups(self, request, model_admin):
        return Entity.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(entity_links__tag__kind=self.value()).distinct()
        return queryset


def _after(fieldsets: list, name: str, fieldset: tuple) -> list:
    position = next(i for i, (title, _) in enumerate(fieldsets) if title == name)
    return [*fieldsets[: position + 1], fieldset, *fieldsets[position + 1 :]]


admin.site.unregister(Article)


@admin.register(Article)
class ArticleAdmin(BaseArticleAdmin):
    """The story form with the entities the matcher found; `related.admin`
    extends it further."""

    list_filter = [*BaseArticleAdmin.list_filter, EntityKindFilter]
    readonly_fields = [*BaseArticleAdmin.readonly_fields, "entity_suggestions"]
    fieldsets = _after(
        BaseArticleAdmin.fieldsets,
        "Credits",
        ("Entities found in the text", {"fields": ["entity_suggestions"]}),
    )

    @admin.display(description="suggestions")
    def entity_suggestions(self, article: Article) -> str:
        return render_suggestions(
            article, allowed=getattr(article, "panel_actions_allowed", ())
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.suggest_entities(article=form.instance)

    def panel_actions(self) -> dict[str, PanelAction]:
        # Confirming tags the story; creating an entity adds to the gazetteer.
        # Dismissing a name is a decision about this story, like rejecting.
        return {
            **super().panel_actions(),
            "confirm": PanelAction(self._decide, CONFIRM_PERMISSIONS),
            "reject": PanelAction(self._decide, REJECT_PERMISSIONS),
            "create": PanelAction(self._create_entity, CREATE_PERMISSIONS),
            "dismiss": PanelAction(self._dismiss_candidate, REJECT_PERMISSIONS),
        }

    def _decide(self, request: HttpRequest, article: Article, pk: int) -> None:
        suggestion = get_object_or_404(
            article.suggestions.select_related("entity"), pk=pk
        )
        if request.POST[self.ACTION].startswith("confirm:"):
            services.confirm_suggestion(suggestion=suggestion, by=request.user)
            verb = "Confirmed"
        else:
            services.reject_suggestion(suggestion=suggestion, by=request.user)
            verb = "Rejected"
        self.message_user(request, f"{verb} {suggestion.entity.name}.")

    def _create_entity(self, request: HttpRequest, article: Article, pk: int) -> None:
        candidate = get_object_or_404(article.candidates, pk=pk)
        kind = request.POST.get(f"candidate-kind-{candidate.pk}", candidate.kind)
        if kind not in Entity.Kind.values:
            kind = candidate.kind
        entity = services.create_entity_from_candidate(
            candidate=candidate, kind=kind, by=request.user
        )
        self.message_user(
            request,
            f"Created {entity.get_kind_display().lower()} “{entity.name}” "
            "and tagged the story with it.",
        )

    def _dismiss_candidate(
        self, request: HttpRequest, article: Article, pk: int
    ) -> None:
        candidate = get_object_or_404(article.candidates, pk=pk)
        services.dismiss_candidate(candidate=candidate, by=request.user)
        self.message_user(request, f"Dismissed “{candidate.name}”.")


def render_suggestions(article: Article, allowed: Collection[str] = ()) -> str:
    """The editor's review panel for a story: suggestions in context, candidates
    with the sentence each is in. Only the buttons whose verbs are `allowed`
    (`ArticleAdmin.allowed_panel_actions`) are shown.

    Its buttons submit the story form itself (`ArticleAdmin.panel_actions`):
    one click saves the editor's edits and decides.
    """
    suggestions, candidates = [], []
    if article.pk:
        suggestions = list(article.suggestions.select_related("entity"))
        candidates = list(article.candidates.filter(dismissed=False))
    texts = story_texts(article)
    return render_to_string(
        "admin/entities/suggestions.html",
        {
            "article": article,
            "waiting": [
                (s, *_snippet(s, texts))
                for s in suggestions
                if s.status == Suggestion.Status.SUGGESTED
            ],
            "decided": [
                s for s in suggestions if s.status != Suggestion.Status.SUGGESTED
            ],
            "candidates": [(c, candidate_sentence(c, texts)) for c in candidates],
            "kinds": Entity.Kind.choices,
            "allowed": set(allowed),
        },
    )


def _snippet(suggestion: Suggestion, texts: dict[str, str]) -> tuple[str, str, str]:
    """The words the story used, with up to SNIPPET_CONTEXT characters each side."""
    text = texts.get(suggestion.first_field, "")
    start = suggestion.first_offset
    end = start + len(suggestion.alias)
    before = text[max(0, start - SNIPPET_CONTEXT) : start]
    after = text[end : end + SNIPPET_CONTEXT]
    return (
        ("…" if start > SNIPPET_CONTEXT else "") + before,
        text[start:end],
        after + ("…" if end + SNIPPET_CONTEXT < len(text) else ""),
    )
