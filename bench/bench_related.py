"""Benchmark related stories on a synthetic archive (best on PostgreSQL).

Run from the repository root, growing one database size by size:

    createdb -h 127.0.0.1 -U postgres newsroom_bench_related
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_related
    .venv/bin/python bench/bench_related.py --articles 10000
    .venv/bin/python bench/bench_related.py --articles 100000

Tops the archive up to N published stories with `seed_corpus`, rebuilds every
related list and the document frequencies (with each engine of --engines in
turn, checking that they store the same lists; `--workers 2` also times
`rebuild_related --background` with two `db_worker` processes), then times
serving one story's list (editor picks + stored rows, through `published()`)
and publishing a story (its own list and its neighbours'). Prints the machine,
then p50 / p95 / max of each.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
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


def peak_rss_mb() -> float:
    """The largest resident set this process has had, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stored_lists() -> dict[int, list[tuple]]:
    from related.models import RelatedScore

    lists: dict[int, list[tuple]] = {}
    for row in (
        RelatedScore.objects.order_by("article_id", "rank")
        .values_list("article_id", "target_id", "score", "shared")
        .iterator(chunk_size=20000)
    ):
        lists.setdefault(row[0], []).append(row[1:])
    return lists


def differences(one: dict, other: dict) -> int:
    """How many stories' lists differ (ids, order, shared, or a score by 1e-9)."""
    differ = 0
    for story in one.keys() | other.keys():
        a, b = one.get(story, []), other.get(story, [])
        same = len(a) == len(b) and all(
            x[0] == y[0] and abs(x[1] - y[1]) <= 1e-9 and x[2] == y[2]
            for x, y in zip(a, b, strict=True)
        )
        differ += not same
    return differ


def background(workers: int, batch_size: int) -> None:
    """Time `rebuild_related --background`: counting here, then the chunks run
    by `workers` `db_worker` processes."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from articles.models import Article

    DBTaskResult.objects.all().delete()
    started = time.perf_counter()
    call_command("rebuild_related", "--background", "--batch-size", str(batch_size))
    counted = time.perf_counter() - started
    command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch"]
    command += ["--no-startup-delay", "--no-reload", "-v", "0"]
    procs = [subprocess.Popen(command, cwd=ROOT) for _ in range(workers)]
    for proc in procs:
        proc.wait()
    elapsed = time.perf_counter() - started
    total = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    failed = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
    report(
        f"rebuild --background --batch-size {batch_size}, {workers} db_workers: "
        f"{total} stories in {elapsed:.1f} s = {total / elapsed:.0f} stories/s "
        f"(counting {counted:.1f} s, chunks {elapsed - counted:.1f} s; "
        f"{failed} tasks not successful)"
    )


def compare_chunk(size: int, engines: list[str]) -> None:
    """Time `score_stories` (one worker's chunk) on the same `size` random
    stories with each engine, and check they store the same lists."""
    from articles.models import Article
    from related.rebuild import score_stories

    ids = list(
        Article.objects.filter(status=Article.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    chunk = sorted(random.Random(2).sample(ids, min(size, len(ids))))
    lists = {}
    for engine in engines:
        started = time.perf_counter()
        cpu = time.process_time()
        score_stories(chunk, engine=engine)
        elapsed = time.perf_counter() - started
        report(
            f"score_stories, {engine} engine, {len(chunk)} random stories: "
            f"{elapsed:.1f} s = {len(chunk) / elapsed:.0f} stories/s "
            f"(this process's CPU {time.process_time() - cpu:.1f} s)"
        )
        everything = stored_lists()
        lists[engine] = {story: everything.get(story, []) for story in chunk}
    (first, one), *others = lists.items()
    for engine, other in others:
        report(
            f"chunk lists that differ, {first} vs {engine}: "
            f"{differences(one, other)} of {len(chunk)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--publishes", type=int, default=100)
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="keep the stored lists"
    )
    parser.add_argument(
        "--engines",
        default="sparse",
        help="rebuild with each of these in turn (sparse, python), comma-separated",
    )
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--workers", type=int, default=0, help="also time --background with N"
    )
    parser.add_argument("--worker-batch-size", type=int, default=5000)
    parser.add_argument(
        "--chunk",
        type=int,
        default=0,
        help="also time score_stories on N random stories with each engine "
        "of --chunk-engines",
    )
    parser.add_argument("--chunk-engines", default="sparse,python")
    parser.add_argument(
        "--rebuild-only", action="store_true", help="skip serving and publishing"
    )
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
        lists = {}
        for engine in args.engines.split(","):
            started = time.perf_counter()
            cpu = time.process_time()
            rebuilt = rebuild_related(
                progress=True, engine=engine, batch_size=args.batch_size
            )
            elapsed = time.perf_counter() - started
            report(
                f"rebuild, {engine} engine: {rebuilt} stories in {elapsed:.1f} s "
                f"= {rebuilt / elapsed:.0f} stories/s "
                f"(this process's CPU {time.process_time() - cpu:.1f} s; "
                f"peak RSS so far {peak_rss_mb():.0f} MB)"
            )
            if len(args.engines.split(",")) > 1:
                lists[engine] = stored_lists()
        if len(lists) > 1:
            (first, one), *others = lists.items()
            for engine, other in others:
                report(
                    f"stories whose lists differ, {first} vs {engine}: "
                    f"{differences(one, other)} of {len(one.keys() | other.keys())}"
                )
    if args.chunk:
        compare_chunk(args.chunk, args.chunk_engines.split(","))
    if args.workers:
        background(args.workers, args.worker_batch_size)
    if args.rebuild_only:
        return 0

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
