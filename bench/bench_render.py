"""CPU time to render readers' pages uncached, now and before (issue 12).

Run from the repository root:

    .venv/bin/python bench/bench_render.py \\
        --database-url postgres://postgres@127.0.0.1:5432/newsroom_bench_pages \\
        [--before DIR] [--requests 30] [--repeats 7]

requests per second under wrk (bench_pages.py) are the figure that matters,
but on a shared machine they move with whatever else runs. The CPU time a
process spends per request moves far less, so this prints it for the pages
bench_pages loads: the same database (prepared by bench_pages' own steps), the
page cache off, each request through Django's WSGI handler in-process (every
middleware, no HTTP server), `--repeats` rounds of `--requests` requests per
page, the best round kept. With `--before DIR` (a checkout of an earlier
commit, e.g. `git archive c529be3 | tar -x -C DIR`) the same pages are timed
by that code in a second process, with the same virtualenv, and the ratio is
printed: before / now, so 2.00x means twice as fast.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import bench_pages

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the checkout being timed; prints one JSON line.
TIMER = """
import io, json, sys, time
from wsgiref.util import setup_testing_defaults
from django.core.wsgi import get_wsgi_application

app = get_wsgi_application()
paths, requests, repeats = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def call(path):
    environ = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    status = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return status[0], len(body)


results = {}
for name, path in paths.items():
    status, size = call(path)
    cpu = wall = float("inf")
    for _ in range(repeats):
        started, clock = time.process_time(), time.perf_counter()
        for _ in range(requests):
            call(path)
        cpu = min(cpu, (time.process_time() - started) / requests * 1000)
        wall = min(wall, (time.perf_counter() - clock) / requests * 1000)
    results[name] = {"status": status, "bytes": size, "cpu_ms": cpu, "wall_ms": wall}
print("RESULT " + json.dumps(results))
"""


def time_pages(
    env: dict, paths: dict, requests: int, repeats: int, checkout: Path
) -> dict:
    output = subprocess.run(
        [str(bench_pages.PYTHON), "-c", TIMER, json.dumps(paths), str(requests)]
        + [str(repeats)],
        cwd=checkout,
        env={
            **env,
            "PYTHONPATH": str(checkout),
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "PAGE_CACHE_SECONDS": "0",
        },
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError(f"the timer printed no result:\n{output}")


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/newsroom_bench_pages",
    )
    parser.add_argument("--articles", type=int, default=512)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": "bench-render-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
    }
    pages = bench_pages.prepare(env, args.articles)
    paths = {name: pages[name] for name in ("story", "home", "section", "entity")}
    runs = {"now": time_pages(env, paths, args.requests, args.repeats, ROOT)}
    if args.before:
        bench_pages.manage(env, "collectstatic", "--noinput", "-v0", cwd=args.before)
        runs["before"] = time_pages(
            env, paths, args.requests, args.repeats, args.before
        )
    load = os.getloadavg()[0]
    out(
        f"{pages['stories']} published stories; {os.cpu_count()} CPUs; load "
        f"average {load:.1f}; page cache off; best of {args.repeats} rounds of "
        f"{args.requests} requests"
    )
    out(f"{'page':<9} {'run':<7} {'status':<8} {'CPU ms':>8} {'wall ms':>8}")
    for run, results in runs.items():
        for name, result in results.items():
            out(
                f"{name:<9} {run:<7} {result['status'].split()[0]:<8} "
                f"{result['cpu_ms']:>8.2f} {result['wall_ms']:>8.2f}"
            )
    if "before" in runs:
        for name in paths:
            before, now = runs["before"][name], runs["now"][name]
            out(
                f"{name}: before / now = {before['cpu_ms'] / now['cpu_ms']:.2f}x "
                f"CPU, {before['wall_ms'] / now['wall_ms']:.2f}x wall"
            )
    bench_pages.OUT.mkdir(parents=True, exist_ok=True)
    (bench_pages.OUT / "render.json").write_text(
        json.dumps({"pages": pages, "runs": runs, "load": load}, indent=2)
    )


if __name__ == "__main__":
    main()
