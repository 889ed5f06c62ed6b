"""The project's admin site: Django's, plus what every admin page must show."""

from __future__ import annotations

from django.contrib import admin
from django.db import DatabaseError
from django.http import HttpRequest

from newsroom.taskqueue import stale_tasks


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
