"""Ranked full-text matching straight on SQLite's FTS5 index, for the embedded default.

Wagtail's SQLite backend orders by relevance with a correlated subquery that runs the
MATCH again for every matching row: fine for hundreds of articles, seconds for a common
word at 100,000. Here one FTS5 query ranks with bm25() and the page filters (live,
public, section, dates) join in as one subquery: milliseconds at 100,000 articles
(bench/discovery.py). The index stays Wagtail's: Wagtail builds and updates it, we only
read it. Other backends (PostgreSQL, OpenSearch) go through Wagtail's search as before.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from wagtail.search.backends import get_search_backend

# bm25() weights per FTS5 column, in the table's order: autocomplete, body, title.
WEIGHTS = "0.0, 1.0, 3.0"


def available() -> bool:
    """True where Wagtail's backend is SQLite FTS5 (not its LIKE fallback)."""
    if connection.vendor != "sqlite":
        return False
    from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

    return isinstance(get_search_backend(), SQLiteSearchBackend)


def match_expression(words: list[str], any_word: bool) -> str:
    """An FTS5 query over title and body. Words are \\w+ runs, so quoting is all the
    escaping needed: no FTS5 operator can come from a reader."""
    joiner = " OR " if any_word else " AND "
    return "{title body} : (" + joiner.join(f'"{word}"' for word in words) + ")"


class RankedArticles:
    """Articles of `queryset` matching `words`, best first.

    Counts and slices like a queryset, so Django's Paginator and the API page it; each
    slice is one ranked query for the ids, then one for the pages themselves.
    """

    def __init__(self, words: list[str], queryset: QuerySet, any_word: bool = False):
        from wagtail.search.models import IndexEntry

        self.queryset = queryset
        self.match = match_expression(words, any_word)
        self.content_type = ContentType.objects.get_for_model(queryset.model).pk
        entries = IndexEntry._meta.db_table
        within, self.within_params = queryset.order_by().values("pk").query.sql_with_params()
        # CROSS JOIN makes SQLite read the FTS matches first and look up their entries;
        # left to itself it scans every entry of the content type and probes the index
        # for each (a second at 100,000 articles instead of milliseconds).
        self.from_where = (
            f"FROM {entries}_fts f CROSS JOIN {entries} e ON f.rowid = e.id "
            f"WHERE {entries}_fts MATCH %s AND e.content_type_id = %s "
            f"AND CAST(e.object_id AS INTEGER) IN ({within})"
        )
        self.rank = f"bm25({entries}_fts, {WEIGHTS})"
        self._count: int | None = None

    def _params(self) -> list:
        return [self.match, self.content_type, *self.within_params]

    def count(self) -> int:
        if self._count is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) {self.from_where}", self._params())
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def ids(self, limit: int, offset: int = 0) -> list[int]:
        sql = (
            f"SELECT CAST(e.object_id AS INTEGER) {self.from_where} "
            f"ORDER BY {self.rank}, CAST(e.object_id AS INTEGER) DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self._params(), limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("Ranked results are read by slices.")
        start = item.start or 0
        stop = item.stop if item.stop is not None else self.count()
        if stop <= start:
            return []
        ids = self.ids(stop - start, start)
        pages = {page.pk: page for page in self.queryset.filter(pk__in=ids)}
        return [pages[pk] for pk in ids if pk in pages]
