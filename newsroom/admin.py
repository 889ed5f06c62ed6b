"""The project's admin site: Django's, plus what every admin page must show."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import BadRequest, ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import HttpRequest
from js_asset import Media

from newsroom.cleaning import unwanted_in
from newsroom.forms import CleanTextForm, name_row_fields
from newsroom.taskqueue import stale_tasks


class RichTextAdminMixin:
    """For a ModelAdmin whose form has the rich-text editor (django-prose-editor).

    Its import map is an inline `<script type="importmap">` (browsers cannot load
    one from a file): it carries this response's Content-Security-Policy nonce,
    and the policy allows that one script and no other inline code (django-csp
    adds the nonce to the header only on responses that use it). The editor's
    script also adds its own `<style>` element, so these pages alone allow inline
    styles; scripts stay as strict as everywhere else.
    """

    def render_change_form(self, request: HttpRequest, context, *args, **kwargs):
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        response = super().render_change_form(request, context, *args, **kwargs)
        response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response


# The index's order: the desk's work first, then the rest alphabetically.
APP_ORDER = ["articles", "entities", "related", "partners"]
# Shown under Stories: editors manage topic tags (articles.admin.TopicTagAdmin).
FOLDED_INTO_STORIES = {"taggit"}
# Library internals only the Admin role (or a superuser) sees on the index.
INTERNAL_APPS = {"django_tasks_database", "django_tasks_db", "django_tasks"}
ADMIN_ROLE = "Admin"


class NewsroomAdminSite(admin.AdminSite):
    """The editors' workplace; installed as `admin.site` by
    `newsroom.apps.NewsroomAdminConfig`."""

    def get_app_list(self, request: HttpRequest, app_label=None) -> list[dict]:
        """Stories first, then entities and related stories; topic tags inside
        Stories; task results only for admins."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        is_admin = (
            request.user.is_superuser
            or request.user.groups.filter(name=ADMIN_ROLE).exists()
        )
        by_label = {app["app_label"]: app for app in apps}
        stories = by_label.get("articles")
        kept = []
        for app in apps:
            if app["app_label"] in FOLDED_INTO_STORIES and stories is not None:
                stories["models"] = [*stories["models"], *app["models"]]
            elif app["app_label"] in INTERNAL_APPS and not is_admin:
                continue
            else:
                kept.append(app)

        def position(app: dict) -> tuple:
            label = app["app_label"]
            first = APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER)
            return (first, label in INTERNAL_APPS, app["name"].lower())

        return sorted(kept, key=position)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        if self.has_permission(request):
            # The banner in templates/admin/base_site.html: related stories
            # silently go stale when no task worker runs.
            try:
                context["stale_tasks"] = stale_tasks()
            except DatabaseError:
                context["stale_tasks"] = None
        return context


class CleanTextAdmin:
    """Mixed into every ModelAdmin and inline of the project: text arrives
    cleaned (`CleanTextForm`) in change forms, inlines and list-editable rows,
    and an action on rows that are not ids is a 400, not a database error.
    A custom `form` must subclass CleanTextForm. The fields of table rows
    (tabular inlines, list-editable rows) are named for screen readers."""

    form = CleanTextForm

    def get_changelist_form(self, request: HttpRequest, **kwargs):
        return super().get_changelist_form(request, **{"form": self.form, **kwargs})

    def get_changelist_formset(self, request: HttpRequest, **kwargs):
        return _with_named_rows(super().get_changelist_formset(request, **kwargs))

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        # Only inlines have formsets; a stacked inline's fields have labels.
        formset = super().get_formset(request, obj, **kwargs)
        if isinstance(self, admin.TabularInline):
            return _with_named_rows(formset)
        return formset

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


def _with_named_rows(formset: type) -> type:
    """`formset` with each row's fields named after their column and the row's
    object ("Delete: Geneva"), or "new <model>" for a blank row."""

    class NamedRowsFormSet(formset):
        def add_fields(self, form, index) -> None:
            super().add_fields(form, index)
            instance = form.instance
            row = (
                str(instance) if instance.pk else f"new {self.model._meta.verbose_name}"
            )
            name_row_fields(form, row)

    return NamedRowsFormSet
