from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self) -> None:
        from newsroom import checks  # noqa: F401


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """`django.contrib.admin` with the project's admin site as `admin.site`."""

    default = False  # the newsroom app itself is NewsroomConfig
    default_site = "newsroom.admin.NewsroomAdminSite"
