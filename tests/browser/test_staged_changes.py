"""A live story's edits in a real browser: saved as unpublished changes that
readers do not see, then published."""

from __future__ import annotations

import pytest

from tests.browser.test_unsaved_changes import change_url, log_in
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_live_storys_edit_waits_until_published(live_server, browser):
    story = ArticleFactory(headline="Talks resume", slug="talks-resume")
    EditorFactory(username="alice")
    editor = browser.new_context().new_page()
    reader = browser.new_context().new_page()
    log_in(editor, live_server, "alice")

    editor.goto(change_url(live_server, story))
    editor.fill("#id_headline", "Talks resume after a break")
    editor.click("input[name=_save]")
    editor.wait_for_selector(".messagelist .success")
    editor.goto(change_url(live_server, story))

    assert "Live, with unpublished changes" in editor.content()
    assert editor.input_value("#id_headline") == "Talks resume after a break"
    reader.goto(live_server.url + story.get_absolute_url())
    assert reader.inner_text("h1") == "Talks resume"

    editor.click("input[name=_publish]")
    editor.wait_for_selector(".messagelist .success")
    reader.reload()
    assert reader.inner_text("h1") == "Talks resume after a break"
    for page in (editor, reader):
        page.context.close()
