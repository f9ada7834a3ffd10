from django.urls import path

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.discovery import sitemaps, views
from broadsheet.discovery.feeds import (
    ArticleFeed,
    AuthorFeed,
    CommentsFeed,
    SectionFeed,
    TagFeed,
    atom,
)

app_name = "discovery"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-articles-<int:number>.xml", sitemaps.articles, name="sitemap-articles"),
    # sitemap-sections.xml, sitemap-authors.xml; Django's index names the parts by this.
    path("sitemap-<slug:section>.xml", sitemaps.part, name="sitemap-part"),
    path("news-sitemap.xml", sitemaps.news, name="news-sitemap"),
    path("robots.txt", sitemaps.robots, name="robots"),
    path("feed/", ArticleFeed(), name="feed"),
    path("feed/atom/", atom(ArticleFeed)(), name="feed-atom"),
    path("feed/comments/<id:article_id>/", CommentsFeed(), name="comments-feed"),
    path("feed/comments/<id:article_id>/atom/", atom(CommentsFeed)(), name="comments-feed-atom"),
    path("authors/<slug:slug>/feed/", AuthorFeed(), name="author-feed"),
    path("authors/<slug:slug>/feed/atom/", atom(AuthorFeed)(), name="author-feed-atom"),
    path("tags/<slug:slug>/feed/", TagFeed(), name="tag-feed"),
    path("tags/<slug:slug>/feed/atom/", atom(TagFeed)(), name="tag-feed-atom"),
    # Under each section: /world/feed/ (so an article may not be called "feed").
    path("<slug:slug>/feed/", SectionFeed(), name="section-feed"),
    path("<slug:slug>/feed/atom/", atom(SectionFeed)(), name="section-feed-atom"),
]
