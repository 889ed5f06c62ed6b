"""Stories whose text is odd (empty, huge, wordless, in a language without a
stemmer) get related lists like any other, and stop no other story's."""

from __future__ import annotations

import functools
import itertools

import pytest

from articles import services
from articles.models import Article
from related.models import DocumentFrequency, Posting, RelatedScore, StoryFeatures
from related.rebuild import rebuild_related
from related.scoring import TOTAL
from related.serving import related_articles
from related.text import COUNTED_TERMS, term_feature
from related.upkeep import refresh_related, suggest
from tests.api.test_articles import detail_url
from tests.factories import ArticleFactory, EntityFactory
from tests.related.helpers import ARCHIVE_SIZE, stored

pytestmark = pytest.mark.django_db

MEGABYTE = 1_000_000
# What a refresh may cost, whatever the size of the story's text.
REFRESH_QUERIES = 25


@functools.cache
def huge_body() -> str:
    """A 3 MB body of distinct made-up words that starts with a dam collapse."""
    letters = itertools.product("bcdfghjkmnpqrvwxz", repeat=5)
    words = (f"z{''.join(next(letters))}q" for _ in range(400_000))
    paragraphs = [" ".join(itertools.islice(words, 100)) for _ in range(4000)]
    body = (
        "<p>The tailings reservoir above Brumadinho collapsed, burying miners "
        "under sludge.</p>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    )
    assert len(body) > 3 * MEGABYTE
    return body


# Keyword arguments for ArticleFactory, by what is odd about the story.
ODD = {
    "no body": {"headline": "Untitled", "dek": "", "body": ""},
    "no words at all": {"headline": "…", "dek": "", "body": "<p></p>"},
    "3 MB body": {"headline": "Dam", "dek": "", "body": huge_body},
    "3 MB word": {"headline": "Mud", "dek": "", "body": "<p>" + "a" * 3 * MEGABYTE},
    "no stemmer": {
        "headline": "Barajul s-a prăbușit",
        "dek": "",
        "body": "<p>Reservoir collapse in Brumadinho.</p>",
        "language": "xx",
    },
    "japanese": {
        "headline": "ブラジルでダム決壊",
        "dek": "鉱山のダムが決壊",
        "body": "<p>多数が行方不明になっている。</p>",
        "language": "ja",
    },
    "odd language tag": {"headline": "Reservoir", "language": "x-klingon-2"},
    "numbers only": {
        "headline": "2024",
        "dek": "1 2 3",
        "body": "<p>42, 3.14 and 1,000,000.</p>",
    },
    "stop words only": {
        "headline": "It was what they said",
        "dek": "And then there were",
        "body": "<p>The said, of the, by them.</p>",
    },
}


def odd_story(kind: str, **extra) -> Article:
    fields = {
        name: value() if callable(value) else value for name, value in ODD[kind].items()
    }
    return ArticleFactory(**fields, **extra)


def publish(article, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=article)


def total() -> int:
    return DocumentFrequency.objects.get(feature=TOTAL).df


@pytest.mark.parametrize("kind", list(ODD))
class TestOddStories:
    def test_publishing_gives_a_list(self, kind, django_capture_on_commit_callbacks):
        """Published and refreshed, the story is counted and has a list (maybe
        empty); refreshing again changes nothing."""
        rebuild_related()
        story = odd_story(kind, draft=True)
        publish(story, django_capture_on_commit_callbacks)
        assert total() == ARCHIVE_SIZE + 1
        assert StoryFeatures.objects.filter(article=story).exists()
        first = list(RelatedScore.objects.filter(article=story).values_list("target"))
        assert refresh_related(story) >= 0
        assert total() == ARCHIVE_SIZE + 1
        again = list(RelatedScore.objects.filter(article=story).values_list("target"))
        assert again == first
        assert isinstance(related_articles(story), list)
        assert isinstance(suggest(story), list)

    def test_rebuild_gives_a_list(self, kind):
        """A rebuild counts the story and stores its list (maybe empty)."""
        story = odd_story(kind)
        assert rebuild_related() == ARCHIVE_SIZE + 1
        assert total() == ARCHIVE_SIZE + 1
        assert StoryFeatures.objects.filter(article=story).exists()
        assert isinstance(stored(story), list)

    def test_api_and_story_page_answer(
        self, kind, partner_client, reader_client, django_capture_on_commit_callbacks
    ):
        """The related endpoint and the story page answer 200 for the story."""
        rebuild_related()
        story = odd_story(kind, draft=True)
        publish(story, django_capture_on_commit_callbacks)
        response = partner_client.get(f"{detail_url(story)}related/")
        assert response.status_code == 200
        assert isinstance(response.json(), list)
        response = reader_client.get(story.get_absolute_url())
        assert response.status_code == 200

    def test_the_withdrawn_story_is_uncounted(
        self, kind, django_capture_on_commit_callbacks
    ):
        """Withdrawing the story takes it off the counts it was added to."""
        rebuild_related()
        before = dict(DocumentFrequency.objects.values_list("feature", "df"))
        story = odd_story(kind, draft=True)
        publish(story, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            services.withdraw_article(article=story)
        after = dict(
            DocumentFrequency.objects.filter(df__gt=0).values_list("feature", "df")
        )
        assert after == {f: df for f, df in before.items() if df > 0}


def test_odd_stories_stop_no_other_list_in_a_rebuild():
    """In one rebuild, with every odd story among them (one per batch and all
    in one), two stories sharing an entity and two sharing words still get each
    other."""
    for kind in ODD:
        odd_story(kind)
    entity = EntityFactory()
    tagged = ArticleFactory.create_batch(2, entities=[entity])
    worded = [
        ArticleFactory(
            headline="Tailings reservoir collapses above Brumadinho",
            dek="",
            body="<p>Sludge buried the miners' canteen.</p>",
        ),
        ArticleFactory(
            headline="Brumadinho sludge: miners buried as reservoir fails",
            dek="",
            body="<p>Tailings swept through the valley.</p>",
        ),
    ]
    stories = ARCHIVE_SIZE + len(ODD) + 4
    for batch_size in (1, 5000):
        RelatedScore.objects.all().delete()
        assert rebuild_related(batch_size=batch_size) == stories
        assert stored(tagged[0]) == [tagged[1]]
        assert stored(tagged[1]) == [tagged[0]]
        assert stored(worded[0])[:1] == [worded[1]]
        assert stored(worded[1])[:1] == [worded[0]]
        assert StoryFeatures.objects.count() == stories


def test_the_huge_story_is_found_by_its_first_paragraph(
    django_capture_on_commit_callbacks,
):
    """The 3 MB story is scored on the start of its body: a short story on the
    same collapse relates to it, and it is counted with COUNTED_TERMS words."""
    rebuild_related()
    huge = odd_story("3 MB body", draft=True)
    publish(huge, django_capture_on_commit_callbacks)
    short = ArticleFactory(
        draft=True,
        headline="Brumadinho tailings reservoir collapse",
        dek="",
        body="<p>Miners buried under sludge.</p>",
    )
    publish(short, django_capture_on_commit_callbacks)
    assert stored(short)[:1] == [huge]
    assert stored(huge)[:1] == [short]
    counted = StoryFeatures.objects.get(article=huge).features
    # The story count, and no more words than any story is counted with.
    assert len(counted) == 1 + COUNTED_TERMS
    assert {TOTAL, term_feature("en", "tail"), term_feature("en", "brumadinho")} <= set(
        counted
    )


def test_refreshing_a_huge_story_costs_what_a_short_one_does(
    django_assert_max_num_queries,
):
    """refresh_related makes as many queries for a 3 MB body as for a short story
    in the same place (a neighbour to enter the list of), below one bound."""
    ArticleFactory(
        headline="Brumadinho reservoir",
        dek="",
        body="<p>Tailings buried miners under sludge.</p>",
    )
    rebuild_related()
    short = ArticleFactory(headline="Dam", dek="", body=huge_body()[:200])
    huge = odd_story("3 MB body")
    counts = []
    for story in (short, huge):
        with django_assert_max_num_queries(REFRESH_QUERIES) as queries:
            refresh_related(story)
        counts.append(len(queries))
        assert StoryFeatures.objects.filter(article=story).exists()
        assert Posting.objects.filter(article=story).exists()
        assert stored(story)
    assert counts[0] == counts[1]
