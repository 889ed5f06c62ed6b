"""A story page with a lead picture and a list of pictured stories in Chromium:
every picture loads, has its alt text, and the page does not shift as they
arrive (no layout-shift entries from the PerformanceObserver), on a phone-sized
and a laptop-sized screen."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, ImageFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.browser.media_urls"),
]

# Collected from the page's start: `buffered` replays entries recorded before
# the observer was made.
LAYOUT_SHIFTS = """
() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) shifts.push(entry.value);
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(shifts), 500);
})
"""
IMAGES = """
() => Array.from(document.images).map((img) => ({
  src: img.currentSrc,
  alt: img.getAttribute("alt"),
  complete: img.complete,
  natural: img.naturalWidth,
  width: img.getAttribute("width"),
  height: img.getAttribute("height"),
}))
"""


@pytest.fixture
def pictured(settings):
    settings.PAGE_CACHE_SECONDS = 0
    stories = [
        ArticleFactory(
            headline=f"Harbour story {n}",
            tags=["harbour"],
            lead_image=ImageFactory(
                width=1280, height=720, alt_text=f"Boats in the harbour, view {n}"
            ),
        )
        for n in range(3)
    ]
    return stories


@pytest.mark.parametrize("viewport", [(375, 812), (1366, 768)])
def test_story_page_pictures_load_with_alt_and_no_layout_shift(
    page, live_server, pictured, viewport
):
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    story = pictured[0]
    page.goto(live_server.url + story.get_absolute_url(), wait_until="networkidle")
    images = page.evaluate(IMAGES)
    lead = images[0]
    assert lead["alt"] == "Boats in the harbour, view 0"
    assert lead["complete"]
    assert lead["natural"] > 0
    assert "/media/images/renditions/" in lead["src"]
    assert lead["width"]
    assert lead["height"]
    # The browser picked the best format it knows from the <source>s.
    assert lead["src"].endswith((".avif", ".webp"))
    assert page.evaluate(LAYOUT_SHIFTS) == []


@pytest.mark.parametrize("viewport", [(375, 812), (1366, 768)])
def test_list_pictures_load_lazily_without_layout_shift(
    page, live_server, pictured, viewport
):
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/tag/harbour/", wait_until="networkidle")
    # Scroll through so that every lazy picture loads.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    images = page.evaluate(IMAGES)
    assert len(images) == 3
    for image in images:
        assert image["alt"].startswith("Boats in the harbour")
        assert image["width"]
        assert image["height"]
    page.wait_for_function(
        "Array.from(document.images).every((img) => img.complete && img.naturalWidth)"
    )
    assert page.evaluate(LAYOUT_SHIFTS) == []
