from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Pictures"

    def ready(self) -> None:
        # Stored files go with their rows (images.files).
        from images import files  # noqa: F401
