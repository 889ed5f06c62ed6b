"""No lost work, in a real browser: a panel button saves the editor's edits
with its action, and leaving a form with unsaved edits asks first."""

from __future__ import annotations

import pytest

from entities.models import Suggestion
from entities.services import suggest_entities
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


@pytest.fixture
def story(geneva):
    article = ArticleFactory(
        draft=True,
        headline="Talks resume",
        byline="Staff",
        body="<p>Delegates met in Geneva on Monday.</p>",
    )
    suggest_entities(article=article)
    return article


def change_url(live_server, article) -> str:
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def test_confirm_saves_the_standfirst_edit(live_server, page, story, geneva):
    EditorFactory(username="desk", is_superuser=True)
    log_in(page, live_server, "desk")
    page.goto(change_url(live_server, story))
    page.fill("#id_dek", "An edited standfirst")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))

    page.click("#entity-suggestions button:has-text('Confirm')")
    page.wait_for_selector(".messagelist")

    assert dialogs == []  # submitting the form is not leaving it
    story.refresh_from_db()
    assert story.dek == "An edited standfirst"
    suggestion = Suggestion.objects.get(article=story, entity=geneva)
    assert suggestion.status == Suggestion.Status.CONFIRMED
    assert page.input_value("#id_dek") == "An edited standfirst"


def test_leaving_a_dirty_form_asks_first(live_server, page, story):
    EditorFactory(username="desk", is_superuser=True)
    log_in(page, live_server, "desk")
    page.goto(change_url(live_server, story))
    page.wait_for_load_state("load")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))

    # Untouched: leaving asks nothing.
    page.click("#site-name a")
    page.wait_for_url(live_server.url + "/admin/")
    assert dialogs == []

    page.goto(change_url(live_server, story))
    page.wait_for_load_state("load")
    page.fill("#id_byline", "Someone new")
    page.click("#site-name a")

    assert dialogs == ["beforeunload"]
    assert page.url == change_url(live_server, story)  # dismissed: still here


def test_a_stale_save_is_refused_in_the_browser(live_server, browser, story):
    """A and B in two browsers: B's save after A's is refused, and B keeps
    their text by saving again."""
    EditorFactory(username="alice", is_superuser=True)
    EditorFactory(username="bob", is_superuser=True)
    pages = []
    for username in ("alice", "bob"):
        page = browser.new_context().new_page()
        log_in(page, live_server, username)
        page.goto(change_url(live_server, story))
        pages.append(page)
    a, b = pages

    a.fill("#id_byline", "Alice Reporter")
    a.click("input[name=_continue]")
    a.wait_for_selector(".messagelist .success")
    b.fill("#id_dateline", "Bern")
    b.click("input[name=_continue]")

    b.wait_for_selector("#edit-conflict")
    assert "alice" in b.inner_text("#edit-conflict")
    assert b.input_value("#id_dateline") == "Bern"
    story.refresh_from_db()
    assert story.byline == "Alice Reporter"
    assert story.dateline != "Bern"

    b.click("#edit-conflict input[name=_continue]")
    b.wait_for_selector(".messagelist .success")
    story.refresh_from_db()
    assert story.dateline == "Bern"
    for page in pages:
        page.context.close()
