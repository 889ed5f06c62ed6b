"""Autosave: each editor's unsaved edits to a story kept in their own working
copy, and offered back when they return (docs/editors.md#autosave-and-your-
working-copy).

The story form posts itself to `<pk>/autosave/` a couple of seconds after each
edit (static/js/autosave.js). The copy is the editor's alone and is not a
revision: autosaving into the shared history floods it (Wagtail's lesson),
and nothing is written to the story's row, so readers, other editors and the
edit-conflict check see nothing of it. Saving the story, or discarding the
copy, deletes it; copies not autosaved for WORKING_COPY_DAYS days are no
longer offered and are pruned by the next autosave of any story.

A restored form keeps the story's version the copy was based on (its
`edit_base`), so a save over changes someone made meanwhile is refused with
what changed, like any stale save.
"""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from articles import services
from articles.forms import EDIT_BASE_SALT
from articles.models import Article, Revision, WorkingCopy, format_time
from newsroom.cleaning import clean_text

RESTORE = ("restore", "working-copy")  # ?restore=working-copy


def form_values(data: QueryDict, names) -> dict[str, list[str]]:
    """The posted values of the form fields called `names` (a split widget's
    parts `name_0`, `name_1` too), text cleaned; buttons, the CSRF token and
    inline rows are left out."""
    names = set(names)
    values = {}
    for key in data:
        base, _, part = key.rpartition("_")
        if key in names or (base in names and part.isdigit()):
            values[key] = [clean_text(value) for value in data.getlist(key)]
    return values


def edit_version_of(edit_base: str) -> int:
    """The story's version a form was opened at, from its signed `edit_base`;
    ValueError when it is missing or not one the site signed."""
    try:
        return int(signing.loads(edit_base, salt=EDIT_BASE_SALT)["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise ValueError("not a story form's version") from error


def changed_fields(form, copy: WorkingCopy) -> list[str]:
    """The fields of the unbound story `form` whose value in `copy` differs
    from the one the form opens with (the version marker aside)."""
    data = MultiValueDict(copy.data)
    changed = []
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if (
            name == "edit_base"
            or field.disabled
            or field.widget.value_omitted_from_data(data, {}, key)
        ):
            continue
        value = field.widget.value_from_datadict(data, {}, key)
        try:
            if field.has_changed(form.get_initial_for_field(field, name), value):
                changed.append(name)
        except (TypeError, ValueError, ValidationError):
            # A value the field cannot read is not the story's.
            changed.append(name)
    return changed


def restoring_form(form_class, copy: WorkingCopy):
    """`form_class` opening on `copy`'s values: put on top of the story as the
    form shows it (a live story's unpublished changes included), with the
    version the copy was based on."""

    class RestoredForm(form_class):
        working_copy = copy

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if self.is_bound:
                return
            data = MultiValueDict(copy.data)
            for name, field in self.fields.items():
                key = self.add_prefix(name)
                if field.disabled or field.widget.value_omitted_from_data(
                    data, {}, key
                ):
                    continue
                value = field.widget.value_from_datadict(data, {}, key)
                if isinstance(field, forms.ModelChoiceField) and not _is_key(
                    field, value
                ):
                    # Not a row's key: the widget could not even look it up.
                    continue
                if isinstance(field, forms.MultiValueField):
                    # A date and a time as one value, as the form would hold it.
                    with contextlib.suppress(ValidationError):
                        value = field.clean(value)
                self.initial[name] = value

    RestoredForm.__name__ = form_class.__name__
    return RestoredForm


def _is_key(field: forms.ModelChoiceField, value) -> bool:
    """Whether every value in `value` could be a key of the field's rows."""
    model_field = field.queryset.model._meta.get_field(field.to_field_name or "pk")
    values = value if isinstance(value, list | tuple) else [value]
    low, high = connection.ops.integer_field_range(model_field.get_internal_type())
    try:
        keys = [
            model_field.to_python(each)
            for each in values
            if each not in field.empty_values
        ]
    except ValidationError:
        return False
    # A number past the column's range is no row's key either.
    return all(
        not isinstance(key, int)
        or ((low is None or key >= low) and (high is None or key <= high))
        for key in keys
    )


class WorkingCopyAdminMixin:
    """Mixed into ArticleAdmin: the autosave and discard endpoints, the
    "You have unsaved changes" notice and `?restore=working-copy`, and the
    copy's deletion when the story is saved."""

    def get_urls(self):
        return [
            path(
                "<str:pk>/autosave/",
                self.admin_site.admin_view(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "<str:pk>/autosave/discard/",
                self.admin_site.admin_view(self.discard_working_copy_view),
                name="articles_article_autosave_discard",
            ),
            *super().get_urls(),
        ]

    def _story_to_autosave(self, request: HttpRequest, pk: str) -> Article:
        """The story at `pk` if the editor may see it (else 404) and change it
        (else 403)."""
        if not pk.isdigit():
            raise Http404("No such story.")
        article = self.get_queryset(request).filter(pk=int(pk)).first()
        if article is None:
            raise Http404("No such story.")
        if not services.may_change_article(request.user, article):
            raise PermissionDenied
        return article

    @method_decorator(require_POST)
    def autosave_view(self, request: HttpRequest, pk: str) -> JsonResponse:
        """Keep the posted story form as the editor's working copy (POST from
        static/js/autosave.js); nothing else is written."""
        article = self._story_to_autosave(request, pk)
        try:
            version = edit_version_of(request.POST.get("edit_base", ""))
        except ValueError:
            return JsonResponse(
                {"error": "This is not the story's form: reload the page."},
                status=400,
            )
        form_class = self.get_form(request, article, change=True)
        now = timezone.now()
        WorkingCopy.objects.update_or_create(
            article=article,
            user=request.user,
            defaults={
                "data": form_values(request.POST, form_class.base_fields),
                "edit_version": version,
                "saved_at": now,
            },
        )
        WorkingCopy.objects.stale(now).delete()
        return JsonResponse(
            {
                "saved_at": now.isoformat(),
                "saved_at_display": timezone.localtime(now).strftime("%H:%M"),
            }
        )

    @method_decorator(require_POST)
    def discard_working_copy_view(self, request: HttpRequest, pk: str):
        """Throw the editor's working copy away (POST from the notice's button,
        which posts the form and saves nothing of it)."""
        article = self._story_to_autosave(request, pk)
        deleted, _ = WorkingCopy.objects.filter(
            article=article, user=request.user
        ).delete()
        if deleted:
            self.message_user(
                request, "Discarded your unsaved changes.", messages.SUCCESS
            )
        return redirect("admin:articles_article_change", article.pk)

    def working_copy(self, request: HttpRequest, article: Article):
        """The editor's working copy of `article` not yet pruned, annotated
        with `last_saved`, when they last saved the story (one query, once a
        request)."""
        cache = request.__dict__.setdefault("_working_copies", {})
        if article.pk not in cache:
            last_saved = (
                Revision.objects.filter(
                    article=OuterRef("article"), created_by=OuterRef("user")
                )
                .order_by("-created_at")
                .values("created_at")[:1]
            )
            cache[article.pk] = (
                WorkingCopy.objects.fresh()
                .filter(article=article, user=request.user)
                .annotate(last_saved=Subquery(last_saved))
                .first()
            )
        return cache[article.pk]

    def _restoring(self, request: HttpRequest, obj) -> WorkingCopy | None:
        if (
            obj is None
            or obj.pk is None
            or request.method != "GET"
            or request.GET.get(RESTORE[0]) != RESTORE[1]
        ):
            return None
        return self.working_copy(request, obj)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        copy = self._restoring(request, obj)
        return restoring_form(form_class, copy) if copy else form_class

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        article = context.get("original")
        form = context["adminform"].form
        if article is not None and article.pk and not add:
            context["autosave_url"] = reverse(
                "admin:articles_article_autosave", args=[article.pk]
            )
            context["discard_working_copy_url"] = reverse(
                "admin:articles_article_autosave_discard", args=[article.pk]
            )
            restored = getattr(form, "working_copy", None)
            if restored is not None and not form.is_bound:
                context["working_copy_restored"] = restored
                context["working_copy_time"] = format_time(restored.saved_at)
            elif request.method == "GET":
                copy = self.working_copy(request, article)
                if (
                    copy is not None
                    and (copy.last_saved is None or copy.saved_at > copy.last_saved)
                    and changed_fields(form, copy)
                ):
                    context["working_copy"] = copy
                    context["working_copy_time"] = format_time(copy.saved_at)
        return super().render_change_form(
            request, context, add=add, change=change, **kwargs
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Saved: the editor's unsaved edits are now the story's (inside the
        # admin's transaction, so a failed save keeps the copy).
        WorkingCopy.objects.filter(article=form.instance, user=request.user).delete()
