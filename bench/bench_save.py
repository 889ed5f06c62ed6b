"""What entity detection adds to saving a story in the admin.

Run from the repository root, against the database server in DATABASE_URL
(SQLite when unset):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python bench/bench_save.py [--aliases 100000] [--saves 50]

It works in a scratch database that Django's test machinery creates next to the
one named (test_<name>) and drops afterwards. It loads a gazetteer of N synthetic
aliases plus the people, organisations and places of the sample story
(../shared/stories/000_e182a96318b0bca9.txt, or a stand-in text when absent),
then times, through the admin's change form (django.test.Client, a logged-in
superuser), saving that story with detection on and with it switched off, and
prints both and the difference. Target: detection adds under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_test_environment,
    teardown_test_environment,
)

from articles.models import Article  # noqa: E402
from entities import services as entity_services  # noqa: E402
from entities.matcher import get_matcher, invalidate_matcher  # noqa: E402
from entities.models import Alias, Entity  # noqa: E402

STORY = ROOT.parent / "shared" / "stories" / "000_e182a96318b0bca9.txt"
TARGET_MS = 20.0
KNOWN = [
    ("Benjamin Netanyahu", "person", ["Netanyahu", "Prime Minister Netanyahu"]),
    ("Vladimir Putin", "person", ["Putin"]),
    ("Hassan Rouhani", "person", ["Rouhani"]),
    ("UN Security Council", "organization", ["UNSC", "Security Council"]),
    ("Free Syrian Army", "organization", []),
    ("Hezbollah", "organization", []),
    ("Russia", "place", []),
    ("Israel", "place", []),
    ("Syria", "place", []),
    ("Iran", "place", []),
    ("Damascus", "place", []),
    ("Wadi Barada Valley", "place", []),
]


def story_text() -> tuple[str, str, str]:
    if STORY.exists():
        lines = STORY.read_text(encoding="utf-8").split("\n\n")
        paragraphs = [p.strip() for p in lines if p.strip()]
        headline = paragraphs[0].split(" | ")[0]
        return headline, paragraphs[2], "".join(f"<p>{p}</p>" for p in paragraphs[3:])
    body = "<p>Russia and Israel agreed. Putin spoke with Netanyahu.</p>" * 8
    return "Netanyahu and Putin talk", "Russia and Syria", body


def seed(aliases: int) -> Article:
    rng = random.Random(7)

    def word() -> str:
        return rng.choice(string.ascii_uppercase) + "".join(
            rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))
        )

    entities = Entity.objects.bulk_create(
        [
            Entity(name=f"{word()} {word()}", slug=f"e{n}", kind="person")
            for n in range(aliases // 2)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    entities = list(Entity.objects.values_list("pk", flat=True))
    Alias.objects.bulk_create(
        [
            Alias(entity_id=pk, name=f"{word()} {word()} {word()}", kind="person")
            for pk in entities[: aliases - len(entities)]
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    for name, kind, others in KNOWN:
        entity = Entity.objects.create(name=name, kind=kind)
        for other in others:
            Alias.objects.create(entity=entity, name=other)
    invalidate_matcher()
    headline, dek, body = story_text()
    return Article.objects.create(headline=headline, dek=dek, body=body)


def form_data(client: Client, article: Article) -> dict:
    response = client.get(f"/admin/articles/article/{article.pk}/change/")
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "go_live_at":
            data["go_live_at_0"] = data["go_live_at_1"] = ""
            continue
        data[name] = "" if value is None else getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        for index, inline_form in enumerate(formset.initial_forms):
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                data[f"{formset.prefix}-{index}-{name}"] = (
                    "" if value is None else getattr(value, "pk", value)
                )
    return data


def time_saves(
    client: Client, article: Article, data: dict, saves: int, *, edit: bool = False
) -> list:
    """Median-ready timings of `saves` admin saves; with `edit` each save adds a
    paragraph naming an entity again, so the suggestions' counts change."""
    url = f"/admin/articles/article/{article.pk}/change/"
    timings = []
    body = data["body"]
    for n in range(saves):
        if edit:
            body += f"<p>Putin spoke again, for the {n + 1}th time.</p>"
            data = {**data, "body": body}
        started = time.perf_counter()
        response = client.post(url, data)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.context["errors"]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aliases", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    out = sys.stdout.write
    setup_test_environment()
    # No collectstatic here: the admin's templates only need names for its files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        article = seed(args.aliases)
        matcher = get_matcher()
        out(
            f"machine: {os.cpu_count()} CPUs; database: {connection.vendor}; "
            f"gazetteer: {len(matcher):,} names and aliases "
            f"(seeded in {time.perf_counter() - started:.1f} s)\n"
        )
        user = get_user_model().objects.create_superuser("bench", "b@x.org", "x")
        client = Client()
        client.force_login(user)
        data = form_data(client, article)
        time_saves(client, article, data, 5)  # warm up, build the matcher
        results = {}
        for edit in (False, True):
            on = time_saves(client, article, data, args.saves, edit=edit)
            # The story form calls the matcher through entities.services.
            real = entity_services.suggest_entities
            entity_services.suggest_entities = lambda **kwargs: None
            try:
                off = time_saves(client, article, data, args.saves, edit=edit)
            finally:
                entity_services.suggest_entities = real
            results[edit] = statistics.median(on) - statistics.median(off)
            out(
                f"admin save {'with an edited body' if edit else 'unchanged'}, "
                f"median of {args.saves}: detection on "
                f"{statistics.median(on):.1f} ms, off {statistics.median(off):.1f} "
                f"ms; detection adds {results[edit]:.1f} ms\n"
            )
        worst = max(results.values())
        out(
            f"{article.suggestions.count()} entities suggested; worst added cost "
            f"{worst:.1f} ms [target < {TARGET_MS:.0f} ms: "
            f"{'ok' if worst < TARGET_MS else 'MISSED'}]\n"
        )
        return 0 if worst < TARGET_MS else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    sys.exit(main())
