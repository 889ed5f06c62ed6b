from __future__ import annotations

import pytest
from django.core.management import call_command

from related.models import (
    RelatedScore,
)
from related.rebuild import rebuild_related
from related.upkeep import suggest
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RelatedExclusionFactory,
)
from tests.related.helpers import ARCHIVE_SIZE, days_ago, frequencies, mention

pytestmark = pytest.mark.django_db


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_rebuild_counts_document_frequencies():
    """rebuild_related stores how many published stories carry each entity."""
    common, rare = EntityFactory.create_batch(2)
    ArticleFactory(entities=[common, rare])
    ArticleFactory(entities=[common])
    ArticleFactory(draft=True, entities=[common, rare])
    ArticleFactory()
    rebuild_related()
    assert frequencies(common, rare) == [ARCHIVE_SIZE + 3, 2, 1]


def test_rebuild_matches_scoring_one_story_at_a_time():
    """The bulk rebuild stores what scoring each story on its own gives."""
    entities = EntityFactory.create_batch(6)
    stories = []
    for n in range(12):
        story = ArticleFactory(
            entities=entities[n % 4 : n % 4 + 3], go_live_at=days_ago(n * 20)
        )
        if n % 3 == 0:
            mention(story, entities[5])
        stories.append(story)
    stories[0].tags.add("ceasefire")
    stories[5].tags.add("ceasefire")
    RelatedExclusionFactory(article=stories[0], target=stories[1])
    rebuild_related()
    for story in stories:
        rows = list(RelatedScore.objects.filter(article=story))
        expected = suggest(story)
        assert [row.target_id for row in rows] == [s.target_id for s in expected]
        assert [row.score for row in rows] == pytest.approx([s.score for s in expected])
        assert [row.shared for row in rows] == [s.shared for s in expected]


def test_rebuild_command_reports_throughput():
    """rebuild_related says how many stories it rebuilt and how fast."""
    entity = EntityFactory()
    ArticleFactory.create_batch(3, entities=[entity])
    call_command("rebuild_related", verbosity=0, stdout=(out := _Out()))
    assert f"for {ARCHIVE_SIZE + 3} stories" in out.text
    assert RelatedScore.objects.count() == 6
