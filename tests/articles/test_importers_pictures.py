"""ninjs picture associations imported as library pictures (from files next to
the story's JSON, or file: URLs), idempotently, all or nothing per story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from articles.importers import import_files
from articles.models import Article
from images.models import Image
from tests.factories import picture_bytes

pytestmark = pytest.mark.django_db


def association(href: str, **extra) -> dict:
    return {
        "name": "leadimage",
        "uri": "urn:wire:photo:1",
        "type": "picture",
        "by": "Ann Photographer / Harbour Wire",
        "headlines": [{"role": "main", "value": "The first ferry leaves."}],
        "descriptions": [
            {"role": "caption", "value": "The first ferry leaves at dawn."},
            {"role": "alt", "value": "A white ferry leaving the quay"},
        ],
        "copyrightnotice": "© Harbour Wire",
        "usageterms": "Editorial use only",
        "renditions": [
            {"name": "thumb", "href": "thumb.jpg", "width": 160, "height": 90},
            {"name": "large", "href": href, "width": 480, "height": 270},
        ],
    } | extra


def write_story(folder: Path, *associations: dict, uri="urn:wire:story:1") -> Path:
    path = folder / "story.json"
    item = {
        "uri": uri,
        "type": "text",
        "headlines": [{"role": "main", "value": "Ferries sail again"}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>Hi</p>"}],
        "associations": list(associations),
    }
    path.write_text(json.dumps(item))
    return path


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "ferry.jpg").write_bytes(picture_bytes(width=480))
    (tmp_path / "thumb.jpg").write_bytes(picture_bytes(width=160, height=90))
    return tmp_path


def run(path: Path):
    return import_files([(str(path), path)])


def test_picture_association_becomes_the_lead_picture(folder, media_files):
    """The largest rendition's file is added to the library with the
    association's credit, caption, alt text and rights, as the lead picture."""
    report = run(write_story(folder, association("photos/ferry.jpg")))
    assert [o.result for o in report.outcomes] == ["created"], report.outcomes
    article = Article.objects.get()
    image = article.lead_image
    assert image.width == 480
    assert image.credit == "Ann Photographer / Harbour Wire"
    assert image.caption == "The first ferry leaves at dawn."
    assert image.alt_text == "A white ferry leaving the quay"
    assert image.copyright == "© Harbour Wire"
    assert image.usage_terms == "Editorial use only"
    assert image.source == "urn:wire:photo:1"
    assert image.file.name in media_files()


def test_reimport_is_idempotent(folder):
    """Importing the same file again reuses the picture."""
    path = write_story(folder, association("photos/ferry.jpg"))
    run(path)
    report = run(path)
    assert [o.result for o in report.outcomes] == ["updated"]
    assert Image.objects.count() == 1
    assert Article.objects.get().lead_image == Image.objects.get()


def test_without_uri_the_file_hash_matches(folder):
    """An association without a uri is known again by its file's SHA-256."""
    picture = association("photos/ferry.jpg")
    del picture["uri"]
    path = write_story(folder, picture)
    run(path)
    run(path)
    assert Image.objects.count() == 1
    assert Image.objects.get().source.startswith("sha256:")


def test_file_url_and_ninjs_1_names(folder):
    """A file: URL is read, and ninjs 1.x associations keyed by name with
    `description_text` and `byline` are understood."""
    url = (folder / "photos" / "ferry.jpg").as_uri()
    path = folder / "story.json"
    path.write_text(
        json.dumps(
            {
                "uri": "urn:wire:story:9",
                "headline": "Ferries sail",
                "body_text": "Hi",
                "associations": {
                    "featureimage": {
                        "type": "picture",
                        "byline": "Staff",
                        "description_text": "A quay",
                        "renditions": {"baseImage": {"href": url}},
                    }
                },
            }
        )
    )
    report = run(path)
    assert [o.result for o in report.outcomes] == ["created"], report.outcomes
    image = Article.objects.get().lead_image
    assert (image.credit, image.caption) == ("Staff", "A quay")


def test_ninjs_3_names(folder):
    """ninjs 3.x camel-case names (usageTerms, copyrightNotice) are read."""
    picture = association("photos/ferry.jpg")
    picture["usageTerms"] = picture.pop("usageterms")
    picture["copyrightNotice"] = picture.pop("copyrightnotice")
    run(write_story(folder, picture))
    image = Image.objects.get()
    assert (image.usage_terms, image.copyright) == (
        "Editorial use only",
        "© Harbour Wire",
    )


def test_missing_file_is_refused_and_nothing_is_written(folder, media_files):
    """A picture whose file does not exist rejects the story, naming the JSON
    file and the association; no story, picture or file is left."""
    path = write_story(
        folder,
        association("photos/ferry.jpg", uri="urn:wire:photo:ok"),
        association("photos/gone.jpg", name="second", uri="urn:wire:photo:2"),
    )
    report = run(path)
    [outcome] = report.outcomes
    assert outcome.result == "rejected"
    message = str(outcome)
    assert "story.json" in message
    assert "“second”" in message
    assert "photos/gone.jpg" in message
    assert not Article.objects.exists()
    assert not Image.objects.exists()
    assert media_files() == []


def test_not_an_image_is_refused(folder, media_files):
    """A file that is not a picture (a zip named .jpg) is refused, naming it."""
    (folder / "photos" / "fake.jpg").write_bytes(b"PK\x03\x04 not a picture")
    report = run(write_story(folder, association("photos/fake.jpg")))
    [outcome] = report.outcomes
    assert outcome.result == "rejected"
    assert "fake.jpg" in str(outcome)
    assert "“leadimage”" in str(outcome)
    assert not Article.objects.exists()
    assert media_files() == []


def test_long_alt_text_is_refused(folder, media_files):
    """An alt text of 2,000 characters is refused, not cut short."""
    picture = association("photos/ferry.jpg")
    picture["descriptions"] = [{"role": "alt", "value": "x" * 2000}]
    [outcome] = run(write_story(folder, picture)).outcomes
    assert outcome.result == "rejected"
    assert "alt" in str(outcome)
    assert not Image.objects.exists()
    assert media_files() == []


def test_story_refused_after_its_picture_leaves_no_file(folder, media_files):
    """When the story itself is refused after its picture was stored, the
    picture's row and file go too."""
    path = folder / "story.json"
    path.write_text(
        json.dumps(
            {
                "uri": "urn:wire:story:long",
                "headlines": [{"value": "Ferries"}],
                "slugline": "x",
                "located": "x" * 5000,
                "associations": [association("photos/ferry.jpg")],
            }
        )
    )
    [outcome] = run(path).outcomes
    assert outcome.result == "rejected", outcome
    assert not Image.objects.exists()
    assert media_files() == []


def test_remote_renditions_are_skipped_with_a_warning(folder):
    """http(s) renditions are not fetched: the story imports without the
    picture, and the report says so."""
    picture = association("photos/ferry.jpg")
    picture["renditions"] = [{"name": "web", "href": "https://wire.example/p.jpg"}]
    [outcome] = run(write_story(folder, picture)).outcomes
    assert outcome.result == "created"
    assert any("remote" in warning for warning in outcome.warnings)
    assert not Image.objects.exists()


def test_uploads_do_not_read_picture_paths(folder):
    """A file given as content (an upload in the admin) has no folder: its
    pictures are skipped with a warning rather than read from the server."""
    path = write_story(folder, association("photos/ferry.jpg"))
    [outcome] = import_files([("story.json", path.read_bytes())]).outcomes
    assert outcome.result == "created"
    assert any("import_stories" in warning for warning in outcome.warnings)
    assert not Image.objects.exists()


def test_live_story_stages_its_new_picture(folder):
    """A draft import of a live story stages the new lead picture with its
    text: readers keep the old one until an editor publishes the changes."""
    path = write_story(folder, association("photos/ferry.jpg"))
    import_files([(str(path), path)], status="published")
    story = Article.objects.get()
    first = story.lead_image
    (folder / "photos" / "new.jpg").write_bytes(picture_bytes(width=320, height=180))
    write_story(folder, association("photos/new.jpg", uri="urn:wire:photo:new"))
    [outcome] = run(path).outcomes
    assert outcome.result == "updated", outcome
    story.refresh_from_db()
    assert story.lead_image == first
    assert story.staged_revision is not None
    new = Image.objects.get(source="urn:wire:photo:new")
    assert story.staged_revision.content["lead_image"] == new.pk
