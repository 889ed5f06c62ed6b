"""The story editor keeps a body's library figures, shows them, and inserts
one from the toolbar, under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from articles.models import Article
from tests.browser.test_csp import PASSWORD, RECORD_VIOLATIONS, violations
from tests.factories import ArticleFactory, EditorFactory, ImageFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_keeps_and_inserts_figures(live_server, page):
    """A figure in the body survives opening and saving the story in the
    editor, and the toolbar's picture button inserts another by number."""
    kept, inserted = ImageFactory(renditions=False), ImageFactory(renditions=False)
    story = ArticleFactory(
        status="draft",
        body=f'<p>Words.</p><figure data-image-id="{kept.pk}"></figure>',
    )
    EditorFactory(username="desk", is_superuser=True)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
    figure = page.locator(".ProseMirror figure.library-figure")
    figure.wait_for()
    assert f"Picture {kept.pk}" in figure.inner_text()
    page.click(".ProseMirror[contenteditable] > p")
    page.click("[title='insert picture']")
    field = page.locator("dialog[open] input").first
    field.fill(str(inserted.pk))
    field.press("Enter")
    page.locator(".ProseMirror figure.library-figure").nth(1).wait_for()
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")
    body = Article.objects.get(pk=story.pk).body
    assert f'<figure data-image-id="{kept.pk}"></figure>' in body
    assert f'<figure data-image-id="{inserted.pk}"></figure>' in body
    assert violations(page) == []
