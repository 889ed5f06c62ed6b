from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = "Entities"

    def ready(self) -> None:
        # Signal receivers that clear cached pages (entities.caching).
        from entities import caching  # noqa: F401
