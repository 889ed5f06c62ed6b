from __future__ import annotations

import datetime
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from articles.models import Article, Section
from tests.factories import SectionFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_stories", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def summary(stdout: str) -> str:
    """The run's summary line; the related-list part is tested in
    test_import_freshness.py, with stories that commit."""
    return stdout.strip().splitlines()[-1]


@pytest.fixture
def folder(tmp_path):
    """A folder with a plain-text story, a ninjs story and a file to ignore."""
    (tmp_path / "harbour.txt").write_text(
        "Harbour reopens | The Gazette\n\nHarbour reopens\n\nBoats are back.\n"
    )
    nested = tmp_path / "wire"
    nested.mkdir()
    (nested / "storm.json").write_text(
        json.dumps({"uri": "urn:example:storm", "headline": "Storm passes"})
    )
    (tmp_path / "notes.md").write_text("Not a story\n\nAt all.")
    return tmp_path


def test_command_imports_a_folder_and_prints_a_summary(folder):
    """A folder is searched for .txt and .json stories, and the run summarised."""
    stdout, stderr = run(str(folder))

    assert "created  " in stdout
    assert summary(stdout).startswith("2 created, 0 updated, 0 rejected; related lists")
    assert stderr == ""
    assert set(Article.objects.values_list("headline", flat=True)) == {
        "Harbour reopens",
        "Storm passes",
    }
    assert set(Article.objects.values_list("status", flat=True)) == {"draft"}


def test_running_the_command_twice_updates(folder):
    """A second run over the same files updates the stories instead of copying."""
    run(str(folder))

    stdout, _ = run(str(folder))

    assert summary(stdout).startswith("0 created, 2 updated, 0 rejected; related lists")
    assert Article.objects.count() == 2


def test_the_real_story_imports_from_the_command(story_file):
    """The sample story file imports by name."""
    stdout, _ = run(str(story_file))

    assert "1 created" in stdout
    assert Article.objects.get().source_name == "Behold Israel"


def test_published_import_goes_live_at_the_given_time(folder):
    """--status published with --published-at publishes at that time."""
    run(
        str(folder / "harbour.txt"),
        "--status=published",
        "--published-at=2025-03-01T09:00:00+01:00",
    )

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.go_live_at == datetime.datetime(2025, 3, 1, 8, tzinfo=datetime.UTC)
    assert article in Article.objects.published()
    assert article.get_absolute_url() == "/2025/03/01/harbour-reopens/"


def test_published_import_is_served_at_its_address(folder, client):
    """A story imported as published is on its public page."""
    try:
        get_template("articles/article_detail.html")
    except TemplateDoesNotExist:
        pytest.skip("the public story page is not built yet")
    run(str(folder / "harbour.txt"), "--status=published")

    response = client.get(Article.objects.get().get_absolute_url())

    assert response.status_code == 200


def test_naive_published_at_is_in_the_site_time_zone(folder, settings):
    """A go-live time without an offset is read in TIME_ZONE."""
    settings.TIME_ZONE = "Europe/Berlin"

    run(
        str(folder / "harbour.txt"),
        "--status=published",
        "--published-at=2025-03-01T09:00",
    )

    assert Article.objects.get().go_live_at == datetime.datetime(
        2025, 3, 1, 9, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_bad_published_at_is_refused(folder):
    """A go-live time that is not ISO 8601 stops the command before importing."""
    with pytest.raises(CommandError, match="not an ISO 8601 date-time"):
        run(str(folder), "--published-at=next tuesday")

    assert not Article.objects.exists()


def test_section_is_found_by_slug_or_name_or_created(folder):
    """--section takes an existing slug or name, or makes a new section."""
    business = SectionFactory(name="Business", slug="business")

    run(str(folder / "harbour.txt"), "--section=business")
    assert Article.objects.get().section == business

    run(str(folder / "harbour.txt"), "--section=Business")
    assert Article.objects.get().section == business

    run(str(folder / "harbour.txt"), "--section=middle-east")
    assert Article.objects.get().section.name == "Middle East"
    assert Section.objects.count() == 2


def test_rejection_is_reported_and_the_exit_code_is_non_zero(folder):
    """A bad file is named with its reason, the others import, and the run fails."""
    (folder / "broken.json").write_text('{"headline": "Oops",\n]')
    (folder / "empty.txt").write_bytes(b"")
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_stories", str(folder), stdout=stdout, stderr=stderr)

    assert error.value.returncode == 1
    assert "2 rejected" in str(error.value)
    assert f"{folder / 'broken.json'}, line 2, column 1: not valid JSON" in (
        stderr.getvalue()
    )
    assert f"{folder / 'empty.txt'}: the file is empty" in stderr.getvalue()
    assert summary(stdout.getvalue()).startswith(
        "2 created, 0 updated, 2 rejected; related lists"
    )
    assert Article.objects.count() == 2


def test_missing_path_is_an_error(tmp_path):
    """A path that does not exist is refused."""
    with pytest.raises(CommandError, match="no such file or folder"):
        run(str(tmp_path / "nowhere"))


def test_bad_files_are_reported_and_the_later_files_still_import(folder):
    """Nested JSON, a lone surrogate, a file that cannot be read and a control
    character stop nothing: every file gets its line, the run its summary, and
    the exit status is non-zero."""
    (folder / "a-deep.json").write_bytes(b"[" * 50_000 + b"]" * 50_000)
    (folder / "b-broken.txt").symlink_to(folder / "gone.txt")
    (folder / "c-surrogate.json").write_bytes(
        b'{"uri": "urn:x:s", "headline": "Lone \\ud800 surrogate"}'
    )
    (folder / "d-escape.txt").write_bytes(b"Wire\x1b copy\n\nBody.")
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_stories", str(folder), stdout=stdout, stderr=stderr)

    assert error.value.returncode == 1
    errors = stderr.getvalue()
    assert f"{folder / 'a-deep.json'}: the JSON is nested deeper than the limit" in (
        errors
    )
    assert f"{folder / 'b-broken.txt'}: cannot be read: No such file" in errors
    assert (
        f"warning  {folder / 'c-surrogate.json'}: “Lone surrogate”: headline: "
        "removed U+D800 lone surrogate"
    ) in errors
    assert f"{folder / 'd-escape.txt'}: “Wire copy”: headline: removed U+001B" in (
        errors
    )
    assert summary(stdout.getvalue()).startswith(
        "4 created, 0 updated, 2 rejected, 2 warnings; related lists"
    )
    assert Article.objects.count() == 4


def test_a_folder_named_on_the_command_line_may_hold_a_broken_link(tmp_path):
    """A broken link named on the command line is reported, not refused as
    missing, and the other files import."""
    (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "good.txt").write_bytes(b"Good\n\nBody.")

    with pytest.raises(CommandError, match="1 rejected"):
        run(str(tmp_path / "broken.txt"), str(tmp_path / "good.txt"))

    assert Article.objects.get().headline == "Good"


def test_byline_goes_to_stories_without_one(tmp_path):
    """--byline fills in the byline only where the file names none."""
    (tmp_path / "a.txt").write_text("Harbour reopens\n\nBoats are back.\n")
    (tmp_path / "b.json").write_text(
        json.dumps({"uri": "urn:x:1", "headline": "Storm", "byline": "Own Byline"})
    )

    run(str(tmp_path), "--byline", "Desk Staff", "--thread", "Harbour dispute")

    assert dict(Article.objects.values_list("headline", "byline")) == {
        "Harbour reopens": "Desk Staff",
        "Storm": "Own Byline",
    }
    assert {a.thread.title for a in Article.objects.all()} == {"Harbour dispute"}
