"""Scoring many stories at once with sparse matrices: pure functions, no ORM.

Gives the lists `related.scoring.Index.scores` gives story by story (the same
candidates, weights, recency, MIN_SCORE, exclusions and ties), for a rebuild:

- the archive is a CSR matrix of posting weights, stories by features (`Matrix`),
  and its rare features' posting lists are the same matrix transposed;
- a batch's candidates and the proposing part of their scores are one sparse
  product, its rows' proposing features (chosen as `Index.proposing` does) times
  the posting lists;
- the common features' part is added only for candidates whose bound (their
  proposing part plus the most the common features could add, times recency)
  can still reach a row's bar, as `Index.scores` skips them; the bar is the
  STORED_LIMIT-th best score among each row's most promising candidates;
- the best STORED_LIMIT per row are kept, ties broken by story id as `best`
  does, and only their `shared` explanations are worked out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from related import scoring
from related.scoring import (
    MIN_SCORE,
    RECENCY_DAYS,
    RECENCY_FLOOR,
    STORED_LIMIT,
)

# How many of each row's most promising candidates are scored in full before
# the bars are raised, round by round; then all that can still reach them.
ROUNDS = (2 * STORED_LIMIT, 8 * STORED_LIMIT)
PAIRS_AT_ONCE = 100_000


@dataclass
class Matrix:
    """Stories (rows, in the order of their ids) by features (columns, in the
    order of their numbers): each story's weights, and what scoring needs to
    know of each feature."""

    ids: np.ndarray
    days: np.ndarray
    weights: sparse.csr_matrix
    columns: np.ndarray
    df: np.ndarray
    idf: np.ndarray
    largest: np.ndarray
    heaviest: np.ndarray
    postings: sparse.csr_matrix

    @classmethod
    def build(
        cls,
        days: Mapping[int, float],
        features: Mapping[int, Mapping[int, float]],
        df: Mapping[int, int],
        total: int,
    ) -> Matrix:
        """The matrix of the stories in `days` with their `features`, document
        frequencies `df` among `total` published stories."""
        ids = np.array(sorted(days), dtype=np.int64)
        lengths = np.fromiter(
            (len(features.get(story, ())) for story in ids.tolist()),
            dtype=np.int64,
            count=len(ids),
        )
        size = int(lengths.sum())
        keys = np.fromiter(
            (f for story in ids.tolist() for f in features.get(story, ())),
            dtype=np.int64,
            count=size,
        )
        values = np.fromiter(
            (w for story in ids.tolist() for w in features.get(story, {}).values()),
            dtype=np.float64,
            count=size,
        )
        columns, inverse = np.unique(keys, return_inverse=True)
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        weights = sparse.csr_matrix(
            (values, inverse.astype(np.int64), indptr),
            shape=(len(ids), len(columns)),
        )
        weights.sort_indices()
        return cls.from_weights(
            ids=ids, days=days, weights=weights, columns=columns, df=df, total=total
        )

    @classmethod
    def from_triplets(
        cls,
        days: Mapping[int, float],
        parts: list[np.ndarray],
        columns: np.ndarray,
        df: Mapping[int, int],
        total: int,
    ) -> Matrix:
        """The matrix of the stories in `days` from rows of (story, feature,
        weight) (as float64: story ids and feature numbers are below 2**53),
        keeping only the features among `columns`."""
        rows = np.concatenate(parts) if parts else np.empty((0, 3))
        story = rows[:, 0].astype(np.int64)
        feature = rows[:, 1].astype(np.int64)
        keep = np.isin(feature, columns)
        story, feature, weight = story[keep], feature[keep], rows[keep, 2]
        ids = np.array(sorted(days), dtype=np.int64)
        weights = sparse.csr_matrix(
            (weight, (np.searchsorted(ids, story), np.searchsorted(columns, feature))),
            shape=(len(ids), len(columns)),
        )
        weights.sort_indices()
        return cls.from_weights(
            ids=ids, days=days, weights=weights, columns=columns, df=df, total=total
        )

    @classmethod
    def from_weights(
        cls,
        *,
        ids: np.ndarray,
        days: Mapping[int, float],
        weights: sparse.csr_matrix,
        columns: np.ndarray,
        df: Mapping[int, int],
        total: int,
    ) -> Matrix:
        """The matrix of the stories `ids` (sorted) over the features `columns`,
        with each story's day and each feature's document frequency."""
        days = np.array([days[story] for story in ids.tolist()], dtype=np.float64)
        df = np.fromiter(
            (df.get(f, 0) for f in columns.tolist()), dtype=np.int64, count=len(columns)
        )
        # math.log, as `scoring.idf` computes it, so that scores agree to the bit.
        idf = np.array(
            [math.log(1 + total / max(n, 1)) for n in df.tolist()], dtype=np.float64
        )
        rare = weights.copy()
        rare.data = np.where(df[rare.indices] <= scoring.DF_CAP, rare.data, 0.0)
        rare.eliminate_zeros()
        return cls(
            ids=ids,
            days=days,
            weights=weights,
            columns=columns,
            df=df,
            idf=idf,
            largest=_largest(weights, axis=0),
            heaviest=_largest(weights, axis=1),
            postings=rare.T.tocsr(),
        )

    def rows(self, stories: Iterable[int]) -> np.ndarray:
        """The rows of `stories` (which must be in the matrix)."""
        return np.searchsorted(self.ids, np.fromiter(stories, dtype=np.int64))


def _largest(weights: sparse.csr_matrix, axis: int) -> np.ndarray:
    """The largest weight in each column (axis 0) or row (axis 1), 0 if none."""
    if not weights.shape[0] or not weights.shape[1]:
        return np.zeros(weights.shape[1 - axis])
    return weights.max(axis=axis).toarray().ravel()


@dataclass
class Lists:
    """A batch's kept suggestions, best first within each row: for pair i, the
    batch row `row[i]`, the candidate's matrix row `target[i]` and its score."""

    row: np.ndarray
    target: np.ndarray
    score: np.ndarray


def proposing_entries(own: sparse.csr_matrix, df: np.ndarray) -> np.ndarray:
    """Which entries of `own` (in its data order) propose candidates: per row,
    the rarest features while their posting lists fit in POSTINGS_BUDGET rows,
    as `Index.proposing` picks them."""
    lengths = np.diff(own.indptr)
    row = np.repeat(np.arange(own.shape[0]), lengths)
    counts = df[own.indices]
    # Columns are in the order of feature numbers: ties go to the lower feature.
    order = np.lexsort((own.indices, counts, row))
    counted = counts[order]
    read = np.cumsum(counted)
    before = np.concatenate(([0], read))[own.indptr[:-1]]
    read -= np.repeat(before, lengths)
    first = np.zeros(len(order), dtype=bool)
    first[own.indptr[:-1][lengths > 0]] = True
    chosen = (counted <= scoring.DF_CAP) & (first | (read <= scoring.POSTINGS_BUDGET))
    proposing = np.empty(len(order), dtype=bool)
    proposing[order] = chosen
    return proposing


def _ranks(group: np.ndarray, groups: int) -> np.ndarray:
    """Each item's place within its group, for items sorted by group."""
    counts = np.bincount(group, minlength=groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return np.arange(len(group)) - np.repeat(starts, counts)


def score_batch(
    matrix: Matrix,
    rows: np.ndarray,
    excluded: Mapping[int, Iterable[int]],
    limit: int = STORED_LIMIT,
) -> Lists:
    """The best `limit` candidates scoring at least MIN_SCORE for each of `rows`
    (matrix rows), leaving out each story itself and the stories `excluded`
    (story ids by story id)."""
    own = matrix.weights[rows]
    own.sort_indices()
    batch = len(rows)
    proposing = proposing_entries(own, matrix.df)
    weighted = own.data * matrix.idf[own.indices]
    query = sparse.csr_matrix(
        (np.where(proposing, weighted, 0.0), own.indices, own.indptr),
        shape=own.shape,
        copy=True,
    )
    query.eliminate_zeros()
    common = sparse.csr_matrix(
        (np.where(proposing, 0.0, weighted), own.indices, own.indptr),
        shape=own.shape,
        copy=True,
    )
    common.eliminate_zeros()
    # The most the common features can add to a candidate of a row: at most
    # their weight times the most each weighs on any story, and at most their
    # sum times the candidate's largest weight.
    empty = np.diff(common.indptr) == 0
    most = common.data * matrix.largest[common.indices]
    bound = np.add.reduceat(np.append(most, 0.0), common.indptr[:-1])
    bound[empty] = 0.0
    total = np.add.reduceat(np.append(common.data, 0.0), common.indptr[:-1])
    total[empty] = 0.0

    content = (query @ matrix.postings).tocoo()
    row = content.row.astype(np.int64)
    target = content.col.astype(np.int64)
    part = content.data
    keep = target != rows[row]
    pairs = [
        (i, other)
        for i, story in enumerate(matrix.ids[rows].tolist())
        for other in excluded.get(story, ())
    ]
    if pairs:
        skip = np.array(pairs, dtype=np.int64)
        at = np.searchsorted(matrix.ids, skip[:, 1])
        at = np.minimum(at, len(matrix.ids) - 1)
        found = matrix.ids[at] == skip[:, 1]
        keys = skip[found, 0] * len(matrix.ids) + at[found]
        keep &= ~np.isin(row * len(matrix.ids) + target, keys)
    apart = np.abs(matrix.days[target] - matrix.days[rows[row]])
    factor = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * np.exp(-apart / RECENCY_DAYS)
    upper = (
        part + np.minimum(bound[row], total[row] * matrix.heaviest[target])
    ) * factor
    keep &= upper >= MIN_SCORE
    row, target, part, factor, upper = (
        a[keep] for a in (row, target, part, factor, upper)
    )

    scored = np.full(len(row), -1.0)

    def score(chosen: np.ndarray) -> None:
        """Score the chosen pairs in full, the common features added, a slice
        at a time to bound the memory the rows gathered take."""
        for start in range(0, len(chosen), PAIRS_AT_ONCE):
            some = chosen[start : start + PAIRS_AT_ONCE]
            added = common[row[some]].multiply(matrix.weights[target[some]])
            extra = np.asarray(added.sum(axis=1)).ravel()
            scored[some] = (part[some] + extra) * factor[some]

    # Most promising first; each round raises the rows' bars (their limit-th
    # best score so far, MIN_SCORE below that) and skips what cannot reach them.
    order = np.lexsort((-upper, row))
    place = _ranks(row[order], batch)
    bar = np.full(batch, MIN_SCORE)
    for depth in (*ROUNDS, len(row)):
        chosen = order[(place < depth) & (scored[order] < 0)]
        chosen = chosen[upper[chosen] >= bar[row[chosen]]]
        if not len(chosen):
            continue
        score(chosen)
        done = np.flatnonzero(scored >= 0)
        ranked = done[np.lexsort((-scored[done], row[done]))]
        nth = ranked[_ranks(row[ranked], batch) == limit - 1]
        bar[row[nth]] = np.maximum(bar[row[nth]], scored[nth])

    kept = np.flatnonzero(scored >= MIN_SCORE)
    order = kept[np.lexsort((target[kept], -scored[kept], row[kept]))]
    order = order[_ranks(row[order], batch) < limit]
    return Lists(row=row[order], target=target[order], score=scored[order])


def shared(
    matrix: Matrix, rows: np.ndarray, lists: Lists
) -> list[list[tuple[int, float]]]:
    """For each kept pair, the features the two stories share, largest
    contribution first, computed as `Index.shared` does."""
    if not len(lists.row):
        return []
    own = matrix.weights[rows[lists.row]]
    both = own.multiply(matrix.weights[lists.target]).tocsr()
    both.sort_indices()
    contribution = both.data * matrix.idf[both.indices]
    lengths = np.diff(both.indptr)
    pair = np.repeat(np.arange(len(lists.row)), lengths)
    order = np.lexsort((both.indices, -contribution, pair))
    features = matrix.columns[both.indices[order]].tolist()
    values = contribution[order].tolist()
    bounds = both.indptr.tolist()
    return [
        list(zip(features[start:end], values[start:end], strict=True))
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
