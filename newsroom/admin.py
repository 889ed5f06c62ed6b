"""The project's admin site: Django's, plus what every admin page must show."""

from __future__ import annotations

from django.contrib import admin
from django.db import DatabaseError
from django.http import HttpRequest
from js_asset import Media

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
