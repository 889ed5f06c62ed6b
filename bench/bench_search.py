"""Benchmark full-text search at archive scale: the search page's query (the
newest matches ranked) against ranking every match (the code before), in the
same run.

Run from the repository root against PostgreSQL (SQLite has no full-text
search to measure):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench1m \\
        .venv/bin/python bench/bench_search.py --million --keep

It works in a scratch database next to the one named (test_<name>), kept
between runs with --keep: a second run reuses the archive (or tops it up to a
bigger size). The archive is written with COPY (bench/search_archive.py: real
words from ../shared/related-dev plus a tail of made-up names, ten years of
go-live times, sections, languages, statuses), then the GIN index is built and
the table analysed. Then it times two-word queries of three kinds:

- rare:   two names from a random story's headline (a few to hundreds of
          matches);
- medium: two real words each in 1-5% of stories (hundreds of matches);
- common: two real words each in 20-60% of stories (a hundred thousand
          matches and more: the ranking's worst case).

Rows, each over the same queries:

- search:   the search page's database work, through the code the view runs:
            `SearchForm.stories()` as `SearchView` narrows it, the count
            (`SearchPaginator`), the first page of 20 and its snippets
            (`add_snippets`);
- all:      the same page as the code before ranked it, every match ranked
            (`published().filter(search_vector=...)`, `ts_rank` over all),
            with its count; slow on common words, so only --baseline-queries
            of each kind;
- view:     GET /search/?q= through django.test.Client (middleware, form,
            count, page, entities named like the query, snippets, template);
- api:      GET /api/v1/articles/?q= with a partner key.

Target (issue 12): p95 < 50 ms at 1M stories.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# The test client speaks plain HTTP; production settings would redirect it.
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

warnings.filterwarnings("ignore", "No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.postgres.search import SearchRank  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)

from articles import models as article_models  # noqa: E402
from articles import views as article_views  # noqa: E402
from articles.forms import SearchForm  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.search import search_query  # noqa: E402
from articles.views import PAGE_SIZE, SearchPaginator, add_snippets  # noqa: E402
from bench import search_archive  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services import issue_key  # noqa: E402

TARGET_P95_MS = 50.0
KINDS = ("rare", "medium", "common")


def make_queries(
    count: int, rng: random.Random, vocab: search_archive.Vocabulary
) -> list[tuple[str, str]]:
    """`count` (kind, query) pairs, the kinds in turn."""
    medium = search_archive.query_words(vocab, 0.01, 0.05)
    common = search_archive.query_words(vocab, 0.2, 0.6)
    top = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        kind = KINDS[len(queries) % 3]
        if kind == "rare":
            headline = (
                Article.objects.filter(pk__lte=rng.randint(1, top))
                .order_by("-pk")
                .values_list("headline", flat=True)
                .first()
            )
            # A headline ends with two names from the made-up tail.
            text = " ".join(headline.split()[-2:])
        else:
            text = " ".join(rng.sample(medium if kind == "medium" else common, 2))
        queries.append((kind, text))
    return queries


def search_page(text: str) -> int:
    """The search page's database work, as SearchView does it; the count."""
    form = SearchForm({"q": text})
    assert form.is_valid(), form.errors
    stories = form.stories().for_listing().defer("body")
    page = SearchPaginator(stories, PAGE_SIZE).page(1)
    add_snippets(page.object_list, text)
    return page.paginator.count


def all_ranked_page(text: str) -> int:
    """The same page with every match ranked, as the code before ranked it."""
    query = search_query(text)
    stories = (
        Article.objects.published()
        .filter(search_vector=query)
        .annotate(search_rank=SearchRank(F("search_vector"), query))
        .newest_first("-search_rank")
        .for_listing()
        .defer("body")
    )
    page = SearchPaginator(stories, PAGE_SIZE).page(1)
    add_snippets(page.object_list, text)
    return page.paginator.count


def timed(run, queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Milliseconds per query, by kind and overall; also the counts."""
    times: dict[str, list[float]] = {"all": []}
    for kind, text in queries:
        began = time.perf_counter()
        result = run(text)
        elapsed = (time.perf_counter() - began) * 1000
        times["all"].append(elapsed)
        times.setdefault(kind, []).append(elapsed)
        if isinstance(result, int):
            times.setdefault(f"{kind} count", []).append(result)
    return times


def get(client: Client, url: str, text: str, **headers) -> None:
    response = client.get(url, {"q": text}, **headers)
    assert response.status_code == 200, (url, text, response.status_code)


def percentile(values: list[float], fraction: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(len(values) * fraction) - 1))]


def line(name: str, times: dict[str, list[float]]) -> str:
    parts = []
    for kind in ("all", *KINDS):
        if values := times.get(kind):
            parts.append(
                f"{kind} n={len(values)} {statistics.median(values):.1f} / "
                f"{percentile(values, 0.95):.1f}"
            )
    return f"{name:7} p50 / p95 ms: " + " | ".join(parts) + "\n"


def counts(times: dict[str, list[float]]) -> str:
    parts = []
    for kind in KINDS:
        if values := times.get(f"{kind} count"):
            parts.append(
                f"{kind} median {statistics.median(values):,.0f} "
                f"(min {min(values):,}, max {max(values):,})"
            )
    return " | ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="Use 1,000,000 stories.")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument(
        "--baseline-queries",
        type=int,
        default=10,
        help="How many queries of each kind to time with every match ranked.",
    )
    parser.add_argument(
        "--candidates",
        type=int,
        help="Rank this many newest matches instead of SEARCH_CANDIDATES.",
    )
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the scratch database for reruns."
    )
    parser.add_argument(
        "--load-only", action="store_true", help="Build the archive, time nothing."
    )
    args = parser.parse_args()
    out = sys.stdout.write
    if connection.vendor != "postgresql":
        out("bench_search needs PostgreSQL: set DATABASE_URL.\n")
        return 2
    stories = 1_000_000 if args.million else args.stories
    if args.candidates:
        # What the search and its paginator read at call time.
        article_models.SEARCH_CANDIDATES = args.candidates
        article_views.SEARCH_CANDIDATES = args.candidates

    setup_test_environment()
    old_name = connection.creation.create_test_db(
        verbosity=0, keepdb=args.keep, serialize=False
    )
    try:
        loaded = search_archive.load(stories, batch=args.batch_size, progress=out)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('articles_article')), "
                "pg_size_pretty(pg_relation_size('article_search'))"
            )
            table_size, index_size = cursor.fetchone()
        out(
            f"{Article.objects.count():,} stories (loaded now in {loaded:.0f} s); "
            f"table {table_size}, GIN index {index_size}\n"
        )
        if args.load_only:
            return 0
        rng = random.Random(12)
        queries = make_queries(args.queries, rng, search_archive.vocabulary())
        # Warm the caches the way a running site has them.
        timed(search_page, queries[:30])
        searched = timed(search_page, queries)
        per_kind = {kind: [q for q in queries if q[0] == kind] for kind in KINDS}
        sample = [q for kind in KINDS for q in per_kind[kind][: args.baseline_queries]]
        every = timed(all_ranked_page, sample)
        searched_sample = timed(search_page, sample)
        partner = Partner.objects.create(name="Bench", throttle_rate="10000000/hour")
        _, key = issue_key(partner=partner)
        client = Client()
        # Pages render without collectstatic's manifest, as in the tests.
        storages = {
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
        with override_settings(STORAGES=storages):
            view = timed(lambda text: get(client, "/search/", text), queries)
        api = timed(
            lambda text: get(
                client, "/api/v1/articles/", text, HTTP_AUTHORIZATION=f"Api-Key {key}"
            ),
            queries,
        )
        partner.delete()
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    out(line("search", searched))
    out(line("view", view))
    out(line("api", api))
    out(line("all", every))
    out(line("search*", searched_sample))
    out("(all: every match ranked; search*: the search row on the same queries)\n")
    out(f"candidates ranked: {article_models.SEARCH_CANDIDATES}\n")
    out(f"search counts shown: {counts(searched)}\n")
    out(f"all-ranked counts:   {counts(every)}\n")
    p95 = percentile(searched["all"], 0.95)
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    out(f"search p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms: {verdict})\n")
    with open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (row.split(":", 1)[1].strip() for row in cpuinfo if "model name" in row),
            "?",
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    out(
        f"{os.cpu_count()} CPUs, {model}, PostgreSQL {server}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
        f"python {sys.version.split()[0]}, Django {django.get_version()}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
