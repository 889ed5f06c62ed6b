from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.models import Article, PreviewLink
from articles.services import create_preview_link, revoke_preview_link
from tests.admin_forms import press
from tests.articles.test_admin import change_url
from tests.factories import ArticleFactory, PreviewLinkFactory, RoleUserFactory

pytestmark = pytest.mark.django_db


def make_link(client, article: Article):
    """Press "Make a preview link" on the story form."""
    return press(client, article, "make-preview-link:")


def revoke(client, link: PreviewLink):
    return press(client, link.article, f"revoke-preview-link:{link.pk}")


@pytest.fixture
def desk_editor(db):
    return RoleUserFactory(role="Editor", username="desk")


@pytest.fixture
def desk_client(client, desk_editor):
    client.force_login(desk_editor)
    return client


class TestSharedPage:
    def test_shows_the_draft_marked_as_a_preview(self, client):
        """Anyone with the link reads the draft, with a banner, kept out of
        search engines and caches, with no canonical address."""
        link = PreviewLinkFactory(article__headline="Embargoed budget story")
        response = client.get(link.get_absolute_url())
        assert response.status_code == 200
        assert "Embargoed budget story" in response.text
        assert 'class="preview-banner"' in response.text
        assert "please do not pass it on" in response.text
        assert response["X-Robots-Tag"] == "noindex"
        assert '<meta name="robots" content="noindex">' in response.text
        cache_control = response["Cache-Control"]
        assert "private" in cache_control
        assert "no-store" in cache_control
        assert response["Referrer-Policy"] == "no-referrer"
        assert 'rel="canonical"' not in response.text

    def test_scheduled_story_is_previewed(self, client):
        link = PreviewLinkFactory(article=ArticleFactory(scheduled=True))
        assert client.get(link.get_absolute_url()).status_code == 200

    def test_published_story_redirects_to_its_page(self, client):
        """Once the story is live the link leads to its public page."""
        link = PreviewLinkFactory()
        link.article.status = Article.Status.PUBLISHED
        link.article.save()
        response = client.get(link.get_absolute_url())
        assert response.status_code == 302
        assert response["Location"] == link.article.get_absolute_url()

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"revoked_at": timezone.now()}, "The newsroom revoked it."),
            ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "expired"),
        ],
    )
    def test_revoked_or_expired_link_is_gone(self, client, change, message):
        link = PreviewLinkFactory(**change)
        response = client.get(link.get_absolute_url())
        assert response.status_code == 410
        assert message in response.text
        assert link.article.headline not in response.text
        assert "no-store" in response["Cache-Control"]

    def test_withdrawn_story_is_gone(self, client):
        link = PreviewLinkFactory(article=ArticleFactory(withdrawn=True))
        response = client.get(link.get_absolute_url())
        assert response.status_code == 410
        assert "withdrawn" in response.text

    def test_unknown_token_or_deleted_story_is_not_found(self, client):
        link = PreviewLinkFactory()
        url = link.get_absolute_url()
        assert client.get("/preview/s/not-a-real-token/").status_code == 404
        assert client.get("/preview/s/bad%00token/").status_code == 404
        link.article.delete()
        assert client.get(url).status_code == 404

    def test_tokens_are_long_and_distinct(self):
        tokens = {PreviewLinkFactory().token for _ in range(20)}
        assert len(tokens) == 20
        assert all(len(token) >= 43 for token in tokens)

    def test_query_count(self, client, django_assert_max_num_queries):
        link = PreviewLinkFactory()
        with django_assert_max_num_queries(12):
            assert client.get(link.get_absolute_url()).status_code == 200


class TestAdmin:
    def test_editor_makes_a_link(self, desk_client, desk_editor):
        """The story form's button makes a link valid for a week and shows it."""
        draft = ArticleFactory(draft=True)
        response = make_link(desk_client, draft)
        assert response.status_code == 302
        link = PreviewLink.objects.get()
        assert link.article == draft
        assert link.created_by == desk_editor
        week = timezone.now() + datetime.timedelta(days=7)
        assert abs(link.expires_at - week) < datetime.timedelta(minutes=1)
        page = desk_client.get(response["Location"])
        assert link.get_absolute_url() in page.text
        assert "Revoke" in page.text

    def test_editor_revokes_a_link(self, desk_client, client):
        link = PreviewLinkFactory(article__draft=True)
        response = revoke(desk_client, link)
        assert "no longer works" in desk_client.get(response["Location"]).text
        link.refresh_from_db()
        assert link.revoked_at is not None
        assert client.get(link.get_absolute_url()).status_code == 410

    def test_live_story_gets_no_link(self, desk_client):
        """A live story is shared by its public page: it says so, no button."""
        live = ArticleFactory()
        page = desk_client.get(change_url(live)).text
        assert "share its public page" in page
        assert 'value="make-preview-link:"' not in page

    def test_the_old_urls_are_gone(self, desk_client):
        draft = ArticleFactory(draft=True)
        url = f"/admin/articles/article/{draft.pk}/preview-links/"
        assert desk_client.post(url).status_code in (301, 302, 404)
        assert not PreviewLink.objects.exists()

    def test_reporter_cannot_share(self, client):
        """Sharing is an editor's decision: a reporter sees no panel on their
        own draft, and a forged button press is refused with nothing saved."""
        reporter = RoleUserFactory(role="Reporter")
        client.force_login(reporter)
        draft = ArticleFactory(draft=True, created_by=reporter)
        link = PreviewLinkFactory(article=draft)
        page = client.get(change_url(draft)).text
        assert "Make a preview link" not in page
        assert "revoke-preview-link" not in page
        assert make_link(client, draft).status_code == 403
        assert revoke(client, link).status_code == 403
        link.refresh_from_db()
        assert link.revoked_at is None
        assert PreviewLink.objects.count() == 1

    def test_panel_lists_active_links(self, desk_client):
        draft = ArticleFactory(draft=True)
        active = PreviewLinkFactory(article=draft)
        revoked = PreviewLinkFactory(article=draft, revoked_at=timezone.now())
        response = desk_client.get(change_url(draft))
        assert "Make a preview link" in response.text
        assert active.get_absolute_url() in response.text
        assert revoked.get_absolute_url() not in response.text


class TestServices:
    def test_permission_and_state_are_checked(self, desk_editor):
        reporter = RoleUserFactory(role="Reporter")
        draft = ArticleFactory(draft=True, created_by=reporter)
        with pytest.raises(PermissionDenied):
            create_preview_link(article=draft, by=reporter)
        with pytest.raises(ValidationError):
            create_preview_link(article=ArticleFactory(withdrawn=True), by=desk_editor)
        link = create_preview_link(article=draft, by=desk_editor)
        with pytest.raises(PermissionDenied):
            revoke_preview_link(link=link, by=reporter)
        assert PreviewLink.objects.active().get() == link
        revoke_preview_link(link=link, by=desk_editor)
        assert not PreviewLink.objects.active().exists()
