from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from partners.models import Event, Partner
from partners.services import add_webhook, create_partner, issue_key


class Command(BaseCommand):
    help = (
        "Create an API partner and print a new key for it as the last line. "
        "The key is stored hashed: this is the only time it can be seen."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner's name, e.g. 'Daily Courier'.")
        parser.add_argument("--contact", default="", help="Name, email or phone.")
        parser.add_argument(
            "--rate", default="", help="Rate limit such as 1000/hour (the default)."
        )
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            help="A web origin allowed to call the API from a browser; repeatable.",
        )
        parser.add_argument(
            "--webhook",
            action="append",
            default=[],
            metavar="URL",
            help="An HTTPS URL told the moment a story changes; repeatable. Its "
            "signing secret is printed once.",
        )
        parser.add_argument(
            "--webhook-events",
            default="",
            help=f"Comma-separated events for --webhook (default all: "
            f"{','.join(Event.values)}).",
        )
        parser.add_argument("--key-name", default="", help="A label for the key.")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Let the key expire after this many days.",
        )
        parser.add_argument(
            "--add-key",
            action="store_true",
            help="Give an existing partner another key instead of failing.",
        )

    def handle(self, *args, **options):
        events = [e.strip() for e in options["webhook_events"].split(",") if e.strip()]
        expires_at = None
        if (days := options["expires_in_days"]) is not None:
            expires_at = timezone.now() + datetime.timedelta(days=days)
        existing = Partner.objects.filter(name=options["name"]).first()
        if existing is not None and not options["add_key"]:
            raise CommandError(
                f"A partner named “{existing}” exists; use --add-key to give it "
                "another key."
            )
        if existing is not None:
            partner = existing
            try:
                with transaction.atomic():
                    for url in options["webhook"]:
                        add_webhook(partner=partner, url=url, events=events)
                    _, key = issue_key(
                        partner=partner, name=options["key_name"], expires_at=expires_at
                    )
            except ValidationError as error:
                raise CommandError(_message(error)) from error
        else:
            try:
                partner, key = create_partner(
                    name=options["name"],
                    contact=options["contact"],
                    throttle_rate=options["rate"],
                    allowed_origins=options["origin"],
                    key_name=options["key_name"],
                    expires_at=expires_at,
                    webhooks=options["webhook"],
                    webhook_events=events,
                )
            except ValidationError as error:
                raise CommandError(_message(error)) from error
        for endpoint in partner.webhooks.filter(url__in=options["webhook"]):
            self.stdout.write(
                f"Webhook {endpoint.url} ({', '.join(endpoint.events)}): signing "
                f"secret {endpoint.secret}"
            )
        self.stdout.write(
            f"API key for {partner} (rate limit {partner.throttle_rate}). "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(key)


def _message(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
