"""Background work, run by `manage.py db_worker` (django-tasks-db)."""

from __future__ import annotations

from django_tasks import task

from images.models import Image
from images.renditions import make_renditions


@task()
def make_image_renditions(image_id: int, replace: bool = False) -> int:
    """Make a picture's missing renditions (all of them with `replace`)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return make_renditions(image, replace=replace)
