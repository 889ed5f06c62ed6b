"""What the archive rescan costs when an entity is created or gains a name.

Run from the repository root, against the database server in DATABASE_URL
(SQLite when unset):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python bench/bench_rescan.py [--articles 20000]

It works in a scratch database that Django's test machinery creates next to the
one named (test_<name>) and drops afterwards. The archive is the 315 stories of
../shared/related-dev (a stand-in text when absent) written again and again up
to --articles stories, with the ISO countries as the gazetteer. It then times
`entities.rescan.rescan_archive` (what the background task runs) for a name in
about 8% of the stories ("Trump"), one in about 1% ("Iran"), one in none, and
250 names at once (past PREFILTER_LIMIT: every story is read), each twice: the
second run finds everything already recorded and writes nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_test_environment,
    teardown_test_environment,
)

from articles.html import sanitize_html  # noqa: E402
from articles.models import Article  # noqa: E402
from entities.gazetteer import load_countries  # noqa: E402
from entities.matcher import get_matcher, invalidate_matcher  # noqa: E402
from entities.models import Entity  # noqa: E402
from entities.rescan import PREFILTER_LIMIT, rescan_archive  # noqa: E402

STORIES = ROOT.parent / "shared" / "related-dev" / "stories"


def texts() -> list[tuple[str, str]]:
    if not STORIES.exists():
        body = "<p>Trump spoke about Iran and Australia.</p><p>Others did not.</p>"
        return [("A stand-in story", body)] * 10
    found = []
    for path in sorted(STORIES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        paragraphs = [line.strip() for line in lines[1:] if line.strip()]
        body = sanitize_html("".join(f"<p>{p}</p>" for p in paragraphs))
        found.append((lines[0].strip()[:300], body))
    return found


def seed(articles: int) -> None:
    sources = texts()
    batch = []
    for n in range(articles):
        headline, body = sources[n % len(sources)]
        batch.append(
            Article(
                headline=headline,
                body=body,
                slug=f"story-{n}",
                status=Article.Status.PUBLISHED,
            )
        )
        if len(batch) == 5000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    load_countries()


def run(label: str, entity_ids: list[int], names: list[str] | None) -> None:
    out = sys.stdout.write
    for attempt in ("first", "again"):
        started = time.perf_counter()
        result = rescan_archive(entity_ids=entity_ids, names=names)
        seconds = time.perf_counter() - started
        out(
            f"{label}, {attempt}: {seconds:.2f} s, {result.stories_read:,} stories "
            f"read, {result.suggested:,} suggested, {result.updated:,} updated\n"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        seed(args.articles)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        sys.stdout.write(
            f"machine: {os.cpu_count()} CPUs; database: {connection.vendor}; "
            f"archive: {Article.objects.count():,} stories, "
            f"{sum(len(b) for _, b in texts()) * args.articles // len(texts()):,} "
            f"bytes of body (seeded in {time.perf_counter() - started:.1f} s)\n"
        )
        trump = Entity.objects.create(name="Donald Trump", kind="person")
        trump.aliases.create(name="Trump")
        nobody = Entity.objects.create(name="Harbour Trust", kind="organization")
        many = Entity.objects.bulk_create(
            Entity(name=f"Seed Name {n}", slug=f"seed-{n}", kind="other")
            for n in range(249)
        )
        invalidate_matcher()
        get_matcher()
        iran = Entity.objects.get(name="Iran")
        run('"Trump" (alias added)', [trump.pk], ["Trump"])
        run('"Iran" (new country)', [iran.pk], None)
        run('"Harbour Trust" (in no story)', [nobody.pk], None)
        run(
            f"250 names (> {PREFILTER_LIMIT} spellings: every story read)",
            [nobody.pk, *(e.pk for e in many)],
            None,
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sys.stdout.write(f"peak RSS of the process: {peak:.0f} MB\n")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
