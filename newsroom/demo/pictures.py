"""The demo's pictures, drawn with Pillow: simple original scenes, so that a
newcomer sees stories with pictures without any photo being downloaded.
Deterministic: the same scene and size always give the same pixels."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

Colour = tuple[int, int, int]


def _sky(draw: ImageDraw.ImageDraw, w: int, h: int, top: Colour, bottom: Colour):
    for y in range(h):
        t = y / max(h - 1, 1)
        draw.line(
            [(0, y), (w, y)],
            fill=tuple(
                round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)
            ),
        )


def _reservoir(w: int, h: int, rng: random.Random) -> Image.Image:
    picture = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(picture)
    _sky(draw, w, h, (170, 200, 230), (245, 235, 210))
    draw.polygon(
        [
            (0, h * 0.45),
            (w * 0.3, h * 0.3),
            (w * 0.6, h * 0.42),
            (w, h * 0.32),
            (w, h),
            (0, h),
        ],
        fill=(120, 140, 90),
    )
    draw.rectangle((0, h * 0.55, w, h), fill=(196, 170, 120))
    for _ in range(60):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.58, h)
        draw.line(
            [(x, y), (x + rng.uniform(-60, 60), y + rng.uniform(-20, 20))],
            fill=(150, 120, 80),
            width=3,
        )
    draw.ellipse((w * 0.45, h * 0.62, w * 0.8, h * 0.8), fill=(70, 110, 150))
    draw.ellipse((w * 0.8, h * 0.08, w * 0.9, h * 0.08 + w * 0.1), fill=(255, 230, 150))
    return picture


def _stadium(w: int, h: int, rng: random.Random) -> Image.Image:
    picture = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(picture)
    _sky(draw, w, h, (40, 50, 100), (230, 140, 90))
    draw.rectangle((0, h * 0.78, w, h), fill=(50, 80, 120))
    draw.ellipse((w * 0.2, h * 0.4, w * 0.8, h * 0.8), fill=(120, 120, 130))
    draw.ellipse((w * 0.27, h * 0.47, w * 0.73, h * 0.73), fill=(60, 150, 70))
    draw.line([(w * 0.5, h * 0.47), (w * 0.5, h * 0.73)], fill=(230, 240, 230), width=4)
    for x in (0.22, 0.4, 0.6, 0.78):
        draw.line([(w * x, h * 0.5), (w * x, h * 0.2)], fill=(200, 200, 210), width=6)
        draw.rectangle(
            (w * x - 20, h * 0.17, w * x + 20, h * 0.21), fill=(255, 250, 200)
        )
    return picture


def _harbour(w: int, h: int, rng: random.Random) -> Image.Image:
    picture = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(picture)
    _sky(draw, w, h, (150, 190, 230), (220, 235, 245))
    x = 0
    while x < w:
        width = rng.uniform(w * 0.06, w * 0.12)
        top = rng.uniform(h * 0.25, h * 0.45)
        colour = rng.choice([(160, 80, 60), (190, 150, 100), (120, 110, 100)])
        draw.rectangle((x, top, x + width, h * 0.6), fill=colour)
        x += width
    draw.rectangle((w * 0.62, h * 0.12, w * 0.74, h * 0.6), fill=(140, 190, 210))
    draw.rectangle((0, h * 0.6, w, h), fill=(40, 90, 140))
    for n in range(5):
        bx = w * (0.1 + n * 0.17)
        by = h * (0.72 + (n % 2) * 0.1)
        draw.polygon(
            [
                (bx, by),
                (bx + w * 0.1, by),
                (bx + w * 0.08, by + h * 0.04),
                (bx + w * 0.02, by + h * 0.04),
            ],
            fill=(240, 240, 235),
        )
        draw.polygon(
            [
                (bx + w * 0.05, by - h * 0.2),
                (bx + w * 0.05, by - 4),
                (bx + w * 0.1, by - 4),
            ],
            fill=(250, 250, 250),
        )
    return picture


def _lanterns(w: int, h: int, rng: random.Random) -> Image.Image:
    picture = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(picture)
    _sky(draw, w, h, (10, 15, 40), (20, 40, 70))
    for _ in range(40):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.45, h)
        r = rng.uniform(10, 30) * (y / h)
        draw.ellipse((x - r * 2, y - r * 2, x + r * 2, y + r * 2), fill=(90, 60, 30))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 190, 80))
    return picture


def _portrait(w: int, h: int, rng: random.Random) -> Image.Image:
    picture = Image.new("RGB", (w, h), (200, 170, 150))
    draw = ImageDraw.Draw(picture)
    _sky(draw, w, h, (120, 160, 180), (210, 220, 200))
    draw.ellipse((w * 0.15, h * 0.62, w * 0.85, h * 1.3), fill=(60, 70, 110))
    draw.ellipse((w * 0.3, h * 0.18, w * 0.7, h * 0.66), fill=(170, 120, 90))
    draw.pieslice((w * 0.27, h * 0.12, w * 0.73, h * 0.6), 180, 360, fill=(50, 35, 30))
    for side in (-1, 1):
        cx = w * (0.5 + side * 0.08)
        draw.ellipse((cx - 10, h * 0.4 - 10, cx + 10, h * 0.4 + 10), fill=(40, 30, 30))
    draw.arc(
        (w * 0.42, h * 0.45, w * 0.58, h * 0.56), 20, 160, fill=(90, 40, 40), width=5
    )
    return picture


SCENES: dict[str, Callable[[int, int, random.Random], Image.Image]] = {
    "reservoir": _reservoir,
    "stadium": _stadium,
    "harbour": _harbour,
    "lanterns": _lanterns,
    "portrait": _portrait,
}


def draw_scene(scene: str, width: int, height: int) -> bytes:
    """The scene as a JPEG. Raises KeyError for a scene not in SCENES."""
    rng = random.Random(f"{scene}-{width}x{height}")
    picture = SCENES[scene](width, height, rng)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()
