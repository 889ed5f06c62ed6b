from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self) -> None:
        from newsroom import checks  # noqa: F401
