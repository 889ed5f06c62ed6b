"""Pictures placed in a story's body: stored as references, sanitised, shown
from the library's renditions in one query, and counted as uses."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from articles.figures import expand_figures, figure_ids
from articles.html import sanitize_html
from articles.models import ArticleFigure
from tests.admin_forms import change_url, form_data
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db


def ref(image) -> str:
    return f'<figure data-image-id="{image.pk}"></figure>'


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        (
            '<figure data-image-id="42"></figure>',
            '<figure data-image-id="42"></figure>',
        ),
        (
            '<figure data-image-id="42" onclick="x()" class="c" style="a">'
            '<img src="https://e.example/x.jpg" onerror="alert(1)">'
            "<figcaption>Cap</figcaption></figure>",
            '<figure data-image-id="42"></figure>',
        ),
        ('<figure data-image-id="4 OR 1=1"></figure><p>a</p>', "<p>a</p>"),
        ('<figure data-image-id="javascript:x"></figure>', ""),
        ('<p data-image-id="3">x</p>', "<p>x</p>"),
        ('<img src="x.jpg" data-image-id="3">', ""),
        ("<figure><figcaption>Text</figcaption></figure>", "Text"),
        ("<figure><script>alert(1)</script></figure>", ""),
    ],
)
def test_sanitising_keeps_only_the_reference(html, kept):
    """nh3 keeps a figure's numeric data-image-id and nothing else of it."""
    assert sanitize_html(html) == kept


def test_figure_is_shown_from_the_library():
    """A reference becomes a lazily loaded <picture> with width, height and
    alt text, and a caption with the credit."""
    image = ImageFactory(alt_text="A quay", caption="The quay", credit="Staff")
    html = expand_figures(f"<p>a</p>{ref(image)}<p>b</p>")
    assert html.startswith("<p>a</p><figure")
    assert "<picture>" in html
    assert 'loading="lazy"' in html
    assert f'width="{image.width}"' in html
    assert f'height="{image.height}"' in html
    assert 'alt="A quay"' in html
    assert '<source type="image/webp"' in html
    assert "<figcaption>The quay — <span" in html
    assert "/media/images/renditions/" in html
    assert "data-image-id" not in html


def test_texts_are_escaped():
    """The library's texts are escaped in the figure."""
    image = ImageFactory(alt_text='"><script>', caption="<b>x</b>", credit="&")
    html = expand_figures(ref(image))
    assert "<script>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_missing_picture_shows_nothing():
    """A reference to a picture that does not exist renders nothing."""
    assert expand_figures('<p>a</p><figure data-image-id="999999"></figure>') == (
        "<p>a</p>"
    )


def test_one_query_for_all_figures(django_assert_max_num_queries):
    """Five figures cost one query."""
    images = [ImageFactory() for _ in range(5)]
    body = "".join(ref(image) for image in images)
    with django_assert_max_num_queries(1):
        html = expand_figures(body)
    assert html.count("<picture>") == 5


def test_story_page_shows_figures(client, django_assert_max_num_queries):
    """The story page shows its body's figures for one query more than
    without them."""
    plain = ArticleFactory(body="<p>Words.</p>")
    images = [ImageFactory() for _ in range(5)]
    story = ArticleFactory(body="<p>Words.</p>" + "".join(ref(i) for i in images))
    cache.clear()
    with CaptureQueriesContext(connection) as without:
        assert client.get(plain.get_absolute_url()).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(len(without) + 1):
        response = client.get(story.get_absolute_url())
    assert response.content.count(b'class="story-figure"') == 5


def test_body_figures_are_usages():
    """A picture in a story's body is used there, and cannot be deleted."""
    image = ImageFactory()
    story = ArticleFactory(body=f"<p>a</p>{ref(image)}")
    assert figure_ids(story.body) == [image.pk]
    assert [used.used_by for used in image.usages()] == [story]
    with pytest.raises(ProtectedError):
        image.delete()
    story.body = "<p>a</p>"
    story.save()
    assert not ArticleFigure.objects.exists()
    image.delete()


def test_missing_references_are_found():
    """missing_figures names the ids that are in no library picture."""
    image = ImageFactory()
    story = ArticleFactory(body=f'{ref(image)}<figure data-image-id="999999"></figure>')
    assert story.missing_figures() == [999999]
    assert [link.image for link in story.figure_links.all()] == [image]


def test_admin_warns_of_missing_pictures(editor_client):
    """Saving a body that refers to a picture not in the library warns the
    editor, naming its number."""
    story = ArticleFactory(status="draft", body="<p>a</p>")
    opened = editor_client.get(change_url(story))
    data = form_data(opened, body='<p>a</p><figure data-image-id="999999"></figure>')
    response = editor_client.post(
        change_url(story), {**data, "_save": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "not in the library (number 999999)" in response.text
