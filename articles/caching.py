"""Which cached pages a change to a story, a section, a thread, a tag, a
picture or a correction clears (newsroom.pagecache), and the tags the public
pages of this app depend on.

Tags: `story:<id>` (its page), `home`, `section:<id>`, `thread:<id>`,
`entity:<id>`, `tag:<id>`, `author:<id>` (the lists of those pages), `feeds`,
`sitemap`, `corrections`; and for names shown on other pages, `nav` (the
sections in every page's navigation), `entity-name:<id>`, `tag-name:<id>`,
`thread-name:<id>`, `author-name:<id>` (a story page's byline);
`entity-names` and `author-names` (entities and bylines named on list pages);
`related:<id>` for a story's related list.

The receivers are model signals, not calls in the services, on purpose: what
readers see changes through more paths than publish_article, withdraw_article,
delete_articles and publish_revision (the admin's inlines save entity links
and corrections directly, imports and entity merges move links, the demo
loader saves stories), and a page left stale by a forgotten path is a bug no
test of the services would catch. Cached pages are derived data, which the
house style lets signals keep in step. A story's staged edits are Revision rows
and `update()`s (articles.revisions.stage_changes), which send no signal: they
clear nothing until published.

The same receivers record what partners can see change (PublicChange, the
API's Last-Modified): durable where the cache is not, and only for changes
to public stories and to the names of public sections, tags, threads and
authors.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from django.http import HttpRequest
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleEntity,
    Author,
    AuthorLink,
    Correction,
    FeaturedStory,
    FrontPage,
    PublicChange,
    Section,
    TaggedArticle,
    Thread,
)
from images.models import Image
from newsroom import pagecache

Scope = PublicChange.Scope


def next_schedule_change() -> datetime.datetime | None:
    """PAGE_CACHE_SCHEDULE: the next go-live or expiry of a published story."""
    return Article.objects.next_change_time()


def story_tags(article_id: int) -> set[str]:
    """The tags of every page showing story `article_id` as stored now: none
    unless readers can see it. Four queries; one for a story not public."""
    row = (
        Article.objects.published()
        .filter(pk=article_id)
        .values_list("section_id", "thread_id", "corrected_at")
        .first()
    )
    if row is None:
        return set()
    section_id, thread_id, corrected_at = row
    tags = {f"story:{article_id}", "home", "feeds", "sitemap"}
    if section_id is not None:
        tags.add(f"section:{section_id}")
    if thread_id is not None:
        tags.add(f"thread:{thread_id}")
    if corrected_at is not None:
        tags.add("corrections")
    entity_ids = ArticleEntity.objects.filter(content_object_id=article_id)
    tags |= {f"entity:{pk}" for pk in entity_ids.values_list("tag_id", flat=True)}
    tag_ids = TaggedArticle.objects.filter(content_object_id=article_id)
    tags |= {f"tag:{pk}" for pk in tag_ids.values_list("tag_id", flat=True)}
    author_ids = ArticleAuthor.objects.filter(article_id=article_id)
    tags |= {f"author:{pk}" for pk in author_ids.values_list("author_id", flat=True)}
    return tags


def navigation_changed(before: set[str], after: set[str]) -> bool:
    """Whether a story moving from `before` to `after` (its `story_tags`)
    showed or hid a section in the navigation: it is now the only published
    story of a section it entered, or it left a section that now has none."""
    entered = {tag for tag in after - before if tag.startswith("section:")}
    left = {tag for tag in before - after if tag.startswith("section:")}
    published = Article.objects.published()

    def count(tag: str) -> int:
        section_id = int(tag.removeprefix("section:"))
        return len(published.filter(section_id=section_id).values("pk")[:2])

    return any(count(tag) == 1 for tag in entered) or any(
        count(tag) == 0 for tag in left
    )


def tag_story_page(request: HttpRequest, article: Article, shown: list) -> None:
    """The story page depends on the story, its thread (the neighbours), the
    names it shows, its related list and the stories in it."""
    tags = {f"story:{article.pk}", f"related:{article.pk}", "nav"}
    if article.thread_id is not None:
        tags |= {f"thread:{article.thread_id}", f"thread-name:{article.thread_id}"}
    tags |= {f"entity-name:{link.tag_id}" for link in article.entity_links.all()}
    tags |= {f"tag-name:{tag.pk}" for tag in article.tags.all()}
    tags |= {f"author-name:{link.author_id}" for link in article.author_links.all()}
    tags |= {f"story:{story.pk}" for story in shown}
    pagecache.add_tags(request, *tags)


def tag_list_page(request: HttpRequest, *tags: str, stories=()) -> None:
    """A list page depends on its own list, the navigation, and, when its
    stories show entities or authors (prefetched by `for_listing`),
    `entity-names` or `author-names`: any entity's (author's) rename clears
    every list showing entities (authors). One tag rather than one per name
    shown keeps a cache hit cheap (a front page shows ~50), and renames are
    rare next to readers' requests."""
    stories = list(stories)
    if any(story.entities.all() for story in stories):
        tags = (*tags, "entity-names")
    if any(story.author_links.all() for story in stories):
        tags = (*tags, "author-names")
    pagecache.add_tags(request, "nav", *tags)


# Stories: the state before a write, compared with the state after.


@receiver(pre_save, sender=Article)
@receiver(pre_delete, sender=Article)
def _remember_story(sender, instance: Article, **kwargs) -> None:
    if instance.pk is not None:
        instance._page_tags_before = story_tags(instance.pk)


@receiver(post_save, sender=Article)
def _story_saved(sender, instance: Article, **kwargs) -> None:
    before = instance.__dict__.pop("_page_tags_before", set())
    after = story_tags(instance.pk)
    pagecache.bump(
        before | after | ({"nav"} if navigation_changed(before, after) else set())
    )
    if before or after:
        PublicChange.objects.note(Scope.STORIES)
    if instance.status == Article.Status.PUBLISHED or before:
        pagecache.forget_schedule()


@receiver(post_delete, sender=Article)
def _story_deleted(sender, instance: Article, **kwargs) -> None:
    before = instance.__dict__.pop("_page_tags_before", set())
    nav = {"nav"} if navigation_changed(before, set()) else set()
    pagecache.bump(before | nav)
    pagecache.forget_schedule()
    if before:
        PublicChange.objects.note(Scope.STORIES)


@receiver(post_save, sender=ArticleEntity)
@receiver(post_delete, sender=ArticleEntity)
@receiver(post_save, sender=TaggedArticle)
@receiver(post_delete, sender=TaggedArticle)
def _story_link_changed(sender, instance, **kwargs) -> None:
    tags = story_tags(instance.content_object_id)
    if tags:
        kind = "entity" if sender is ArticleEntity else "tag"
        tags.add(f"{kind}:{instance.tag_id}")
        PublicChange.objects.note(Scope.STORIES)
    pagecache.bump(tags)


def _links_changed(sender, instance, action: str, pk_set, model, **kwargs) -> None:
    # taggit's add() and set() write links in bulk: no post_save.
    if action not in {
        "post_add",
        "post_remove",
        "post_clear",
    }:
        return
    if isinstance(instance, Article):
        tags = story_tags(instance.pk)
        if tags and pk_set:
            kind = "entity" if sender is ArticleEntity else "tag"
            tags |= {f"{kind}:{pk}" for pk in pk_set}
        if tags:
            PublicChange.objects.note(Scope.STORIES)
        pagecache.bump(tags)


m2m_changed.connect(_links_changed, sender=ArticleEntity)
m2m_changed.connect(_links_changed, sender=TaggedArticle)


@receiver(post_save, sender=ArticleAuthor)
@receiver(post_delete, sender=ArticleAuthor)
def _story_author_changed(sender, instance: ArticleAuthor, **kwargs) -> None:
    tags = story_tags(instance.article_id)
    if tags:
        tags.add(f"author:{instance.author_id}")
        PublicChange.objects.note(Scope.STORIES)
    pagecache.bump(tags)


@receiver(post_save, sender=Correction)
@receiver(post_delete, sender=Correction)
def _correction_changed(sender, instance: Correction, **kwargs) -> None:
    tags = story_tags(instance.article_id)
    if tags:
        tags.add("corrections")
        PublicChange.objects.note(Scope.STORIES)
    pagecache.bump(tags)


# The editor's picks for the home page. A pick's own changes (publishing,
# withdrawing, editing) clear `home` through its story's tags, and its go-live
# or expiry time caps the entries' lifetime as any published story's does.


@receiver(post_save, sender=FrontPage)
@receiver(post_delete, sender=FrontPage)
@receiver(post_save, sender=FeaturedStory)
@receiver(post_delete, sender=FeaturedStory)
def _front_page_changed(sender, instance, **kwargs) -> None:
    pagecache.bump({"home"})


# A picture's caption, credit or alt text changed, or its renditions were
# remade (images.renditions saves the picture then): the pages showing it.


@receiver(post_save, sender=Image)
def _picture_changed(sender, instance: Image, created: bool = False, **kwargs):
    if created:
        return
    tags: set[str] = set()
    for article_id in Article.objects.filter(lead_image=instance).values_list(
        "pk", flat=True
    ):
        tags |= story_tags(article_id)
    tags |= {
        f"author:{pk}"
        for pk in Author.objects.filter(photo=instance).values_list("pk", flat=True)
    }
    if tags:
        pagecache.bump(tags)


# Names shown on other pages.


def remember_public(instance, public: QuerySet) -> None:
    """Before a save or delete: whether partners can see `instance` (it is in
    `public`), for `note_if_public` after it."""
    if instance.pk is not None:
        instance._public_before = public.filter(pk=instance.pk).exists()


def note_if_public(instance, public: QuerySet, scope: str, **kwargs) -> None:
    """After a save or delete: record a change to `scope` if partners could
    see `instance` before it or can now. A new row is nothing yet: a story
    showing it is a change of its own."""
    if kwargs.get("created"):
        return
    before = instance.__dict__.pop("_public_before", False)
    after = kwargs.get("signal") is post_save and public.filter(pk=instance.pk).exists()
    if before or after:
        PublicChange.objects.note(scope)


@receiver(pre_save, sender=Section)
@receiver(pre_delete, sender=Section)
def _remember_section(sender, instance: Section, **kwargs) -> None:
    remember_public(instance, Section.objects.visible())


@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
def _section_changed(sender, instance: Section, **kwargs) -> None:
    pagecache.bump({"nav", f"section:{instance.pk}", "feeds", "sitemap"})
    note_if_public(instance, Section.objects.visible(), Scope.SECTIONS, **kwargs)


@receiver(pre_save, sender=Thread)
@receiver(pre_delete, sender=Thread)
def _remember_thread(sender, instance: Thread, **kwargs) -> None:
    remember_public(instance, Thread.objects.with_published_stories())


@receiver(post_save, sender=Thread)
@receiver(post_delete, sender=Thread)
def _thread_changed(sender, instance: Thread, **kwargs) -> None:
    pk = instance.pk
    pagecache.bump({f"thread:{pk}", f"thread-name:{pk}", "feeds", "sitemap"})
    public = Thread.objects.with_published_stories()
    note_if_public(instance, public, Scope.THREADS, **kwargs)


@receiver(pre_save, sender=Tag)
@receiver(pre_delete, sender=Tag)
def _remember_tag(sender, instance: Tag, **kwargs) -> None:
    remember_public(instance, Article.objects.published().tags())


@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def _tag_changed(sender, instance: Tag, created: bool = False, **kwargs) -> None:
    if not created:
        pk = instance.pk
        pagecache.bump({f"tag:{pk}", f"tag-name:{pk}", "feeds", "sitemap"})
    public = Article.objects.published().tags()
    note_if_public(instance, public, Scope.TAGS, created=created, **kwargs)


# What author pages, story bylines, feeds and the sitemap show of an author.
AUTHOR_SHOWN = ("name", "slug", "role", "bio")


@receiver(pre_save, sender=Author)
@receiver(pre_delete, sender=Author)
def _remember_author(sender, instance: Author, **kwargs) -> None:
    if instance.pk is not None:
        stored = (
            Author.objects.filter(pk=instance.pk).values_list(*AUTHOR_SHOWN).first()
        )
        instance._page_shown_before = stored
        shown = tuple(getattr(instance, name) for name in AUTHOR_SHOWN)
        if kwargs["signal"] is pre_delete or stored != shown:
            remember_public(instance, Author.objects.with_published_stories())


@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
def _author_changed(sender, instance: Author, **kwargs) -> None:
    if kwargs.get("created"):
        return
    before = instance.__dict__.pop("_page_shown_before", None)
    shown = tuple(getattr(instance, name) for name in AUTHOR_SHOWN)
    if kwargs["signal"] is post_save and before == shown:
        return
    pk = instance.pk
    pagecache.bump(
        {f"author:{pk}", f"author-name:{pk}", "author-names", "feeds", "sitemap"}
    )
    public = Author.objects.with_published_stories()
    note_if_public(instance, public, Scope.AUTHORS, **kwargs)


@receiver(post_save, sender=AuthorLink)
@receiver(post_delete, sender=AuthorLink)
def _author_link_changed(sender, instance: AuthorLink, **kwargs) -> None:
    # Links are shown on the author's own page (and in the API) only.
    pagecache.bump({f"author:{instance.author_id}"})
    public = Author.objects.with_published_stories()
    if public.filter(pk=instance.author_id).exists():
        PublicChange.objects.note(Scope.AUTHORS)
