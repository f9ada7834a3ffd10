"""Schema.org data for search engines and aggregators, built from the same fields as the page.

Kept in Python rather than hand-written in templates so that it is always valid JSON and
tests can read it as data.
"""

from typing import Any

from django.http import HttpRequest

from broadsheet.newsroom.canonical import LEAD_IMAGE_RENDITION, canonical_url
from broadsheet.newsroom.models import ArticlePage, PublicationSettings
from broadsheet.newsroom.storage import rendition_or_original

__all__ = ["LEAD_IMAGE_RENDITION", "canonical_url"]  # also named here, where feeds look


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _absolute_image_url(request: HttpRequest, image, spec: str = LEAD_IMAGE_RENDITION) -> str:
    return canonical_url(request, rendition_or_original(image, spec).url)


def figure_structured_data(request: HttpRequest, figure) -> dict[str, Any]:
    """An ImageObject saying what the caption says: credit, where the picture came from
    and whether the newsroom verified it, and how it may be used."""
    rendition = rendition_or_original(figure.image, LEAD_IMAGE_RENDITION)
    image: dict[str, Any] = {
        "@type": "ImageObject",
        "url": canonical_url(request, rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "caption": figure.caption,
        "creditText": figure.credit,
        "copyrightNotice": figure.credit or figure.source,
    }
    if figure.source:
        image["sourceOrganization"] = {"@type": "Organization", "name": figure.source}
    if figure.usage_url:
        image["usageInfo"] = figure.usage_url
    description = " ".join(
        filter(
            None,
            [
                f"Source: {figure.kind_label}." if figure.kind_label else "",
                figure.provenance_note,
                "" if figure.usage_url else figure.usage_restriction,
            ],
        )
    )
    if description:
        image["description"] = description
    return {key: value for key, value in image.items() if value not in ("", None)}


def publisher(request: HttpRequest) -> dict[str, Any]:
    settings = PublicationSettings.for_request(request)
    data: dict[str, Any] = {
        "@type": "Organization",
        "name": settings.name,
        "url": canonical_url(request, "/"),
    }
    if settings.logo:
        data["logo"] = {
            "@type": "ImageObject",
            "url": _absolute_image_url(request, settings.logo, "max-600x60"),
        }
    return data


def article_structured_data(article: ArticlePage, request: HttpRequest) -> dict[str, Any]:
    """NewsArticle (OpinionNewsArticle in columns) with authors, body text and image credit."""
    url = article.get_full_url(request)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "OpinionNewsArticle" if article.is_opinion else "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": _iso(article.first_published_at),
        "dateModified": _iso(
            article.updated_at or article.last_published_at or article.first_published_at
        ),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": canonical_url(request, author.get_absolute_url()),
            }
            for author in article.authors
        ],
        "articleBody": article.plain_text(),
        "isAccessibleForFree": True,
        "publisher": publisher(request),
        "keywords": [tag.name for tag in article.tag_list],
    }
    if article.section:
        data["articleSection"] = article.section.title
    figure = article.lead_figure
    if figure:
        data["image"] = figure_structured_data(request, figure)
    return {key: value for key, value in data.items() if value is not None}
