from __future__ import annotations

import pytest

from articles.importers import StoryData, get_or_create_thread, import_story
from articles.models import Article, ArticleEntity, Thread
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


def tagged(article: Article) -> dict[str, str]:
    return dict(
        ArticleEntity.objects.filter(content_object=article).values_list(
            "tag__name", "relevance"
        )
    )


def wire_story(**fields) -> StoryData:
    return StoryData(
        headline="Putin arrives for talks",
        source_key="wire:1",
        body_html="<p>Vladimir Putin landed in Geneva.</p>",
        **fields,
    )


def test_import_story_leaves_entities_as_suggestions(putin, geneva):
    """An imported story's entities wait for an editor by default."""
    article, _ = import_story(story=wire_story())

    assert tagged(article) == {}
    assert set(article.suggestions.values_list("entity__name", "status")) == {
        ("Vladimir Putin", "suggested"),
        ("Geneva", "suggested"),
    }


def test_import_story_can_confirm_entities(putin, geneva):
    """With confirm_entities the imported story is tagged at once."""
    article, _ = import_story(story=wire_story(), confirm_entities=True)

    assert tagged(article) == {"Vladimir Putin": "about", "Geneva": "mentions"}


def test_import_can_name_a_thread():
    """An imported story naming a thread joins it, creating it the first time."""
    for n in range(2):
        article, _ = import_story(
            story=StoryData(
                headline=f"Ceasefire holds, day {n}",
                source_key=f"ceasefire-{n}",
                thread="Syria ceasefire, December 2016",
            )
        )
        assert article.thread.title == "Syria ceasefire, December 2016"
    assert Thread.objects.count() == 1
    assert Article.objects.filter(thread__isnull=False).count() == 2


def test_thread_is_found_by_slug_or_title_before_one_is_created():
    """A thread is named by its slug or its title in any case; else it is new."""
    thread = ThreadFactory(title="Aleppo evacuation")

    assert get_or_create_thread(thread.slug) == thread
    assert get_or_create_thread("ALEPPO EVACUATION") == thread
    created = get_or_create_thread("Harbour strike")
    assert created.title == "Harbour strike"
    assert Thread.objects.count() == 2
