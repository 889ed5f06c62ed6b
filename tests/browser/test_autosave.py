"""Autosave in a real browser: typing saves a working copy, and returning to
the story offers it back."""

from __future__ import annotations

import pytest

from articles.models import Article, WorkingCopy
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


def change_url(live_server, article) -> str:
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def test_typed_text_is_offered_back_and_restored(live_server, page):
    story = ArticleFactory(draft=True, headline="Talks resume", byline="Staff")
    EditorFactory(username="desk", is_superuser=True)
    log_in(page, live_server, "desk")
    page.goto(change_url(live_server, story))
    page.wait_for_load_state("load")

    page.fill("#id_headline", "Talks resume at last")
    page.wait_for_selector("#autosave-status:has-text('Draft saved')")
    assert page.get_attribute("#autosave-status", "aria-live") == "polite"

    # Leave without saving (the unsaved-changes question is answered "leave").
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#site-name a")
    page.wait_for_url(live_server.url + "/admin/")
    assert Article.objects.get(pk=story.pk).headline == "Talks resume"
    assert WorkingCopy.objects.filter(article=story).exists()

    page.goto(change_url(live_server, story))
    assert "You have unsaved changes" in page.inner_text("#working-copy")
    assert page.input_value("#id_headline") == "Talks resume"
    page.click("#working-copy-restore")
    page.wait_for_selector("#working-copy:has-text('Restored')")
    assert page.input_value("#id_headline") == "Talks resume at last"

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.get(pk=story.pk).headline == "Talks resume at last"
    assert not WorkingCopy.objects.filter(article=story).exists()
    assert page.query_selector("#working-copy") is None
