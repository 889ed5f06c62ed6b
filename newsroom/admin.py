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


class NewsroomAdminSite(admin.AdminSite):
    """The editors' workplace; installed as `admin.site` by
    `newsroom.apps.NewsroomAdminConfig`."""

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
