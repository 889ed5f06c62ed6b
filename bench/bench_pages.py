"""Readers' pages under load, with and without the page cache (issue 12).

Run from the repository root:

    .venv/bin/python bench/bench_pages.py \\
        --database-url postgres://postgres@127.0.0.1:5432/newsroom_bench_pages \\
        [--redis-url redis://127.0.0.1:6379/9] [--articles 512] [--seconds 10]

It creates and migrates the database named, loads the demo newsroom, tops the
archive up to --articles stories with `seed_corpus`, rebuilds the related lists,
analyzes the tables, and serves the site with gunicorn (1 sync worker, DEBUG
off, pinned to the first CPU with taskset where there is one) while wrk (1
thread, 2 connections, pinned to the second CPU) loads one address at a time:
/healthz/ (the ceiling: a view that
returns "ok" through every middleware and touches no database), the story page
with the most entity links, the home page, the busiest section and entity
pages. Twice: cold (PAGE_CACHE_SECONDS=0, every page rendered) and warm (the
page cache on, in Redis with --redis-url, else each worker's local memory).

It prints requests per second, p50 and p99 for each, and each page's share of
/healthz/. Goal: warm pages at >= 80% of /healthz/, the cold story page at
>= 2x 113 req/s. Figures go to bench/out/pages.json. Without wrk it says so and
stops.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
BEFORE_STORY = 113.0  # req/s, issue 12's measurement of the story page
WARM_GOAL = 0.8
COLD_GOAL = 2.0

# wrk reports its summary as one JSON line; latencies are in microseconds.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, '
    .. '"non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""

FIND_PAGES = """
import json
from django.db.models import Count
from articles.models import Article, Section
from entities.models import Entity
published = Article.objects.published()
story = published.annotate(n=Count("entity_links")).order_by("-n", "pk").first()
section = (
    Section.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
)
entity = (
    Entity.objects.filter(article_links__content_object__in=published)
    .annotate(n=Count("article_links")).order_by("-n", "pk").first()
)
print(json.dumps({
    "story": story.get_absolute_url(),
    "home": "/",
    "section": section.get_absolute_url(),
    "entity": entity.get_absolute_url(),
    "stories": published.count(),
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pinned(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu)]
    return []


def create_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, unless it exists."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(env: dict, articles: int) -> dict:
    create_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    manage({**env, "DEBUG": "1"}, "load_demo", "-v0")
    pages = json.loads(manage(env, "shell", "-c", FIND_PAGES).strip().splitlines()[-1])
    if pages["stories"] < articles:
        manage(env, "seed_corpus", "--articles", str(articles - pages["stories"]))
        manage(env, "rebuild_related")
        pages = json.loads(
            manage(env, "shell", "-c", FIND_PAGES).strip().splitlines()[-1]
        )
    # Fresh planner statistics, as autovacuum keeps them on a live site: just
    # after a bulk load they are missing, and every plan is a guess.
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("ANALYZE")
    manage(env, "collectstatic", "--noinput", "-v0")
    return pages


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def wrk(url: str, script: Path, seconds: float) -> dict:
    output = subprocess.run(
        [
            *pinned(1),
            *("wrk", "-t1", "-c2", f"-d{round(seconds)}s", "--timeout", "10s"),
            *("-s", str(script), url),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line.removeprefix("RESULT "))
            result["rps"] = result["requests"] / result["seconds"]
            return result
    raise RuntimeError(f"wrk printed no result:\n{output}")


def serve_and_load(
    env: dict,
    paths: dict[str, str],
    script: Path,
    seconds: float,
    serve_from: Path = ROOT,
) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            *pinned(0),
            *(str(GUNICORN), "newsroom.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "1", "--worker-class", "sync", "--timeout", "60"),
        ],
        cwd=serve_from,
        env={**env, "PYTHONPATH": str(serve_from)},
        stderr=(OUT / "pages-gunicorn.log").open("a"),
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(base + next(iter(paths.values()))):
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not answer")
            time.sleep(0.2)
        results = {}
        for name, path in paths.items():
            # Warm up: templates, connections, the matcher, the cache entry.
            wrk(base + path, script, 1)
            results[name] = wrk(base + path, script, seconds)
        return results
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/newsroom_bench_pages",
    )
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--articles", type=int, default=512)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--before",
        type=Path,
        help="Also serve this checkout (e.g. `git archive main | tar -x -C DIR`) "
        "with the same virtualenv and database, for a same-machine before "
        "figure; its ceiling is /robots.txt, as in the issue.",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        out("wrk is not installed (Debian: apt-get install wrk): skipped.")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": "bench-pages-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    pages = prepare(env, args.articles)
    paths = {"healthz": "/healthz/"} | {
        name: pages[name] for name in ("story", "home", "section", "entity")
    }
    script = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "report.lua"
    script.write_text(WRK_SCRIPT)
    runs = {
        "cold": serve_and_load(
            {**env, "PAGE_CACHE_SECONDS": "0"}, paths, script, args.seconds
        ),
        "warm": serve_and_load(env, paths, script, args.seconds),
    }
    if args.before:
        manage(env, "collectstatic", "--noinput", "-v0", cwd=args.before)
        before_paths = {"healthz": "/robots.txt"} | {
            name: path for name, path in paths.items() if name != "healthz"
        }
        runs["before"] = serve_and_load(
            env, before_paths, script, args.seconds, serve_from=args.before
        )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    out(
        f"{pages['stories']} published stories; {os.cpu_count()} CPUs ({cpu}); "
        f"cache: {'Redis' if args.redis_url else 'local memory'}; "
        f"wrk -t1 -c2 -d{args.seconds:g}s per page"
    )
    out(
        f"{'page':<9} {'run':<5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'of healthz':>10} {'errors':>6}"
    )
    for run, results in runs.items():
        ceiling = results["healthz"]["rps"]
        for name, result in results.items():
            out(
                f"{name:<9} {run:<5} {result['rps']:>8.0f} {result['p50_ms']:>8.2f} "
                f"{result['p99_ms']:>8.2f} {result['rps'] / ceiling:>9.0%} "
                f"{result['non_2xx'] + result['socket_errors']:>6}"
            )
    warm, cold = runs["warm"], runs["cold"]
    ceiling = warm["healthz"]["rps"]
    warm_ok = all(
        warm[name]["rps"] >= WARM_GOAL * ceiling
        for name in ("story", "home", "section", "entity")
    )
    cold_ratio = cold["story"]["rps"] / BEFORE_STORY
    out(
        f"warm pages >= {WARM_GOAL:.0%} of /healthz/: "
        f"{'met' if warm_ok else 'MISSED'}; "
        f"cold story page {cold_ratio:.2f}x {BEFORE_STORY:g} req/s: "
        f"{'met' if cold_ratio >= COLD_GOAL else 'MISSED'}"
    )
    if "before" in runs:
        out(
            "cold story page / before (same machine, same run): "
            f"{cold['story']['rps'] / runs['before']['story']['rps']:.2f}x; "
            "(the before run's ceiling row is /robots.txt)"
        )
    (OUT / "pages.json").write_text(
        json.dumps({"pages": pages, "runs": runs, "cpu": cpu}, indent=2)
    )


if __name__ == "__main__":
    main()
