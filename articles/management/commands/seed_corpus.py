"""Generate a synthetic archive for benchmarks: `manage.py seed_corpus --articles N`.

Entities follow a long tail (Zipf): a few appear in a large share of stories, most
in a handful. Stories are published, spread over the years before now.
"""

from __future__ import annotations

import datetime
import itertools
import random
import secrets

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag
from tqdm import tqdm

from articles.models import Article, ArticleEntity, Section, TaggedArticle
from entities.models import Entity

TOPICS = 60
# Made-up words (letters only), a long tail of them, and subjects that each
# favour a few: stories on one subject share rarer words, as news does.
VOCABULARY = 50_000
SUBJECTS = 2000
SUBJECT_WORDS = 30
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]


def made_up_word(n: int) -> str:
    """The `n`th made-up word: two to four syllables."""
    syllables = []
    n += len(SYLLABLES) ** 2
    while n:
        n, digit = divmod(n, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(syllables)


def _text(rng, words, cum_weights, subject, count) -> str:
    common = rng.choices(words, cum_weights=cum_weights, k=count - count // 4)
    return " ".join(common + rng.choices(subject, k=count // 4))


def seed_corpus(
    *,
    articles: int,
    entities: int | None = None,
    years: float = 10.0,
    entities_per_story: int = 6,
    zipf: float = 1.0,
    batch_size: int = 5000,
    seed: int | None = None,
    progress: bool = False,
    words_per_story: int = 300,
) -> None:
    """Create `articles` published stories tagged with synthetic entities, with
    `words_per_story` made-up words of text each (0 for none).

    Everything is written with bulk_create, one transaction per batch.
    """
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    entities = entities or max(50, articles // 4)
    now = timezone.now()
    section, _ = Section.objects.get_or_create(
        slug="archive", defaults={"name": "Archive"}
    )
    kinds = list(Entity.Kind.values)
    entity_ids = []
    for start in range(0, entities, batch_size):
        created = Entity.objects.bulk_create(
            Entity(
                name=f"Seed entity {run} {n}",
                slug=f"seed-entity-{run}-{n}",
                kind=kinds[n % len(kinds)],
            )
            for n in range(start, min(start + batch_size, entities))
        )
        entity_ids += [entity.pk for entity in created]
    tags = Tag.objects.bulk_create(
        Tag(name=f"seed topic {run} {n}", slug=f"seed-topic-{run}-{n}")
        for n in range(TOPICS)
    )
    entity_weights = list(
        itertools.accumulate(1 / (rank**zipf) for rank in range(1, entities + 1))
    )
    tag_weights = list(
        itertools.accumulate(1 / (rank**zipf) for rank in range(1, TOPICS + 1))
    )
    words = [made_up_word(n) for n in range(VOCABULARY)]
    word_weights = list(
        itertools.accumulate(1 / (rank**zipf) for rank in range(1, VOCABULARY + 1))
    )
    subjects = [rng.sample(words[1000:], SUBJECT_WORDS) for _ in range(SUBJECTS)]
    span = datetime.timedelta(days=365.25 * years).total_seconds()
    bar = tqdm(total=articles, unit="story", desc="Seeding", disable=not progress)
    for start in range(0, articles, batch_size):
        count = min(batch_size, articles - start)
        with transaction.atomic():
            stories = []
            for n in range(start, start + count):
                when = now - datetime.timedelta(seconds=rng.random() * span)
                subject = rng.choice(subjects)
                body = "Synthetic."
                if words_per_story:
                    body = _text(rng, words, word_weights, subject, words_per_story)
                stories.append(
                    Article(
                        headline=f"Seeded story {n} of run {run} "
                        + " ".join(rng.sample(subject, 3)),
                        slug=f"seed-{run}-{n}",
                        dek="A synthetic story for benchmarks.",
                        body=f"<p>{body}</p>",
                        section=section,
                        status=Article.Status.PUBLISHED,
                        go_live_at=when,
                        first_published_at=when,
                        last_published_at=when,
                    )
                )
            stories = Article.objects.bulk_create(stories)
            links, tag_links = [], []
            for story in stories:
                k = max(1, min(entities, int(rng.gauss(entities_per_story, 2))))
                picked = dict.fromkeys(
                    rng.choices(entity_ids, cum_weights=entity_weights, k=k)
                )
                for position, entity_id in enumerate(picked):
                    links.append(
                        ArticleEntity(
                            content_object_id=story.pk,
                            tag_id=entity_id,
                            relevance=ArticleEntity.Relevance.ABOUT
                            if position < 2
                            else ArticleEntity.Relevance.MENTIONS,
                        )
                    )
                for tag in dict.fromkeys(
                    rng.choices(tags, cum_weights=tag_weights, k=rng.randint(0, 2))
                ):
                    tag_links.append(
                        TaggedArticle(content_object_id=story.pk, tag_id=tag.pk)
                    )
            ArticleEntity.objects.bulk_create(links, batch_size=batch_size)
            TaggedArticle.objects.bulk_create(tag_links, batch_size=batch_size)
        bar.update(count)
    bar.close()


class Command(BaseCommand):
    help = (
        "Generate a synthetic archive of published stories with long-tailed "
        "entities, for benchmarks. Run `rebuild_related` afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, required=True, metavar="N")
        parser.add_argument(
            "--entities", type=int, help="How many entities (default N/4)."
        )
        parser.add_argument("--years", type=float, default=10.0)
        parser.add_argument("--seed", type=int, help="For a repeatable archive.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options) -> None:
        seed_corpus(
            articles=options["articles"],
            entities=options["entities"],
            years=options["years"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            progress=options["verbosity"] > 0,
        )
        self.stdout.write(f"Seeded {options['articles']} stories.")
