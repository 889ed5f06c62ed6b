"""The cache is an accelerator, never a dependency: with Redis stopped, hung or
never there, every page and endpoint still answers, and caching resumes by
itself when Redis returns. Against a redis-server of the test's own."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache

from entities import matcher as matcher_module
from entities.matcher import get_matcher, invalidate_matcher
from tests.factories import (
    AliasFactory,
    ArticleEntityFactory,
    ArticleFactory,
    EditorFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
)

pytestmark = pytest.mark.django_db

REDIS_SERVER = shutil.which("redis-server")
if REDIS_SERVER is None:
    pytest.skip("no redis-server binary on this machine", allow_module_level=True)

API = "/api/v1/articles/"
# How long recovery may take: the backend leaves Redis alone for 1 s after a
# failure. A bound for polling, not a timing assertion.
RECOVERY = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    condition: Callable[[], bool], step: Callable[[], object] | None = None
) -> None:
    deadline = time.monotonic() + RECOVERY
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        if step is not None:
            step()
        time.sleep(0.1)


class RedisServer:
    """A redis-server on a free 127.0.0.1 port, which the test stops, hangs and
    starts again (the machine's own Redis is never touched)."""

    def __init__(self, directory) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.answers)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def hang(self) -> None:
        """Stopped by a signal: the kernel still accepts connections, nothing
        answers them."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self, timeout: float = 2.0) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=timeout)

    def answers(self) -> bool:
        try:
            return self.client(timeout=0.2).ping()
        except redis.RedisError:
            return False

    def keys(self) -> list[bytes]:
        return self.client().keys("*")


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.resume()
        server.stop()


def use_cache(settings, url: str) -> None:
    """Point the default cache at `url`, as REDIS_URL would (the settings change
    resets django.core.cache.caches)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "faults",
        }
    }


@pytest.fixture
def cached(settings, redis_server) -> RedisServer:
    use_cache(settings, redis_server.url)
    return redis_server


@pytest.fixture
def site(putin):
    """A story whose body links an entity, that entity's page, and a partner
    key: the pages that read the cache."""
    AliasFactory(entity=putin, name="the Kremlin leader")
    invalidate_matcher()
    story = ArticleFactory(body="<p>Putin flew to Geneva.</p>")
    ArticleEntityFactory(content_object=story, tag=putin)
    partner = PartnerFactory(allowed_origins="https://courier.example")
    return {
        "story": story.get_absolute_url(),
        "entity": putin.get_absolute_url(),
        "key": f"Api-Key {PartnerAPIKeyFactory(partner=partner).key}",
    }


def visit(client, site) -> dict[str, int]:
    """Every page that reads the cache; statuses by page, and the story page
    still links its entity."""
    story = client.get(site["story"])
    assert 'class="entity-link"' in story.content.decode()
    api = client.get(
        API, HTTP_AUTHORIZATION=site["key"], HTTP_ORIGIN="https://courier.example"
    )
    assert api["Access-Control-Allow-Origin"] == "https://courier.example"
    return {
        "home": client.get("/").status_code,
        "story": story.status_code,
        "entity": client.get(site["entity"]).status_code,
        "api": api.status_code,
    }


ALL_OK = {"home": 200, "story": 200, "entity": 200, "api": 200}


def outage_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "newsroom.cache"]


def test_pages_answer_while_redis_is_stopped(client, cached, site, caplog):
    """With Redis stopped every page answers 200; once it is back, pages write
    to it again by themselves."""
    assert visit(client, site) == ALL_OK
    assert cached.keys()

    cached.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert visit(client, site) == ALL_OK
    logged = outage_logs(caplog)
    assert len(logged) == 1
    assert "unavailable" in logged[0]
    assert any("rate limits are not enforced" in r.getMessage() for r in caplog.records)

    cached.start()
    assert not cached.keys()
    wait_until(lambda: bool(cached.keys()), step=lambda: visit(client, site))
    assert visit(client, site) == ALL_OK
    assert "answers again" in outage_logs(caplog)[-1]


def test_rate_limit_headers_count_in_redis_and_stop_while_it_is_down(
    client, cached, site
):
    """Against Redis, RateLimit-Remaining counts down request by request; while
    Redis is stopped limits are not enforced, and the headers are left out
    rather than made up."""
    answers = [client.get(API, HTTP_AUTHORIZATION=site["key"]) for _ in range(3)]
    limit = int(answers[0]["RateLimit-Limit"])
    assert [int(a["RateLimit-Remaining"]) for a in answers] == [
        limit - 1,
        limit - 2,
        limit - 3,
    ]

    cached.stop()
    response = client.get(API, HTTP_AUTHORIZATION=site["key"])

    assert response.status_code == 200
    assert "RateLimit-Remaining" not in response


def test_pages_answer_while_redis_hangs(client, cached, site):
    """A Redis that accepts connections but never answers costs a socket
    timeout, not a hung worker: every page answers while it is still hung."""
    assert visit(client, site) == ALL_OK

    cached.hang()
    assert visit(client, site) == ALL_OK
    assert visit(client, site) == ALL_OK
    with pytest.raises(redis.TimeoutError):
        cached.client(timeout=0.2).ping()

    cached.resume()
    cache_key = cache.make_key("after-the-outage")
    wait_until(
        lambda: cached.client().get(cache_key) is not None,
        step=lambda: cache.set("after-the-outage", 1),
    )
    assert visit(client, site) == ALL_OK


def test_pages_answer_with_redis_url_at_a_closed_port(client, settings, site):
    """REDIS_URL naming a port where nothing listens: the site works uncached."""
    use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")

    assert visit(client, site) == ALL_OK
    assert visit(client, site) == ALL_OK


def test_staff_sessions_do_not_live_in_the_cache(client, cached):
    """Sessions are kept in the database, so editors stay logged in through a
    cache outage."""
    assert django_settings.SESSION_ENGINE != "django.contrib.sessions.backends.cache"
    client.force_login(EditorFactory())
    cached.stop()

    assert client.get("/admin/").status_code == 200


def test_misses_while_redis_is_down(cached):
    """Each operation answers as for a key that is not there."""
    cache.set("present", 1)
    cached.stop()

    assert cache.get("present", "default") == "default"
    assert cache.add("new", 1) is False
    assert cache.get_many(["present"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("present") is False
    assert cache.delete("present") is False
    assert cache.get_or_set("computed", 5) == 5
    with pytest.raises(ValueError, match="unavailable"):
        cache.incr("present")


class TestMatcher:
    def test_keeps_its_automaton_while_the_cache_is_down(
        self, cached, putin, django_assert_num_queries
    ):
        """No version to read is no reason to rebuild: the automaton is kept and
        the database is not asked again within the fingerprint interval."""
        first = get_matcher()
        cached.stop()

        with django_assert_num_queries(0):
            assert get_matcher() is first
            assert get_matcher() is first

    def test_own_changes_are_picked_up_while_the_cache_is_down(self, cached, putin):
        """invalidate_matcher() still rebuilds this process's automaton."""
        get_matcher()
        cached.stop()

        AliasFactory(entity=putin, name="Vova")
        invalidate_matcher()

        assert [m.entity_id for m in get_matcher().find("Vova said")] == [putin.pk]

    def test_others_changes_are_picked_up_by_the_fingerprint(
        self, cached, putin, monkeypatch
    ):
        """A write this process did not announce is still noticed."""
        monkeypatch.setattr(matcher_module, "FINGERPRINT_INTERVAL", 0)
        get_matcher()
        cached.stop()

        AliasFactory(entity=putin, name="Vova")

        assert [m.entity_id for m in get_matcher().find("Vova said")] == [putin.pk]

    def test_a_bump_the_cache_missed_is_sent_when_it_returns(self, cached, putin):
        """Other processes learn of a change made during the outage: the new
        version is written once the cache answers."""
        get_matcher()
        key = cache.make_key(matcher_module.VERSION_KEY)
        before = cached.client().get(key)
        cached.hang()

        invalidate_matcher()
        cached.resume()

        wait_until(lambda: cached.client().get(key) != before, step=get_matcher)
