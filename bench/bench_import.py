"""Imports at the sizes that broke them (issue 10): time and peak memory.

Run from the repository root:

    .venv/bin/python bench/bench_import.py [--stories 5000] [--mb 50]

Each measurement runs in a fresh child process (this script with `--phase`),
so its peak RSS (VmHWM in /proc/self/status, the child's own high-water mark) is
that measurement's alone; "RSS at start" is the child with Django loaded, before any
work. Imports go into a scratch SQLite database under /tmp, migrated once and
copied for each import so every run creates its stories. Rows, each next to its
baseline:

- the plain-text parser on one paragraph of 1, 2 and 4 MB, against the old one
  (`blocks[-1].text += line`, reimplemented below) on the same text, and on 50 MB;
- `import_stories` on a 50 MB plain-text file (refused by MAX_UPLOAD_BYTES)
  and on a story at MAX_BODY_CHARS, against a bare read of the file;
- `import_stories` on a ninjs file of `--stories` stories, against reading and
  `json.loads` of it;
- the admin's import page with the same file: the request (which queues a
  background job and returns), then the task worker running the job.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/newsroom_bench_import")
TEMPLATE_DB = WORK / "template.sqlite3"
DB = WORK / "run.sqlite3"
LINE = "Rain fell on the harbour again and the boats stayed in, said the port.\n"


def old_split_blocks(text: str) -> int:
    """The parser before issue 10, as it was: quadratic in paragraph length."""

    class Block:
        def __init__(self, text: str, line: int) -> None:
            self.text, self.line, self.blank_lines_after = text, line, 0

    found: list[Block] = []
    in_block = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            if found:
                found[-1].blank_lines_after += 1
            in_block = False
        elif in_block:
            found[-1].text += f" {line}"
        else:
            found.append(Block(line, number))
            in_block = True
    return len(found)


def paragraph_file(mb: float) -> Path:
    """A story whose body is one paragraph of `mb` megabytes."""
    path = WORK / f"paragraph-{mb:g}mb.txt"
    if not path.exists():
        lines = int(mb * 1024 * 1024 / len(LINE))
        path.write_text("One long paragraph\n\n" + LINE * lines)
    return path


def body_file(chars: int) -> Path:
    """A story of paragraphs whose body is just under `chars` characters."""
    path = WORK / f"body-{chars}.txt"
    if not path.exists():
        paragraph = (LINE * 10).replace("\n", " ").strip()
        count = (chars - 100) // (len(paragraph) + 8)
        path.write_text("Long story\n\n" + "\n\n".join([paragraph] * count))
    return path


def ninjs_file(stories: int) -> Path:
    path = WORK / f"ninjs-{stories}.json"
    if not path.exists():
        items = [
            {
                "uri": f"urn:bench:{n}",
                "headlines": [{"role": "main", "value": f"Harbour story number {n}"}],
                "firstcreated": "2025-03-01T09:00:00Z",
                "bodies": [
                    {
                        "contenttype": "text/html",
                        "value": f"<p>{LINE.strip()} Story {n}.</p>" * 4,
                    }
                ],
                "subjects": [{"name": f"Topic {n % 40}"}],
                "people": [{"name": f"Person {n % 300}"}],
            }
            for n in range(stories)
        ]
        path.write_text(json.dumps(items))
    return path


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MB. Unlike
    getrusage's ru_maxrss, VmHWM starts afresh at exec, so a child does not
    inherit the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def phase(name: str, arg: str) -> dict:
    """One measurement, in this (child) process."""
    from io import StringIO

    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    # Loaded before "RSS at start", so every row pays for the same modules.
    from articles.importers import read_stories

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    start_rss = rss_mb("VmRSS")
    extra: dict = {}
    started = time.perf_counter()
    if name == "migrate":
        call_command("migrate", verbosity=0)
    elif name == "parse-old":
        text = Path(arg).read_text()
        extra["paragraphs"] = old_split_blocks(text)
    elif name == "parse-new":
        settings.MAX_UPLOAD_BYTES = settings.MAX_BODY_CHARS = 10**9
        [story] = read_stories(Path(arg).name, Path(arg))
        extra["body_chars"] = len(story.body_html)
    elif name == "read":
        data = Path(arg).read_bytes()
        extra["chars"] = len(data.decode())
    elif name == "json":
        extra["stories"] = len(json.loads(Path(arg).read_bytes().decode()))
    elif name == "cli":
        out, err = StringIO(), StringIO()
        try:
            call_command("import_stories", arg, stdout=out, stderr=err)
        except Exception as error:  # the command's non-zero exit
            extra["exit"] = str(error)
        extra["summary"] = out.getvalue().strip().splitlines()[-1]
        extra["stderr"] = err.getvalue().strip()[:200]
    elif name == "admin":
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client
        from django.test.utils import setup_test_environment

        from articles.models import ImportJob

        setup_test_environment()
        settings.ALLOWED_HOSTS = ["testserver"]
        user = get_user_model().objects.create_superuser("bench", "b@example.org")
        client = Client()
        client.force_login(user)
        path = Path(arg)
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        started = time.perf_counter()
        response = client.post(
            "/admin/articles/article/import/", {"files": [upload], "status": "draft"}
        )
        extra["request_s"] = round(time.perf_counter() - started, 2)
        extra["request_peak_rss_mb"] = rss_mb("VmHWM")
        extra["response"] = f"{response.status_code} {response.get('Location', '')}"
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        extra["summary"] = ImportJob.objects.get().summary
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "start_rss_mb": start_rss,
        "peak_rss_mb": rss_mb("VmHWM"),
        **extra,
    }


def run(name: str, arg: str = "", *, fresh_db: bool = False, timeout: float = 120):
    if fresh_db:
        shutil.copy(TEMPLATE_DB, DB)
    command = [sys.executable, __file__, "--phase", name, "--arg", arg]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return {"seconds": f"> {timeout:g} (stopped)"}
    except subprocess.CalledProcessError as error:
        return {"error": error.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, result: dict) -> None:
    sys.stdout.write(f"{label:<58} {json.dumps(result, ensure_ascii=False)}\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--phase")
    parser.add_argument("--arg", default="")
    args = parser.parse_args()
    if args.phase:
        sys.stdout.write(json.dumps(phase(args.phase, args.arg)) + "\n")
        return
    WORK.mkdir(exist_ok=True)
    DB.unlink(missing_ok=True)
    run("migrate")
    shutil.copy(DB, TEMPLATE_DB)
    sys.stdout.write(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, SQLite scratch "
        f"database, load average {os.getloadavg()[0]:.2f}\n"
    )
    for mb in (1, 2, 4):
        path = str(paragraph_file(mb))
        report(
            f"parse one {mb} MB paragraph: old parser (baseline)",
            run("parse-old", path, timeout=60),
        )
        report(f"parse one {mb} MB paragraph: new parser", run("parse-new", path))
    big = str(paragraph_file(args.mb))
    report(
        f"parse one {args.mb:g} MB paragraph: old parser (baseline)",
        run("parse-old", big, timeout=60),
    )
    report(f"parse one {args.mb:g} MB paragraph: new parser", run("parse-new", big))
    report(f"read and decode the {args.mb:g} MB file (baseline)", run("read", big))
    report(
        f"import_stories, {args.mb:g} MB file (default limits)",
        run("cli", big, fresh_db=True),
    )
    at_limit = str(body_file(1_000_000))
    report(
        "read and decode a story at MAX_BODY_CHARS (baseline)", run("read", at_limit)
    )
    report(
        "import_stories, a story at MAX_BODY_CHARS", run("cli", at_limit, fresh_db=True)
    )
    feed = str(ninjs_file(args.stories))
    size = Path(feed).stat().st_size / 1024 / 1024
    report(
        f"read + json.loads {args.stories} ninjs stories, {size:.1f} MB (baseline)",
        run("json", feed),
    )
    report(
        f"import_stories, {args.stories} ninjs stories",
        run("cli", feed, fresh_db=True, timeout=1800),
    )
    report(
        f"admin upload + worker, {args.stories} ninjs stories",
        run("admin", feed, fresh_db=True, timeout=1800),
    )


if __name__ == "__main__":
    main()
