from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from articles.models import Article, ArticleEntity
from related.models import RelatedScore
from related.rebuild import rebuild_related

pytestmark = pytest.mark.django_db


def test_seed_corpus_makes_a_long_tailed_archive():
    """seed_corpus creates published stories over years with Zipf-like entities."""
    call_command("seed_corpus", articles=300, seed=7, batch_size=100, verbosity=0)
    stories = Article.objects.published()
    assert stories.count() == 300
    dates = stories.values_list("go_live_at", flat=True)
    assert (max(dates) - min(dates)).days > 365 * 3
    counts = sorted(
        Counter(ArticleEntity.objects.values_list("tag_id", flat=True)).values(),
        reverse=True,
    )
    assert counts[0] > 10 * counts[len(counts) // 2]
    assert rebuild_related() == 300
    assert RelatedScore.objects.exists()
