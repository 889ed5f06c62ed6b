"""Choices shared with other apps, kept apart from `articles.models` so that code
which only needs the vocabulary (the pure scoring in `related.scoring`) does not
import the models."""

from __future__ import annotations

from django.db import models


class Relevance(models.TextChoices):
    """How central an entity is to a story: the story is about it, or only
    mentions it. Used by confirmed links and by the matcher's suggestions."""

    ABOUT = "about", "About"
    MENTIONS = "mentions", "Mentions"
