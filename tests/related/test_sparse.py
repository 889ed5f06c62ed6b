"""The sparse-matrix engine (`related.sparse`) stores exactly the lists the
story-by-story `Index.scores` does."""

from __future__ import annotations

import random

import pytest

from articles.models import ArticleEntity
from entities.models import Suggestion
from related import scoring
from related.models import RelatedScore
from related.rebuild import rebuild_related, score_stories
from related.upkeep import suggest
from tests.factories import ArticleFactory, EntityFactory, RelatedExclusionFactory
from tests.related.helpers import days_ago, mention

pytestmark = pytest.mark.django_db

WORDS = [
    "reservoir",
    "harbour",
    "stadium",
    "collapse",
    "strike",
    "vote",
    "ferry",
    "bridge",
    "election",
    "drought",
    "wildfire",
    "senate",
    "tariff",
    "vaccine",
    "glacier",
    "pipeline",
    "embassy",
    "verdict",
]


def _archive() -> list:
    """Stories sharing confirmed, mentioned and suggested entities, tags and
    words in overlapping groups, over two years, with twins (same features and
    day) whose tied scores only their ids order."""
    rng = random.Random(9)
    entities = EntityFactory.create_batch(8)
    stories = []
    for n in range(40):
        words = rng.sample(WORDS, 6)
        when = days_ago(rng.choice([0, 3, 30, 200, 700]))
        story = ArticleFactory(
            entities=rng.sample(entities, rng.randint(0, 3)),
            headline=" ".join(words[:2]).title(),
            dek=" ".join(words[2:4]),
            body=f"<p>The {' and the '.join(words)} shook the town.</p>",
            go_live_at=when,
        )
        if n % 3 == 0:
            mention(story, rng.choice(entities))
        if n % 4 == 0:
            Suggestion.objects.create(
                article=story,
                entity=rng.choice(entities),
                relevance=ArticleEntity.Relevance.ABOUT,
            )
        if n % 5 == 0:
            story.tags.add(rng.choice(["floods", "courts", "budget"]))
        stories.append(story)
    for _ in range(3):
        twin = ArticleFactory(
            entities=list(stories[1].entities.all()),
            headline=stories[1].headline,
            dek=stories[1].dek,
            body=stories[1].body,
            go_live_at=stories[1].go_live_at,
        )
        stories.append(twin)
    RelatedExclusionFactory(article=stories[0], target=stories[1])
    RelatedExclusionFactory(article=stories[2], target=stories[3])
    return stories


def _lists() -> dict[int, list[tuple[int, int, float, dict]]]:
    lists: dict[int, list] = {}
    for row in RelatedScore.objects.order_by("article_id", "rank"):
        lists.setdefault(row.article_id, []).append(
            (row.rank, row.target_id, row.score, row.shared)
        )
    return lists


def _same(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for story, rows in expected.items():
        assert [r[:2] for r in got[story]] == [r[:2] for r in rows], story
        assert [r[2] for r in got[story]] == pytest.approx(
            [r[2] for r in rows], abs=1e-9
        )
        assert [r[3] for r in got[story]] == [r[3] for r in rows], story


# A small DF_CAP and POSTINGS_BUDGET make most features common, so that they
# only add to candidates found through rarer ones, and the bound skips some.
LIMITS = [(scoring.DF_CAP, scoring.POSTINGS_BUDGET), (12, 30), (8, 1)]


@pytest.mark.parametrize(("cap", "budget"), LIMITS)
def test_sparse_rebuild_stores_the_python_lists(monkeypatch, cap, budget):
    """Ids, ranks, scores (to 1e-9) and the shared explanations are the ones
    scoring story by story gives, also when tied scores are ordered by id."""
    monkeypatch.setattr(scoring, "DF_CAP", cap)
    monkeypatch.setattr(scoring, "POSTINGS_BUDGET", budget)
    _archive()
    rebuild_related(engine="python")
    expected = _lists()
    assert sum(len(rows) for rows in expected.values()) > 20
    rebuild_related(engine="sparse", batch_size=7)
    _same(_lists(), expected)


@pytest.mark.parametrize(("cap", "budget"), LIMITS)
def test_sparse_chunks_store_the_python_lists(monkeypatch, cap, budget):
    """A worker's chunk scored with sparse matrices stores what one scored
    story by story does."""
    monkeypatch.setattr(scoring, "DF_CAP", cap)
    monkeypatch.setattr(scoring, "POSTINGS_BUDGET", budget)
    stories = _archive()
    rebuild_related(engine="python")
    expected = _lists()
    RelatedScore.objects.all().delete()
    ids = sorted(story.pk for story in stories)
    for start in range(0, len(ids), 9):
        score_stories(ids[start : start + 9], engine="sparse")
    _same(_lists(), expected)


def test_sparse_rebuild_agrees_with_refresh_on_publish():
    """What the rebuild stores is what scoring one story on publish gives."""
    stories = _archive()
    rebuild_related()
    for story in stories:
        rows = list(RelatedScore.objects.filter(article=story))
        expected = suggest(story)
        assert [row.target_id for row in rows] == [s.target_id for s in expected]
        assert [row.score for row in rows] == pytest.approx(
            [s.score for s in expected], abs=1e-9
        )
        assert [row.shared for row in rows] == [s.shared for s in expected]


def test_rebuild_writes_names_copy_would_misread():
    """A name with a backslash, a tab, a newline and quotes reaches the stored
    explanation as it was (COPY's text format escapes them)."""
    name = 'Back\\slash\t"Tab"\nLine ünï'
    entity = EntityFactory(name=name)
    one, two = ArticleFactory.create_batch(2, entities=[entity])
    rebuild_related()
    (row,) = RelatedScore.objects.filter(article=one)
    assert row.target_id == two.pk
    assert row.shared["entities"][0]["name"] == name
