"""A big archive for bench_search, written with COPY (bench/README.md, "Search").

Stories are made of real words: the vocabulary and its frequencies come from
the 315 news stories of ../shared/related-dev (a stand-in text when absent),
and each story also leans on one of them (its "topic": a tenth of its words
and most of its headline), so words co-occur as they do in news. A long tail
of made-up names (Zipf-distributed over 200,000 of them) stands for the
people, places and organisations a real archive names: they make the rare
words. Go-live times spread over ten years, denser towards now; sections,
languages and statuses vary.

PostgreSQL computes each row's generated `search_vector` as it is copied in;
the GIN index is dropped first and built once at the end, which is several
times faster than keeping it up to date row by row.
"""

from __future__ import annotations

import datetime
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils import timezone

from articles.management.commands.seed_corpus import made_up_word
from articles.models import Article, Section

STORIES_DIR = Path(__file__).resolve().parents[2] / "shared/related-dev/stories"
STAND_IN = (
    "The minister said on Tuesday that the government would announce new "
    "measures for schools and hospitals after talks with unions in the capital. "
    "Officials expect the budget to rise next year as prices climb and workers "
    "ask for higher wages, according to a report published by the central bank."
)
TAIL_NAMES = 200_000
SECTIONS = [
    "World",
    "Politics",
    "Business",
    "Science",
    "Health",
    "Sport",
    "Culture",
    "Technology",
    "Climate",
    "Opinion",
    "Local",
    "Education",
]
# (language, share of stories): the text is English words whatever the label,
# but each label is parsed with its own configuration, as in a real archive.
LANGUAGES = [("en", 0.86), ("en-GB", 0.06), ("es", 0.03), ("fr", 0.03), ("de", 0.02)]
YEARS = 10
INDEX_NAME = "article_search"
WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")


@dataclass
class Vocabulary:
    words: list[str]
    cum_weights: list[float]
    probability: dict[str, float]
    topics: list[tuple[list[str], list[str]]]  # (headline words, body words)
    tail: list[str]
    tail_cum_weights: list[float]


def vocabulary() -> Vocabulary:
    """Words and their frequencies from the real stories, with a made-up tail."""
    texts = (
        [path.read_text() for path in sorted(STORIES_DIR.glob("*.txt"))]
        if STORIES_DIR.is_dir()
        else []
    ) or [STAND_IN]
    counts: Counter[str] = Counter()
    topics = []
    for text in texts:
        headline, _, body = text.partition("\n")
        head_words = WORD.findall(headline)
        body_words = WORD.findall(body) or head_words
        counts.update(head_words + body_words)
        topics.append((head_words or body_words[:8], body_words))
    words = [word for word, _ in counts.most_common()]
    total = sum(counts.values())
    cum, running = [], 0
    for word in words:
        running += counts[word]
        cum.append(running)
    tail = [made_up_word(n).capitalize() for n in range(TAIL_NAMES)]
    tail_cum, running = [], 0.0
    for rank in range(1, TAIL_NAMES + 1):
        running += 1 / rank
        tail_cum.append(running)
    return Vocabulary(
        words=words,
        cum_weights=cum,
        probability={word: counts[word] / total for word in words},
        topics=topics,
        tail=tail,
        tail_cum_weights=tail_cum,
    )


def story_text(rng: random.Random, vocab: Vocabulary) -> tuple[str, str, str]:
    """(headline, standfirst, body as HTML) of one made-up story."""
    head_words, body_words = rng.choice(vocab.topics)
    length = int(rng.lognormvariate(math.log(300), 0.5))
    length = max(60, min(length, 2000))
    common = rng.choices(
        vocab.words, cum_weights=vocab.cum_weights, k=length * 85 // 100
    )
    topical = rng.choices(body_words, k=length // 10)
    names = rng.choices(vocab.tail, cum_weights=vocab.tail_cum_weights, k=length // 20)
    words = common + topical + names
    rng.shuffle(words)
    headline_names = rng.choices(vocab.tail, cum_weights=vocab.tail_cum_weights, k=2)
    headline = " ".join(
        rng.sample(head_words, min(len(head_words), rng.randint(4, 8))) + headline_names
    )
    dek = " ".join(rng.choices(body_words, k=rng.randint(12, 25)) + names[:2])
    paragraphs = [
        " ".join(words[start : start + 60]) for start in range(0, len(words), 60)
    ]
    body = "".join(f"<p>{paragraph}.</p>" for paragraph in paragraphs)
    return headline[:300], dek, body


COLUMNS = (
    "headline",
    "slug",
    "dek",
    "body",
    "byline",
    "dateline",
    "section_id",
    "language",
    "source_name",
    "source_url",
    "status",
    "go_live_at",
    "first_published_at",
    "last_published_at",
    "created_at",
    "updated_at",
    "edit_version",
)


def load(stories: int, *, batch: int = 20_000, seed: int = 12, progress=None) -> float:
    """Copy stories into the archive until it holds `stories`, then build the
    GIN index and ANALYZE; the seconds it took (0 when it already held them)."""
    have = Article.objects.count()
    if have >= stories and _has_index():
        return 0.0
    started = time.perf_counter()
    vocab = vocabulary()
    sections = [
        Section.objects.get_or_create(name=name, defaults={"position": n})[0].pk
        for n, name in enumerate(SECTIONS)
    ]
    now = timezone.now()
    span = datetime.timedelta(days=365 * YEARS).total_seconds()
    languages, language_weights = zip(*LANGUAGES, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    columns = ", ".join(COLUMNS)
    for start in range(have, stories, batch):
        end = min(start + batch, stories)
        rng = random.Random(seed * 1_000_003 + start)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            with cursor.copy(f"COPY articles_article ({columns}) FROM STDIN") as copy:
                for n in range(start, end):
                    headline, dek, body = story_text(rng, vocab)
                    # Denser towards now: the archive grows year by year.
                    age = span * (1 - math.sqrt((n + rng.random()) / stories))
                    go_live = now - datetime.timedelta(seconds=age + 3600)
                    roll = rng.random()
                    status = (
                        "draft"
                        if roll < 0.02
                        else "withdrawn"
                        if roll < 0.03
                        else "published"
                    )
                    if roll > 0.999:
                        go_live = now + datetime.timedelta(days=rng.randint(1, 30))
                    published_at = None if status == "draft" else go_live
                    copy.write_row(
                        (
                            headline,
                            f"bench-{n}",
                            dek,
                            body,
                            "Bench Reporter",
                            "",
                            rng.choice(sections),
                            rng.choices(languages, weights=language_weights)[0],
                            "",
                            "",
                            status,
                            None if status == "draft" else go_live,
                            published_at,
                            published_at,
                            go_live,
                            go_live,
                            1,
                        )
                    )
        if progress:
            elapsed = time.perf_counter() - started
            progress(f"{end:,} stories, {elapsed:.0f} s\n")
    with connection.cursor() as cursor:
        # 2 GB holds a 1M-story index build in memory (23 GB machine).
        cursor.execute("SET maintenance_work_mem = '2GB'")
        cursor.execute(
            f"CREATE INDEX {INDEX_NAME} ON articles_article USING gin (search_vector)"
        )
        cursor.execute("ANALYZE articles_article")
    if progress:
        progress(f"GIN index and ANALYZE done, {time.perf_counter() - started:.0f} s\n")
    return time.perf_counter() - started


def _has_index() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [INDEX_NAME])
        return cursor.fetchone()[0]


def query_words(vocab: Vocabulary, low: float, high: float) -> list[str]:
    """Real words whose share of stories is expected between `low` and `high`
    (a word drawn `p` of the time appears in 1 - e^(-0.85 * 300 p) of them)."""
    with connection.cursor() as cursor:
        candidates = [
            word.lower()
            for word, p in vocab.probability.items()
            if low <= 1 - math.exp(-0.85 * 300 * p) <= high and len(word) > 3
        ]
        # Stop words are in no stored vector; keep words English indexes.
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w "
            "WHERE length(to_tsvector('english', w)) > 0",
            [sorted(set(candidates))],
        )
        return [row[0] for row in cursor.fetchall()]
