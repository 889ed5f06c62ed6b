"""Benchmark the entity matcher on a synthetic 100,000-alias gazetteer.

Run from the repository root: .venv/bin/python bench/bench_matcher.py [--mb 32]

No database: the automaton is built from generated aliases, and the text is
generated news-like prose with some of those aliases in it (possessives,
curly apostrophes and part-word traps such as "Kelvarian" included). Django is
set up only because the matcher module also holds the gazetteer's cache.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

warnings.filterwarnings("ignore", "No directory at")
django.setup()

from entities.matcher import Matcher, detect  # noqa: E402

STORY = ROOT.parent / "shared" / "stories" / "000_e182a96318b0bca9.txt"

# The story's own people, organisations and places, on top of the 100k.
STORY_NAMES = """Benjamin Netanyahu|Netanyahu|Prime Minister Netanyahu|Vladimir Putin|
Putin|Hassan Rouhani|Rouhani|Bashar al-Assad|Assad|United Nations|UN|UNSC|
Security Council|Free Syrian Army|Hezbollah|Prime Minister’s Office|
Defense Ministry|Israel|Russia|Syria|Iran|Turkey|Damascus|Wadi Barada Valley""".replace(
    "\n", ""
).split("|")

TARGETS = {
    "build_s": 5.0,
    "memory_mb": 200.0,
    "throughput_mb_s": 20.0,
    "ratio": 1.5,
    "save_ms": 20.0,
}


def words(text: str) -> list[str]:
    return text.split()


ONSETS = words("b c d f g h j k l m n p r s t v w z br dr gr kr pr tr st sh ch th")
VOWELS = words("a e i o u a e i o ai ou ei")
CODAS = [""] * 6 + words("n r l s m k th")
FILLER = words("""the a of to and in that is was for on with as by at from it said
his her their has have had be been were are not but this which after over
into about more than when who would could will also its they we an one two
three new last first year years week government forces talks people officials
city country border region meeting statement report police military leaders
minister president spokesman agreement ceasefire attack vote council capital
according during against between while before under since told added""")


def pseudo_word(rng: random.Random) -> str:
    syllables = rng.choice((2, 2, 3, 3, 4))
    return "".join(
        rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
        for _ in range(syllables)
    )


def make_aliases(rng: random.Random, count: int) -> list[tuple[str, int]]:
    """`count` distinct aliases of 1-4 capitalised pseudo-words, ~2 per entity."""
    vocabulary = sorted({pseudo_word(rng).capitalize() for _ in range(40_000)})
    aliases: dict[str, int] = {}
    entity_id = 0
    while len(aliases) < count:
        entity_id += 1
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            words = rng.choices((1, 2, 3, 4), weights=(35, 40, 18, 7))[0]
            aliases.setdefault(
                " ".join(rng.choice(vocabulary) for _ in range(words)), entity_id
            )
    return list(aliases.items())[:count]


def make_text(rng: random.Random, aliases: list[str], megabytes: float) -> str:
    """News-like paragraphs naming an alias every ~15 words."""
    lower = FILLER * 3 + [pseudo_word(rng) for _ in range(2_000)]
    target = int(megabytes * 1_000_000)
    paragraphs: list[str] = []
    size = 0
    while size < target:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            words = rng.choices(lower, k=rng.randint(10, 28))
            for slot in rng.sample(range(len(words)), k=len(words) // 15 + 1):
                alias = rng.choice(aliases)
                trick = rng.random()
                if trick < 0.1:
                    alias += "’s"
                elif trick < 0.15:
                    alias += "'s"
                elif trick < 0.2:
                    alias += "ian"  # not a whole-word match
                words[slot] = alias
            words[0] = words[0][:1].upper() + words[0][1:]
            sentences.append(" ".join(words) + rng.choice(".....?"))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def split_stories(text: str, size: int = 3_000) -> list[str]:
    """The text cut at paragraph ends into stories of about `size` characters."""
    stories, paragraphs, length = [], [], 0
    for paragraph in text.split("\n\n"):
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
        if length >= size:
            stories.append("\n\n".join(paragraphs))
            paragraphs, length = [], 0
    if paragraphs:
        stories.append("\n\n".join(paragraphs))
    return stories


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def best_of(runs: int, func) -> float:
    """Least CPU time of `runs` calls: the box may be shared, so not wall time."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return min(times)


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def story_fields() -> tuple[str, str, str]:
    if not STORY.exists():
        body = "Prime Minister Netanyahu spoke with Vladimir Putin about Syria. " * 50
        return "Netanyahu and Putin talk", "Russia and Iran agree", body
    lines = STORY.read_text(encoding="utf-8").split("\n")
    return lines[2], lines[4], "\n".join(lines[5:]).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aliases", type=int, default=100_000)
    parser.add_argument("--mb", type=float, default=32.0, help="text size in MB")
    parser.add_argument("--seed", type=int, default=20161231)
    parser.add_argument("--runs", type=int, default=5, help="timing repetitions")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    out = sys.stdout.write

    started = time.perf_counter()
    pairs = make_aliases(rng, options.aliases)
    text = make_text(rng, [alias for alias, _ in pairs], options.mb)
    size_mb = len(text.encode()) / 1_000_000
    out(
        f"generated {len(pairs):,} aliases and {size_mb:.1f} MB of text "
        f"in {time.perf_counter() - started:.1f} s\n"
    )

    gc.collect()
    rss_before = rss_bytes()
    started = time.perf_counter()
    matcher = Matcher.from_aliases(pairs)
    build_s = time.perf_counter() - started
    gc.collect()
    rss_mb = (rss_bytes() - rss_before) / 1e6
    automaton = matcher._automaton
    # A second build under tracemalloc, which slows allocation too much to time.
    tracemalloc.start()
    second = Matcher.from_aliases(pairs)
    traced_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del second
    nodes_mb = automaton.get_stats()["total_size"] / 1e6

    def bare() -> None:
        for _ in automaton.iter(text):
            pass

    def bare_long() -> None:
        for _ in automaton.iter_long(text):
            pass

    stories = split_stories(text)

    def bare_stories() -> None:
        for story in stories:
            for _ in automaton.iter(story):
                pass

    def detect_stories() -> None:
        for story in stories:
            detect("", "", story, matcher=matcher)

    runs = options.runs
    bare_s = best_of(runs, bare)
    bare_stories_s = best_of(runs, bare_stories)
    # (label, CPU seconds, the bare scan it compares with, checked against targets)
    timings = [
        ("bare automaton.iter()", bare_s, bare_s, False),
        (
            "bare automaton.iter_long() (drops matches)",
            best_of(runs, bare_long),
            bare_s,
            False,
        ),
        ("Matcher.scan()", best_of(runs, lambda: matcher.scan(text)), bare_s, True),
        ("Matcher.find()", best_of(runs, lambda: matcher.find(text)), bare_s, True),
        (
            "detect(), the text as one body",
            best_of(runs, lambda: detect("", "", text, matcher=matcher)),
            bare_s,
            True,
        ),
        (
            f"bare iter(), {len(stories):,} stories of ~3 KB",
            bare_stories_s,
            bare_stories_s,
            False,
        ),
        (
            "detect(), story by story",
            best_of(runs, detect_stories),
            bare_stories_s,
            True,
        ),
    ]
    mentions = len(matcher.scan(text)) // 3

    headline, dek, body = story_fields()
    story = Matcher.from_aliases(
        [*pairs, *((name, -i) for i, name in enumerate(STORY_NAMES, start=1))]
    )
    samples = []
    for _ in range(200):
        started = time.perf_counter()
        detections = detect(headline, dek, body, matcher=story)
        samples.append(time.perf_counter() - started)
    save_ms = statistics.median(samples) * 1000

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    out(f"CPU: {os.cpu_count()} x {cpu_model()}; Python {sys.version.split()[0]}\n")
    out(
        f"build {len(matcher):,} aliases ({len(automaton):,} keys with variants, "
        f"{automaton.get_stats()['nodes_count']:,} trie nodes): {build_s:.2f} s "
        f"[< {TARGETS['build_s']:.0f} s: {verdict(build_s < TARGETS['build_s'])}]\n"
    )
    memory_mb = max(rss_mb, traced_mb)
    out(
        f"memory: RSS +{rss_mb:.0f} MB, tracemalloc {traced_mb:.0f} MB, of which "
        f"trie nodes {nodes_mb:.0f} MB [< {TARGETS['memory_mb']:.0f} MB: "
        f"{verdict(memory_mb < TARGETS['memory_mb'])}]\n"
    )
    out(
        f"scan of {size_mb:.1f} MB ({mentions:,} mentions), CPU seconds, best of "
        f"{runs}; targets >= {TARGETS['throughput_mb_s']:.0f} MB/s and <= "
        f"{TARGETS['ratio']}x bare iter():\n"
    )
    for label, seconds, baseline, checked in timings:
        rate, ratio = size_mb / seconds, seconds / baseline
        marks = ""
        if checked:
            ok = rate >= TARGETS["throughput_mb_s"] and ratio <= TARGETS["ratio"]
            marks = f"  {verdict(ok)}"
        out(f"  {label:<46}{seconds:6.2f} s {rate:6.1f} MB/s {ratio:5.2f}x{marks}\n")
    out(
        f"save cost, detect() on the sample story ({len(body):,} chars, "
        f"{len(detections)} entities): {save_ms:.2f} ms median "
        f"[< {TARGETS['save_ms']:.0f} ms: {verdict(save_ms < TARGETS['save_ms'])}]\n"
    )


if __name__ == "__main__":
    main()
