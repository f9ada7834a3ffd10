"""Schema.org data that needs more than one app: the article's NewsArticle (from newsroom)
with its comment count, breadcrumbs and corrections, and the CollectionPage and
ProfilePage data of section and author pages."""

from typing import Any

from django.http import HttpRequest

from broadsheet import fragmentcache
from broadsheet.engagement import selectors as engagement
from broadsheet.engagement.rendering import excerpt
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage, Author, SectionPage
from broadsheet.newsroom.structured_data import (
    article_structured_data,
    canonical_url,
    publisher,
)

LISTED = 20


def _crumb(position: int, name: str, url: str) -> dict[str, Any]:
    return {"@type": "ListItem", "position": position, "name": name, "item": url}


def breadcrumbs(request: HttpRequest, trail: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [_crumb(n, name, url) for n, (name, url) in enumerate(trail, 1)],
    }


def article(article: ArticlePage, request: HttpRequest) -> dict[str, Any]:
    """The article's NewsArticle: what the newsroom wrote (kept between renders, see
    broadsheet/fragmentcache.py), then what its readers did (the comment count and the
    editors' picks, read each time)."""
    written, corrections = fragmentcache.remember(
        request,
        ("article-json-ld", fragmentcache.site_key(request), article.pk),
        lambda: article_as_written(article, request),
    )
    data = dict(written)  # a copy: the kept one is shared by every render
    discussion = engagement.discussion_of(article)  # the thread's too: read once a render
    data["commentCount"] = discussion.comment_count if discussion else 0
    picked = picked_comments(article, data["url"])
    if picked:
        data["comment"] = picked
    if corrections:
        data["correction"] = corrections
    return data


def article_as_written(
    article: ArticlePage, request: HttpRequest
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The article's NewsArticle without its discussion, and its corrections."""
    data = article_structured_data(article, request)
    trail = [(publisher(request)["name"], canonical_url(request, "/"))]
    if article.section:
        trail.append((article.section.title, article.section.get_full_url(request)))
    trail.append((article.title, data["url"]))
    data["mainEntityOfPage"]["breadcrumb"] = breadcrumbs(request, trail)
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": correction.text,
            "datePublished": correction.published_at.isoformat(),
        }
        for correction in article.corrections.all()
    ]
    return data, corrections


PICKED_TEXT = 2000  # characters of a picked comment's text in the JSON-LD


def picked_comments(article: ArticlePage, url: str) -> list[dict[str, Any]]:
    """The article's `comment` list: the comments its editors picked (the same as the
    strip above the thread), not whatever was posted last. Their authors' badges are
    earned by account (see engagement's mark_voice), so a Person named like the article's
    author is never presented as them."""
    picks = engagement.picks_of(article)  # the same as the strip's: read once a render
    engagement.mark_voice(picks, article, pinned_id=None)  # badges only: no pin here
    found = []
    for comment in picks:
        author: dict[str, Any] = {"@type": "Person", "name": comment.author_name}
        if comment.badge:  # "Author" or "Staff", as the page's badge says
            author["jobTitle"] = comment.badge_label
        found.append(
            {
                "@type": "Comment",
                "url": f"{url}#comment-{comment.pk}",
                "text": excerpt(comment.body_html, PICKED_TEXT),
                "dateCreated": comment.created_at.isoformat(),
                "author": author,
                "upvoteCount": comment.upvotes,
                "downvoteCount": comment.downvotes,
            }
        )
    return found


def _item_list(request, articles) -> dict[str, Any]:
    return {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "url": a.get_full_url(request), "name": a.title}
            for n, a in enumerate(articles, 1)
        ],
    }


def section(section: SectionPage, request: HttpRequest) -> dict[str, Any]:
    url = section.get_full_url(request)
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": section.title,
        "url": url,
        "description": section.intro or section.title,
        "publisher": publisher(request),
        "breadcrumb": breadcrumbs(
            request,
            [(publisher(request)["name"], canonical_url(request, "/")), (section.title, url)],
        ),
        "mainEntity": _item_list(request, newsroom.articles_in_section(section)[:LISTED]),
    }


def author(author: Author, request: HttpRequest) -> dict[str, Any]:
    url = canonical_url(request, author.get_absolute_url())
    person: dict[str, Any] = {"@type": "Person", "name": author.name, "url": url}
    if author.role:
        person["jobTitle"] = author.role
    if author.bio:
        person["description"] = author.bio
    if author.photo:
        person["image"] = canonical_url(request, author.photo.get_rendition("fill-400x400").url)
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "mainEntity": person,
        "hasPart": _item_list(request, newsroom.articles_by_author(author)[:LISTED]),
    }
