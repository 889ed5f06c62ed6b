from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connections, models, transaction
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from articles.bylines import byline_names
from articles.choices import Relevance
from articles.figures import figure_ids, missing_figures
from articles.html import BODY_EXTENSIONS, sanitize_html, text_as_stored
from articles.search import (
    SEARCH_CANDIDATES,
    ParsedQuery,
    SearchVectorIndex,
    document,
    parse_query,
)
from images.models import Image, Rendition
from newsroom.cleaning import clean_text
from newsroom.reversing import cached_reverse

EXPIRES_BEFORE_GO_LIVE = "A story must expire after its go-live time."
# The home page's featured stories, under its lead.
FEATURED_SLOTS = 4
# `front_page_slot` of the lead story: before every featured slot.
LEAD_SLOT = -1


def format_time(when: datetime.datetime) -> str:
    """A time as editors read it, in the site's time zone and named:
    "5 Dec 2026, 08:00 UTC"."""
    return date_format(timezone.localtime(when), "j M Y, H:i T")


class SectionQuerySet(models.QuerySet):
    def visible(self) -> SectionQuerySet:
        """Sections a reader may see named (navigation, sitemap, API, their own
        page): those holding a published story, and those an editor chose to
        show before their first one. A section only drafts use stays hidden, as
        it could give an embargoed story away. One EXISTS per section."""
        return self.filter(
            models.Q(show_when_empty=True)
            | models.Exists(
                Article.objects.published().filter(section=models.OuterRef("pk"))
            )
        )


class Section(models.Model):
    """A part of the paper with its own front page, such as World or Politics."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the site navigation, lowest first."
    )
    show_when_empty = models.BooleanField(
        "show before its first story",
        default=False,
        help_text="List this section in the navigation, the sitemap and the API "
        "before it holds a published story. Otherwise it appears with its first.",
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("articles:section", slug=self.slug)


class ArticleEntity(TaggedItemBase):
    """The link between a story and an entity it is about or only mentions."""

    Relevance = Relevance

    content_object = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="entity_links"
    )
    tag = models.ForeignKey(
        "entities.Entity",
        on_delete=models.CASCADE,
        related_name="article_links",
        verbose_name="entity",
    )
    relevance = models.CharField(
        max_length=16, choices=Relevance, default=Relevance.ABOUT
    )

    class Meta:
        verbose_name = "entity"
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="article_entity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_object} {self.relevance} {self.tag}"


class TaggedArticle(TaggedItemBase):
    """A topic tag on a story."""

    content_object = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="tag_links"
    )

    class Meta:
        verbose_name = "tag"
        verbose_name_plural = "tags"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="article_tag_unique"
            )
        ]


WEB_LINK = URLValidator(
    schemes=["http", "https"],
    message="Enter a web address starting http:// or https://.",
)


class AuthorQuerySet(models.QuerySet):
    def with_published_stories(self) -> AuthorQuerySet:
        """Authors credited on at least one published story: an author known
        only from drafts has no public page, feed or API entry yet. One EXISTS
        per author."""
        return self.filter(
            models.Exists(
                ArticleAuthor.objects.filter(
                    author=models.OuterRef("pk"),
                    article__in=Article.objects.published(),
                )
            )
        )

    def named_in(self, byline: str) -> list[Author]:
        """The authors a byline names ("By Nadia Hollis and Owen Pryce"), in
        its order: each name, split on "and" and commas, matched to an author's
        whole name in any case. Names no author has are left out. One query."""
        names = byline_names(byline)
        if not names:
            return []
        condition = models.Q()
        for name in names:
            condition |= models.Q(name__iexact=name)
        by_name = {author.name.casefold(): author for author in self.filter(condition)}
        found = [by_name.get(name.casefold()) for name in names]
        return list(dict.fromkeys(author for author in found if author is not None))


class Author(models.Model):
    """A person who writes for the newsroom: credited on stories, with a page
    of their own listing their published stories and their photo."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="Their page's address, /author/<slug>/; made from the name when "
        "left empty.",
    )
    role = models.CharField(
        max_length=200, blank=True, help_text="Such as “Political correspondent”."
    )
    bio = models.TextField(
        "short bio", blank=True, help_text="Plain text, shown on their page."
    )
    photo = models.ForeignKey(
        Image,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authors",
        help_text="From the picture library; shown square on their page.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        verbose_name="user account",
        help_text="Optional: their login, if they write in the admin.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            length = Author._meta.get_field("slug").max_length
            self.slug = slugify(self.name)[:length].strip("-") or "author"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("articles:author", slug=self.slug)

    def stories(self) -> ArticleQuerySet:
        """The author's published stories, newest first."""
        return (
            Article.objects.published().filter(author_links__author=self).newest_first()
        )


class AuthorLink(models.Model):
    """A page about an author elsewhere: their own site, a social profile."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(
        max_length=100, help_text="What readers see, such as “Mastodon”."
    )
    url = models.URLField("address", max_length=500, validators=[WEB_LINK])
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first."
    )

    class Meta:
        verbose_name = "link"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class ArticleFigure(models.Model):
    """A library picture shown in a story's body (kept in step with the body
    when the story is saved): the library counts it as a use."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="figure_links"
    )
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="figure_in")

    class Meta:
        verbose_name = "figure in a story"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "image"], name="article_figure_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.article)

    @property
    def used_by(self) -> Article:
        """What the library's "used in" list shows: the story."""
        return self.article

    @property
    def image_used_at(self) -> datetime.datetime | None:
        return self.article.image_used_at


class ArticleAuthor(models.Model):
    """An author credited on a story, in the byline's order."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="author_links",
        verbose_name="story",
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="article_links"
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first."
    )

    class Meta:
        verbose_name = "author"
        verbose_name_plural = "authors"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"],
                name="article_author_once",
                violation_error_message="This author is already credited.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.article}"


class ArticleQuerySet(models.QuerySet):
    # Newest first; the primary key breaks ties so that pages never overlap.
    NEWEST_FIRST = ("-go_live_at", "-pk")

    def published(self, now: datetime.datetime | None = None) -> ArticleQuerySet:
        """Stories a reader may see: published, past their go-live time and not
        yet past their expiry time, if they have one.

        Every public surface (pages, feeds, sitemaps, search, related lists, the
        API) starts from this queryset.
        """
        return self.filter(self.published_condition(now))

    @staticmethod
    def published_condition(now: datetime.datetime | None = None) -> models.Q:
        """`published()` as a condition, for the rare query that must also see
        other stories (the partners' change feed, which reports withdrawals).
        Time alone moves a story in (go-live) and out (expiry): no job runs."""
        now = now or timezone.now()
        return models.Q(status=Article.Status.PUBLISHED, go_live_at__lte=now) & (
            models.Q(expire_at__isnull=True) | models.Q(expire_at__gt=now)
        )

    def visible_to(
        self,
        early_access: models.Q | None = None,
        now: datetime.datetime | None = None,
    ) -> ArticleQuerySet:
        """`published()`, plus the scheduled stories `early_access` names: what
        one API caller may see. `early_access` is a condition the caller's
        credentials give (a partner's embargoes, built by the partners app,
        which articles knows nothing of); None is readers' view. See
        `visible_condition`."""
        return self.filter(self.visible_condition(early_access, now))

    @staticmethod
    def visible_condition(
        early_access: models.Q | None = None, now: datetime.datetime | None = None
    ) -> models.Q:
        """`visible_to()` as a condition. A story `early_access` names is seen
        early only while it is embargoed (`embargoed_condition`): a draft or a
        withdrawn story stays hidden, and at its go-live time it is public."""
        now = now or timezone.now()
        live = ArticleQuerySet.published_condition(now)
        if early_access is None:
            return live
        return live | (ArticleQuerySet.embargoed_condition(now) & early_access)

    def seen_early(
        self, early_access: models.Q, now: datetime.datetime | None = None
    ) -> ArticleQuerySet:
        """The stories `early_access` names that readers have not seen (still
        embargoed, or withdrawn before their time): what a caller with early
        access sees change that no public time records."""
        now = now or timezone.now()
        return self.filter(early_access).exclude(first_published_at__lte=now)

    @staticmethod
    def embargoed_condition(now: datetime.datetime | None = None) -> models.Q:
        """Published stories whose go-live time is still to come (and that do
        not expire before it): readers see them at that time, with no job."""
        now = now or timezone.now()
        return models.Q(status=Article.Status.PUBLISHED, go_live_at__gt=now) & (
            models.Q(expire_at__isnull=True) | models.Q(expire_at__gt=now)
        )

    def expired(self, now: datetime.datetime | None = None) -> ArticleQuerySet:
        """Published stories past their expiry time: off every public surface."""
        return self.filter(self.expired_condition(now))

    @staticmethod
    def expired_condition(now: datetime.datetime | None = None) -> models.Q:
        return models.Q(
            status=Article.Status.PUBLISHED, expire_at__lte=now or timezone.now()
        )

    def gone(self, now: datetime.datetime | None = None) -> ArticleQuerySet:
        """Stories readers saw once and may see no more: withdrawn after they
        went live, or expired. Their old address answers 410 rather than 404;
        a draft, or a story withdrawn before its go-live time, is not among
        them (its address must not say it exists). Live once: first published
        before now (see `Article.first_publication`)."""
        now = now or timezone.now()
        withdrawn = models.Q(
            status=Article.Status.WITHDRAWN, first_published_at__lte=now
        )
        return self.filter(withdrawn | self.expired_condition(now))

    def coming_up(
        self, *, days: int = 7, now: datetime.datetime | None = None
    ) -> ArticleQuerySet:
        """Published stories going live or expiring within `days` from now, each
        annotated with `event_at` (the first such time) and `event` ("go-live"
        or "expiry"), soonest first: the admin's "Scheduled" page."""
        now = now or timezone.now()
        until = now + datetime.timedelta(days=days)
        goes_live = models.Q(go_live_at__gt=now, go_live_at__lte=until)
        expires = models.Q(expire_at__gt=now, expire_at__lte=until)
        return (
            self.filter(goes_live | expires, status=Article.Status.PUBLISHED)
            .annotate(
                event=models.Case(
                    models.When(goes_live, then=models.Value("go-live")),
                    default=models.Value("expiry"),
                ),
                event_at=models.Case(
                    models.When(goes_live, then=models.F("go_live_at")),
                    default=models.F("expire_at"),
                ),
            )
            .order_by("event_at", "pk")
        )

    def next_change_time(
        self, now: datetime.datetime | None = None
    ) -> datetime.datetime | None:
        """The next time a published story goes live or expires after `now`,
        when pages change with no write (the page cache serves no entry past
        it). One query of two index ends (`article_published`, the expiry
        index), as in `last_changed`."""
        now = now or timezone.now()
        published = self.order_by().filter(status=Article.Status.PUBLISHED)
        row = (
            Article.objects.order_by()
            .annotate(
                goes_live=models.Subquery(
                    published.filter(go_live_at__gt=now)
                    .order_by("go_live_at")
                    .values("go_live_at")[:1]
                ),
                expires=models.Subquery(
                    published.filter(expire_at__gt=now)
                    .order_by("expire_at")
                    .values("expire_at")[:1]
                ),
            )
            .values("goes_live", "expires")
            .first()
        )
        return min(filter(None, (row or {}).values()), default=None)

    def newest_first(self, *first: str) -> ArticleQuerySet:
        """Newest first, after the orderings in `first` if any (e.g. stories
        about an entity before those that mention it)."""
        return self.order_by(*first, *self.NEWEST_FIRST)

    def with_change_time(self) -> ArticleQuerySet:
        """Annotate `changed_at`: when a published story last changed for
        readers, its last edit or its go-live time, whichever is later."""
        return self.annotate(changed_at=_changed_while_live())

    def changes(
        self,
        now: datetime.datetime | None = None,
        early_access: models.Q | None = None,
    ) -> ArticleQuerySet:
        """The partners' change feed, oldest change first: every story live now
        or live once and then taken off, each annotated with `live` and
        `changed_at` (see `with_change_time`; for a story taken off, its last
        edit). Drafts and stories that were never live are left out.

        With `early_access` (see `visible_to`), the stories it names are in
        too: `live` while embargoed (changed at their last edit, then at their
        go-live time when they go public), withdrawn if taken off since."""
        now = now or timezone.now()
        public = self.published_condition(now)
        live = self.visible_condition(early_access, now)
        # Live once and then taken off: first_published_at is the first time
        # readers could see it (see `Article.first_publication`), so a time
        # before now is a story that was live, even one whose go-live time
        # passed with no write.
        was_live = models.Q(first_published_at__lte=now)
        if early_access is not None:
            # Seen early under an embargo: its withdrawal reaches them too.
            was_live |= early_access
        # Taken off by its expiry time, which no write marks: it changed then.
        expired = self.expired_condition(now) & models.Q(go_live_at__lte=now)
        return (
            self.filter(live | was_live | expired)
            .annotate(
                live=models.ExpressionWrapper(live, output_field=models.BooleanField()),
                changed_at=models.Case(
                    models.When(public, then=_changed_while_live()),
                    models.When(expired, then=Greatest("updated_at", "expire_at")),
                    default=models.F("updated_at"),
                ),
            )
            .order_by("changed_at", "pk")
        )

    def last_changed(self) -> datetime.datetime | None:
        """The last time a story of this queryset changed for readers: an edit,
        a withdrawal, a scheduled story going live or a story expiring. Cheap:
        the times come from index ends (on a filtered queryset, from the
        filter's index)."""
        # (As MAX() with a FILTER clause PostgreSQL would scan the whole table:
        # 180 ms at a million stories.)
        stories = self.order_by()
        row = (
            Article.objects.order_by()
            .annotate(
                edited=models.Subquery(
                    stories.order_by("-updated_at").values("updated_at")[:1]
                ),
                went_live=models.Subquery(
                    stories.published().order_by("-go_live_at").values("go_live_at")[:1]
                ),
                expired=models.Subquery(
                    stories.expired().order_by("-expire_at").values("expire_at")[:1]
                ),
            )
            .values("edited", "went_live", "expired")
            .first()
        )
        return max(filter(None, (row or {}).values()), default=None)

    def tags(self) -> models.QuerySet[Tag]:
        """The topic tags these stories carry, each once:
        `Article.objects.published().tags()` is every tag a reader can see.
        One EXISTS per tag, stopping at its first story."""
        return Tag.objects.filter(models.Exists(self.links_per_tag()))

    def links_per_tag(self) -> models.QuerySet[TaggedArticle]:
        """These stories' links to the tag of the outer row (`OuterRef("pk")`),
        for an EXISTS filter or a per-row count."""
        return TaggedArticle.objects.filter(
            tag=models.OuterRef("pk"), content_object__in=self
        )

    def links_per_entity(self) -> models.QuerySet[ArticleEntity]:
        """These stories' links to the entity of the outer row
        (`OuterRef("pk")`), for an EXISTS filter or a per-row count."""
        return ArticleEntity.objects.filter(
            tag=models.OuterRef("pk"), content_object__in=self
        )

    def containing(self, texts: Iterable[str]) -> ArticleQuerySet:
        """Stories whose headline, standfirst or body contain any of `texts`.

        A cheap filter in the database before finer matching in Python, so it
        errs on the side of more: on PostgreSQL the comparison is
        case-sensitive, on SQLite (whose LIKE ignores ASCII case) it is not.
        The body is searched as stored, so a text is looked for as the
        sanitiser escapes it, and words split by markup ("<b>Free</b> Syrian")
        are not found. No texts, no stories.
        """
        condition = models.Q()
        for text in dict.fromkeys(texts):
            if not text:
                continue
            condition |= (
                models.Q(headline__contains=text)
                | models.Q(dek__contains=text)
                | models.Q(body__contains=text_as_stored(text))
            )
        if not condition:
            return self.none()
        return self.filter(condition)

    def front_page_picks(self) -> ArticleQuerySet:
        """The stories an editor picked for the home page (`FrontPage`), lead
        first, then the featured ones in their slots' order; each annotated with
        `front_page_slot` (LEAD_SLOT for the lead). Call on `published()`: a
        pick that is not live is left out. One query, by primary key."""
        slots = FeaturedStory.objects.filter(article=models.OuterRef("pk")).order_by(
            "position", "pk"
        )
        lead = models.Exists(FrontPage.objects.filter(lead=models.OuterRef("pk")))
        # The picks' ids first: the database looks up a handful of stories by
        # key rather than testing every published one.
        picked = (
            FeaturedStory.objects.order_by()
            .values("article_id")
            .union(FrontPage.objects.order_by().values("lead_id"))
        )
        return (
            self.filter(pk__in=picked)
            .annotate(
                front_page_slot=models.Case(
                    models.When(lead, then=models.Value(LEAD_SLOT)),
                    default=models.Subquery(slots.values("position")[:1]),
                    output_field=models.IntegerField(),
                ),
                featured_slot_id=models.Subquery(slots.values("pk")[:1]),
            )
            .filter(front_page_slot__isnull=False)
            .order_by("front_page_slot", "featured_slot_id", "pk")
        )

    def for_listing(self) -> ArticleQuerySet:
        """What a list of stories shows: section, lead picture, entities,
        authors and the pictures' renditions loaded in bulk."""
        return self.select_related("section", "lead_image").prefetch_related(
            "entities", AUTHORS_PREFETCH, LISTED_RENDITIONS_PREFETCH
        )

    def search(self, text: str, *, candidates: int | None = None) -> ArticleQuerySet:
        """Stories of this queryset matching `text`, a reader's query in web
        search syntax.

        On PostgreSQL, through the stored, indexed `search_vector`: the newest
        `candidates` matches (by default `SEARCH_CANDIDATES`; README,
        "Search"), each annotated with `search_rank` (higher is better;
        headline words count most). Runs two queries now: one parses `text`,
        one picks the candidates. Elsewhere, stories whose headline,
        standfirst or body contain `text` (any case), without a rank.

        Call on `published()`, after any other filter: a filter applied to
        the result narrows the candidates rather than the archive.
        """
        text = text.strip()
        if not text:
            return self.none()
        if connections[self.db].vendor != "postgresql":
            return self.filter(
                models.Q(headline__icontains=text)
                | models.Q(dek__icontains=text)
                | models.Q(body__icontains=text_as_stored(text))
            )
        parsed = parse_query(text, self.db)
        if parsed is None:
            return self.none()
        query = ParsedQuery(parsed)
        # Chosen once, here: the count and the page then read them by key
        # rather than each finding them again.
        newest = list(
            self.filter(search_vector=query)
            .order_by(*self.NEWEST_FIRST)
            .values_list("pk", flat=True)[: candidates or SEARCH_CANDIDATES]
        )
        return self.filter(pk__in=newest).annotate(
            search_rank=SearchRank(models.F("search_vector"), query)
        )


# A story's authors in byline order, with the authors: `author_links.all()`.
AUTHORS_PREFETCH = models.Prefetch(
    "author_links",
    queryset=ArticleAuthor.objects.select_related("author").order_by("position", "pk"),
)


# The renditions lists show of a story's lead picture (select_related
# "lead_image" first): one query for the page.
LISTED_RENDITIONS_PREFETCH = models.Prefetch(
    "lead_image__renditions",
    queryset=Rendition.objects.filter(ratio=Rendition.Ratio.WIDE),
)


def _changed_while_live() -> Greatest:
    return Greatest("updated_at", "go_live_at")


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self) -> ArticleQuerySet:
        # The search vector is as big as the text; only the search's WHERE and
        # ORDER BY read it.
        return super().get_queryset().defer("search_vector")


class Article(models.Model):
    """A story: written in the admin or imported, seen by readers once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    headline = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        blank=True,
        help_text="The last part of the story's address; made from the headline "
        "when left empty.",
    )
    dek = models.TextField(
        "standfirst", blank=True, help_text="The summary shown under the headline."
    )
    body = ProseEditorField(
        extensions=BODY_EXTENSIONS, sanitize=sanitize_html, blank=True
    )
    byline = models.CharField(max_length=200, blank=True)
    lead_image = models.ForeignKey(
        Image,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_of",
        verbose_name="lead picture",
        help_text="From the picture library; it needs alt text before the story "
        "is published.",
    )
    dateline = models.CharField(
        max_length=200, blank=True, help_text="Where the story was filed from."
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
    )
    language = models.CharField(max_length=16, default="en")
    thread = models.ForeignKey(
        "articles.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        help_text="The developing story this story belongs to.",
    )
    source_name = models.CharField(
        max_length=200, blank=True, help_text="The publication an import came from."
    )
    source_url = models.URLField(max_length=500, blank=True)
    source_key = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Identifies an imported story so that re-imports update it.",
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    go_live_at = models.DateTimeField(
        "go-live time",
        null=True,
        blank=True,
        help_text="A published story with a future go-live time is scheduled: "
        "readers see it from then on.",
    )
    expire_at = models.DateTimeField(
        "expiry time",
        null=True,
        blank=True,
        help_text="Optional: from this time the story is off every public surface "
        "(pages, feeds, sitemap, API), as if withdrawn. Leave empty to keep it.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    text_changed_at = models.DateTimeField(
        "text changed",
        null=True,
        blank=True,
        editable=False,
        help_text="When the headline, standfirst or body last changed after the "
        "story was first published; empty if they never did.",
    )
    corrected_at = models.DateTimeField(
        "last correction",
        null=True,
        blank=True,
        editable=False,
        help_text="The date of its latest correction or clarification.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Who wrote or imported the story; a reporter may edit only "
        "their own drafts.",
    )
    submitted_at = models.DateTimeField(
        "submitted for review",
        null=True,
        blank=True,
        editable=False,
        help_text="When its reporter marked the draft ready for an editor.",
    )
    edit_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Counts the story's saves: a form opened at an older version "
        "is an edit of text someone has since changed.",
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Who last saved the story's form.",
    )

    live_revision = models.ForeignKey(
        "articles.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The revision readers see, for a story published since "
        "revisions were kept.",
    )
    staged_revision = models.ForeignKey(
        "articles.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Changes to a live story saved as a draft: readers keep seeing "
        "the published text until an editor publishes them.",
    )

    entities = TaggableManager(
        "entities",
        through=ArticleEntity,
        # Named, not read from the through model, so that entities.models may
        # import this module before Entity exists.
        to="entities.Entity",
        related_name="articles",
        blank=True,
        help_text="The people, organisations and places the story is about.",
    )
    tags = TaggableManager(
        "tags", through=TaggedArticle, related_name="articles", blank=True
    )
    # Computed by the database from the row (articles/search.py): NULL on SQLite.
    search_vector = models.GeneratedField(
        expression=document(),
        output_field=SearchVectorField(null=True),
        db_persist=True,
        editable=False,
    )

    objects = ArticleManager()

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"
        ordering = ["-go_live_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-go_live_at"], name="article_published"),
            models.Index(fields=["-updated_at"], name="article_updated"),
            models.Index(
                fields=["expire_at"],
                name="article_expiry",
                condition=models.Q(expire_at__isnull=False),
            ),
            SearchVectorIndex(fields=["search_vector"], name="article_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expire_at__isnull=True)
                | models.Q(go_live_at__isnull=True)
                | models.Q(expire_at__gt=models.F("go_live_at")),
                name="article_expires_after_go_live",
                violation_error_message=EXPIRES_BEFORE_GO_LIVE,
            )
        ]
        permissions = [
            ("publish_article", "Can publish and withdraw stories"),
            ("change_any_article", "Can edit stories others wrote"),
        ]

    # What readers read of a story: a change to any of them after the story was
    # first published is an update they are told about.
    PUBLIC_TEXT_FIELDS = ("headline", "dek", "body")

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs) -> None:
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = self._unique_slug()
        if self.status == self.Status.PUBLISHED:
            self.go_live_at = self.go_live_at or timezone.now()
            self.last_published_at = self.last_published_at or self.go_live_at
        first_published_at = self.first_publication()
        if first_published_at != self.first_published_at:
            self.first_published_at = first_published_at
            if (fields := kwargs.get("update_fields")) is not None:
                kwargs["update_fields"] = {*fields, "first_published_at"}
        if self._public_text_changed():
            self.text_changed_at = timezone.now()
            if (fields := kwargs.get("update_fields")) is not None:
                kwargs["update_fields"] = {*fields, "text_changed_at"}
        self.edit_version += 1
        if (fields := kwargs.get("update_fields")) is not None:
            kwargs["update_fields"] = {*fields, "edit_version"}
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if "body" not in self.get_deferred_fields() and (
            fields is None or "body" in fields
        ):
            self.keep_figures_in_step()
        loaded = {field.attname for field in self._meta.concrete_fields}
        self._remember_text(loaded - self.get_deferred_fields())

    def get_absolute_url(self) -> str:
        date = timezone.localdate(self.go_live_at or self.created_at or timezone.now())
        return cached_reverse(
            "articles:detail",
            year=date.year,
            month=f"{date.month:02d}",
            day=f"{date.day:02d}",
            slug=self.slug,
        )

    def get_preview_url(self) -> str:
        return reverse("articles:preview", kwargs={"pk": self.pk})

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        article._remember_text(field_names)
        return article

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED and not self.headline.strip():
            raise ValidationError({"headline": "A published story needs a headline."})
        self.check_expiry()
        if self.status == self.Status.PUBLISHED:
            self.check_lead_image()

    def check_expiry(self, go_live_at: datetime.datetime | None = None) -> None:
        """Raise ValidationError (on `expire_at`) unless the story expires after
        it goes live: at `go_live_at` if given, else at its own go-live time."""
        go_live_at = go_live_at or self.go_live_at
        if self.expire_at and go_live_at and self.expire_at <= go_live_at:
            raise ValidationError(
                {
                    "expire_at": f"{EXPIRES_BEFORE_GO_LIVE} It goes live "
                    f"{format_time(go_live_at)} and would expire "
                    f"{format_time(self.expire_at)}."
                },
                code="expires_before_go_live",
            )

    def first_publication(
        self, now: datetime.datetime | None = None
    ) -> datetime.datetime | None:
        """`first_published_at` as it must be stored: the first time readers
        could see the story. Once that time has passed it never changes (a story
        readers saw and that is re-scheduled, withdrawn or republished keeps
        it); until then it follows the go-live time of a published (scheduled)
        story, and is empty for any other, so that a story withdrawn before its
        go-live time was never published. save() keeps it in step."""
        now = now or timezone.now()
        if self.first_published_at is not None and self.first_published_at <= now:
            return self.first_published_at
        if self.status == self.Status.PUBLISHED:
            return self.go_live_at
        return None

    def keep_figures_in_step(self) -> None:
        """Record the library pictures the body shows (ArticleFigure), so the
        library counts them as used and refuses to delete them. A reference
        to a picture that does not exist is not recorded (it shows nothing)."""
        wanted = set(
            Image.objects.filter(pk__in=figure_ids(self.body)).values_list(
                "pk", flat=True
            )
        )
        have = set(self.figure_links.values_list("image_id", flat=True))
        if gone := have - wanted:
            self.figure_links.filter(image_id__in=gone).delete()
        ArticleFigure.objects.bulk_create(
            [ArticleFigure(article=self, image_id=pk) for pk in wanted - have],
            ignore_conflicts=True,
        )

    def missing_figures(self) -> list[int]:
        """Ids the body refers to that are in no library picture."""
        return missing_figures(self.body)

    @property
    def image_used_at(self) -> datetime.datetime | None:
        """When the story put its pictures before readers (the picture
        library's "used recently" warning): its go-live time once published."""
        return self.go_live_at if self.status == self.Status.PUBLISHED else None

    def check_lead_image(self) -> None:
        """Raise ValidationError (on `lead_image`) when the story's lead
        picture has no alt text: a published story's pictures must have it."""
        image = self.lead_image
        if image is not None and not image.alt_text.strip():
            raise ValidationError(
                {
                    "lead_image": f"The lead picture “{image}” has no alt text: "
                    "add it in the picture library (what the picture shows, for "
                    "readers who cannot see it) before publishing the story."
                },
                code="lead_image_without_alt_text",
            )

    @property
    def revised_at(self) -> datetime.datetime | None:
        """When readers last saw the story change after its first publication:
        its text edited or a correction added; None if neither happened."""
        return max(
            filter(None, [self.text_changed_at, self.corrected_at]), default=None
        )

    @property
    def is_live(self) -> bool:
        """Whether readers can see the story now."""
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.go_live_at is not None
            and self.go_live_at <= now
            and (self.expire_at is None or self.expire_at > now)
        )

    @property
    def is_expired(self) -> bool:
        """Published, but past its expiry time: readers no longer see it."""
        return (
            self.status == self.Status.PUBLISHED
            and self.expire_at is not None
            and self.expire_at <= timezone.now()
        )

    @property
    def embargoed_until(self) -> datetime.datetime | None:
        """The go-live time of a story still embargoed (published, not yet
        live): only partners granted it early see it before then."""
        return self.go_live_at if self.is_scheduled else None

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.go_live_at is not None
            and self.go_live_at > timezone.now()
        )

    def _remember_text(self, names: Iterable[str]) -> None:
        # The public text as loaded or last saved, so that save() can tell
        # whether it changed (the pattern of Django's Model.from_db docs).
        names = set(names)
        self._loaded = {
            name: getattr(self, name)
            for name in (*self.PUBLIC_TEXT_FIELDS, "first_published_at")
            if name in names
        }

    def _public_text_changed(self) -> bool:
        """Whether this save changes the headline, standfirst or body of a
        story readers have seen (first published before now)."""
        loaded = getattr(self, "_loaded", {})
        first_published = loaded.get("first_published_at")
        if first_published is None or first_published > timezone.now():
            return False
        # A field left out of the query but set since is compared with the
        # stored value.
        if unknown := [
            name
            for name in self.PUBLIC_TEXT_FIELDS
            if name not in loaded and name in self.__dict__
        ]:
            stored = Article.objects.filter(pk=self.pk).values(*unknown).first()
            loaded = {**loaded, **(stored or {})}
        return any(
            name in loaded and getattr(self, name) != loaded[name]
            for name in self.PUBLIC_TEXT_FIELDS
        )

    def _unique_slug(self) -> str:
        # Room for a "-N" suffix within the field's length.
        room = Article._meta.get_field("slug").max_length - 15
        base = slugify(self.headline)[:room].strip("-") or "story"
        slug, n = base, 2
        siblings = Article.objects.exclude(pk=self.pk)
        while siblings.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


class CorrectionQuerySet(models.QuerySet):
    def public(self, now: datetime.datetime | None = None) -> CorrectionQuerySet:
        """Corrections of the stories readers may see, newest first, each with
        its story and the story's section."""
        return (
            self.filter(article__in=Article.objects.published(now))
            .select_related("article", "article__section")
            .order_by("-published_at", "-pk")
        )


class Correction(models.Model):
    """A dated correction or clarification to a story, shown under it, in the
    feeds and the API, and listed on the corrections page."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="corrections"
    )
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="Plain text: what was wrong and what is right. Shown as written."
    )
    published_at = models.DateTimeField(
        "date",
        default=timezone.now,
        help_text="Shown with the correction; it cannot be in the future.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "pk"]
        indexes = [
            models.Index(fields=["-published_at"], name="correction_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.article}"

    def save(self, *args, **kwargs) -> None:
        self.text = clean_text(self.text)
        super().save(*args, **kwargs)
        self._update_article()

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#correction-{self.pk}"

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._update_article()
        return result

    def clean(self) -> None:
        if self.published_at and self.published_at > timezone.now():
            raise ValidationError(
                {"published_at": "A correction cannot be dated in the future."}
            )

    def _update_article(self) -> None:
        # Keeps the story's `corrected_at` in step, and moves its last edit on so
        # that ETags, Last-Modified and the partners' change feed see the change.
        # The story as this correction holds it is kept in step too, so that
        # saving it afterwards does not undo either.
        latest = Correction.objects.filter(article_id=self.article_id).aggregate(
            latest=models.Max("published_at")
        )["latest"]
        now = timezone.now()
        Article.objects.filter(pk=self.article_id).update(
            corrected_at=latest, updated_at=now
        )
        if Correction.article.is_cached(self):
            self.article.corrected_at, self.article.updated_at = latest, now


class ThreadQuerySet(models.QuerySet):
    def with_published_stories(self) -> ThreadQuerySet:
        """Threads holding at least one published story: a thread of drafts
        only is not public yet. One EXISTS per thread."""
        return self.filter(
            models.Exists(
                Article.objects.published().filter(thread=models.OuterRef("pk"))
            )
        )


class Thread(models.Model):
    """A developing story: the stories that follow one event, read in time order."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    description = models.TextField(
        blank=True, help_text="Shown at the top of the thread's timeline."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            length = Thread._meta.get_field("slug").max_length
            self.slug = slugify(self.title)[:length].strip("-") or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("articles:thread", slug=self.slug)

    def timeline(self) -> ArticleQuerySet:
        """The thread's published stories, oldest first."""
        return (
            Article.objects.published()
            .filter(thread=self)
            .order_by("go_live_at", "pk")
            .select_related("section")
        )


class FrontPage(models.Model):
    """The home page's editor's choice: its lead story and the featured stories
    under it. There is one front page; a pick readers cannot see (a draft, a
    story scheduled for later, expired or withdrawn) is skipped until it is
    live, and the newest stories fill the page."""

    lead = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lead story",
        help_text="The story at the top of the home page. When empty, or while "
        "the story is not live, the newest story leads; a scheduled story "
        "leads from its go-live time.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "front page"
        verbose_name_plural = "front page"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="front_page_one")
        ]

    def __str__(self) -> str:
        return "Front page"

    def get_absolute_url(self) -> str:
        return reverse("articles:home")

    @classmethod
    def load(cls) -> FrontPage:
        """The front page, made empty the first time it is asked for."""
        return cls.objects.get_or_create(pk=1)[0]


class FeaturedStory(models.Model):
    """A story featured on the home page under the lead, in its slot's order."""

    front_page = models.ForeignKey(
        FrontPage, on_delete=models.CASCADE, related_name="featured"
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="story",
        help_text="Shown once live; until then the slot is skipped.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first."
    )

    class Meta:
        verbose_name = "featured story"
        verbose_name_plural = "featured stories"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["front_page", "article"],
                name="featured_story_once",
                violation_error_message="This story is already featured.",
            )
        ]

    def __str__(self) -> str:
        return f"Featured: {self.article}"


class ImportJob(models.Model):
    """An import from the admin too large to finish during the upload: the task
    worker imports its files, and its progress and report stay here for the
    editor who started it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the task worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped by an error"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Saved with each save of the counts: a running job that stops moving has
    # lost its worker (killed, restarted, out of memory).
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    # How to import, as the editor chose on the import page.
    import_as = models.CharField(
        max_length=16, choices=Article.Status, default=Article.Status.DRAFT
    )
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField("go-live time", null=True, blank=True)
    confirm_entities = models.BooleanField(default=False)
    byline = models.CharField(
        max_length=200, blank=True, help_text="For stories whose file has none."
    )
    # The thread chosen, or the title of a new one to start.
    thread = models.ForeignKey(
        "articles.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    new_thread = models.CharField(max_length=200, blank=True)
    file_names = models.JSONField(default=list)
    total_bytes = models.PositiveBigIntegerField(default=0)
    # So far while it runs, in the end the whole import's.
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, help_text="One entry per story or rejected file (Outcome.as_row)."
    )
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        names = ", ".join(self.file_names[:3])
        more = len(self.file_names) - 3
        return names + (f" and {more} more" if more > 0 else "")

    # A running job saves its progress every second or so; one silent for this
    # long has lost its worker.
    STALLED_AFTER = datetime.timedelta(minutes=5)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Running, but its worker stopped saving progress: killed or gone."""
        last = self.progress_at or self.started_at
        return (
            self.status == self.Status.RUNNING
            and last is not None
            and last < timezone.now() - self.STALLED_AFTER
        )

    @property
    def can_retry(self) -> bool:
        """Whether its files can be imported again: it failed or stalled (its
        files are kept until it has finished)."""
        return self.status == self.Status.FAILED or self.is_stalled


class ImportJobFile(models.Model):
    """One uploaded file of an import job, kept in the database (so a worker on
    another machine can read it) until the job has imported it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


def preview_link_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.PREVIEW_LINK_DAYS)


def preview_link_token() -> str:
    return secrets.token_urlsafe(32)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self, now: datetime.datetime | None = None) -> PreviewLinkQuerySet:
        """Links that still open their preview: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class PreviewLink(models.Model):
    """A secret address at which anyone who has it can read a story before it
    is published, until it expires or an editor revokes it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="preview_links"
    )
    revision = models.ForeignKey(
        "articles.Revision",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="preview_links",
        help_text="Unpublished changes to a live story: the link shows this "
        "revision, not the story as readers see it.",
    )
    token = models.CharField(
        max_length=64, unique=True, default=preview_link_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=preview_link_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Preview of {self.article}"

    def get_absolute_url(self) -> str:
        return reverse("articles:shared_preview", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class PublicChangeQuerySet(models.QuerySet):
    def note(self, *scopes: str) -> None:
        """Record that what partners can see of `scopes` (PublicChange.Scope)
        changed now: at once, so that the record commits with the change, and
        again when the current transaction commits, so that the time is no
        earlier than the moment the change became visible. Called where the
        page cache is told (articles.caching, entities.caching). Inside a
        transaction the scopes' rows stay locked until it ends: a second
        transaction changing public things waits for the first."""
        scopes = sorted(set(scopes))
        if not scopes:
            return
        self._write(scopes)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: self._write(scopes))

    def _write(self, scopes: Iterable[str]) -> None:
        now = timezone.now()
        if rows := [
            PublicChange(scope=scope, changed_at=now) for scope in sorted(scopes)
        ]:
            self.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["scope"],
                update_fields=["changed_at"],
            )

    def recorded(self, *scopes: str) -> datetime.datetime | None:
        """The last recorded change (`note`) of any of `scopes`. One query."""
        return self.filter(scope__in=scopes).aggregate(latest=models.Max("changed_at"))[
            "latest"
        ]

    def last_changed(self, *scopes: str) -> datetime.datetime | None:
        """The last time partners could see anything of `scopes` change: the
        recorded time (`note`), or a story going live at its scheduled time or
        expiring since, which no write records. One query (two only before
        anything was ever recorded), reading index ends only."""
        now = timezone.now()
        published = Article.objects.order_by().published(now)
        timed = {
            "went_live": models.Subquery(
                published.order_by("-go_live_at").values("go_live_at")[:1]
            ),
            "expired": models.Subquery(
                Article.objects.order_by()
                .expired(now)
                .order_by("-expire_at")
                .values("expire_at")[:1]
            ),
        }
        row = (
            self.filter(scope__in=scopes)
            .order_by("-changed_at")
            .annotate(**timed)
            .values("changed_at", *timed)
            .first()
        )
        if row is None:
            row = Article.objects.order_by().annotate(**timed).values(*timed).first()
        return max(filter(None, (row or {}).values()), default=None)


class PublicChange(models.Model):
    """When partners last saw something change, for each kind of thing the API
    shows (stories, sections, tags, threads, entities, authors): the API's
    Last-Modified. Drafts and unpublished changes never move it."""

    class Scope(models.TextChoices):
        STORIES = "stories", "Stories"
        SECTIONS = "sections", "Sections"
        TAGS = "tags", "Topic tags"
        THREADS = "threads", "Developing stories"
        ENTITIES = "entities", "Entities"
        AUTHORS = "authors", "Authors"

    scope = models.CharField(max_length=16, choices=Scope, unique=True)
    changed_at = models.DateTimeField()

    objects = PublicChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "public change"

    def __str__(self) -> str:
        return f"{self.get_scope_display()} changed {format_time(self.changed_at)}"


class Revision(models.Model):
    """The story as one save left it: its text, credits and tags, with a
    snapshot of its entities and related-story picks. Kept for every save, so
    the history can show what changed and bring any version back.

    For a live story a save is *staged*: the revision waits, unseen by readers,
    as the story's `staged_revision` until an editor publishes it
    (`articles.revisions`).
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(help_text="1 for a story's first revision.")
    content = models.JSONField(
        help_text="Field values by name (foreign keys as ids), `tags` as names, "
        "`entities` and `related` as snapshots (articles.revisions.content_of)."
    )
    changed = models.JSONField(
        default=list,
        blank=True,
        help_text="The names in `content` that differ from the revision before.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When readers first saw this revision; empty for one never live.",
    )
    go_live_at = models.DateTimeField(
        "publish changes at",
        null=True,
        blank=True,
        help_text="For staged changes scheduled to go live later.",
    )

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="revision_number_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["go_live_at"],
                name="revision_scheduled",
                condition=models.Q(go_live_at__isnull=False, published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.article}"

    @property
    def headline(self) -> str:
        return self.content.get("headline", "")


class AuditEvent(models.Model):
    """Who did what to which story, and when: publications, withdrawals,
    schedules, restores, deletions and editorial decisions. Kept when the story
    or the user is deleted (their names stay)."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "published"
        SCHEDULED = "scheduled", "scheduled"
        WITHDREW = "withdrew", "withdrew"
        DELETED = "deleted", "deleted"
        SUBMITTED = "submitted", "submitted for review"
        PUBLISHED_CHANGES = "published-changes", "published changes"
        SCHEDULED_CHANGES = "scheduled-changes", "scheduled changes"
        DISCARDED_CHANGES = "discarded-changes", "discarded unpublished changes"
        RESTORED = "restored", "restored a revision"
        IMPORTED = "imported", "imported"
        CONFIRMED_ENTITY = "confirmed-entity", "confirmed an entity"
        REJECTED_ENTITY = "rejected-entity", "rejected an entity"
        CREATED_ENTITY = "created-entity", "created an entity"
        DISMISSED_CANDIDATE = "dismissed-candidate", "dismissed a name"
        PINNED = "pinned", "pinned a related story"
        EXCLUDED = "excluded", "excluded a related story"
        SHARED_PREVIEW = "shared-preview", "made a preview link"
        REVOKED_PREVIEW = "revoked-preview", "revoked a preview link"
        CORRECTED = "corrected", "added a correction"
        EMBARGOED = "embargoed", "gave partners the story early (embargo)"
        EMBARGO_CHANGED = "embargo-changed", "changed who has the story early"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action)
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name="story",
    )
    headline = models.CharField(
        max_length=300, help_text="The story's headline then (kept after deletion)."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user_name = models.CharField(
        "by",
        max_length=150,
        blank=True,
        help_text="Their username then; empty for the system (an import command, "
        "the task worker).",
    )
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "audit event"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["article", "-at"], name="audit_per_story"),
        ]

    def __str__(self) -> str:
        who = self.user_name or "system"
        return f"{who} {self.get_action_display()} “{self.headline}”"


class WorkingCopyQuerySet(models.QuerySet):
    @staticmethod
    def _cutoff(now: datetime.datetime | None) -> datetime.datetime:
        return (now or timezone.now()) - datetime.timedelta(
            days=settings.WORKING_COPY_DAYS
        )

    def fresh(self, now: datetime.datetime | None = None) -> WorkingCopyQuerySet:
        """Copies autosaved within WORKING_COPY_DAYS days: the ones offered back."""
        return self.filter(saved_at__gte=self._cutoff(now))

    def stale(self, now: datetime.datetime | None = None) -> WorkingCopyQuerySet:
        """Copies not autosaved for WORKING_COPY_DAYS days: no longer offered,
        and pruned by the next autosave."""
        return self.filter(saved_at__lt=self._cutoff(now))


class WorkingCopy(models.Model):
    """An editor's unsaved edits to a story, autosaved from the open form and
    offered back when they return; theirs alone, never a revision, and gone
    once they save the story or discard it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="working_copies"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(
        help_text="The story form's fields as posted: each key a list of values."
    )
    edit_version = models.PositiveIntegerField(
        help_text="The story's version the form was opened at: a restored form "
        "keeps it, so a save over someone's later changes is refused."
    )
    saved_at = models.DateTimeField(default=timezone.now)

    objects = WorkingCopyQuerySet.as_manager()

    class Meta:
        verbose_name = "working copy"
        verbose_name_plural = "working copies"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="working_copy_per_editor"
            )
        ]
        indexes = [models.Index(fields=["saved_at"], name="working_copy_saved_at")]

    def __str__(self) -> str:
        return f"{self.user}'s working copy of {self.article}"


class DeletedArticleQuerySet(models.QuerySet):
    def changes(self) -> DeletedArticleQuerySet:
        """The deletions in the partners' change feed, oldest first, annotated
        with `changed_at` as `ArticleQuerySet.changes` annotates stories."""
        return self.annotate(changed_at=models.F("deleted_at")).order_by(
            "changed_at", "pk"
        )


class DeletedArticle(models.Model):
    """A tombstone: a story that readers saw once and an editor then deleted.

    Partners' mirrors learn of the deletion from it (the change feed, the
    "deleted" webhook). Left by `articles.tombstones` when such a story is
    deleted by any path; drafts and stories never public leave none."""

    # The deleted story's own id: ids are never reused, so it names the story
    # in the change feed as it did while the story existed.
    id = models.BigIntegerField("story id", primary_key=True)
    uri = models.CharField(max_length=200, help_text="The story's URI in the API.")
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = DeletedArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "deleted story"
        verbose_name_plural = "deleted stories"
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"{self.uri}, deleted {format_time(self.deleted_at)}"
