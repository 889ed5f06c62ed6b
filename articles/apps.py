from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self) -> None:
        # Signal receivers: clearing cached pages (articles.caching), and the
        # tombstone a deleted public story leaves (articles.tombstones).
        from articles import caching, tombstones  # noqa: F401
