from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from partners.models import Partner, PartnerGroup
from partners.services import embargo_story


class Command(BaseCommand):
    help = (
        "Give a scheduled story early to partners and partner groups, until its "
        "go-live time (the embargo time), in place of whom it was given to. "
        "With neither --partner nor --group, the embargo is taken away."
    )

    def add_arguments(self, parser):
        parser.add_argument("story", type=int, help="The story's id.")
        parser.add_argument(
            "--partner", action="append", default=[], help="A partner's name."
        )
        parser.add_argument(
            "--group", action="append", default=[], help="A partner group's name."
        )

    def handle(self, *args, **options):
        article = Article.objects.filter(pk=options["story"]).first()
        if article is None:
            raise CommandError(f"No story with id {options['story']}.")
        partners = _named(Partner, options["partner"], "partner")
        groups = _named(PartnerGroup, options["group"], "partner group")
        try:
            embargo = embargo_story(article=article, partners=partners, groups=groups)
        except ValidationError as error:
            raise CommandError(
                f"Story {article.pk}: {' '.join(error.messages)}"
            ) from None
        if embargo is None:
            self.stdout.write(f"Story {article.pk} is no longer embargoed.")
            return
        count = len(embargo.partner_ids())
        self.stdout.write(
            f"Story {article.pk} goes early to {count} partner(s) until "
            f"{article.go_live_at.isoformat()}."
        )


def _named(model, names: list[str], label: str) -> list:
    found = {item.name: item for item in model.objects.filter(name__in=names)}
    if missing := [name for name in names if name not in found]:
        raise CommandError(f"No {label} named {', '.join(map(repr, missing))}.")
    return [found[name] for name in names]
