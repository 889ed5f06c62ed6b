"""Benchmark related stories on a synthetic archive (best on PostgreSQL).

Run from the repository root, growing one database size by size:

    createdb -h 127.0.0.1 -U postgres newsroom_bench_related
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_related
    .venv/bin/python bench/bench_related.py --articles 10000
    .venv/bin/python bench/bench_related.py --articles 100000

Tops the archive up to N published stories with `seed_corpus`, rebuilds every
related list and the document frequencies, then times serving one story's list
(editor picks + stored rows, through `published()`) and publishing a story (its
own list and its neighbours'). Prints the machine, then p50 / p95 / max of each.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

TARGETS = {"serve_p95_ms": 5.0, "publish_p95_ms": 200.0}


def report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M %Z")
    return f"{os.cpu_count()} CPUs, {model}; load average {load}; {when}"


def summary(values: list[float], unit: str, digits: int) -> str:
    return (
        f"p50 {percentile(values, 50):.{digits}f} {unit}, "
        f"p95 {percentile(values, 95):.{digits}f} {unit}, "
        f"max {max(values):.{digits}f} {unit}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--publishes", type=int, default=100)
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from articles.management.commands.seed_corpus import seed_corpus
    from articles.models import Article, ArticleEntity
    from articles.services import publish_article
    from related.rebuild import rebuild_related
    from related.serving import related_articles, related_entries
    from related.upkeep import refresh_related

    call_command("migrate", verbosity=0)
    report(f"machine: {machine()}")
    report(f"database: {connection.vendor}")
    have = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    if have < args.articles:
        started = time.perf_counter()
        seed_corpus(articles=args.articles - have, seed=have, progress=True)
        report(
            f"seed {args.articles - have} stories: "
            f"{time.perf_counter() - started:.1f} s"
        )
    total = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    links = ArticleEntity.objects.count()
    report(f"archive: {total} published stories, {links} entity links")

    if not args.skip_rebuild:
        started = time.perf_counter()
        rebuilt = rebuild_related(progress=True)
        elapsed = time.perf_counter() - started
        report(
            f"rebuild: {rebuilt} stories in {elapsed:.1f} s "
            f"= {rebuilt / elapsed:.0f} stories/s"
        )

    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: dead rows gone, planner statistics.
        cursor.execute("VACUUM ANALYZE")
    rng = random.Random(1)
    ids = list(
        Article.objects.filter(status=Article.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    sample = [Article.objects.get(pk=pk) for pk in rng.sample(ids, args.samples)]
    ids_pool = ids
    for article in sample[:50]:
        related_entries(article)
    timings = []
    for article in sample:
        started = time.perf_counter()
        entries = related_articles(article)
        timings.append((time.perf_counter() - started) * 1000)
    serve_p95 = percentile(timings, 95)
    # Side by side: the cheapest query any story page makes, five published
    # stories by id with the same columns.
    bare = []
    for article in sample:
        ids = [article.pk, *rng.sample(ids_pool, 4)]
        started = time.perf_counter()
        list(
            Article.objects.published()
            .filter(pk__in=ids)
            .select_related("section")
            .only("headline", "slug", "go_live_at", "created_at", "section__name")
        )
        bare.append((time.perf_counter() - started) * 1000)
    report(f"baseline, five published stories by id: {summary(bare, 'ms', 2)}")
    report(
        f"serve related list (story page): {summary(timings, 'ms', 2)} "
        f"(target p95 < {TARGETS['serve_p95_ms']} ms; "
        f"last list had {len(entries)} stories)"
    )
    with_why = []
    for article in sample:
        started = time.perf_counter()
        related_entries(article)
        with_why.append((time.perf_counter() - started) * 1000)
    report(
        "serve related list with scores and shared entities (API, admin): "
        f"{summary(with_why, 'ms', 2)}"
    )

    publish_times, neighbours = [], []
    for article in sample[: args.publishes]:
        entity_links = list(
            ArticleEntity.objects.filter(content_object=article).values_list(
                "tag_id", "relevance"
            )
        )
        with transaction.atomic():
            draft = Article.objects.create(
                headline="Benchmark story", go_live_at=article.go_live_at
            )
            ArticleEntity.objects.bulk_create(
                ArticleEntity(content_object=draft, tag_id=tag, relevance=relevance)
                for tag, relevance in entity_links
            )
            started = time.perf_counter()
            publish_article(article=draft, at=article.go_live_at)
            neighbours.append(refresh_related(draft))
            publish_times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    publish_p95 = percentile(publish_times, 95)
    report(
        f"publish + update neighbours: {summary(publish_times, 'ms', 1)} "
        f"(target p95 < {TARGETS['publish_p95_ms']} ms; "
        f"median {statistics.median(neighbours):.0f} neighbour lists changed)"
    )
    ok = serve_p95 < TARGETS["serve_p95_ms"] and publish_p95 < TARGETS["publish_p95_ms"]
    report("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
