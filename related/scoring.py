"""Scoring related stories: pure functions over feature weights, no ORM.

Automatic suggestions are scored by what two stories share, and stored
(`RelatedScore`) so that serving a story's list is two indexed reads whatever the
size of the archive:

- every shared feature adds its inverse document frequency over published
  stories, log(1 + N / df), times its weight on each story. Features are
  entities (about ENTITY_WEIGHT, mentions MENTIONS_WEIGHT of that, and
  SUGGESTED_WEIGHT of either while no editor has confirmed them), topic tags
  (TAG_WEIGHT in all) and key terms of the text (`key_terms`: the text part of
  a score is TEXT_WEIGHT times a TF-IDF cosine). Sharing "Wadi Barada" counts far
  more than sharing "Russia";
- the sum is multiplied by a recency factor centred on the story's own date,
  RECENCY_FLOOR + (1 - RECENCY_FLOOR) * exp(-|days apart| / RECENCY_DAYS), so a
  2016 story links to its own period before last week's news;
- suggestions under MIN_SCORE are dropped.

Candidates come from the posting lists of the story's rarest features (document
frequency at most DF_CAP, and POSTINGS_BUDGET rows in all); the others still add
to the score of a candidate found that way but do not propose candidates of their
own, which keeps the cost of one story independent of the size of the archive.
Document frequencies are kept in `DocumentFrequency` (filled by `related.rebuild`,
moved by `related.upkeep`), so publishing counts nothing over the archive. The
weights were tuned with bench/bench_related_quality.py (docs/related.md).
"""

from __future__ import annotations

import datetime
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from articles.choices import Relevance

RELATED_LIMIT = 5
# Room for RELATED_LIMIT after the story page leaves out the six stories its
# thread boxes may show (three earlier, three latest).
STORED_LIMIT = RELATED_LIMIT + 6
MIN_SCORE = 0.25
# A confirmed entity the story is about; one it only mentions counts
# MENTIONS_WEIGHT of that.
ENTITY_WEIGHT = 0.5
MENTIONS_WEIGHT = 0.5
# A detected entity no editor has confirmed yet counts this much of a confirmed one.
SUGGESTED_WEIGHT = 0.5
TAG_WEIGHT = 0.15
# Two stories whose key terms are the same add TEXT_WEIGHT (a cosine of 1).
TEXT_WEIGHT = 4.0
# The strongest terms of a story (by TF-IDF) that it is scored on.
KEY_TERMS = 50
# A word in more than this share of the published stories links nothing.
COMMON_SHARE = 0.2
RECENCY_DAYS = 60.0
RECENCY_FLOOR = 0.2
DF_CAP = 1000
# At most about this many posting rows are read to find one story's candidates.
POSTINGS_BUDGET = 2_000
SHARED_SHOWN = 5
# The `DocumentFrequency` row counting the published stories themselves.
TOTAL = 0

# Entities, tags and words share one feature space: entity n is 2n, tag n is
# 2n + 1, and a word is a negative number (`related.text.term_feature`).
SECONDS_PER_DAY = 86400.0


def day(when: datetime.datetime) -> float:
    """`when` in days since the epoch, the unit recency works in."""
    return when.timestamp() / SECONDS_PER_DAY


def entity_feature(entity_id: int) -> int:
    return 2 * entity_id


def tag_feature(tag_id: int) -> int:
    return 2 * tag_id + 1


def is_term(feature: int) -> bool:
    return feature < 0


def is_entity(feature: int) -> bool:
    return feature > 0 and feature % 2 == 0


def relevance_weight(relevance: str, *, confirmed: bool = True) -> float:
    """The weight of an entity on a story's side of a pair: about 1, mentions
    MENTIONS_WEIGHT, times SUGGESTED_WEIGHT while no editor has confirmed it."""
    weight = ENTITY_WEIGHT * (1.0 if relevance == Relevance.ABOUT else MENTIONS_WEIGHT)
    return weight if confirmed else weight * SUGGESTED_WEIGHT


def tag_weight() -> float:
    """The weight of a tag on each side of a pair: sharing one adds TAG_WEIGHT
    times its idf."""
    return math.sqrt(TAG_WEIGHT)


def idf(df: int, total: int) -> float:
    """Inverse document frequency of a feature carried by `df` of `total` stories."""
    return math.log(1 + total / max(df, 1))


def recency(days_apart: float) -> float:
    """The factor between RECENCY_FLOOR and 1 for two stories `days_apart`."""
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.exp(
        -abs(days_apart) / RECENCY_DAYS
    )


@dataclass
class Index:
    """What scoring needs to know about (part of) the archive.

    `features[b]` holds, for every story b, the weights of its features (at least
    those it shares with the story being scored); `postings[f]` the stories
    carrying a rare feature f.
    """

    total: int
    df: dict[int, int]
    features: dict[int, dict[int, float]] = field(default_factory=dict)
    postings: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    days: dict[int, float] = field(default_factory=dict)

    def idf(self, feature: int) -> float:
        return idf(self.df.get(feature, 1), self.total)

    def is_rare(self, feature: int) -> bool:
        """Whether `feature` is rare enough (df at most DF_CAP) to propose
        candidates of its own."""
        return self.df.get(feature, 0) <= DF_CAP

    def largest_weight(self, feature: int) -> float:
        """The most `feature` can weigh on any story: a key term's weight is at
        most sqrt(TEXT_WEIGHT / idf) when it was computed (twice that here, as the
        idf drifts between rebuilds)."""
        if is_term(feature):
            return 2 * math.sqrt(TEXT_WEIGHT / self.idf(feature))
        if is_entity(feature):
            return ENTITY_WEIGHT
        return tag_weight()

    def proposing(self, own: dict[int, float]) -> set[int]:
        """The features of a story that propose candidates: its rare ones,
        rarest first, while their posting lists fit in POSTINGS_BUDGET rows.
        The others still add to the score of a candidate found this way."""
        chosen, read = set(), 0
        for feature in sorted(own, key=lambda f: (self.df.get(f, 0), f)):
            df = self.df.get(feature, 0)
            if df > DF_CAP or (chosen and read + df > POSTINGS_BUDGET):
                break
            chosen.add(feature)
            read += df
        return chosen

    def scores(
        self,
        story: int,
        own: dict[int, float],
        day: float,
        excluded: set[int],
        limit: int | None = None,
    ) -> dict[int, float]:
        """The candidates of `story` scoring at least MIN_SCORE, with their scores:
        all of them, or only the best `limit`.
        """
        content: dict[int, float] = defaultdict(float)
        common: dict[int, float] = {}
        common_bound = 0.0
        proposing = self.proposing(own)
        for feature, weight in own.items():
            if feature not in proposing:
                weighted = weight * self.idf(feature)
                common[feature] = weighted
                common_bound += weighted * self.largest_weight(feature)
                continue
            weighted = weight * self.idf(feature)
            for other, other_weight in self.postings.get(feature, ()):
                content[other] += weighted * other_weight
        # Common features add at most common_bound, and recency only shrinks a
        # score, so a candidate whose bound is below the bar is skipped unscored.
        features, days = self.features, self.days
        floor, decay = RECENCY_FLOOR, 1 - RECENCY_FLOOR
        result: dict[int, float] = {}
        best: list[tuple[float, int]] = []
        bar = MIN_SCORE
        candidates: Iterable[tuple[int, float]] = content.items()
        if limit is not None:
            # Best bound first: once a bound falls below the bar, so do the rest.
            candidates = sorted(candidates, key=itemgetter(1), reverse=True)
        for other, score in candidates:
            if score + common_bound < bar:
                if limit is None:
                    continue
                break
            if other == story or other in excluded:
                continue
            factor = floor + decay * math.exp(-abs(days[other] - day) / RECENCY_DAYS)
            if common:
                if (score + common_bound) * factor < bar:
                    continue
                theirs = features[other]
                for feature in theirs.keys() & common.keys():
                    score += common[feature] * theirs[feature]
            score *= factor
            if score < bar:
                continue
            if limit is None:
                result[other] = score
                continue
            heapq.heappush(best, (score, -other))
            if len(best) > limit:
                heapq.heappop(best)
            if len(best) == limit:
                bar = max(bar, best[0][0])
        if limit is not None:
            result = {-negated: score for score, negated in best}
        return result

    def shared(self, own: dict[int, float], other: int) -> list[tuple[int, float]]:
        """The features `other` shares with a story, largest contribution first."""
        theirs = self.features[other]
        contributions = [
            (feature, weight * theirs[feature] * self.idf(feature))
            for feature, weight in own.items()
            if feature in theirs
        ]
        contributions.sort(key=lambda pair: (-pair[1], pair[0]))
        return contributions


def key_terms(
    counts: dict[int, float], df: dict[int, int], total: int
) -> dict[int, float]:
    """The KEY_TERMS strongest words of a story by TF-IDF, with the weights it is
    scored on.

    `counts` are the story's weighted word counts (`related.text.terms`). A word
    carried by more than COMMON_SHARE of the stories is left out. The weights
    are scaled so that two stories with the same key terms share TEXT_WEIGHT:
    each is tf * sqrt(idf) / norm, and scoring multiplies two of them by the idf
    once more, which makes the text part a cosine of TF-IDF vectors.
    """
    if not TEXT_WEIGHT:
        return {}
    common = COMMON_SHARE * total
    strengths = {}
    for feature, count in counts.items():
        n = df.get(feature, 1)
        if n > common and n > 1:
            continue
        strengths[feature] = (1.0 + math.log(count), idf(n, total))
    strongest = heapq.nlargest(
        KEY_TERMS,
        strengths.items(),
        key=lambda item: (item[1][0] * item[1][1], -item[0]),
    )
    norm = math.sqrt(sum((tf * weight) ** 2 for _, (tf, weight) in strongest))
    if not norm:
        return {}
    scale = math.sqrt(TEXT_WEIGHT) / norm
    return {
        feature: tf * math.sqrt(weight) * scale for feature, (tf, weight) in strongest
    }


def shared_json(contributions: list[tuple[int, float]], labels: dict[int, str]) -> dict:
    """What two stories share, for editors and partners: the strongest shared
    entities, tags and key terms, each with what it added to the score."""
    entities, tags, terms = [], [], []
    for feature, weight in contributions:
        if feature < 0:
            if len(terms) < SHARED_SHOWN:
                terms.append(
                    {"term": labels.get(feature, ""), "weight": round(weight, 3)}
                )
        elif feature % 2 == 0:
            if len(entities) < SHARED_SHOWN:
                entities.append(
                    {
                        "id": feature // 2,
                        "name": labels.get(feature, ""),
                        "weight": round(weight, 3),
                    }
                )
        elif len(tags) < SHARED_SHOWN:
            tags.append({"name": labels.get(feature, ""), "weight": round(weight, 3)})
    return {"entities": entities, "tags": tags, "terms": terms}


@dataclass
class Suggestion:
    """One automatic suggestion: the story's id, its score and what it shares."""

    target_id: int
    score: float
    shared: dict


def best(scores: dict[int, float], limit: int | None) -> list[tuple[int, float]]:
    if limit is None:
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return heapq.nsmallest(limit, scores.items(), key=lambda pair: (-pair[1], pair[0]))
