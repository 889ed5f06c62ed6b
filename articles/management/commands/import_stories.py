"""Import plain-text and ninjs story files: `manage.py import_stories PATH...`."""

from __future__ import annotations

import datetime
from argparse import ArgumentTypeError
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.importers import (
    IMPORT_SUFFIXES,
    Outcome,
    get_or_create_section,
    import_files,
)
from articles.models import Article
from related.services import refresh_related_at_end


class Command(BaseCommand):
    help = (
        "Import stories from plain-text (.txt) and IPTC ninjs (.json) files; "
        "folders are searched for both. Re-importing a story updates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", type=Path)
        parser.add_argument(
            "--status",
            choices=[Article.Status.DRAFT, Article.Status.PUBLISHED],
            default=Article.Status.DRAFT,
            help="Import as drafts (the default) or publish at once.",
        )
        parser.add_argument(
            "--section",
            metavar="SLUG-OR-NAME",
            help="Put the stories in this section, creating it if need be.",
        )
        parser.add_argument(
            "--published-at",
            metavar="ISO-DATETIME",
            type=_aware_datetime,
            help="Go-live time, e.g. 2025-03-01T09:00+00:00; without an offset "
            "it is in TIME_ZONE.",
        )
        parser.add_argument(
            "--confirm-entities",
            action="store_true",
            help="Tag the stories with the entities the matcher finds right away, "
            "instead of leaving them as suggestions for an editor.",
        )
        parser.add_argument(
            "--thread",
            metavar="TITLE-OR-SLUG",
            default="",
            help="Put the stories in this developing story, creating it if need be.",
        )
        parser.add_argument(
            "--byline",
            default="",
            help="Byline for the stories whose file names none.",
        )
        parser.add_argument(
            "--defer-refresh",
            action="store_true",
            help="Leave the related-story lists of the imported stories to the task "
            "worker (manage.py db_worker) instead of refreshing them before the "
            "command ends.",
        )

    def handle(self, *args, **options) -> None:
        paths = list(_story_files(options["paths"]))
        section = options["section"]
        # The stories' related lists are refreshed here when the run ends (so a
        # desk sees them without a worker), or left to the worker if asked.
        with (
            nullcontext()
            if options["defer_refresh"]
            else refresh_related_at_end(progress=options["verbosity"] >= 1)
        ) as refresh:
            # Each file is opened only when its turn comes, so one that cannot be
            # read is reported with the others.
            report = import_files(
                ((str(path), path) for path in paths),
                status=options["status"],
                section=get_or_create_section(section) if section else None,
                published_at=options["published_at"],
                thread=options["thread"],
                byline=options["byline"],
                confirm_entities=options["confirm_entities"],
                progress=True,
                total=len(paths),
            )
        for outcome in report.outcomes:
            if outcome.result == Outcome.REJECTED:
                self.stderr.write(str(outcome), style_func=self.style.ERROR)
            elif options["verbosity"] >= 1:
                self.stdout.write(str(outcome))
            for line in outcome.warning_lines():
                self.stderr.write(line, style_func=self.style.WARNING)
        self.stdout.write(
            f"{report.summary()}; "
            + (
                refresh.summary()
                if refresh is not None
                else "related lists left to the task worker (manage.py db_worker)"
            )
        )
        if report.rejected:
            raise CommandError(
                f"{report.rejected} rejected; fix the files listed above and import "
                "them again."
            )


def _story_files(paths: list[Path]) -> Iterator[Path]:
    """The files to import: each path named, and the story files in each folder.

    A folder's entries are listed, not opened: a story file that cannot be read
    (a broken link, no permission) is reported by the import, not skipped.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(
                file
                for file in path.rglob("*")
                if file.suffix.lower() in IMPORT_SUFFIXES and not file.is_dir()
            )
        elif path.exists() or path.is_symlink():
            yield path
        else:
            raise CommandError(f"{path}: no such file or folder.")


def _aware_datetime(value: str) -> datetime.datetime:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ArgumentTypeError(f"not an ISO 8601 date-time: {value!r}")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
