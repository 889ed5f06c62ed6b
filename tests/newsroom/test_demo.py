from __future__ import annotations

import datetime
import tomllib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import ERROR, run_checks
from django.core.management import CommandError, call_command
from django.utils import timezone
from taggit.models import Tag

from articles.html import sanitize_html
from articles.models import Article, ArticleEntity, Author, Section, Thread
from entities.models import Alias, Entity
from images.models import Image
from newsroom.demo.content import DATA, DemoDataError, read_demo
from newsroom.demo.loader import DEFAULT_EDITOR_PASSWORD, load_demo
from related.models import RelatedLink
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEMO = read_demo()
SECTIONS, ENTITIES, STORIES = DEMO.sections, DEMO.entities, DEMO.stories

SHARED_ENTITIES = [
    "Vell Valley Water Authority",
    "Port Alden Athletic",
    "Adaeze Okafor",
    "River Vell",
    "Eastbank",
]


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch):
    monkeypatch.delenv("DEMO_EDITOR_PASSWORD", raising=False)


def _counts() -> dict[str, int]:
    models = [Article, Section, Entity, Alias, ArticleEntity, RelatedLink, Tag]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["User"] = get_user_model().objects.count()
    return counts


def _demo(slug: str) -> Article:
    return Article.objects.get(source_key=f"demo:{slug}")


def test_demo_content_is_consistent():
    """Every entity, section and related story a demo story names is defined."""
    entities = {entity.name for entity in ENTITIES}
    sections = {section.slug for section in SECTIONS}
    stories = {story.slug for story in STORIES}
    assert len(stories) == len(STORIES)
    for story in STORIES:
        assert story.section in sections
        assert set(story.about) | set(story.mentions) <= entities
        assert not set(story.about) & set(story.mentions)
        assert set(story.related) <= stories - {story.slug}
        assert 3 <= story.html.count("<p>") + story.html.count("<ul>") <= 8


def test_every_entry_in_the_data_files_is_loaded():
    """Each story, entity, section and thread in the data files reaches the database."""
    files = {
        kind: tomllib.loads((DATA / f"{kind}.toml").read_text(encoding="utf-8"))[kind]
        for kind in ("sections", "entities", "authors", "stories", "threads")
    }

    load_demo()

    assert sorted(Article.objects.values_list("source_key", flat=True)) == sorted(
        f"demo:{story['slug']}" for story in files["stories"]
    )
    sections = Section.objects.order_by("position").values_list("slug", flat=True)
    assert list(sections) == [section["slug"] for section in files["sections"]]
    assert sorted(Entity.objects.values_list("name", flat=True)) == sorted(
        entity["name"] for entity in files["entities"]
    )
    assert sorted(Thread.objects.values_list("title", flat=True)) == sorted(
        thread["title"] for thread in files["threads"]
    )
    assert sorted(Author.objects.values_list("slug", flat=True)) == sorted(
        author["slug"] for author in files["authors"]
    )


def test_demo_stories_credit_the_authors_their_bylines_name(client):
    """Stories whose byline names a demo author credit them, and the author's
    page lists their published stories; other bylines stay free text."""
    load_demo()

    nadia = Author.objects.get(slug="nadia-hollis")
    assert [link.label for link in nadia.links.all()] == ["Website", "Mastodon"]
    reservoir = _demo("greyfield-reservoir-lowest-level-in-a-decade")
    assert [link.author for link in reservoir.author_links.all()] == [nadia]
    assert not _demo("stadium-plan-splits-eastbank").author_links.exists()
    page = client.get("/author/nadia-hollis/")
    assert page.status_code == 200
    assert reservoir.headline in page.text
    # Her scheduled story is not there yet.
    assert _demo("hosepipe-ban-what-you-can-and-cannot-do").headline not in page.text


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the demo data files that a test may spoil."""
    for kind in (
        "sections",
        "entities",
        "authors",
        "stories",
        "threads",
        "front_page",
        "pictures",
    ):
        (tmp_path / f"{kind}.toml").write_text(
            (DATA / f"{kind}.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    return tmp_path


def test_a_misspelt_field_is_reported_by_file_and_entry(data_copy):
    """An unknown field in a data file is an error naming the file and entry."""
    path = data_copy / "entities.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("aliases =", "alias =", 1),
        encoding="utf-8",
    )

    with pytest.raises(DemoDataError, match=r"entities\.toml, entry 1: .*'alias'"):
        read_demo(data_copy)


def test_a_story_naming_an_unknown_entity_is_reported(data_copy):
    """A story about an entity entities.toml does not define is refused by name."""
    path = data_copy / "stories.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'about = ["Vell Valley Water Authority"',
            'about = ["Vell Valley Water Board"',
            1,
        ),
        encoding="utf-8",
    )

    with pytest.raises(
        DemoDataError,
        match=r"greyfield-reservoir-lowest-level-in-a-decade: "
        r"entity 'Vell Valley Water Board' is not in entities\.toml",
    ):
        read_demo(data_copy)


def test_loading_creates_the_demo_newsroom():
    """Loading creates every demo story, entity, section and the editor."""
    result = load_demo()

    assert 12 <= result.stories == len(STORIES) <= 15
    assert Article.objects.filter(source_key__startswith="demo:").count() == 14
    assert Entity.objects.count() == result.entities == len(ENTITIES)
    assert Section.objects.count() == result.sections == 5
    assert Alias.objects.filter(name="Mayor Okafor").get().entity.name == (
        "Adaeze Okafor"
    )
    assert result.created_stories == 14
    assert result.created_editor


def test_entities_have_descriptions_and_both_relevances_are_used():
    """Every demo entity is described, and stories are both about and mention."""
    load_demo()

    assert not Entity.objects.filter(description="").exists()
    assert ArticleEntity.objects.filter(relevance="about").exists()
    assert ArticleEntity.objects.filter(relevance="mentions").exists()


def test_draft_and_scheduled_story_are_not_published():
    """The demo draft and the scheduled story stay off every public surface."""
    load_demo()
    draft = _demo("athletic-talks-goalkeeper-before-final")
    scheduled = _demo("hosepipe-ban-what-you-can-and-cannot-do")

    assert draft.status == Article.Status.DRAFT
    assert scheduled.is_scheduled
    published = Article.objects.published()
    assert published.count() == 12
    assert draft not in published
    assert scheduled not in published


def test_published_stories_are_spread_over_recent_weeks():
    """Published demo stories went live on different days in the last month."""
    load_demo()
    now = timezone.now()
    times = list(Article.objects.published().values_list("go_live_at", flat=True))

    assert all(now - datetime.timedelta(days=30) < time < now for time in times)
    assert len({time.date() for time in times}) >= 10


def test_loading_twice_duplicates_nothing():
    """Running the loader a second time leaves every count as it was."""
    load_demo()
    before = _counts()

    result = load_demo()

    assert _counts() == before
    assert result.created_stories == 0
    assert not result.created_editor


def test_loading_again_keeps_editors_changes():
    """A demo story an editor has changed is not overwritten by a reload."""
    load_demo()
    article = _demo("hosepipe-ban-confirmed")
    article.headline = "Hosepipe ban starts next week"
    article.save()

    load_demo()

    assert _demo("hosepipe-ban-confirmed").headline == "Hosepipe ban starts next week"


def logs_in(client, username: str, password: str) -> bool:
    """Whether the admin's login form lets `username` in."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302


def test_editor_can_log_in(client):
    """The demo editor logs in with the demo password and is in the Editor
    group, not a superuser: the demo shows what an editor can do."""
    load_demo()

    assert logs_in(client, "editor", DEFAULT_EDITOR_PASSWORD)
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff
    assert not editor.is_superuser
    assert list(editor.groups.values_list("name", flat=True)) == ["Editor"]
    assert editor.has_perm("articles.publish_article")
    assert editor.has_perm("articles.delete_article")
    assert not editor.has_perm("partners.add_partner")


def test_editor_password_comes_from_the_environment(client, monkeypatch):
    """DEMO_EDITOR_PASSWORD replaces the default demo password."""
    monkeypatch.setenv("DEMO_EDITOR_PASSWORD", "harbour-lights")

    load_demo()

    assert logs_in(client, "editor", "harbour-lights")


def test_existing_editor_keeps_its_password(client):
    """An existing account called editor is left as it is."""
    UserFactory(username="editor", password="my own secret")

    result = load_demo()

    assert not result.created_editor
    assert (
        get_user_model().objects.get(username="editor").check_password("my own secret")
    )
    assert not get_user_model().objects.get(username="editor").is_superuser


def test_editor_picks_from_published_stories_are_published():
    """Related links on public stories never point at a draft or scheduled story."""
    load_demo()
    published = Article.objects.published()
    picks = RelatedLink.objects.filter(article__in=published)

    assert picks.count() >= 5
    assert not picks.exclude(target__in=published).exists()


def test_editor_picks_keep_their_order():
    """A story's related links come back in the order the demo lists them."""
    load_demo()
    article = _demo("hosepipe-ban-confirmed")

    assert [link.target.slug for link in article.related_links.all()] == [
        "greyfield-reservoir-lowest-level-in-a-decade",
        "water-authority-leaks-scrutiny",
    ]


@pytest.mark.parametrize("name", SHARED_ENTITIES)
def test_developing_stories_share_entities(name):
    """Entities in developing stories link to several published stories."""
    load_demo()
    entity = Entity.objects.get(name=name)

    assert Article.objects.published().filter(entity_links__tag=entity).count() >= 3


def test_bodies_survive_sanitising_unchanged():
    """Each demo body is stored exactly as written, because it is already clean."""
    load_demo()

    for story in STORIES:
        article = _demo(story.slug)
        assert article.body == story.html
        assert article.body == sanitize_html(article.body)


def test_published_stories_have_public_addresses():
    """Every published demo story has a dated address under its slug."""
    load_demo()

    for article in Article.objects.published():
        date = timezone.localdate(article.go_live_at)
        assert article.get_absolute_url() == (
            f"/{date:%Y}/{date:%m}/{date:%d}/{article.slug}/"
        )


def test_command_prints_the_login(settings):
    """The command ends by printing the counts, the addresses and the login."""
    settings.DEBUG = True
    out = StringIO()

    call_command("load_demo", stdout=out)

    output = out.getvalue()
    assert "Demo newsroom ready: 14 stories, 23 entities." in output
    assert "http://127.0.0.1:8000/admin/" in output
    assert "(user: editor, password: newsroom-demo)" in output
    assert "http://127.0.0.1:8000/api/v1/" in output


def test_command_runs_twice(settings):
    """Running the command again succeeds and prints the same summary."""
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    out = StringIO()

    call_command("load_demo", "--site", "http://demo.test/", stdout=out)

    assert "Demo newsroom ready: 14 stories" in out.getvalue()
    assert "Admin: http://demo.test/admin/" in out.getvalue()


def test_demo_prints_a_working_partner_key_once(client):
    """The first load makes a demo partner key that opens the API; later loads don't."""
    first = load_demo()
    assert first.api_key
    response = client.get(
        "/api/v1/articles/", HTTP_AUTHORIZATION=f"Api-Key {first.api_key}"
    )
    assert response.status_code == 200
    assert response.json()["results"]
    assert load_demo().api_key == ""


def test_demo_has_developing_stories():
    """The demo groups its drought and stadium stories into threads."""
    load_demo()
    load_demo()
    assert Thread.objects.count() == 2
    drought = Thread.objects.get(title__startswith="Port Alden drought")
    assert drought.stories.count() == 5
    assert Article.objects.published().filter(thread=drought).count() == 4


def test_command_refuses_without_debug():
    """With DEBUG off (a production database) the command loads nothing."""
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())

    assert not Article.objects.exists()
    assert not get_user_model().objects.filter(username="editor").exists()


def test_command_loads_with_force():
    """--force loads the demo although DEBUG is off."""
    call_command("load_demo", "--force", stdout=StringIO())

    assert Article.objects.published().exists()


def deploy_errors() -> set[str]:
    return {
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.level >= ERROR
    }


def test_deploy_check_fails_while_the_demo_login_works():
    """The deploy check fails while the demo account has the published password,
    and passes once the password is changed."""
    load_demo()
    assert "newsroom.E002" in deploy_errors()

    editor = get_user_model().objects.get(username="editor")
    editor.set_password("a password of the desk's own")
    editor.save()

    assert "newsroom.E002" not in deploy_errors()


def test_demo_pictures_are_drawn_credited_and_lead_stories():
    """Every picture in pictures.toml is drawn, credited and used: as the lead
    picture of its stories and an author's photo."""
    files = tomllib.loads((DATA / "pictures.toml").read_text(encoding="utf-8"))
    load_demo()
    for picture in files["pictures"]:
        image = Image.objects.get(source=f"demo:{picture['key']}")
        assert (image.width, image.height) == (picture["width"], picture["height"])
        assert image.alt_text
        assert image.credit
        for slug in picture.get("stories", []):
            assert Article.objects.get(source_key=f"demo:{slug}").lead_image == image
        for slug in picture.get("authors", []):
            assert Author.objects.get(slug=slug).photo == image
    load_demo()
    assert Image.objects.count() == len(files["pictures"])


def test_demo_story_page_shows_its_picture(client):
    load_demo()
    story = Article.objects.published().exclude(lead_image=None).first()
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'alt="{story.lead_image.alt_text}"' in page


def test_a_picture_leading_an_unknown_story_is_reported(data_copy):
    path = data_copy / "pictures.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'stories = ["lantern-festival-floating-parade"]',
            'stories = ["no-such-story"]',
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        DemoDataError,
        match=r"pictures\.toml, lanterns: stories not in stories\.toml: "
        r"\['no-such-story'\]",
    ):
        read_demo(data_copy)
