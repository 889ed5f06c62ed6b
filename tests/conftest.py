from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from entities.matcher import invalidate_matcher
from entities.models import Entity
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    EditorFactory,
    EntityFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
)
from tests.related.helpers import ARCHIVE_SIZE, archive_of

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
STORIES = SHARED / "stories"
NINJS = SHARED / "ninjs"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Serve plain HTTP in tests; production settings redirect to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded pictures and renditions go to a scratch folder of each test,
    never the checkout's media/."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def media_files(settings):
    """The files stored under the test's MEDIA_ROOT, as paths relative to it."""

    def stored() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return stored


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Run background tasks at once, in the test's own transaction."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def database_tasks(settings):
    """Queue background tasks in the database, as production does, so that they
    wait for `manage.py db_worker` (see `run_worker`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """Run every queued task, as `manage.py db_worker` does, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reader_client(client):
    return client


@pytest.fixture
def partner(db):
    """A partner pulling stories through the API."""
    return PartnerFactory(name="Daily Courier")


@pytest.fixture
def partner_client(client, partner):
    """A test client that sends the partner's key with every request."""
    client.defaults["HTTP_AUTHORIZATION"] = (
        f"Api-Key {PartnerAPIKeyFactory(partner=partner).key}"
    )
    return client


@pytest.fixture
def unpublished(db):
    """One story in each state a reader must never see, keyed by state."""
    return {
        "draft": ArticleFactory(draft=True, headline="Draft story must not leak"),
        "withdrawn": ArticleFactory(
            withdrawn=True, headline="Withdrawn story must not leak"
        ),
        "scheduled": ArticleFactory(
            scheduled=True, headline="Scheduled story must not leak"
        ),
        "expired": ArticleFactory(expired=True, headline="Expired story must not leak"),
    }


@pytest.fixture
def story_file():
    path = STORIES / "000_e182a96318b0bca9.txt"
    if not path.exists():
        pytest.skip("../shared/stories is not present")
    return path


@pytest.fixture
def putin(db):
    """A person in the gazetteer, with an alias stories use."""
    entity = EntityFactory(name="Vladimir Putin")
    AliasFactory(entity=entity, name="Putin")
    invalidate_matcher()
    return entity


@pytest.fixture
def geneva(db):
    """A place in the gazetteer."""
    entity = EntityFactory(name="Geneva", kind=Entity.Kind.PLACE)
    invalidate_matcher()
    return entity


@pytest.fixture
def archive(request):
    """An archive of published stories that share nothing but the factory's
    words, so that related-story scores mean what they do on a real desk: one
    story in three carrying an entity is common, not rare. Autouse in
    tests/related/; ask for it elsewhere."""
    if "transactional_db" in request.fixturenames:
        return []
    request.getfixturevalue("db")
    return archive_of(ARCHIVE_SIZE)
