"""Configuration comes from the environment, with safe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.conftest import REPO

PRODUCTION = {
    "SECRET_KEY": "x7!tq9#newsroom-test-only-key-that-is-long-and-random-enough-42",
    "ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://newsroom:secret@db.example.org:5432/newsroom",
    "REDIS_URL": "redis://cache.example.org:6379/0",
}


def settings_in(env: dict[str, str]) -> dict:
    """Load newsroom.settings in a fresh interpreter with exactly `env` set."""
    code = (
        "import json, newsroom.settings as s; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'ENGINE': s.DATABASES['default']['ENGINE'], "
        "'CACHE': s.CACHES['default']['BACKEND'], 'HOSTS': s.ALLOWED_HOSTS, "
        "'SSL': s.SECURE_SSL_REDIRECT, 'COOKIE': s.SESSION_COOKIE_SECURE, "
        "'KEY_FROM_ENV': s.SECRET_KEY_FROM_ENV, 'PRELOAD': s.SECURE_HSTS_PRELOAD}))"
    )
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=base | env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def test_defaults_are_safe():
    """With no variables: SQLite, local-memory cache, DEBUG off, HTTPS enforced."""
    loaded = settings_in({})
    assert loaded["DEBUG"] is False
    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["CACHE"].endswith("LocMemCache")
    assert loaded["SSL"] is True
    assert loaded["COOKIE"] is True
    assert loaded["KEY_FROM_ENV"] is False


def test_production_variables_choose_postgresql_and_redis():
    """DATABASE_URL and REDIS_URL switch the database and the cache."""
    loaded = settings_in(PRODUCTION)
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["CACHE"] == "newsroom.cache.RedisCache"
    assert loaded["HOSTS"] == ["news.example.org"]


def test_hsts_preload_is_the_operators_choice():
    """HSTS preloading, hard to undo, is off until SECURE_HSTS_PRELOAD asks for it."""
    assert settings_in(PRODUCTION)["PRELOAD"] is False
    assert settings_in(PRODUCTION | {"SECURE_HSTS_PRELOAD": "1"})["PRELOAD"] is True


@pytest.mark.parametrize("entry", ["newsroom.wsgi", "newsroom.asgi"])
def test_web_process_refuses_to_start_without_a_secret_key(entry):
    """gunicorn (or an ASGI server) loading the site with DEBUG off and no
    SECRET_KEY stops with a message saying what to set."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env = base | PRODUCTION | {"DATABASE_URL": "sqlite:///:memory:"}

    def start(env):
        return subprocess.run(
            [sys.executable, "-c", f"import {entry}"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )

    refused = start(env | {"SECRET_KEY": ""})
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
    assert start(env).returncode == 0
    assert start(env | {"SECRET_KEY": "", "DEBUG": "1"}).returncode == 0


def test_debug_run_relaxes_https():
    """DEBUG=1, as `make run` sets it, serves plain HTTP locally."""
    loaded = settings_in({"DEBUG": "1"})
    assert loaded["DEBUG"] is True
    assert loaded["SSL"] is False


def test_deploy_check_is_clean_with_production_settings():
    """`manage.py check --deploy` finds nothing with production variables set."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env = base | PRODUCTION | {"DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_a_secret_key():
    """Without SECRET_KEY the deploy check fails instead of passing silently."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env = base | PRODUCTION | {"DATABASE_URL": "sqlite:///:memory:", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "newsroom.E001" in result.stderr


@pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
    reason="REDIS_URL is not set for this run",
)
def test_redis_cache_round_trips():
    """With REDIS_URL set the cache really is Redis, shared across processes."""
    cache.set("settings-test", {"a": 1}, timeout=30)
    assert cache.get("settings-test") == {"a": 1}
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert server.exists(cache.make_key("settings-test"))
