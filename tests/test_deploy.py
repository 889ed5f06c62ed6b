"""The deployment recipes (Procfile, docs/deploy.md, the README) run real commands."""

from __future__ import annotations

import importlib
import re

import pytest
from django.core.management import get_commands

from tests.conftest import REPO


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_procfile_runs_the_site_and_the_task_worker(settings):
    """Heroku-style platforms get a web process, a worker and a release step."""
    settings.SECRET_KEY_FROM_ENV = True  # as a deployment sets SECRET_KEY
    processes = procfile()
    assert set(processes) == {"release", "web", "worker"}
    assert processes["web"].startswith("gunicorn newsroom.wsgi ")
    assert importlib.import_module("newsroom.wsgi").application is not None
    assert processes["worker"] == "python manage.py db_worker"
    assert "migrate" in processes["release"]


@pytest.mark.parametrize("document", ["Procfile", "docs/deploy.md", "README.md"])
def test_every_command_the_recipes_name_exists(document):
    """Each `manage.py <command>` a deployment recipe names is a real command."""
    named = set(re.findall(r"manage\.py (\w+)", (REPO / document).read_text()))
    assert named
    assert named - set(get_commands()) == set()


def test_the_systemd_units_run_gunicorn_and_the_worker():
    """docs/deploy.md has a unit for the web process and one for the worker."""
    guide = (REPO / "docs/deploy.md").read_text()
    starts = re.findall(r"^ExecStart=(.+)$", guide, flags=re.MULTILINE)
    assert any("gunicorn newsroom.wsgi" in start for start in starts)
    assert any("manage.py db_worker" in start for start in starts)
