from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsroom.demo.loader import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo newsroom: stories about a fictional city, their entities "
        "and an editor account. Safe to run again; existing content is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            default="http://127.0.0.1:8000",
            help="Where the site runs, for the addresses printed at the end.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo although DEBUG is off.",
        )

    def handle(self, *args, site: str, force: bool, verbosity: int, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like a production database: the demo "
                "would add made-up stories and an editor account whose password "
                "the README prints. `make run` sets DEBUG=1 for you; pass --force "
                "to load the demo here anyway."
            )
        result = load_demo(stdout=self.stdout if verbosity > 1 else None)
        if verbosity == 0:
            return
        site = site.rstrip("/")
        password = (
            "from DEMO_EDITOR_PASSWORD"
            if result.password_from_env
            else f"password: {result.password}"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo newsroom ready: {result.stories} stories, "
                f"{result.entities} entities."
            )
        )
        self.stdout.write(
            f"  Site:  {site}/\n"
            f"  Admin: {site}/admin/  (user: {result.username}, {password})\n"
            f"  API:   {site}/api/v1/  (docs: {site}/api/v1/docs/)"
        )
        if result.api_key:
            self.stdout.write(
                "  API key (shown once): "
                f'curl -H "Authorization: Api-Key {result.api_key}" '
                f"{site}/api/v1/articles/"
            )
        else:
            self.stdout.write(
                "  API key: the demo key was shown when the demo was first loaded; "
                "make another with `manage.py create_partner NAME`."
            )
