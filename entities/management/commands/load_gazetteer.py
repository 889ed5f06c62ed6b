from __future__ import annotations

from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from entities.gazetteer import GazetteerError, load_countries, load_gazetteer


class Command(BaseCommand):
    help = (
        "Load people, organisations and places from CSV or JSON files "
        "(name,kind,aliases,description,wikidata_id), and with --countries every "
        "ISO 3166 country as a place. A file with any error loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE", type=Path)
        parser.add_argument(
            "--countries",
            action="store_true",
            help="Add the countries of ISO 3166 (from pycountry) as places.",
        )

    def handle(self, *args, files: list[Path], countries: bool, **options):
        if not files and not countries:
            raise CommandError("Name a CSV or JSON file, or use --countries.")
        sources = [("countries", load_countries)] if countries else []
        sources += [(str(path), partial(load_gazetteer, path=path)) for path in files]
        failed = []
        for name, load in sources:
            try:
                result = load()
            except GazetteerError as error:
                failed.append(name)
                for message in error.messages:
                    self.stderr.write(message)
                continue
            self.stdout.write(f"{name}: {result}")
        if failed:
            raise CommandError(f"Nothing loaded from {', '.join(failed)}.")
