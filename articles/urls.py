from __future__ import annotations

from django.urls import path

from articles import feeds, views

app_name = "articles"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed/", feeds.LatestStoriesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestStoriesAtomFeed(), name="atom_feed"),
    path("section/<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path(
        "section/<slug:slug>/feed/atom/",
        feeds.SectionAtomFeed(),
        name="section_atom_feed",
    ),
    path("tag/<str:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("tag/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tag/<str:slug>/feed/atom/", feeds.TagAtomFeed(), name="tag_atom_feed"),
    path("thread/<slug:slug>/", views.ThreadDetailView.as_view(), name="thread"),
    path("thread/<slug:slug>/feed/", feeds.ThreadFeed(), name="thread_feed"),
    path(
        "thread/<slug:slug>/feed/atom/",
        feeds.ThreadAtomFeed(),
        name="thread_atom_feed",
    ),
    path("author/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("author/<slug:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path(
        "author/<slug:slug>/feed/atom/",
        feeds.AuthorAtomFeed(),
        name="author_atom_feed",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_feed"),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path(
        "preview/s/<slug:token>/",
        views.SharedPreviewView.as_view(),
        name="shared_preview",
    ),
    path(
        "<int:year>/<str:month>/<str:day>/<slug:slug>/",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
]
