"""Scheduling means what it says: go-live and expiry times on every path."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.importers.base import StoryData
from articles.importers.run import import_story
from articles.models import Article, format_time
from articles.services import publish_article
from tests.articles.test_admin import CHANGELIST, change_url, story_form
from tests.factories import ArticleFactory, EntityFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
SCHEDULED = "/admin/articles/article/scheduled/"


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, tzinfo=datetime.UTC)


def split(when: datetime.datetime | None, name: str) -> dict[str, str]:
    """The admin's split date and time inputs for `when`, in the site's zone."""
    if when is None:
        return {f"{name}_0": "", f"{name}_1": ""}
    local = timezone.localtime(when)
    return {
        f"{name}_0": local.strftime("%Y-%m-%d"),
        f"{name}_1": local.strftime("%H:%M:%S"),
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def future(settings):
    """5 Dec 2026, 08:00 UTC, in the future of any test run before then;
    otherwise a time two days from now."""
    settings.TIME_ZONE = "UTC"
    when = at(5, 8)
    # Whole seconds: the form's time box has no finer ones.
    later = (timezone.now() + 48 * HOUR).replace(microsecond=0)
    return when if when > timezone.now() + HOUR else later


class TestBulkAction:
    def test_keeps_a_scheduled_go_live_time(self, editor_client):
        """Bulk publishing a story scheduled for later keeps its go-live time."""
        story = ArticleFactory(draft=True, go_live_at=timezone.now() + 24 * HOUR)
        scheduled_for = story.go_live_at

        editor_client.post(
            CHANGELIST, {"action": "publish", "_selected_action": [story.pk]}
        )

        story.refresh_from_db()
        assert story.status == Article.Status.PUBLISHED
        assert story.go_live_at == scheduled_for
        assert story.is_scheduled
        assert not Article.objects.published().filter(pk=story.pk).exists()

    def test_message_counts_published_and_scheduled_with_times(
        self, editor_client, future
    ):
        """The message says how many went live now and which were scheduled
        for when, with correct plurals."""
        now_story = ArticleFactory(draft=True)
        later = ArticleFactory(draft=True, headline="Budget", go_live_at=future)
        later_too = ArticleFactory(
            draft=True, headline="Results", go_live_at=future + HOUR
        )

        response = editor_client.post(
            CHANGELIST,
            {
                "action": "publish",
                "_selected_action": [now_story.pk, later.pk, later_too.pk],
            },
            follow=True,
        )

        (message,) = messages_of(response)
        assert message.startswith("Published 1 story now. Scheduled 2 stories: ")
        assert f"“Budget” for {format_time(future)}" in message
        assert f"“Results” for {format_time(future + HOUR)}" in message
        assert "UTC" in message

    def test_refuses_the_whole_selection_when_one_would_expire_first(
        self, editor_client
    ):
        """A story that would expire before going live stops the action, and
        no story of the selection changes."""
        fine = ArticleFactory(draft=True)
        doomed = ArticleFactory(
            draft=True, headline="Old news", expire_at=timezone.now() - HOUR
        )

        response = editor_client.post(
            CHANGELIST,
            {"action": "publish", "_selected_action": [fine.pk, doomed.pk]},
            follow=True,
        )

        (message,) = messages_of(response)
        assert message.startswith("Nothing was published: 1 story would expire")
        assert "“Old news”" in message
        for story in (fine, doomed):
            story.refresh_from_db()
            assert story.status == Article.Status.DRAFT

    def test_withdraw_message_has_a_singular(self, editor_client):
        """Withdrawing one story says "1 story"."""
        story = ArticleFactory()

        response = editor_client.post(
            CHANGELIST,
            {"action": "withdraw", "_selected_action": [story.pk]},
            follow=True,
        )

        assert messages_of(response) == ["Withdrew 1 story."]


class TestChangeForm:
    def test_publisher_sees_save_draft_and_publish(self, editor_client):
        """An editor who may publish sees Save draft and Publish on a draft."""
        story = ArticleFactory(draft=True)

        html = editor_client.get(change_url(story)).text

        assert 'value="Save draft"' in html
        assert 'name="_publish"' in html
        assert 'name="_schedule"' not in html

    def test_schedule_button_when_the_go_live_time_is_ahead(self, editor_client):
        """A story with a future go-live time offers Schedule, not Publish."""
        story = ArticleFactory(scheduled=True)

        html = editor_client.get(change_url(story)).text

        assert 'name="_schedule"' in html
        assert 'name="_publish"' not in html

    def test_save_comes_before_publish(self, editor_client):
        """The Enter key presses the first button: it saves, never publishes."""
        html = editor_client.get(change_url(ArticleFactory(draft=True))).text

        assert html.index('name="_save"') < html.index('name="_publish"')

    def test_writer_sees_only_save_draft(self, client):
        """A reporter without the publish permission sees no publishing button."""
        writer = UserFactory(is_staff=True)
        writer.user_permissions.set(
            Permission.objects.filter(content_type__app_label="articles").exclude(
                codename="publish_article"
            )
        )
        client.force_login(writer)

        html = client.get(change_url(ArticleFactory(draft=True))).text

        assert 'value="Save draft"' in html
        assert 'name="_publish"' not in html
        assert 'name="_schedule"' not in html

    def test_time_zone_is_shown_next_to_the_times(self, editor_client, settings):
        """The go-live and expiry fields name the site's time zone."""
        settings.TIME_ZONE = "Europe/London"

        html = editor_client.get(change_url(ArticleFactory(draft=True))).text

        assert "Go-live time (Europe/London)" in html
        assert "Expiry time (Europe/London)" in html

    def test_publish_with_a_future_time_schedules_and_says_when(
        self, editor_client, future
    ):
        """Publish with a go-live time ahead schedules the story, and the
        message gives the exact time with its zone."""
        story = ArticleFactory(draft=True)

        response = editor_client.post(
            change_url(story),
            story_form(
                headline=story.headline,
                slug=story.slug,
                _publish="Publish",
                **split(future, "go_live_at"),
                **split(None, "expire_at"),
            ),
            follow=True,
        )

        story.refresh_from_db()
        assert story.is_scheduled
        assert story.go_live_at == future
        assert any(
            message.startswith(f"Scheduled for {format_time(future)}")
            for message in messages_of(response)
        )
        if future == at(5, 8):
            assert any(
                "Scheduled for 5 Dec 2026, 08:00 UTC" in message
                for message in messages_of(response)
            )

    def test_publish_without_a_time_publishes_now(self, editor_client):
        """Publish with no go-live time makes the story live at once."""
        story = ArticleFactory(draft=True)

        response = editor_client.post(
            change_url(story),
            story_form(headline=story.headline, slug=story.slug, _publish="Publish"),
            follow=True,
        )

        story.refresh_from_db()
        assert story.is_live
        assert any(m.startswith("Published: ") for m in messages_of(response))

    def test_schedule_in_the_past_publishes_now_and_says_so(self, editor_client):
        """Schedule with a time already past publishes now, and says so."""
        story = ArticleFactory(draft=True)
        past = (timezone.now() - 3 * HOUR).replace(microsecond=0)
        before = timezone.now()

        response = editor_client.post(
            change_url(story),
            story_form(
                headline=story.headline,
                slug=story.slug,
                _schedule="Schedule",
                **split(past, "go_live_at"),
                **split(None, "expire_at"),
            ),
            follow=True,
        )

        story.refresh_from_db()
        assert story.is_live
        assert story.go_live_at >= before
        assert any(
            "had passed" in m and "published now" in m for m in messages_of(response)
        )

    def test_schedule_without_a_time_is_refused(self, editor_client):
        """Schedule with no go-live time asks for one and changes nothing."""
        story = ArticleFactory(draft=True)

        response = editor_client.post(
            change_url(story),
            story_form(headline=story.headline, slug=story.slug, _schedule="Schedule"),
        )

        assert response.status_code == 200
        assert "Give the go-live time to schedule the story for" in response.text
        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT

    def test_expiry_before_go_live_is_refused(self, editor_client, future):
        """An expiry before the go-live time gets a clear message, and nothing
        changes: not even the headline."""
        story = ArticleFactory(draft=True)

        response = editor_client.post(
            change_url(story),
            story_form(
                headline="A new headline",
                slug=story.slug,
                _publish="Publish",
                **split(future, "go_live_at"),
                **split(future - HOUR, "expire_at"),
            ),
        )

        assert response.status_code == 200
        assert "A story must expire after its go-live time." in response.text
        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT
        assert story.headline != "A new headline"

    def test_publish_now_with_an_expiry_already_past_is_refused(self, editor_client):
        """Publishing now a story whose expiry time has passed is refused."""
        story = ArticleFactory(draft=True)

        response = editor_client.post(
            change_url(story),
            story_form(
                headline=story.headline,
                slug=story.slug,
                _publish="Publish",
                **split(timezone.now() - HOUR, "expire_at"),
            ),
        )

        assert response.status_code == 200
        assert "it would already have expired" in response.text
        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT

    def test_the_status_menu_of_a_draft_leaves_publishing_to_the_buttons(
        self, editor_client
    ):
        """A draft's status menu offers no "Published": the buttons publish."""
        html = editor_client.get(change_url(ArticleFactory(draft=True))).text
        menu = html[html.index('name="status"') :]
        menu = menu[: menu.index("</select>")]

        assert 'value="published"' not in menu
        assert 'value="withdrawn"' in menu


class TestExpiry:
    @pytest.fixture(autouse=True)
    def _clock_moved_by_update(self, settings):
        # The clock "moves" by updates the page cache cannot see; that no cached
        # page outlives an expiry is tested in tests/newsroom/test_page_cache.py.
        settings.PAGE_CACHE_SECONDS = 0

    def test_expired_story_leaves_every_surface_without_a_write(self, partner_client):
        """A live story disappears by itself once its expiry time passes."""
        story = ArticleFactory(
            headline="Offer ends soon", expire_at=timezone.now() + HOUR
        )
        surfaces = ("/", "/feed/", "/sitemap-articles.xml", "/api/v1/articles/")
        for path in surfaces:
            assert story.slug in partner_client.get(path).content.decode(), path
        # As if the clock had passed the expiry time: nothing is saved.
        Article.objects.filter(pk=story.pk).update(
            expire_at=timezone.now() - datetime.timedelta(seconds=1)
        )

        # Its page answers 410 "no longer available" (tests/articles/test_views.py).
        assert partner_client.get(story.get_absolute_url()).status_code == 410
        for path in surfaces:
            text = partner_client.get(path).content.decode()
            assert story.headline not in text, path
            assert story.slug not in text, path

    def test_api_list_last_modified_moves_at_expiry(self, partner_client):
        """The API list's Last-Modified moves when a story expires, so a
        conditional GET never keeps an expired story alive."""
        story = ArticleFactory(expire_at=timezone.now() + HOUR)
        ArticleFactory()
        written_before = timezone.now() - 2 * HOUR
        Article.objects.update(updated_at=written_before, go_live_at=written_before)
        first = partner_client.get("/api/v1/articles/")
        Article.objects.filter(pk=story.pk).update(
            expire_at=timezone.now() - datetime.timedelta(seconds=1)
        )

        again = partner_client.get(
            "/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

        assert again.status_code == 200
        assert story.headline not in again.content.decode()

    def test_last_changed_is_the_expiry_time(self):
        """An expiry after every edit and go-live is the last change."""
        expiry = timezone.now() - datetime.timedelta(seconds=1)
        story = ArticleFactory(go_live_at=timezone.now() - 2 * HOUR)
        Article.objects.filter(pk=story.pk).update(
            updated_at=timezone.now() - 3 * HOUR, expire_at=expiry
        )

        assert Article.objects.last_changed() == expiry

    def test_change_feed_reports_an_expired_story_as_withdrawn(self, partner_client):
        """Partners see an expired story as withdrawn, at its expiry time, even
        when it was scheduled and never edited since."""
        story = ArticleFactory(draft=True)
        publish_article(article=story, at=timezone.now() + HOUR)
        # As if it had been scheduled three hours ago for two hours ago, to
        # expire an hour ago: both times passed without a write.
        went_live = timezone.now() - 2 * HOUR
        Article.objects.filter(pk=story.pk).update(
            updated_at=timezone.now() - 3 * HOUR,
            go_live_at=went_live,
            first_published_at=went_live,
            expire_at=timezone.now() - HOUR,
        )
        story.refresh_from_db()
        assert story.first_published_at > story.updated_at

        (change,) = partner_client.get("/api/v1/changes/").json()["results"]

        assert change["id"] == story.pk
        assert change["status"] == "withdrawn"
        assert change["time"].startswith(
            timezone.localtime(story.expire_at).strftime("%Y-%m-%dT%H:%M")
        )

    def test_entity_page_aside_is_not_served_from_before_the_expiry(self, client):
        """The entity page's cached aside counts no expired story."""
        entity = EntityFactory(name="Harbour Board")
        ArticleFactory(entities=[entity])
        story = ArticleFactory(entities=[entity], expire_at=timezone.now() + HOUR)
        # Written well before the expiry, as in real life.
        Article.objects.update(updated_at=timezone.now() - 2 * HOUR)
        first = client.get(entity.get_absolute_url())
        assert sum(row["count"] for row in first.context["timeline"]) == 2

        Article.objects.filter(pk=story.pk).update(
            expire_at=timezone.now() - datetime.timedelta(seconds=1)
        )

        again = client.get(entity.get_absolute_url())
        assert sum(row["count"] for row in again.context["timeline"]) == 1

    def test_database_refuses_expiry_before_go_live(self):
        """The database itself refuses an expiry at or before the go-live time."""
        story = ArticleFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=story.pk).update(expire_at=story.go_live_at)

    def test_service_refuses_expiry_before_go_live_and_changes_nothing(self):
        """publish_article refuses a story that would expire before going
        live, before changing anything."""
        story = ArticleFactory(draft=True, expire_at=timezone.now() - HOUR)

        with pytest.raises(ValidationError, match="must expire after"):
            publish_article(article=story)

        story.refresh_from_db()
        assert story.status == Article.Status.DRAFT

    def test_changelist_shows_expired(self, editor_client):
        """An expired story shows as Expired in the story list."""
        ArticleFactory(expired=True)

        assert "Expired" in editor_client.get(CHANGELIST).text


class TestImport:
    def story(self, **fields) -> StoryData:
        return StoryData(
            source_key="wire:harbour",
            headline="Harbour reopens",
            body_html="<p>Ships are back.</p>",
            **fields,
        )

    def test_import_with_a_future_time_schedules(self):
        """Importing published with a future go-live time schedules the story."""
        later = timezone.now() + 24 * HOUR

        article, _ = import_story(
            story=self.story(), status=Article.Status.PUBLISHED, published_at=later
        )

        assert article.is_scheduled
        assert article.go_live_at == later

    def test_reimport_keeps_a_schedule(self):
        """Re-importing a scheduled story without a time keeps its schedule."""
        later = timezone.now() + 24 * HOUR
        import_story(
            story=self.story(), status=Article.Status.PUBLISHED, published_at=later
        )

        article, created = import_story(
            story=self.story(), status=Article.Status.PUBLISHED
        )

        assert not created
        assert article.is_scheduled
        assert article.go_live_at == later


class TestScheduledPage:
    def test_lists_go_lives_and_expiries_in_time_order(
        self, editor_client, django_assert_max_num_queries
    ):
        """The page lists what goes live or expires in the next 7 days,
        soonest first, and nothing later, live or unpublished."""
        now = timezone.now()
        expires = ArticleFactory(headline="Expires tomorrow", expire_at=now + 24 * HOUR)
        goes_live = ArticleFactory(headline="Goes live soon", go_live_at=now + HOUR)
        ArticleFactory(headline="Far ahead", go_live_at=now + 10 * 24 * HOUR)
        ArticleFactory(headline="Draft with a time", draft=True, go_live_at=now + HOUR)
        ArticleFactory(headline="Live already")
        for n in range(20):
            ArticleFactory(go_live_at=now + (30 + n) * HOUR)

        with django_assert_max_num_queries(8):
            response = editor_client.get(SCHEDULED)

        assert response.status_code == 200
        listed = list(response.context["stories"])
        assert listed[:2] == [goes_live, expires]
        assert len(listed) == 22
        assert [story.event for story in listed[:2]] == ["go-live", "expiry"]
        html = response.text
        assert "Far ahead" not in html
        assert "Draft with a time" not in html
        assert "Live already" not in html
        assert html.index("Goes live soon") < html.index("Expires tomorrow")

    def test_linked_from_the_story_list(self, editor_client):
        """The story list links to the Scheduled page."""
        assert f'href="{SCHEDULED}"' in editor_client.get(CHANGELIST).text

    def test_not_for_readers(self, client):
        """A reader asking for the page is sent to the login page."""
        response = client.get(SCHEDULED)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_not_for_staff_who_may_not_see_stories(self, client):
        """Staff without permission to see stories are refused the page."""
        ArticleFactory(headline="Goes live soon", go_live_at=timezone.now() + HOUR)
        client.force_login(UserFactory(is_staff=True))

        response = client.get(SCHEDULED)

        assert response.status_code == 403
        assert "Goes live soon" not in response.content.decode()
