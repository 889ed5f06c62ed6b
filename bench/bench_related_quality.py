"""How good are related stories on a real archive nobody has curated?

Run from the repository root (SQLite by default; DATABASE_URL for PostgreSQL):

    .venv/bin/python bench/bench_related_quality.py

It works in a scratch database (Django's test_<name>, dropped afterwards) and
imports ../shared/related-dev/stories as a desk imports an archive:
`load_gazetteer --countries`, then `import_stories ... --status published
--confirm-entities`, then `rebuild_related`. Each story's related list is read
from /api/v1/articles/{id}/related/ with a partner key. Next to it, in the same
run, a plain TF-IDF "more like this" over the same stories' headline and body
(what Elasticsearch's more_like_this or a related-posts plugin does) ranks the
five most similar stories of each.

For every pair the annotators judged the same story (overall <= 2) it reports
how often the partner is among a story's first five related stories, both ways
round; for every pair judged unrelated (overall >= 3.5), how often it is there;
and how many stories have no related list at all.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["SECURE_SSL_REDIRECT"] = "0"

import django  # noqa: E402

warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_test_environment,
    teardown_test_environment,
)

from articles.html import html_to_text  # noqa: E402
from articles.importers import parse_file  # noqa: E402
from articles.models import Article  # noqa: E402
from entities.models import Candidate  # noqa: E402
from entities.models import Suggestion as EntitySuggestion  # noqa: E402
from entities.services import (  # noqa: E402
    confirm_suggestion,
    create_entity_from_candidate,
    suggest_entities,
)
from partners.models import Partner  # noqa: E402
from partners.services import create_partner  # noqa: E402
from related import scoring, text  # noqa: E402
from related.models import RelatedScore  # noqa: E402
from related.rebuild import rebuild_related  # noqa: E402

DATA = ROOT.parent / "shared" / "related-dev"
TOP = 5
SAME, UNRELATED = 2.0, 3.5
# A short English stop list; the baseline is meant to be plain, not tuned.
STOP = frozenset(
    """a about after again against all also an and any are as at be because been
    before being between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in
    into is it its itself just me more most my no nor not now of off on once only
    or other our out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your
    said says say new one two year years""".split()  # noqa: SIM905
)
WORD = re.compile(r"[^\W\d_]{3,}")


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def tfidf_top(texts: dict[int, str], top: int = TOP) -> dict[int, list[int]]:
    """Each story's `top` most similar others by TF-IDF cosine similarity."""
    counts = {
        pk: Counter(w for w in WORD.findall(text.lower()) if w not in STOP)
        for pk, text in texts.items()
    }
    df = Counter(word for words in counts.values() for word in words)
    total = len(counts)
    vectors = {}
    for pk, words in counts.items():
        vector = {
            word: (1 + math.log(n)) * math.log(total / df[word])
            for word, n in words.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors[pk] = {word: v / norm for word, v in vector.items()}
    ranked = {}
    for pk, vector in vectors.items():
        scores = []
        for other, theirs in vectors.items():
            if other == pk:
                continue
            score = sum(v * theirs.get(word, 0.0) for word, v in vector.items())
            if score > 0:
                scores.append((score, other))
        scores.sort(key=lambda pair: (-pair[0], pair[1]))
        ranked[pk] = [other for _, other in scores[:top]]
    return ranked


def measure(lists: dict[int, list[int]], pairs: list[tuple[int, int, float]]) -> str:
    def share(wanted) -> tuple[int, int]:
        hits = checks = 0
        for a, b, overall in pairs:
            if not wanted(overall):
                continue
            for story, partner in ((a, b), (b, a)):
                checks += 1
                hits += partner in lists.get(story, [])[:TOP]
        return hits, checks

    found, same = share(lambda overall: overall <= SAME)
    shown, unrelated = share(lambda overall: overall >= UNRELATED)
    empty = sum(1 for pk in lists if not lists[pk])
    return (
        f"same-story partner in first {TOP}: {found}/{same} = {found / same:.0%}; "
        f"unrelated pair in first {TOP}: {shown}/{unrelated} = "
        f"{shown / unrelated:.0%}; no related list: {empty} of {len(lists)}"
    )


MODES = {
    "entities, tags and text": {},
    "entities and tags only": {"TEXT_WEIGHT": 0.0},
    "text only": {"ENTITY_WEIGHT": 0.0, "TAG_WEIGHT": 0.0},
}
# The weights tried by --search, one at a time around the defaults.
SEARCH = {
    "TEXT_WEIGHT": [1.0, 2.0, 4.0, 8.0, 16.0],
    "text.HEADLINE_WEIGHT": [1.0, 2.0, 3.0, 5.0],
    "text.COUNTED_TERMS": [100, 200, 400],
    "RECENCY_DAYS": [7.0, 60.0],
    "MIN_SCORE": [0.1, 0.25, 0.5, 0.75, 1.0],
    "SUGGESTED_WEIGHT": [0.0, 0.25, 0.5, 1.0],
    "ENTITY_WEIGHT": [0.5, 1.0, 2.0],
    "KEY_TERMS": [10, 25, 50],
    "COMMON_SHARE": [0.1, 0.2, 0.5],
}


@contextlib.contextmanager
def weights(**changes):
    """Score with other values of `related.scoring`'s constants for a while."""
    modules = {"text": text}

    def where(name: str) -> tuple[object, str]:
        module, _, attribute = name.rpartition(".")
        return modules.get(module, scoring), attribute

    before = {name: getattr(*where(name)) for name in changes}
    for name, value in changes.items():
        setattr(*where(name), value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(*where(name), value)


def stored_lists(ids) -> dict[int, list[int]]:
    """Each story's first stored suggestions, as the API serves them when no
    editor has picked or excluded anything."""
    lists = {pk: [] for pk in ids}
    for article_id, target_id in RelatedScore.objects.filter(
        article_id__in=ids, rank__lt=TOP
    ).values_list("article_id", "target_id"):
        lists[article_id].append(target_id)
    return lists


def api_lists(ids) -> dict[int, list[int]]:
    name = f"Quality benchmark {Partner.objects.count()}"
    _, key = create_partner(name=name, throttle_rate="100000/hour")
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    lists = {}
    for pk in ids:
        response = client.get(f"/api/v1/articles/{pk}/related/")
        assert response.status_code == 200, response.content
        lists[pk] = [item["id"] for item in response.json()]
    return lists


def accept_every_candidate() -> int:
    """Make an entity of every name the importer proposed, then detect again on
    every story, confirming: what a desk that accepts them all would have."""
    names = 0
    for candidate in Candidate.objects.order_by("pk"):
        if Candidate.objects.filter(pk=candidate.pk).exists():
            create_entity_from_candidate(candidate=candidate)
            names += 1
    for article in Article.objects.all():
        suggest_entities(article=article, confirm=True)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--grid",
        nargs="*",
        default=[],
        metavar="NAME=V1,V2",
        help="also try every combination of these values on the confirmed archive, "
        "e.g. ENTITY_WEIGHT=0.25,0.5 text.HEADLINE_WEIGHT=2,3",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="also try each weight in SEARCH, one at a time, on the confirmed archive",
    )
    args = parser.parse_args()
    if not (DATA / "pairs.json").exists():
        out(f"{DATA} is not present")
        return 2
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        call_command("load_gazetteer", "--countries", verbosity=0)
        call_command(
            "import_stories",
            str(DATA / "stories"),
            "--status",
            "published",
            verbosity=0,
        )
        ids: dict[str, int] = {}
        for path in sorted((DATA / "stories").glob("*.txt")):
            [story] = parse_file(path.name, path.read_bytes())
            article = Article.objects.filter(source_key=story.source_key).first()
            if article is not None:
                ids.setdefault(path.stem, article.pk)
        pairs = [
            (ids[p["a"]], ids[p["b"]], p["overall"])
            for p in json.loads((DATA / "pairs.json").read_text())
            if p["a"] in ids and p["b"] in ids
        ]
        stories = sorted(set(ids.values()))
        texts = {
            pk: f"{headline}\n{dek}\n{html_to_text(body)}"
            for pk, headline, dek, body in Article.objects.filter(
                pk__in=stories
            ).values_list("pk", "headline", "dek", "body")
        }
        same = sum(1 for *_, overall in pairs if overall <= SAME)
        unrelated = sum(1 for *_, overall in pairs if overall >= UNRELATED)
        out(
            f"stories: {len(ids)} of {len(list((DATA / 'stories').glob('*.txt')))} "
            f"imported; pairs: {same} same-story, {unrelated} unrelated; "
            f"database: {connection.vendor}"
        )
        out(f"baseline (TF-IDF more like this): {measure(tfidf_top(texts), pairs)}")

        def report(stage: str) -> None:
            for mode, changes in MODES.items():
                with weights(**changes):
                    rebuild_related()
                lists = api_lists(stories) if not changes else stored_lists(stories)
                out(f"{stage}, {mode}: {measure(lists, pairs)}")

        report("detected entities waiting for an editor")
        for suggestion in EntitySuggestion.objects.filter(
            status=EntitySuggestion.Status.SUGGESTED
        ).select_related("article", "entity"):
            confirm_suggestion(suggestion=suggestion)
        report("detected entities confirmed (import --confirm-entities)")
        if args.search:
            for name, values in SEARCH.items():
                for value in values:
                    if name.endswith("_TERMS"):
                        value = int(value)
                    with weights(**{name: value}):
                        rebuild_related()
                    lists = stored_lists(stories)
                    out(f"search {name}={value}: {measure(lists, pairs)}")
        grid = [
            [(name, float(value)) for value in values.split(",")]
            for name, _, values in (spec.partition("=") for spec in args.grid)
        ]
        for combination in itertools.product(*grid) if grid else ():
            changes = {
                name: int(value) if name.endswith("_TERMS") else value
                for name, value in combination
            }
            with weights(**changes):
                rebuild_related()
            described = " ".join(f"{name}={value}" for name, value in changes.items())
            out(f"grid {described}: {measure(stored_lists(stories), pairs)}")
        names = accept_every_candidate()
        report(f"every proposed name accepted as an entity ({names} names)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
