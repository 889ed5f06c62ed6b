"""Benchmark the partner API's story list against a hand-written Django view.

Run from the repository root, against the database server in DATABASE_URL
(SQLite when unset):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python bench/bench_api.py [--stories 2000] [--requests 200]

It works in a scratch database that Django's test machinery creates next to the
one named (test_<name>) and drops afterwards. It seeds stories with entities
and tags by bulk_create, then times requests through django.test.Client:

- api:   GET /api/v1/articles/?page_size=100 with a partner key: key check,
         rate limit, usage count, filters, cursor page, serializers, ETag;
- plain: the same JSON for the same 100 stories, built by hand from .values()
         in a plain Django view: the floor a framework-free view would reach.

Target: the API within 2x of the plain view.

With --lists it times every list endpoint instead (first page, default page
size, partner key), on an archive of --stories stories and --entities entities
(a quarter as many by default, as at a million stories), and, side by side in
the same run, the entity and tag lists as they were before (numbered pages
with a total count, mounted under /bench/): the baseline the cursor replaced.

    .venv/bin/python bench/bench_api.py --lists --stories 100000

Target: every list p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# The test client speaks plain HTTP; production settings would redirect it.
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

# WhiteNoise looks for collectstatic output, which a benchmark does not need.
warnings.filterwarnings("ignore", "No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles.api.views import TagViewSet  # noqa: E402
from articles.models import (  # noqa: E402
    Article,
    ArticleEntity,
    Section,
    TaggedArticle,
    Thread,
)
from entities.api.views import EntityViewSet  # noqa: E402
from entities.models import Entity  # noqa: E402
from newsroom.api.pagination import PageNumberPagination  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services import issue_key  # noqa: E402

PAGE = 100
TARGET_RATIO = 2.0
KINDS = list(Entity.Kind.values)
WORDS = [
    "harbour",
    "council",
    "ferry",
    "budget",
    "election",
    "storm",
    "minister",
    "court",
    "school",
    "hospital",
    "river",
    "bridge",
    "strike",
    "union",
    "market",
    "port",
    "festival",
    "police",
    "mayor",
    "village",
]


def plain_articles(request: HttpRequest) -> JsonResponse:
    """The API's first page of stories, built by hand: three queries, no DRF."""
    build = request.build_absolute_uri
    rows = list(
        Article.objects.published()
        .order_by("-go_live_at", "-pk")
        .values(
            "id",
            "headline",
            "slug",
            "dek",
            "byline",
            "dateline",
            "language",
            "source_name",
            "source_url",
            "go_live_at",
            "first_published_at",
            "last_published_at",
            "updated_at",
            "section__name",
            "section__slug",
            "section__description",
        )[:PAGE]
    )
    ids = [row["id"] for row in rows]
    entities: dict[int, list[dict]] = {pk: [] for pk in ids}
    for link in (
        ArticleEntity.objects.filter(content_object_id__in=ids)
        .order_by("tag__kind", "tag__name")
        .values(
            "content_object_id",
            "relevance",
            "tag__name",
            "tag__slug",
            "tag__kind",
            "tag__wikidata_id",
        )
    ):
        entities[link["content_object_id"]].append(
            {
                "name": link["tag__name"],
                "slug": link["tag__slug"],
                "kind": link["tag__kind"],
                "relevance": link["relevance"],
                "wikidata_id": link["tag__wikidata_id"],
                "url": build(f"/api/v1/entities/{link['tag__slug']}/"),
            }
        )
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    for tag in TaggedArticle.objects.filter(content_object_id__in=ids).values(
        "content_object_id", "tag__name"
    ):
        tags[tag["content_object_id"]].append(tag["tag__name"])

    def when(value):
        return value.isoformat().replace("+00:00", "Z") if value else None

    results = []
    for row in rows:
        day = timezone.localdate(row["go_live_at"])
        section = None
        if row["section__slug"]:
            section = {
                "url": build(f"/api/v1/sections/{row['section__slug']}/"),
                "name": row["section__name"],
                "slug": row["section__slug"],
                "description": row["section__description"],
                "articles_url": build(
                    f"/api/v1/articles/?section={row['section__slug']}"
                ),
            }
        results.append(
            {
                "id": row["id"],
                "uri": f"urn:newsroom:article:{row['id']}",
                "url": build(f"/api/v1/articles/{row['id']}/"),
                "web_url": build(f"/{day:%Y/%m/%d}/{row['slug']}/"),
                "headline": row["headline"],
                "slug": row["slug"],
                "dek": row["dek"],
                "byline": row["byline"],
                "dateline": row["dateline"],
                "language": row["language"],
                "section": section,
                "entities": entities[row["id"]],
                "tags": sorted(tags[row["id"]]),
                "source_name": row["source_name"],
                "source_url": row["source_url"] or None,
                "published_at": when(row["go_live_at"]),
                "first_published_at": when(row["first_published_at"]),
                "last_published_at": when(row["last_published_at"]),
                "updated_at": when(row["updated_at"]),
            }
        )
    return JsonResponse({"next": None, "previous": None, "results": results})


class PagedEntityViewSet(EntityViewSet):
    """The entity list before the cursor: numbered pages with a total."""

    pagination_class = PageNumberPagination

    def get_queryset(self):
        return super().get_queryset().order_by("name", "pk")


class PagedTagViewSet(TagViewSet):
    """The tag list before the cursor: numbered pages with a total."""

    pagination_class = PageNumberPagination

    def get_queryset(self):
        return super().get_queryset().order_by("name", "pk")


urlpatterns = [
    path("bench/plain/", plain_articles),
    path("bench/entities-paged/", PagedEntityViewSet.as_view({"get": "list"})),
    path("bench/tags-paged/", PagedTagViewSet.as_view({"get": "list"})),
    path("", include("newsroom.urls")),
]

LISTS = [
    ("articles", "/api/v1/articles/"),
    ("changes", "/api/v1/changes/"),
    ("entities", "/api/v1/entities/"),
    ("entities, before", "/bench/entities-paged/"),
    ("entities?kind=place", "/api/v1/entities/?kind=place"),
    ("tags", "/api/v1/tags/"),
    ("tags, before", "/bench/tags-paged/"),
    ("sections", "/api/v1/sections/"),
    ("threads", "/api/v1/threads/"),
]
LIST_TARGET_MS = 50.0


def seed(stories: int, entity_count: int = 400, tag_count: int = 200) -> str:
    """Fill the scratch database; return a partner key."""
    rng = random.Random(5)
    sections = Section.objects.bulk_create(
        Section(name=name, slug=name.lower(), position=n)
        for n, name in enumerate(["World", "Politics", "Business", "Sport", "Culture"])
    )
    entities = Entity.objects.bulk_create(
        Entity(
            name=f"Entity {n}",
            slug=f"entity-{n}",
            kind=KINDS[n % len(KINDS)],
            wikidata_id=f"Q{1000 + n}" if n % 2 else "",
        )
        for n in range(entity_count)
    )
    tags = Tag.objects.bulk_create(
        Tag(name=f"Topic {n}", slug=f"topic-{n}") for n in range(tag_count)
    )
    threads = Thread.objects.bulk_create(
        Thread(title=f"Developing story {n}", slug=f"developing-{n}")
        for n in range(max(1, stories // 200))
    )
    now = timezone.now()
    articles = []
    for n in range(stories):
        when = now - timezone.timedelta(minutes=30 * n + rng.randint(0, 29))
        words = " ".join(rng.choice(WORDS) for _ in range(8))
        body = "".join(
            f"<p>{' '.join(rng.choice(WORDS) for _ in range(60))}.</p>"
            for _ in range(6)
        )
        articles.append(
            Article(
                headline=f"Story {n}: {words}",
                slug=f"story-{n}",
                dek=f"What happened to the {rng.choice(WORDS)}.",
                body=body,
                byline="A. Reporter",
                dateline="PORT ALDEN",
                section=rng.choice(sections),
                thread=rng.choice(threads) if n % 10 == 0 else None,
                status=Article.Status.PUBLISHED,
                go_live_at=when,
                first_published_at=when,
                last_published_at=when,
            )
        )
    articles = Article.objects.bulk_create(articles, batch_size=500)
    links, tagged = [], []
    for article in articles:
        if len(links) > 50_000:
            ArticleEntity.objects.bulk_create(links, batch_size=5000)
            TaggedArticle.objects.bulk_create(tagged, batch_size=5000)
            links, tagged = [], []
        for m, entity in enumerate(rng.sample(entities, rng.randint(3, 6))):
            relevance = (
                ArticleEntity.Relevance.ABOUT
                if m < 2
                else ArticleEntity.Relevance.MENTIONS
            )
            links.append(
                ArticleEntity(content_object=article, tag=entity, relevance=relevance)
            )
        for tag in rng.sample(tags, rng.randint(2, 4)):
            tagged.append(TaggedArticle(content_object=article, tag=tag))
    ArticleEntity.objects.bulk_create(links, batch_size=2000)
    TaggedArticle.objects.bulk_create(tagged, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    partner = Partner.objects.create(name="Bench", throttle_rate="10000000/hour")
    _, key = issue_key(partner=partner)
    return key


@contextmanager
def scratch_database() -> Iterator[None]:
    """Django's test database next to the configured one, with this module's
    addresses; dropped afterwards."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        with override_settings(ROOT_URLCONF=__name__):
            yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def seeded(args, *, entity_count: int, tag_count: int) -> str:
    """Seed, say what was seeded, and freeze the garbage collector's view of
    start-up objects unless asked not to; return the partner key."""
    started = time.perf_counter()
    key = seed(args.stories, entity_count, tag_count)
    sys.stdout.write(
        f"seeded {args.stories} stories, {entity_count} entities, "
        f"{ArticleEntity.objects.count()} entity links, "
        f"{TaggedArticle.objects.count()} tag links on "
        f"{connection.vendor} in {time.perf_counter() - started:.1f}s\n"
    )
    if not args.no_gc_freeze:
        # What a tuned server does once the app is loaded: a full collection
        # then no longer walks Django's own objects.
        gc.collect()
        gc.freeze()
    return key


def measure(client: Client, url: str, requests: int, **headers) -> dict:
    for _ in range(10):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    with override_settings(DEBUG=True):
        reset_queries()
        client.get(url, **headers)
        queries = len(connection.queries)
    timings = []
    start = time.perf_counter()
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url, **headers)
        timings.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - start
    timings.sort()
    return {
        "rps": requests / elapsed,
        "p50": statistics.median(timings) * 1000,
        "p95": timings[int(len(timings) * 0.95) - 1] * 1000,
        "queries": queries,
        "bytes": len(response.content),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="Leave the objects loaded at start-up in the garbage collector's "
        "sight, as a server without gc.freeze() after loading the app does.",
    )
    parser.add_argument(
        "--lists",
        action="store_true",
        help="Time every list endpoint, and the entity and tag lists with "
        "numbered pages as before, instead of the story list against a plain view.",
    )
    parser.add_argument(
        "--entities",
        type=int,
        help="Entities to seed (default: 400, or a quarter of --stories with --lists).",
    )
    args = parser.parse_args()
    if args.lists:
        return lists(args)
    out = sys.stdout.write

    with scratch_database():
        key = seeded(args, entity_count=400, tag_count=200)
        client = Client()
        api = measure(
            client,
            f"/api/v1/articles/?page_size={PAGE}",
            args.requests,
            HTTP_AUTHORIZATION=f"Api-Key {key}",
        )
        plain = measure(client, "/bench/plain/", args.requests)

    for name, result in (("api", api), ("plain", plain)):
        out(
            f"{name:5}  {result['rps']:7.1f} req/s  p50 {result['p50']:6.1f} ms  "
            f"p95 {result['p95']:6.1f} ms  {result['queries']} queries  "
            f"{result['bytes'] / 1024:.0f} KiB\n"
        )
    ratio = plain["rps"] / api["rps"]
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    out(f"ratio  plain/api = {ratio:.2f}x  (target <= {TARGET_RATIO}x: {verdict})\n")
    out(
        f"python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"DEBUG={settings.DEBUG}, gc.freeze: {not args.no_gc_freeze}\n"
    )
    return 0 if ratio <= TARGET_RATIO else 1


def lists(args) -> int:
    """Every list endpoint's first page, and the numbered pages of before."""
    out = sys.stdout.write
    entity_count = args.entities or max(400, args.stories // 4)
    results = {}
    with scratch_database():
        # Each entity is on a few stories at most, as most are in a large archive.
        key = seeded(
            args, entity_count=entity_count, tag_count=max(200, args.stories // 20)
        )
        client = Client()
        for name, url in LISTS:
            results[name] = measure(
                client, url, args.requests, HTTP_AUTHORIZATION=f"Api-Key {key}"
            )

    for name, result in results.items():
        out(
            f"{name:20}  p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
            f"{result['queries']} queries\n"
        )
    missed = [
        name
        for name, result in results.items()
        if result["p95"] >= LIST_TARGET_MS and "before" not in name
    ]
    out(
        f"target p95 < {LIST_TARGET_MS:.0f} ms: "
        f"{'MISSED by ' + ', '.join(missed) if missed else 'met'}\n"
        f"python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{args.requests} requests each, gc.freeze: {not args.no_gc_freeze}\n"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
