"""Site search over live articles with Wagtail's search backend (SQLite FTS5 by default,
PostgreSQL full text at scale, OpenSearch/Elasticsearch as configured), plus the
highlighted snippets the database backends don't make themselves."""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from broadsheet.discovery import fulltext
from broadsheet.newsroom import selectors as newsroom
from broadsheet.newsroom.models import ArticlePage, SectionPage
from broadsheet.reader_input import single_line

MAX_QUERY = 200
SNIPPET = 220
WORD = re.compile(r"\w+", re.UNICODE)
log = logging.getLogger(__name__)


class SearchError(ValueError):
    """A query we cannot run, with a message for the reader."""


@dataclass
class Hit:
    article: ArticlePage
    snippet: SafeString


def clean_query(raw: str | None) -> str:
    query = single_line(raw)
    if not query:
        raise SearchError("Type a word or two to search for.")
    if len(query) > MAX_QUERY:
        raise SearchError(f"That is a long search: use at most {MAX_QUERY} characters.")
    if not WORD.search(query):
        raise SearchError("Search for words or numbers; punctuation alone finds nothing.")
    return query


def search_articles(
    raw_query: str,
    section: SectionPage | None = None,
    since: date | None = None,
    until: date | None = None,
):
    """Live articles matching the query, best first; filters before the search."""
    query = clean_query(raw_query)
    articles: QuerySet = newsroom.public(ArticlePage.objects.live())
    if section is not None:
        articles = articles.descendant_of(section)
    if since:
        articles = articles.filter(
            first_published_at__gte=timezone.make_aware(datetime.combine(since, time.min))
        )
    if until:
        articles = articles.filter(
            first_published_at__lte=timezone.make_aware(datetime.combine(until, time.max))
        )
    # Words only: operators and quotes mean different things to each backend (FTS5 fails
    # on a stray "="), and readers of a news site search for words.
    words = WORD.findall(query)
    try:
        if fulltext.available():
            results = fulltext.RankedArticles(words, articles)
        else:
            results = articles.search(" ".join(words), operator="and")
        results.count()  # run it here, where a backend error can still become a message
    except Exception as error:  # a backend that chokes on a query must not become a 500
        log.warning("Search failed for %r: %s", words, error)
        raise SearchError("We could not run that search; try other words.") from error
    return results, query


def snippet(article: ArticlePage, query: str) -> SafeString:
    """The first stretch of the article that holds a query word, with the words marked."""
    terms = {word.lower() for word in WORD.findall(query)}
    text = f"{article.standfirst} {article.plain_text()}".replace("\n\n", " ")
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if lowered.find(term) >= 0]
    start = max(0, min(positions) - 60) if positions else 0
    excerpt = text[start : start + SNIPPET]
    if start > 0:
        excerpt = "…" + excerpt.split(" ", 1)[-1]
    if start + SNIPPET < len(text):
        excerpt = excerpt.rsplit(" ", 1)[0] + "…"
    html = escape(excerpt)
    if terms:
        pattern = re.compile(
            "|".join(re.escape(escape(t)) for t in sorted(terms, key=len, reverse=True)), re.I
        )
        html = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", html)
    return mark_safe(html)  # noqa: S308 - built from escaped text and our own <mark> tags


def hits(results, query: str) -> list[Hit]:
    articles = newsroom.attach_sections(list(results))
    return [Hit(article, snippet(article, query)) for article in articles]
