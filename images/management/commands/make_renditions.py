from __future__ import annotations

from django.core.management.base import BaseCommand

from images.models import Image
from images.renditions import make_renditions


class Command(BaseCommand):
    help = (
        "Make the renditions pictures lack (after a change of widths or formats, "
        "or when the task worker was not running). --replace remakes them all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Only these pictures.")
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, ids: list[int], replace: bool, **options) -> None:
        images = Image.objects.with_renditions().order_by("pk")
        if ids:
            images = images.filter(pk__in=ids)
        made = sum(make_renditions(image, replace=replace) for image in images)
        self.stdout.write(f"Made {made} rendition{'' if made == 1 else 's'}.")
