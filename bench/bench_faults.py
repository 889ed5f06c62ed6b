"""Serve under load through Redis and PostgreSQL faults (issue 10).

Run from the repository root, as root (it restarts the machine's PostgreSQL):

    .venv/bin/python bench/bench_faults.py \\
        --database-url postgres://postgres@127.0.0.1:5432/nr_faults

It starts a redis-server of its own on a free 127.0.0.1 port (the machine's
Redis is never touched), migrates the database named, loads the demo newsroom
and a partner key, and serves the site with gunicorn (2 workers, 127.0.0.1 only,
DEBUG off). wrk (1 thread, 4 connections) requests in turn the home page, the
story page with the most entity links, that story's busiest entity page, and the
partner API's story list with a key and an Origin header (CORS), while these
phases run one after another:

- baseline            5 s, everything up;
- redis stopped       5 s after SIGTERM to the bench's redis-server;
- redis back          5 s after starting it again, empty;
- redis paused        6 s of CLIENT PAUSE 6000 ALL (a hung Redis);
- redis unpaused      5 s after the pause ends;
- postgresql restart  12 s; 2 s in, `pg_ctlcluster ... restart` (fast mode);
- postgresql back     5 s.

For each phase: requests, responses by status, socket errors and p99 latency.
Recovery after each service returns: for Redis, until the app writes to it again
(the CORS origins key, deleted when Redis answers, is written back); for
PostgreSQL, until the last failed probe (a probe thread asks for the story page
and the API list every 50 ms). Goal: no errors through the Redis faults, only
503s through the restart, recovery within 2 s. --skip-pg-restart leaves
PostgreSQL alone; --serve-from serves another checkout (the code before a
change, say). Figures go to bench/out/faults.json and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
ORIGIN = "https://bench.example"
CORS_KEY = "newsroom:1:partners:allowed-origins"
RECOVERY_GOAL = 2.0

# Prints the addresses to load as JSON: the story with the most entity links and
# its busiest entity.
FIND_PAGES = """
import json
from django.db.models import Count
from articles.models import Article
from entities.models import Entity
story = (Article.objects.published().annotate(n=Count("entity_links"))
         .order_by("-n", "pk").first())
entity = (Entity.objects.with_published_stories()
          .filter(article_links__content_object=story)
          .annotate(n=Count("article_links")).order_by("-n", "pk").first())
print(json.dumps({"story": story.get_absolute_url(),
                  "entity": entity.get_absolute_url()}))
"""

# wrk script: the addresses in turn; statuses counted in each thread and summed.
WRK_SCRIPT = """
local paths = %(paths)s
local api_headers = {["Authorization"] = "Api-Key %(key)s", ["Origin"] = "%(origin)s"}
local threads = {}
local i = 0
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function request()
  i = i %% #paths + 1
  local p = paths[i]
  if p:sub(1, 5) == "/api/" then return wrk.format("GET", p, api_headers) end
  return wrk.format("GET", p)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      totals[tostring(status)] = (totals[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%%s": %%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "statuses": {%%s}, "p99_ms": %%.1f, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}}\\n',
    summary.requests, table.concat(parts, ", "), latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, step: float = 0.02) -> float | None:
    """Seconds until `condition()` held, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(step)
    return None


class RedisServer:
    """The bench's own redis-server on a free port."""

    def __init__(self, directory: str) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        if wait_for(self.answers, 10) is None:
            sys.exit("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self, timeout: float | None = 1.0) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=timeout)

    def answers(self) -> bool:
        try:
            return self.client(0.2).ping()
        except redis.RedisError:
            return False


class Probe(threading.Thread):
    """Asks for the story page and the API list in turn every 50 ms, noting when
    each answer came and its status (0 for no answer)."""

    def __init__(self, base: str, story: str, key: str) -> None:
        super().__init__(daemon=True)
        self.requests = [
            urllib.request.Request(base + story),
            urllib.request.Request(
                base + "/api/v1/articles/",
                headers={"Authorization": f"Api-Key {key}", "Origin": ORIGIN},
            ),
        ]
        self.seen: list[tuple[float, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            try:
                with urllib.request.urlopen(self.requests[n % 2], timeout=5) as r:
                    status = r.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.seen.append((time.monotonic(), status))
            time.sleep(0.05)

    def last_failure_after(self, since: float) -> float | None:
        failures = [t for t, status in self.seen if t >= since and status != 200]
        return max(failures) - since if failures else None


def run_wrk(base: str, script: Path, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *("wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "10s"),
            *("-s", str(script), base),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def wrk_result(process: subprocess.Popen) -> dict:
    output, _ = process.communicate()
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError(f"wrk printed no result:\n{output}")


def manage(env: dict, *args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare(env: dict, serve_from: Path) -> tuple[dict, str]:
    """Migrate, load the demo and a partner; the pages to load and the key."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0", cwd=serve_from)
    key = manage(
        env,
        *("create_partner", "Fault bench", "--add-key", "--rate", "100000/minute"),
        *("--origin", ORIGIN),
    ).split()[-1]
    pages = json.loads(manage(env, "shell", "-c", FIND_PAGES).strip().splitlines()[-1])
    return pages, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/nr_faults"
    )
    parser.add_argument("--pg-cluster", default="15 main")
    parser.add_argument("--skip-pg-restart", action="store_true")
    parser.add_argument(
        "--serve-from",
        type=Path,
        default=ROOT,
        help="Serve another checkout with this virtualenv, e.g. a `git worktree` "
        "of the code before a change, for a before-and-after figure.",
    )
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")

    OUT.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="bench-faults-")
    server = RedisServer(scratch)
    server.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": server.url,
        "SECRET_KEY": "bench-faults-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    pages, key = prepare(env, args.serve_from)
    paths = ["/", pages["story"], pages["entity"], "/api/v1/articles/"]
    script = Path(scratch) / "faults.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "paths": "{" + ", ".join(json.dumps(p) for p in paths) + "}",
            "key": key,
            "origin": ORIGIN,
        }
    )
    log = (OUT / "faults-gunicorn.log").open("w")
    gunicorn = subprocess.Popen(
        [
            *(str(GUNICORN), "newsroom.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--timeout", "60"),
        ],
        cwd=args.serve_from,
        env=env,
        stderr=log,
    )
    phases: dict[str, dict] = {}
    recovery: dict[str, float | None] = {}
    down: dict[str, float] = {}
    probe = Probe(base, pages["story"], key)
    try:
        if wait_for(lambda: probe_ok(base), 30, 0.2) is None:
            sys.exit("gunicorn did not answer")
        # Warm both workers: the matcher, the templates, the connections.
        phases["warm-up"] = wrk_result(run_wrk(base, script, 3))
        probe.start()

        phases["baseline"] = wrk_result(run_wrk(base, script, 5))

        stopped = time.monotonic()
        server.stop()
        phases["redis stopped"] = wrk_result(run_wrk(base, script, 5))
        server.start()
        down["redis stopped"] = time.monotonic() - stopped
        wrk = run_wrk(base, script, 5)
        recovery["redis stopped"] = wait_for(
            lambda: server.client().exists(CORS_KEY), 10
        )
        phases["redis back"] = wrk_result(wrk)

        paused = time.monotonic()
        server.client().execute_command("CLIENT", "PAUSE", 6000, "ALL")
        wrk = run_wrk(base, script, 6)
        # Blocks until the pause ends.
        server.client(timeout=None).ping()
        down["redis paused"] = time.monotonic() - paused
        after = run_wrk(base, script, 5)
        server.client().delete(CORS_KEY)
        recovery["redis paused"] = wait_for(
            lambda: server.client().exists(CORS_KEY), 10
        )
        phases["redis paused"] = wrk_result(wrk)
        phases["redis unpaused"] = wrk_result(after)

        if not args.skip_pg_restart:
            wrk = run_wrk(base, script, 12)
            time.sleep(2)
            started = time.monotonic()
            subprocess.run(
                [
                    *("pg_ctlcluster", "--skip-systemctl-redirect"),
                    *args.pg_cluster.split(),
                    *("restart", "-m", "fast"),
                ],
                check=True,
            )
            wait_for(pg_ready, 30)
            back = time.monotonic()
            down["postgresql restart"] = back - started
            time.sleep(RECOVERY_GOAL + 1)
            recovery["postgresql restart"] = probe.last_failure_after(back) or 0.0
            phases["postgresql restart"] = wrk_result(wrk)
            phases["postgresql back"] = wrk_result(run_wrk(base, script, 5))
    finally:
        probe.stopping.set()
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        if server.process.poll() is None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        log.close()

    report = {
        "phases": phases,
        "down_s": down,
        "recovery_s": recovery,
        "paths": paths,
        "log_lines": outage_log_lines(OUT / "faults-gunicorn.log"),
    }
    (OUT / "faults.json").write_text(json.dumps(report, indent=2))
    print_report(report)


def probe_ok(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


def outage_log_lines(path: Path) -> dict[str, object]:
    """What the workers logged: outage lines counted, and each worker's time
    without the cache from its first failure to its first answer."""
    lines = path.read_text().splitlines()

    def count(start: str, part: str) -> int:
        return sum(line.startswith(start) and part in line for line in lines)

    return {
        "cache unavailable": count("Cache ", "unavailable"),
        "cache answers again": count("Cache ", "answers again"),
        "rate limits not enforced": count("Partner rate limits", "not enforced"),
        "Service Unavailable": count("Service Unavailable", ""),
        "Internal Server Error": count("Internal Server Error", ""),
        "seconds without the cache": [
            float(re.search(r"after ([0-9.]+) s", line).group(1))
            for line in lines
            if line.startswith("Cache ") and "answers again" in line
        ],
    }


def print_report(report: dict) -> None:
    lines = [
        "| phase | requests | responses by status | socket errors | p99 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, result in report["phases"].items():
        statuses = ", ".join(
            f"{status}: {n:,}" for status, n in sorted(result["statuses"].items())
        )
        errors = sum(result["socket_errors"].values())
        lines.append(
            f"| {name} | {result['requests']:,} | {statuses} | {errors} "
            f"| {result['p99_ms']:.0f} ms |"
        )
    lines.append("")
    for name, seconds in report["down_s"].items():
        lines.append(f"{name}: service away {seconds:.2f} s")
    for name, seconds in report["recovery_s"].items():
        shown = "not within 10 s" if seconds is None else f"{seconds:.2f} s"
        lines.append(f"recovery after {name}: {shown}")
    lines.append(f"log lines: {report['log_lines']}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
