"""A reader's path through the public site in a real browser, on a phone-sized
and a laptop-sized screen, in light and dark mode: home, a story, one of its
entities, another story on that entity's page, a search from the header box, a
story in a developing story, that story's thread page and the author of one
of its stories, each reached by clicking a link as a reader would.

On every page the heading is the one expected, axe-core finds no serious or
critical violation, nothing scrolls sideways, and a full-page screenshot is
saved under `$TEST_ARTIFACTS_DIR/reader-path/<viewport>-<scheme>/` (default
`test-artifacts/`, git-ignored).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from entities.models import Entity
from tests.browser.axe import AXE, FAILING_IMPACTS, violations
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO / "test-artifacts")

VIEWPORTS = {
    "375": {"width": 375, "height": 812},
    "1366": {"width": 1366, "height": 768},
}


def hours_ago(hours: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def newsroom(db):
    """Two sections; a person and a place; a newest story naming both, an older
    one about the person alone; a developing story of three; and an author of
    the lead and of the thread's latest story."""
    world = SectionFactory(name="World", slug="world")
    politics = SectionFactory(name="Politics", slug="politics")
    keller = EntityFactory(name="Maria Keller", kind=Entity.Kind.PERSON)
    geneva = EntityFactory(name="Geneva", kind=Entity.Kind.PLACE)
    thread = ThreadFactory(
        title="Border talks", description="Every step towards a settlement."
    )
    ruiz = AuthorFactory(
        name="Ana Ruiz", role="Diplomatic editor", bio="Reports on the talks."
    )
    stories = {
        "lead": ArticleFactory(
            headline="Talks resume in Geneva",
            dek="Delegations return to the table after a month.",
            body="<p>Maria Keller opened the session in Geneva on Monday.</p>",
            section=world,
            entities=[keller, geneva],
            tags=["Diplomacy"],
            authors=[ruiz],
            go_live_at=hours_ago(1),
        ),
        "keller": ArticleFactory(
            headline="Keller names her negotiators",
            body="<p>The minister picked a team of five.</p>",
            section=politics,
            entities=[keller],
            go_live_at=hours_ago(30),
        ),
        "first": ArticleFactory(
            headline="Envoys arrive at the border",
            section=world,
            thread=thread,
            go_live_at=hours_ago(50),
        ),
        "ceasefire": ArticleFactory(
            headline="Ceasefire holds along the border",
            dek="A quiet night on both sides.",
            section=world,
            thread=thread,
            go_live_at=hours_ago(40),
        ),
        "latest": ArticleFactory(
            headline="Both sides sign a road map",
            section=world,
            thread=thread,
            authors=[ruiz],
            go_live_at=hours_ago(20),
        ),
    }
    return stories, keller, thread, ruiz


class Reader:
    """A reader's browser tab that checks each page it arrives at."""

    def __init__(self, page, base_url: str, shots: Path):
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.serious: list[str] = []
        self.advice: list[str] = []
        self.pages = 0

    def arrive(self, name: str, url: str | re.Pattern[str], heading: str) -> None:
        """Wait for `url`, then check the page and save its screenshot."""
        page = self.page
        page.wait_for_url(url)
        page.wait_for_load_state("networkidle")
        self.pages += 1
        label = f"{self.pages}-{name}"
        page.screenshot(path=self.shots / f"{label}.png", full_page=True)
        assert page.inner_text("h1").strip() == heading, label
        width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], f"{label} scrolls sideways: {width}"
        for impact, found in violations(page, label):
            (self.serious if impact in FAILING_IMPACTS else self.advice).append(found)

    def follow(self, scope: str, link: str) -> None:
        """Click the link named `link` inside the element `scope`."""
        self.page.locator(scope).get_by_role("link", name=link, exact=True).click()

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(params=["light", "dark"])
def scheme(request) -> str:
    return request.param


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def reader(browser, live_server, viewport, scheme):
    """A tab on a screen `viewport` pixels wide in the `scheme` colour scheme,
    with axe-core in every page and an empty folder for its screenshots."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    shots = ARTIFACTS / "reader-path" / f"{viewport}-{scheme}"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    context.add_init_script(path=str(AXE))
    yield Reader(context.new_page(), live_server.url, shots)
    context.close()


def test_a_readers_path(reader, newsroom, scheme):
    """A reader clicks from home through a story, an entity, another story,
    a search, a developing story and an author's page, and every page is
    accessible, fits the screen and shows what the link promised."""
    stories, keller, thread, ruiz = newsroom
    lead, other, ceasefire = stories["lead"], stories["keller"], stories["ceasefire"]

    reader.page.goto(reader.url("/"))
    reader.arrive("home", reader.url("/"), "Latest stories")
    dark = reader.page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark")

    reader.follow(".story-list", lead.headline)
    reader.arrive("story", reader.url(lead.get_absolute_url()), lead.headline)
    assert "Maria Keller opened the session" in reader.page.inner_text(".story-body")

    reader.follow(".story-aside", keller.name)
    reader.arrive("entity", reader.url(keller.get_absolute_url()), keller.name)
    assert "2 stories" in reader.page.inner_text(".page-links")

    reader.follow(".entity-stories", other.headline)
    reader.arrive("another-story", reader.url(other.get_absolute_url()), other.headline)

    reader.page.fill("#site-search-q", "ceasefire")
    reader.page.locator(".site-search").get_by_role("button", name="Search").click()
    reader.arrive(
        "search",
        re.compile(re.escape(reader.url("/search/?q=ceasefire")) + "$"),
        "Search results for “ceasefire”",
    )
    assert reader.page.locator(".search-results > li").count() == 1

    reader.follow(".search-results", ceasefire.headline)
    reader.arrive(
        "thread-story", reader.url(ceasefire.get_absolute_url()), ceasefire.headline
    )
    earlier = reader.page.locator("[aria-labelledby=thread-earlier]")
    latest = reader.page.locator("[aria-labelledby=thread-latest]")
    assert stories["first"].headline in earlier.inner_text()
    assert stories["latest"].headline in latest.inner_text()

    reader.follow(
        "[aria-labelledby=thread-earlier]", f"The whole story: {thread.title}"
    )
    reader.arrive("thread", reader.url(thread.get_absolute_url()), thread.title)
    timeline = reader.page.locator(".story-card__headline").all_inner_texts()
    assert timeline == [
        stories[key].headline for key in ("first", "ceasefire", "latest")
    ]

    reader.follow(".story-list .byline", ruiz.name)
    reader.arrive("author", reader.url(ruiz.get_absolute_url()), ruiz.name)
    assert "diplomatic editor" in reader.page.inner_text(".page-header").lower()
    listed = reader.page.locator(".story-card__headline").all_inner_texts()
    assert listed == [stories["lead"].headline, stories["latest"].headline]

    advice = "\n".join(reader.advice) or "none"
    assert not reader.serious, (
        f"{len(reader.serious)} serious or critical axe violations:\n"
        + "\n".join(reader.serious)
        + f"\nModerate and minor (advice):\n{advice}"
    )
