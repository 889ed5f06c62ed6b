"""The Content-Security-Policy blocks nothing the site, the admin or the API
docs need: a real browser loads each page and reports no violation."""

from __future__ import annotations

import pytest

from tests.factories import (
    ArticleFactory,
    EditorFactory,
    EntityFactory,
    ImportJobFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"

# Runs before any page script: every violation the browser reports is kept.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ` +
      `${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    return violations(page)


@pytest.fixture
def newsroom(db):
    entity = EntityFactory(name="Harbour Authority")
    story = ArticleFactory(
        headline="Harbour reopens",
        body="<p>The <strong>Harbour Authority</strong> reopened the port.</p>",
        entities=[entity],
        tags=["Ports"],
    )
    return story, entity


def test_public_pages_load_without_violations(live_server, page, newsroom):
    """The home page, a story, its entity, tag and feeds break no rule."""
    story, entity = newsroom
    page.add_init_script(RECORD_VIOLATIONS)
    for path in (
        "/",
        story.get_absolute_url(),
        entity.get_absolute_url(),
        "/tag/ports/",
    ):
        assert visit(page, live_server.url + path) == [], path


def test_admin_works_under_the_policy(live_server, page, newsroom):
    """An editor logs in and opens the story list, a story's form (rich-text
    editor included) and the import pages, with nothing blocked."""
    story, _ = newsroom
    desk = EditorFactory(username="desk", is_superuser=True)
    job = ImportJobFactory(created_by=desk)
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    assert violations(page) == []

    assert visit(page, live_server.url + "/admin/articles/article/") == []
    assert (
        visit(page, f"{live_server.url}/admin/articles/article/{story.pk}/change/")
        == []
    )
    # The rich-text editor really started (its toolbar is drawn by script).
    assert page.locator(".prose-menubar").count() >= 1
    for path in (
        "/admin/articles/article/import/",
        f"/admin/articles/article/import/{job.pk}/",
    ):
        assert visit(page, live_server.url + path) == [], path


def test_api_docs_render_under_the_policy(live_server, page):
    """Swagger UI draws the API's operations with its scripts and styles loaded
    from the site itself."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)

    assert violations(page) == []
