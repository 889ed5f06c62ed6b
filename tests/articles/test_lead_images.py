"""Stories' lead pictures: publishing needs alt text; the story page and the
lists show them from stored renditions, in constant queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.models import Article
from articles.services import publish_article
from images.renditions import make_renditions
from tests.admin_forms import form_data
from tests.articles.test_views import (
    ARTICLE_QUERIES,
    HOME_QUERIES,
    SECTION_QUERIES,
    TAG_QUERIES,
    make_stories,
)
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EntityFactory,
    ImageFactory,
)

pytestmark = pytest.mark.django_db

PICTURE = re.compile(r"<picture.*?</picture>", re.S)


def test_publishing_a_story_whose_lead_picture_has_no_alt_text_is_refused():
    image = ImageFactory(alt_text="", caption="The harbour", renditions=False)
    story = ArticleFactory(status=Article.Status.DRAFT, lead_image=image)
    with pytest.raises(ValidationError) as caught:
        publish_article(article=story)
    assert caught.value.message_dict["lead_image"] == [
        "The lead picture “The harbour” has no alt text: add it in the picture "
        "library (what the picture shows, for readers who cannot see it) before "
        "publishing the story."
    ]
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_the_story_form_refuses_to_publish_without_alt_text(editor_client):
    image = ImageFactory(alt_text="", caption="The harbour", renditions=False)
    story = ArticleFactory(status=Article.Status.DRAFT, lead_image=image)
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = form_data(editor_client.get(url), status=Article.Status.PUBLISHED)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "has no alt text" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_the_story_page_shows_the_lead_picture(client):
    """A <picture> with AVIF/WebP sources, a JPEG <img> with its size, not
    lazy, and the caption and credit."""
    image = ImageFactory(
        width=1000,
        height=600,
        alt_text="Boats in the harbour",
        caption="The harbour at dawn.",
        credit="Jo Lens / Agency",
    )
    story = ArticleFactory(lead_image=image)
    page = client.get(story.get_absolute_url()).content.decode()
    picture = PICTURE.search(page)[0]
    for fmt in ("webp", "avif"):
        widths = [r.width for r in image.renditions_for("16:9") if r.format == fmt]
        if widths:
            assert f'<source type="image/{fmt}" srcset="' in picture
            assert all(f" {w}w" in picture for w in widths)
    fallback = image.rendition("16:9", "jpeg", 960)
    assert f'src="{fallback.url}"' in picture
    assert f'width="{fallback.width}" height="{fallback.height}"' in picture
    assert 'alt="Boats in the harbour"' in picture
    assert 'fetchpriority="high"' in picture
    assert 'loading="lazy"' not in picture
    assert 'sizes="' in picture
    assert "The harbour at dawn." in page
    assert "Jo Lens / Agency" in page


def test_a_picture_without_renditions_falls_back_to_the_original(client):
    """Before the worker has made renditions, the original with its real size."""
    image = ImageFactory(renditions=False, width=300, height=200)
    story = ArticleFactory(lead_image=image)
    picture = PICTURE.search(client.get(story.get_absolute_url()).content.decode())[0]
    assert f'src="{image.file.url}"' in picture
    assert 'width="300" height="200"' in picture
    assert "<source" not in picture


def test_lists_show_lead_pictures_lazily(client):
    image = ImageFactory()
    ArticleFactory(lead_image=image, tags=["harbour"])
    entity = EntityFactory(name="Harbour board")
    ArticleFactory(lead_image=image, entities=[entity])
    for path in ("/", "/section/world/", "/tag/harbour/", entity.get_absolute_url()):
        page = client.get(path).content.decode()
        picture = PICTURE.search(page)[0]
        assert 'loading="lazy"' in picture, path
        assert re.search(r'width="\d+" height="\d+"', picture), path


def test_a_drafts_picture_is_not_shown_anywhere_public(client):
    image = ImageFactory()
    ArticleFactory(lead_image=image, status=Article.Status.DRAFT, tags=["harbour"])
    ArticleFactory(
        lead_image=image, go_live_at=timezone.now() + datetime.timedelta(days=1)
    )
    names = [image.file.name, *(r.file.name for r in image.renditions.all())]
    for path in ("/", "/section/world/", "/feeds/latest/", "/sitemap.xml"):
        page = client.get(path).content.decode()
        assert not any(name in page for name in names), path


def test_the_author_page_shows_their_photo(client):
    photo = ImageFactory(width=400, height=400, alt_text="Nadia Hollis")
    author = AuthorFactory(name="Nadia Hollis", photo=photo)
    story = ArticleFactory()
    story.author_links.create(author=author)
    page = client.get(author.get_absolute_url()).content.decode()
    picture = PICTURE.search(page)[0]
    assert 'alt="Nadia Hollis"' in picture
    assert photo.rendition("1:1", "jpeg").url in picture


def stories_with_pictures(count: int) -> list[Article]:
    images = [ImageFactory(width=400, height=300) for _ in range(3)]
    stories = make_stories(count)
    for n, story in enumerate(stories):
        Article.objects.filter(pk=story.pk).update(lead_image=images[n % 3])
    return stories


# One query more than without pictures: the listed pictures' renditions.
RENDITIONS = 1


@pytest.mark.parametrize("count", [1, 30])
def test_home_with_pictures_query_count_is_constant(
    client, django_assert_max_num_queries, count
):
    stories_with_pictures(count)
    with django_assert_max_num_queries(HOME_QUERIES + RENDITIONS):
        page = client.get("/").content.decode()
    assert "<picture" in page


@pytest.mark.parametrize("count", [1, 30])
def test_section_and_tag_with_pictures_query_count_is_constant(
    client, django_assert_max_num_queries, count
):
    stories_with_pictures(count)
    with django_assert_max_num_queries(SECTION_QUERIES + RENDITIONS):
        assert "<picture" in client.get("/section/world/").content.decode()
    with django_assert_max_num_queries(TAG_QUERIES + RENDITIONS):
        assert "<picture" in client.get("/tag/shared-tag/").content.decode()


def test_story_page_with_a_picture_costs_one_query_more(
    client, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    story = ArticleFactory(lead_image=ImageFactory())
    client.get(story.get_absolute_url())
    with django_assert_max_num_queries(ARTICLE_QUERIES + RENDITIONS):
        assert client.get(story.get_absolute_url()).status_code == 200


def test_a_cached_story_page_shows_a_picture_edit_at_once(client):
    """The page cache is cleared when the lead picture's caption changes or
    its renditions are remade (old rendition files are deleted)."""
    image = ImageFactory(caption="Before")
    story = ArticleFactory(lead_image=image)
    assert "Before" in client.get(story.get_absolute_url()).content.decode()
    image.caption = "After"
    image.save()
    page = client.get(story.get_absolute_url()).content.decode()
    assert "After" in page
    make_renditions(image, replace=True)
    page = client.get(story.get_absolute_url()).content.decode()
    assert image.rendition("16:9", "jpeg", 960).url in page


def test_a_live_storys_new_lead_picture_waits_with_its_text(client):
    """Staged: readers keep the old picture until the changes are published,
    and publishing refuses a new picture without alt text."""
    old = ImageFactory(renditions=False, alt_text="The old picture")
    new = ImageFactory(renditions=False, alt_text="")
    story = ArticleFactory(lead_image=old)
    revision = revisions.stage_changes(
        story, content=revisions.content_with(story, lead_image=new.pk)
    )
    page = client.get(story.get_absolute_url()).content.decode()
    assert 'alt="The old picture"' in page
    with pytest.raises(ValidationError, match="has no alt text"):
        revisions.publish_revision(revision=revision)
    story.refresh_from_db()
    assert story.lead_image == old
    new.alt_text = "The new picture"
    new.save()
    revisions.publish_revision(revision=revision)
    story.refresh_from_db()
    assert story.lead_image == new
