"""The home page's editor's choice (articles.models.FrontPage): picks at the top
in order, only while live, the newest stories after them without repeats, the
page cache cleared when the picks change, and the admin's front page form."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import services
from articles.models import Article, FeaturedStory, FrontPage
from articles.views import PAGE_SIZE
from newsroom import pagecache
from tests.admin_forms import form_data
from tests.factories import ArticleFactory, EntityFactory, RoleUserFactory

pytestmark = pytest.mark.django_db

CHANGE_URL = "/admin/articles/frontpage/1/change/"
HEADLINE = re.compile(r'class="story-card__headline"><a href="[^"]*">([^<]*)</a>')


def stories(count: int) -> list[Article]:
    """`count` live stories, newest first, one minute apart."""
    now = timezone.now()
    return [
        ArticleFactory(
            headline=f"Story {n}",
            go_live_at=now - datetime.timedelta(minutes=n + 1),
            entities=[EntityFactory()],
        )
        for n in range(count)
    ]


def pick(lead: Article | None = None, *featured: Article) -> FrontPage:
    front_page = FrontPage.load()
    front_page.lead = lead
    front_page.save()
    front_page.featured.all().delete()
    for position, story in enumerate(featured):
        FeaturedStory.objects.create(
            front_page=front_page, article=story, position=position
        )
    return front_page


def shown(response) -> list[str]:
    """The home page's headlines in the order it shows them (from the HTML:
    a page from the cache has no context)."""
    return HEADLINE.findall(response.text)


def test_picks_lead_the_home_page_in_their_order(client):
    """The lead story comes first, then the featured stories in their slots'
    order, then the rest newest first."""
    s = stories(6)
    pick(s[4], s[3], s[5], s[1])

    response = client.get("/")

    assert shown(response) == [
        "Story 4",
        "Story 3",
        "Story 5",
        "Story 1",
        "Story 0",
        "Story 2",
    ]
    text = response.text
    assert text.index("Story 4") < text.index("Story 3") < text.index("Story 5")
    assert text.index("Story 1") < text.index("Story 0") < text.index("Story 2")


def test_featured_positions_order_the_slots(client):
    """A lower position comes first, whatever order the slots were made in."""
    s = stories(3)
    front_page = pick(s[2])
    FeaturedStory.objects.create(front_page=front_page, article=s[0], position=5)
    FeaturedStory.objects.create(front_page=front_page, article=s[1], position=1)

    assert shown(client.get("/"))[:3] == ["Story 2", "Story 1", "Story 0"]


def test_without_picks_the_newest_leads(client):
    """With no front page set, the home page is the newest stories."""
    stories(3)
    assert shown(client.get("/")) == ["Story 0", "Story 1", "Story 2"]
    pick(None)
    assert shown(client.get("/")) == ["Story 0", "Story 1", "Story 2"]


def test_featured_without_a_lead_come_under_the_newest(client):
    """Featured stories without a lead picked: the newest story leads, the
    featured ones follow."""
    s = stories(4)
    pick(None, s[3], s[2])

    assert shown(client.get("/")) == ["Story 0", "Story 3", "Story 2", "Story 1"]


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled", "expired"])
def test_a_pick_readers_cannot_see_is_skipped(client, unpublished, state):
    """A draft, withdrawn, scheduled or expired pick is not shown, as lead or
    featured; the newest story leads instead."""
    s = stories(2)
    hidden = unpublished[state]
    pick(hidden, hidden, s[1])

    response = client.get("/")

    assert shown(response) == ["Story 0", "Story 1"]
    assert hidden.headline not in response.text
    assert hidden.slug not in response.text


def test_a_withdrawn_lead_gives_way_to_the_newest(client):
    """Withdrawing the lead story takes it off the home page at once, though
    still picked."""
    s = stories(3)
    pick(s[2], s[1])
    assert shown(client.get("/"))[0] == "Story 2"

    services.withdraw_article(article=s[2])

    assert shown(client.get("/")) == ["Story 0", "Story 1"]


def test_picks_are_not_repeated_on_later_pages(client):
    """The rest of the home page, on every page, leaves the picks out: the first
    page shows the picks and a page of the rest."""
    s = stories(PAGE_SIZE + 6)
    pick(s[PAGE_SIZE + 2], s[0], s[PAGE_SIZE])

    first = client.get("/")
    second = client.get("/", {"page": 2})

    assert len(shown(first)) == 3 + PAGE_SIZE
    picks = [f"Story {PAGE_SIZE + 2}", "Story 0", f"Story {PAGE_SIZE}"]
    assert shown(first)[:3] == picks
    assert len(shown(second)) == 3
    everything = shown(first) + shown(second)
    assert len(everything) == len(set(everything)) == PAGE_SIZE + 6
    assert second.context["top_stories"] == []


def test_a_story_both_lead_and_featured_is_shown_once(client):
    s = stories(2)
    pick(s[1], s[1], s[0])
    assert shown(client.get("/")) == ["Story 1", "Story 0"]


@pytest.mark.parametrize("featured", [0, 4])
def test_home_query_count_with_picks(client, django_assert_max_num_queries, featured):
    """Picks cost one query, their entities none of their own: nav sections,
    picks, count, stories, entities, and the schedule lookup."""
    s = stories(PAGE_SIZE + 5)
    pick(s[-1], *s[-1 - featured : -1])
    with django_assert_max_num_queries(7):  # with the stories' authors
        response = client.get("/")
    assert len(response.context["shown"]) == PAGE_SIZE + 1 + featured


def test_changing_the_picks_clears_the_cached_home_page(client):
    """The home page is cached; a new lead, a new featured story, a moved slot
    or a removed one each clear it (the real page cache)."""
    s = stories(4)
    front_page = pick(None)

    def home() -> tuple[str | None, list[str]]:
        response = client.get("/")
        return response.headers.get("X-Page-Cache"), shown(response)

    assert home()[0] == "miss"
    assert home() == ("hit", ["Story 0", "Story 1", "Story 2", "Story 3"])

    front_page.lead = s[3]
    front_page.save()
    assert home() == ("miss", ["Story 3", "Story 0", "Story 1", "Story 2"])

    slot = FeaturedStory.objects.create(front_page=front_page, article=s[2])
    assert home() == ("miss", ["Story 3", "Story 2", "Story 0", "Story 1"])
    assert home()[0] == "hit"

    slot.article = s[1]
    slot.save()
    assert home() == ("miss", ["Story 3", "Story 1", "Story 0", "Story 2"])

    slot.delete()
    assert home() == ("miss", ["Story 3", "Story 0", "Story 1", "Story 2"])


def test_a_scheduled_pick_caps_the_cached_home_page(client, rf):
    """A home page cached while its lead is scheduled is not served past the
    lead's go-live time, when the lead appears by itself."""
    stories(2)
    go_live = timezone.now() + datetime.timedelta(minutes=5)
    lead = ArticleFactory(headline="Embargoed lead", go_live_at=go_live)
    pick(lead)

    assert client.get("/").headers["X-Page-Cache"] == "miss"
    entry = cache.get(pagecache.page_key(rf.get("/")))
    assert entry.valid_until == pytest.approx(go_live.timestamp())
    assert not entry.fresh(now=go_live.timestamp())

    # The clock passes the go-live time (the row moves, as no signal would)
    # and the capped entry is no longer served.
    Article.objects.filter(pk=lead.pk).update(
        go_live_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    cache.delete(pagecache.page_key(rf.get("/")))
    assert shown(client.get("/"))[0] == "Embargoed lead"


def test_an_editor_sets_the_picks_in_the_admin(client):
    """The front page's form (reached from its list) saves a lead and featured
    stories picked with autocomplete, and says which are shown."""
    s = stories(3)
    scheduled = ArticleFactory(scheduled=True, headline="Later story")
    editor = RoleUserFactory(role="Editor")
    client.force_login(editor)

    listing = client.get("/admin/articles/frontpage/")
    assert listing.status_code == 302
    assert listing["Location"] == CHANGE_URL

    form = client.get(CHANGE_URL)
    assert form.status_code == 200
    assert "No lead picked: the newest story leads." in form.text
    assert 'data-ajax--url="/admin/autocomplete/"' in form.text
    data = form_data(form, lead=str(s[2].pk))
    data.update(
        {
            "featured-TOTAL_FORMS": "2",
            "featured-0-article": str(scheduled.pk),
            "featured-0-position": "1",
            "featured-1-article": str(s[1].pk),
            "featured-1-position": "0",
        }
    )
    response = client.post(CHANGE_URL, data)
    assert response.status_code == 302, response.context["adminform"].errors

    front_page = FrontPage.objects.get()
    assert front_page.lead == s[2]
    assert list(front_page.featured.values_list("article", flat=True)) == [
        s[1].pk,
        scheduled.pk,
    ]
    form = client.get(CHANGE_URL)
    assert "Shown: live" in form.text
    assert "(scheduled)" in form.text
    assert shown(client.get("/"))[:2] == ["Story 2", "Story 1"]
    assert "Later story" not in client.get("/").text


def test_the_admin_refuses_a_story_featured_twice(admin_client):
    s = stories(1)
    form = admin_client.get("/admin/articles/frontpage/")
    form = admin_client.get(CHANGE_URL)
    data = form_data(form)
    data.update(
        {
            "featured-TOTAL_FORMS": "2",
            "featured-0-article": str(s[0].pk),
            "featured-0-position": "0",
            "featured-1-article": str(s[0].pk),
            "featured-1-position": "1",
        }
    )
    response = admin_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    assert FeaturedStory.objects.count() == 0


def test_the_front_page_cannot_be_added_or_deleted(admin_client):
    """There is one front page: no add or delete in the admin."""
    FrontPage.load()
    assert admin_client.get("/admin/articles/frontpage/add/").status_code == 403
    assert admin_client.get(f"{CHANGE_URL[:-7]}delete/").status_code == 403


def test_a_reporter_cannot_change_the_picks(client):
    client.force_login(RoleUserFactory(role="Reporter"))
    assert client.get("/admin/articles/frontpage/").status_code == 403
    assert client.get(CHANGE_URL).status_code == 403
