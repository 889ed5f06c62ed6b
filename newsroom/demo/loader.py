"""Write the demo newsroom to the database: sections, entities, stories, threads,
pictures, the editor's account and a partner key."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from articles.models import (
    Article,
    ArticleEntity,
    Author,
    AuthorLink,
    FeaturedStory,
    FrontPage,
    Section,
    Thread,
)
from articles.services import EDITOR_ROLE, credit_byline_authors, publish_article
from entities.models import Alias, Entity
from entities.services import suggest_entities
from images.models import Image
from images.services import create_image
from newsroom.demo.content import (
    DemoAuthor,
    DemoEntity,
    DemoFrontPage,
    DemoPicture,
    DemoStory,
    read_demo,
)
from newsroom.demo.pictures import draw_scene
from partners.models import Partner
from partners.services import create_partner
from related.models import RelatedLink
from related.rebuild import rebuild_related

EDITOR_USERNAME = "editor"
DEFAULT_EDITOR_PASSWORD = "newsroom-demo"
SOURCE_KEY_PREFIX = "demo:"
DEMO_PARTNER = "Demo partner"


@dataclass(frozen=True)
class DemoResult:
    stories: int
    entities: int
    sections: int
    created_stories: int
    username: str
    password: str
    password_from_env: bool
    created_editor: bool
    api_key: str = ""


@transaction.atomic
def load_demo(*, stdout: TextIO | None = None) -> DemoResult:
    """Create the demo sections, entities, stories and editor account.

    Safe to run again and again: only what is missing is created, and a story
    that is already there is left as editors have changed it. The editor's
    password (DEMO_EDITOR_PASSWORD, or the demo default) is set only when the
    account is created.
    """
    demo_content = read_demo()
    now = timezone.now()
    sections = {
        demo.slug: Section.objects.get_or_create(
            slug=demo.slug,
            defaults={
                "name": demo.name,
                "description": demo.description,
                "position": position,
            },
        )[0]
        for position, demo in enumerate(demo_content.sections)
    }
    entities = {demo.name: _load_entity(demo) for demo in demo_content.entities}
    for demo in demo_content.authors:
        _load_author(demo)

    # Pictures before stories: a story is published with its lead picture.
    pictures = {}
    for demo in demo_content.pictures:
        image = _load_picture(demo)
        pictures.update(dict.fromkeys(demo.stories, image))
        Author.objects.filter(slug__in=demo.authors, photo__isnull=True).update(
            photo=image
        )

    articles, created = {}, []
    for demo in demo_content.stories:
        article, is_new = Article.objects.get_or_create(
            source_key=SOURCE_KEY_PREFIX + demo.slug,
            defaults={
                "slug": demo.slug,
                "headline": demo.headline,
                "dek": demo.dek,
                "body": demo.html,
                "byline": demo.byline,
                "dateline": demo.dateline,
                "section": sections[demo.section],
                "lead_image": pictures.get(demo.slug),
            },
        )
        articles[demo.slug] = article
        if is_new:
            _fill_story(article, demo, entities=entities, now=now)
            created.append(demo)
            if stdout is not None:
                stdout.write(f"  + {_state(article)}: {article}\n")

    for demo in created:
        RelatedLink.objects.bulk_create(
            RelatedLink(
                article=articles[demo.slug],
                target=articles[target],
                sort_order=sort_order,
            )
            for sort_order, target in enumerate(demo.related)
        )

    for demo in demo_content.threads:
        thread, _ = Thread.objects.get_or_create(
            title=demo.title, defaults={"description": demo.description}
        )
        Article.objects.filter(
            pk__in=[articles[slug].pk for slug in demo.stories], thread__isnull=True
        ).update(thread=thread)

    for demo in demo_content.front_page:
        _load_front_page(demo, articles)

    if created:
        # Show editors the matcher's suggestions, and readers related stories,
        # without waiting for the task worker.
        for demo in created:
            suggest_entities(article=articles[demo.slug])
        rebuild_related()

    env_password = os.environ.get("DEMO_EDITOR_PASSWORD", "")
    password = env_password or DEFAULT_EDITOR_PASSWORD
    editor, created_editor = get_user_model().objects.get_or_create(
        username=EDITOR_USERNAME, defaults={"is_staff": True}
    )
    if created_editor:
        editor.set_password(password)
        editor.save(update_fields=["password"])
        # A desk editor, not a superuser: the Editor role made by migration.
        editor.groups.add(Group.objects.get(name=EDITOR_ROLE))

    # A partner key for trying the API; like every key it is shown only once.
    api_key = ""
    if not Partner.objects.filter(name=DEMO_PARTNER).exists():
        _, api_key = create_partner(name=DEMO_PARTNER, contact="demo@example.org")

    return DemoResult(
        api_key=api_key,
        stories=len(demo_content.stories),
        entities=len(demo_content.entities),
        sections=len(demo_content.sections),
        created_stories=len(created),
        username=EDITOR_USERNAME,
        password=password,
        password_from_env=bool(env_password),
        created_editor=created_editor,
    )


def _load_entity(demo: DemoEntity) -> Entity:
    entity, created = Entity.objects.get_or_create(
        kind=demo.kind, name=demo.name, defaults={"description": demo.description}
    )
    if created:
        for alias in demo.aliases:
            # An alias another entity of the same kind already uses stays there.
            Alias.objects.get_or_create(
                kind=entity.kind, name=alias, defaults={"entity": entity}
            )
    return entity


def _load_picture(demo: DemoPicture) -> Image:
    """The demo picture, drawn and added to the library the first time (its
    renditions are queued for the task worker, as for an upload)."""
    source = f"demo:{demo.key}"
    image = Image.objects.filter(source=source).first()
    if image is not None:
        return image
    upload = SimpleUploadedFile(
        f"{demo.key}.jpg", draw_scene(demo.scene, demo.width, demo.height)
    )
    return create_image(
        file=upload,
        source=source,
        alt_text=demo.alt_text,
        caption=demo.caption,
        credit=demo.credit,
        copyright=demo.copyright,
        usage_terms=demo.usage_terms,
        focal_x=demo.focus[0],
        focal_y=demo.focus[1],
        tags=["demo"],
    )


def _load_author(demo: DemoAuthor) -> Author:
    author, created = Author.objects.get_or_create(
        slug=demo.slug,
        defaults={"name": demo.name, "role": demo.role, "bio": demo.bio},
    )
    if created:
        AuthorLink.objects.bulk_create(
            AuthorLink(author=author, label=label, url=url, position=position)
            for position, (label, url) in enumerate(demo.links)
        )
    return author


def _load_front_page(demo: DemoFrontPage, articles: dict[str, Article]) -> None:
    """Pick the demo's lead and featured stories, unless an editor has picked
    some."""
    front_page = FrontPage.load()
    if front_page.lead_id is not None or front_page.featured.exists():
        return
    front_page.lead = articles[demo.lead]
    front_page.save()
    FeaturedStory.objects.bulk_create(
        FeaturedStory(front_page=front_page, article=articles[slug], position=position)
        for position, slug in enumerate(demo.featured)
    )


def _fill_story(
    article: Article,
    demo: DemoStory,
    *,
    entities: dict[str, Entity],
    now: datetime.datetime,
) -> None:
    article.tags.add(*demo.tags)
    ArticleEntity.objects.bulk_create(
        [
            ArticleEntity(content_object=article, tag=entities[name], relevance=rel)
            for names, rel in (
                (demo.about, ArticleEntity.Relevance.ABOUT),
                (demo.mentions, ArticleEntity.Relevance.MENTIONS),
            )
            for name in names
        ]
    )
    # The byline's names that are demo authors are credited, as on import.
    credit_byline_authors(article=article)
    if demo.go_live is not None:
        publish_article(article=article, at=now + demo.go_live)


def _state(article: Article) -> str:
    if article.is_scheduled:
        return "scheduled"
    return article.get_status_display().lower()
