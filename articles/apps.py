from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self) -> None:
        # Signal receivers that clear cached pages (articles.caching).
        from articles import caching  # noqa: F401
