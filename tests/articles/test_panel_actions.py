"""Who may press which of the story form's one-click panel buttons, per role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from articles.models import PreviewLink
from entities.models import Entity, Suggestion
from entities.services import suggest_entities
from related.models import RelatedLink
from tests.admin_forms import press
from tests.articles.test_admin import change_url
from tests.factories import ArticleFactory, RoleUserFactory, UserFactory

pytestmark = pytest.mark.django_db

VERBS = [
    "confirm",
    "reject",
    "create",
    "dismiss",
    "pin",
    "exclude",
    "make-preview-link",
]
# What each role's buttons are (migration articles.0009_role_groups).
ALLOWED = {
    "Reporter": {"confirm", "reject", "dismiss", "pin", "exclude"},
    "Editor": set(VERBS),
    "Admin": set(VERBS),
}


@pytest.fixture
def draft_for(geneva):
    """A draft by `user` naming Geneva (a suggestion) and Anna Kowalski (a
    candidate), and another story to pin or exclude."""

    def make(user):
        article = ArticleFactory(
            draft=True,
            created_by=user,
            headline="Talks resume",
            body="<p>Delegates met in Geneva with Anna Kowalski on Monday.</p>",
        )
        suggest_entities(article=article)
        other = ArticleFactory(headline="Earlier talks")
        return article, other

    return make


def actions_for(article, other) -> dict[str, str]:
    suggestion = article.suggestions.get()
    candidate = article.candidates.get()
    return {
        "confirm": f"confirm:{suggestion.pk}",
        "reject": f"reject:{suggestion.pk}",
        "create": f"create:{candidate.pk}",
        "dismiss": f"dismiss:{candidate.pk}",
        "pin": f"pin:{other.pk}",
        "exclude": f"exclude:{other.pk}",
        "make-preview-link": "make-preview-link:",
    }


@pytest.mark.parametrize("role", ["Reporter", "Editor", "Admin"])
def test_each_role_sees_only_the_buttons_it_may_press(client, draft_for, role):
    user = RoleUserFactory(role=role)
    article, other = draft_for(user)
    client.force_login(user)

    content = client.get(change_url(article)).content.decode()

    shown = {
        verb
        for verb, value in actions_for(article, other).items()
        if f'name="_action" value="{value}"' in content
    }
    assert shown == ALLOWED[role]


@pytest.mark.parametrize("role", ["Reporter", "Editor", "Admin"])
@pytest.mark.parametrize("verb", VERBS)
def test_a_forged_button_is_refused_with_nothing_saved(client, draft_for, role, verb):
    """A button the role may press saves the form and acts; one it may not is
    a 403, and not even the form's other edits are saved."""
    user = RoleUserFactory(role=role)
    article, other = draft_for(user)
    client.force_login(user)

    response = press(
        client, article, actions_for(article, other)[verb], headline="Edited"
    )

    article.refresh_from_db()
    if verb in ALLOWED[role]:
        assert response.status_code == 302
        assert article.headline == "Edited"
        return
    assert response.status_code == 403
    assert article.headline == "Talks resume"
    assert article.suggestions.get().status == Suggestion.Status.SUGGESTED
    assert not Entity.objects.filter(name="Anna Kowalski").exists()
    assert not article.candidates.get().dismissed
    assert not PreviewLink.objects.exists()


def test_related_buttons_need_the_related_permissions(client, draft_for):
    """Staff who may edit stories but not related picks see no Pin button and
    cannot pin by a forged post."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=["change_article", "view_article", "change_any_article"],
        )
    )
    article, other = draft_for(user)
    client.force_login(user)

    assert f'value="pin:{other.pk}"' not in client.get(change_url(article)).text
    response = press(client, article, f"pin:{other.pk}", byline="Mine")

    assert response.status_code == 403
    assert not RelatedLink.objects.exists()
    article.refresh_from_db()
    assert article.byline != "Mine"


def test_a_reporter_cannot_press_buttons_on_anothers_draft(client, draft_for):
    reporter = RoleUserFactory(role="Reporter")
    article, other = draft_for(RoleUserFactory(role="Reporter"))
    client.force_login(reporter)

    response = client.post(
        change_url(article), {"headline": "Mine", "_action": f"pin:{other.pk}"}
    )

    assert response.status_code in (302, 403)
    article.refresh_from_db()
    assert article.headline == "Talks resume"
    assert not RelatedLink.objects.exists()
