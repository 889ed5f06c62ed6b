"""Picture throughput and the story page's cost with a lead picture (issue 13).

Run from the repository root (a scratch SQLite database and media folder are
made in a temporary directory and removed; nothing else is touched):

    .venv/bin/python bench/bench_images.py [--megapixels 24] [--requests 30]

Prints, for one drawn JPEG of about `--megapixels` (6,000 x 4,000 for 24):
  - the upload check (decode, orient, re-encode without metadata), seconds;
  - the full set of renditions (4 ratios x widths x formats), seconds and
    renditions a second, and each format alone;
  - the story page rendered in-process (Django's test client, page cache off):
    CPU ms per request with a lead picture and five body figures (drawn
    originals of `--figure-megapixels`), with the lead picture only, and
    without, best of 5 rounds;
  - the bytes a reader transfers for the page and its lead picture at 375 px
    (2x screen) and 1,366 px (1x), picking from the srcset as a browser does.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def drawn_jpeg(width: int, height: int) -> bytes:
    """A photo-like JPEG: noise over shapes, so encoders have detail to code."""
    from PIL import Image, ImageDraw

    rng = random.Random(13)
    picture = Image.new("RGB", (width, height), (90, 120, 160))
    draw = ImageDraw.Draw(picture)
    for _ in range(400):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(20, width / 8)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.25)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=24)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--figure-megapixels", type=float, default=4)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-images-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    try:
        run(args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from PIL import features

    from articles.models import Article, Section
    from articles.services import publish_article
    from images.models import Rendition
    from images.renditions import make_renditions
    from images.services import create_image
    from images.uploads import check_upload

    call_command("migrate", verbosity=0)
    width = round((args.megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = round(width * 2 / 3)
    data = drawn_jpeg(width, height)
    say(
        f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()},"
        f" Python {platform.python_version()}, AVIF {features.check('avif')}"
    )
    say(f"Original: {width} x {height} JPEG, {len(data) / 1e6:.1f} MB")

    started = time.perf_counter()
    check_upload(SimpleUploadedFile("big.jpg", data))
    seconds = time.perf_counter() - started
    say(f"Upload check (decode, orient, re-encode): {seconds:.2f} s")

    image = create_image(
        file=SimpleUploadedFile("big.jpg", data), alt_text="A test picture"
    )
    started = time.perf_counter()
    made = make_renditions(image)
    seconds = time.perf_counter() - started
    say(f"Full set: {made} renditions in {seconds:.1f} s = {made / seconds:.1f}/s")
    for fmt in settings.IMAGE_RENDITION_FORMATS:
        with override_settings(IMAGE_RENDITION_FORMATS=(fmt,)):
            Rendition.objects.filter(image=image).delete()
            started = time.perf_counter()
            count = make_renditions(image)
            seconds = time.perf_counter() - started
        if count:
            say(f"  {fmt} alone: {count} in {seconds:.1f} s = {count / seconds:.1f}/s")
    Rendition.objects.filter(image=image).delete()
    make_renditions(image)

    section = Section.objects.create(name="World", slug="world")
    paragraphs = [f"<p>Paragraph {n} of the story, with words.</p>" for n in range(12)]
    body = "".join(paragraphs)
    # Five body figures, from smaller originals (their renditions' sizes, not
    # the originals', are what a reader fetches).
    figure_width = round((args.figure_megapixels * 1_000_000 * 3 / 2) ** 0.5)
    figures = []
    for n in range(5):
        figure = create_image(
            file=SimpleUploadedFile(
                f"figure{n}.jpg", drawn_jpeg(figure_width, figure_width * 2 // 3)
            ),
            alt_text=f"Figure {n}",
            caption=f"Caption {n}",
            credit="Bench",
        )
        make_renditions(figure)
        figures.append(figure)
    with_figures = "".join(
        paragraph
        + (f'<figure data-image-id="{figures[n // 2].pk}"></figure>' if n % 2 else "")
        for n, paragraph in enumerate(paragraphs[:10])
    ) + "".join(paragraphs[10:])
    stories = {}
    cases = (
        ("with lead picture and 5 figures", image, with_figures, figures),
        ("with lead picture", image, body, []),
        ("without", None, body, []),
    )
    for name, lead, text, shown in cases:
        story = Article.objects.create(
            headline=f"Story {name}", body=text, section=section, lead_image=lead
        )
        publish_article(article=story)
        stories[name] = (story, shown)

    client = Client()
    # No collectstatic in the scratch run: plain static files, as in tests.
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(
        PAGE_CACHE_SECONDS=0, SECURE_SSL_REDIRECT=False, STORAGES=storages
    ):
        for name, (story, shown) in stories.items():
            url = story.get_absolute_url()
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            best = float("inf")
            for _ in range(5):
                started = time.process_time()
                for _ in range(args.requests):
                    client.get(url)
                best = min(best, (time.process_time() - started) / args.requests)
            html = len(response.content)
            say(f"Story page {name}: {best * 1000:.1f} ms CPU/request, HTML {html:,} B")
            if story.lead_image is None:
                continue
            for screen, dpr, slot in ((375, 2, 375), (1366, 1, 672)):
                needed = slot * dpr
                for fmt in ("avif", "webp", "jpeg"):
                    choices = [
                        r for r in image.renditions_for("16:9") if r.format == fmt
                    ]
                    if not choices:
                        continue
                    wide = [r for r in choices if r.width >= needed] or choices[-1:]
                    picked = wide[0]
                    # Every figure counted, as if the reader scrolls to the end
                    # (they are lazy: fewer load on a short visit).
                    figure_bytes = sum(
                        pick(figure.renditions_for("original"), fmt, needed).size
                        for figure in shown
                    )
                    say(
                        f"  {screen} px ({dpr}x), {fmt}: lead {picked.width} px "
                        f"{picked.file.size:,} B"
                        + (f", 5 figures {figure_bytes:,} B" if shown else "")
                        + f", page + pictures "
                        f"{html + picked.file.size + figure_bytes:,} B"
                    )


def pick(renditions, fmt: str, needed: int):
    """The rendition a browser takes from a srcset: the narrowest at least
    `needed` px wide, else the widest."""
    choices = [r for r in renditions if r.format == fmt]
    return ([r for r in choices if r.width >= needed] or choices[-1:])[0]


if __name__ == "__main__":
    main()
