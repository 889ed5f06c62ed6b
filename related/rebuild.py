"""Recompute every published story's suggestions and the document frequencies."""

from __future__ import annotations

import json
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import numpy as np
from django.db import connection, models, transaction
from taggit.models import Tag
from tqdm import tqdm

from articles.models import Article
from entities.models import Entity
from related.features import archive_terms, archive_weights
from related.models import (
    DocumentFrequency,
    Posting,
    RelatedExclusion,
    RelatedScore,
    StoryFeatures,
)
from related.scoring import (
    STORED_LIMIT,
    TOTAL,
    Index,
    best,
    day,
    entity_feature,
    is_entity,
    key_terms,
    shared_json,
    tag_feature,
)
from related.sparse import Matrix, proposing_entries, score_batch, shared

SCORE_FIELDS = ["article_id", "target_id", "score", "rank", "shared"]


def batched(items: list[int], size: int) -> Iterator[list[int]]:
    """`items` in lists of at most `size`, for queries with a bounded IN list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# COPY's text format: a tab between columns, a newline after a row, and these
# escaped within a value.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_ROWS = 10_000


def _copy_value(value: object) -> str:
    if type(value) is int:
        return str(value)
    if type(value) is float:
        # repr is the shortest text that reads back as the same double.
        return repr(value)
    if value is None:
        return "\\N"
    if isinstance(value, dict | list):
        # JSON escapes every control character: only its backslashes are left.
        return json.dumps(value).replace("\\", "\\\\")
    return str(value).translate(COPY_ESCAPES)


def _insert(
    model: type[models.Model], fields: list[str], rows: Iterable[tuple]
) -> None:
    """Insert `rows` (values of `fields`): with COPY on PostgreSQL, written as
    text a block of rows at a time, else in bulk."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows),
            batch_size=2000,
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    value = _copy_value
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(map(value, row)))
            if len(lines) == COPY_ROWS:
                lines.append("")
                copy.write("\n".join(lines))
                lines = []
        if lines:
            lines.append("")
            copy.write("\n".join(lines))


ENGINES = ("sparse", "python")


def rebuild_related(
    *,
    batch_size: int = 5000,
    progress: bool = False,
    score: bool = True,
    engine: str = "sparse",
) -> int:
    """Recompute every published story's features, document frequencies and
    stored suggestions; returns how many stories.

    With `score=False` only the counts and posting lists are rebuilt, and the
    lists are left to `score_stories`, which several workers can run on chunks
    of the archive at once.

    Reads every published story's entity and tag links and its text once,
    picks each story's key terms once the archive's word counts are known,
    scores in memory (a batch at a time with sparse matrices, `related.sparse`;
    `engine="python"` scores story by story with `Index.scores`, the reference
    the sparse engine is tested against), then writes each batch of lists in its
    own transaction (COPY on PostgreSQL) so readers always see complete lists.
    """
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    days = {
        pk: day(when)
        for pk, when in published.values_list("pk", "go_live_at").iterator(
            chunk_size=50000
        )
    }
    total = max(len(days), 1)
    index = Index(total=total, df=Counter(), days=days)
    features = index.features
    features.update(archive_weights(published))
    df = index.df
    for own in features.values():
        df.update(own.keys())
    # What each story is counted with, as compact arrays: at 1M stories a
    # list of Python ints per story would take gigabytes.
    counted: dict[int, array] = {}
    # Each story's word counts, kept compact until the archive's are known.
    words: dict[int, tuple[array, array]] = {}
    labels: dict[int, str] = {}
    bar = None
    if progress:
        bar = tqdm(total=len(days), unit="story", desc="Counting words")
    for story, found in archive_terms(published):
        df.update(found.counts.keys())
        counted[story] = array(
            "q", sorted([TOTAL, *features.get(story, ()), *found.counts])
        )
        words[story] = (array("q", found.counts), array("d", found.counts.values()))
        for feature, word in found.words.items():
            labels.setdefault(feature, word)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    for story, (terms, counts) in words.items():
        chosen = key_terms(dict(zip(terms, counts, strict=True)), df, total)
        if chosen:
            features.setdefault(story, {}).update(chosen)
    del words
    if engine == "python":
        postings = index.postings
        for other, own in features.items():
            for feature, weight in own.items():
                if index.is_rare(feature):
                    postings.setdefault(feature, []).append((other, weight))
    labels.update(_labels(features))
    excluded: dict[int, set[int]] = defaultdict(set)
    for article_id, target_id in RelatedExclusion.objects.values_list(
        "article_id", "target_id"
    ):
        excluded[article_id].add(target_id)

    with transaction.atomic():
        DocumentFrequency.objects.all().delete()
        StoryFeatures.objects.all().delete()
        Posting.objects.all().delete()
        _insert(
            DocumentFrequency,
            ["feature", "df"],
            [(TOTAL, len(days)), *df.items()],
        )
        _insert(
            StoryFeatures,
            ["article_id", "features"],
            (
                (story, counted[story].tolist() if story in counted else [TOTAL])
                for story in days
            ),
        )
        _insert(
            Posting,
            ["article_id", "feature", "weight"],
            (
                (story, feature, weight)
                for story, own in features.items()
                for feature, weight in own.items()
            ),
        )

    stories = sorted(days)
    if not score:
        # The lists are left to `score_stories`, chunk by chunk (the command's
        # --background queues them for the workers).
        return len(stories)
    bar = None
    if progress:
        bar = tqdm(total=len(stories), unit="story", desc="Related stories")
    if engine == "python":
        batches = _python_lists(index, stories, excluded, labels, batch_size)
    else:
        matrix = Matrix.build(days, features, df, total)
        batches = _sparse_lists(matrix, stories, excluded, labels, batch_size)
    for batch, rows in batches:
        with transaction.atomic():
            RelatedScore.objects.filter(article_id__in=batch).delete()
            _insert(RelatedScore, SCORE_FIELDS, rows)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    RelatedScore.objects.exclude(article__status=Article.Status.PUBLISHED).delete()
    return len(stories)


def _python_lists(
    index: Index,
    stories: list[int],
    excluded: dict[int, set[int]],
    labels: dict[int, str],
    batch_size: int,
) -> Iterator[tuple[list[int], list[tuple]]]:
    """Each batch of `stories` with its rows of `RelatedScore`, scored story by
    story with `Index.scores`."""
    no_exclusions: set[int] = set()
    for batch in batched(stories, batch_size):
        rows = []
        for story in batch:
            own = index.features.get(story)
            if not own:
                continue
            scores = index.scores(
                story,
                own,
                index.days[story],
                excluded.get(story, no_exclusions),
                STORED_LIMIT,
            )
            rows += [
                (
                    story,
                    other,
                    score,
                    rank,
                    shared_json(index.shared(own, other), labels),
                )
                for rank, (other, score) in enumerate(best(scores, None))
            ]
        yield batch, rows


def _sparse_lists(
    matrix: Matrix,
    stories: list[int],
    excluded: dict[int, set[int]],
    labels: dict[int, str],
    batch_size: int,
) -> Iterator[tuple[list[int], list[tuple]]]:
    """Each batch of `stories` with its rows of `RelatedScore`, scored a batch at
    a time (`related.sparse`)."""
    for batch in batched(stories, batch_size):
        rows = matrix.rows(batch)
        lists = score_batch(matrix, rows, excluded)
        explained = shared(matrix, rows, lists)
        owners = matrix.ids[rows[lists.row]].tolist()
        targets = matrix.ids[lists.target].tolist()
        ranks = _ranks(lists.row)
        yield (
            batch,
            [
                (story, other, score, rank, shared_json(why, labels))
                for story, other, score, rank, why in zip(
                    owners,
                    targets,
                    lists.score.tolist(),
                    ranks,
                    explained,
                    strict=True,
                )
            ],
        )


def _ranks(rows: np.ndarray) -> list[int]:
    """Each pair's rank within its row, for pairs sorted by row."""
    if not len(rows):
        return []
    starts = np.flatnonzero(np.diff(rows, prepend=rows[0] - 1))
    counts = np.diff(np.append(starts, len(rows)))
    return (np.arange(len(rows)) - np.repeat(starts, counts)).tolist()


def score_stories(story_ids: list[int], *, engine: str = "sparse") -> int:
    """Recompute the stored lists of the published stories among `story_ids`
    from the counted archive (`DocumentFrequency` and `Posting`, as a rebuild
    with score=False or refreshes left them); returns how many.

    Each chunk reads only what its stories need: their postings, the posting
    lists of the features they propose candidates with, and those candidates'
    postings, so chunks are independent and several workers can run them at once.
    Gives the lists `rebuild_related` would.
    """
    published = Article.objects.filter(
        status=Article.Status.PUBLISHED, pk__in=story_ids
    )
    days = {pk: day(when) for pk, when in published.values_list("pk", "go_live_at")}
    stories = sorted(days)
    own: dict[int, dict[int, float]] = defaultdict(dict)
    for story, feature, weight in Posting.objects.filter(
        article_id__in=stories
    ).values_list("article_id", "feature", "weight"):
        own[story][feature] = weight
    wanted = sorted({f for weights in own.values() for f in weights})
    counts: dict[int, int] = {}
    for batch in batched([TOTAL, *wanted], 10000):
        counts.update(
            DocumentFrequency.objects.filter(feature__in=batch).values_list(
                "feature", "df"
            )
        )
    total = max(counts.pop(TOTAL, 1), 1)
    excluded: dict[int, set[int]] = defaultdict(set)
    for article_id, target_id in RelatedExclusion.objects.filter(
        article_id__in=stories
    ).values_list("article_id", "target_id"):
        excluded[article_id].add(target_id)
    labels = _labels(own)
    for _, found in archive_terms(published):
        labels.update(found.words)
    if engine == "python":
        rows = _python_chunk(stories, days, own, counts, total, excluded, labels)
    elif own:
        matrix = _chunk_matrix(days, own, counts, total)
        rows = []
        for _, batch_rows in _sparse_lists(
            matrix, sorted(own), excluded, labels, len(own)
        ):
            rows += batch_rows
    else:
        rows = []
    with transaction.atomic():
        RelatedScore.objects.filter(article_id__in=story_ids).delete()
        _insert(RelatedScore, SCORE_FIELDS, rows)
    return len(stories)


def _python_chunk(
    stories: list[int],
    days: dict[int, float],
    own: dict[int, dict[int, float]],
    counts: dict[int, int],
    total: int,
    excluded: dict[int, set[int]],
    labels: dict[int, str],
) -> list[tuple]:
    """A chunk's rows of `RelatedScore`, scored story by story with
    `Index.scores` from the posting lists it reads."""
    index = Index(total=total, df=counts, days=dict(days))
    proposing = {story: index.proposing(weights) for story, weights in own.items()}
    rare = sorted({f for chosen in proposing.values() for f in chosen})
    for batch in batched(rare, 5000):
        for other, feature, weight, when in Posting.objects.filter(
            feature__in=batch, article__status=Article.Status.PUBLISHED
        ).values_list("article_id", "feature", "weight", "article__go_live_at"):
            index.postings.setdefault(feature, []).append((other, weight))
            index.days[other] = day(when)
    candidates = sorted(
        {other for lists in index.postings.values() for other, _ in lists}
    )
    for batch in batched(candidates, 5000):
        for other, feature, weight in Posting.objects.filter(
            article_id__in=batch
        ).values_list("article_id", "feature", "weight"):
            index.features.setdefault(other, {})[feature] = weight
    rows = []
    for story in stories:
        weights = own.get(story)
        if not weights:
            continue
        scores = index.scores(
            story, weights, days[story], excluded[story], STORED_LIMIT
        )
        rows += [
            (
                story,
                other,
                score,
                rank,
                shared_json(index.shared(weights, other), labels),
            )
            for rank, (other, score) in enumerate(best(scores, None))
        ]
    return rows


def _fetch(queryset: models.QuerySet, *fields: str) -> list[tuple]:
    """The values of numeric `fields` of `queryset`, straight from the cursor
    (without building Django's rows one by one, which costs more than the
    query for the hundreds of thousands of postings a chunk reads)."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _chunk_matrix(
    days: dict[int, float],
    own: dict[int, dict[int, float]],
    counts: dict[int, int],
    total: int,
) -> Matrix:
    """The matrix a chunk is scored with: its stories with all their features,
    and their candidates (every published story on the posting list of a
    feature they propose with) with the features the chunk's stories carry,
    which is all that scoring and explaining them reads."""
    mine = Matrix.build(days, own, counts, total)
    chosen = proposing_entries(mine.weights, mine.df)
    rare = np.unique(mine.columns[mine.weights.indices[chosen]]).tolist()
    candidates: set[int] = set()
    for batch in batched(rare, 5000):
        candidates.update(
            other
            for (other,) in _fetch(
                Posting.objects.filter(
                    feature__in=batch, article__status=Article.Status.PUBLISHED
                ),
                "article_id",
            )
        )
    candidates.difference_update(days)
    others = sorted(candidates)
    everyone = dict(days)
    for batch in batched(others, 5000):
        everyone.update(
            (pk, day(when))
            for pk, when in Article.objects.filter(pk__in=batch).values_list(
                "pk", "go_live_at"
            )
        )
    parts = [
        np.array(
            [(s, f, w) for s, weights in own.items() for f, w in weights.items()],
            dtype=np.float64,
        ).reshape(-1, 3)
    ]
    for batch in batched(others, 5000):
        found = _fetch(
            Posting.objects.filter(article_id__in=batch),
            "article_id",
            "feature",
            "weight",
        )
        if found:
            parts.append(np.array(found, dtype=np.float64))
    return Matrix.from_triplets(everyone, parts, mine.columns, counts, total)


def _explain(
    index: Index, own: dict[int, float], other: int, labels: dict[int, str]
) -> dict:
    return shared_json(index.shared(own, other), labels)


def _labels(features: dict[int, dict[int, float]]) -> dict[int, str]:
    """The names of the entities and tags among `features`."""
    wanted = {f for own in features.values() for f in own if f > 0}
    entity_ids = [f // 2 for f in wanted if is_entity(f)]
    tag_ids = [f // 2 for f in wanted if not is_entity(f)]
    labels = {}
    for batch in batched(entity_ids, 10000):
        for pk, name in Entity.objects.filter(pk__in=batch).values_list("pk", "name"):
            labels[entity_feature(pk)] = name
    for batch in batched(tag_ids, 10000):
        for pk, name in Tag.objects.filter(pk__in=batch).values_list("pk", "name"):
            labels[tag_feature(pk)] = name
    return labels
