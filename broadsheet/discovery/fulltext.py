"""Ranked full-text matching straight on Wagtail's database search index.

Wagtail's database backends order by relevance with a correlated subquery per matching
row (SQLite re-runs the FTS5 MATCH for each; PostgreSQL ranks inside a nested query):
fine for hundreds of articles, seconds for a common word at 100,000. Here one query
ranks the matches and the page filters (live, public, section, dates) join in as one
subquery: SQLite FTS5 with bm25(), PostgreSQL with ts_rank over the same tsvector
columns and GIN indexes. The index stays Wagtail's: Wagtail builds and updates it, we
only read it. Other backends (OpenSearch, Elasticsearch, SQLite without FTS5) go through
Wagtail's search as before. bench/discovery.py has the figures.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from wagtail.search.backends import get_search_backend

# bm25() weights per FTS5 column, in the table's order: autocomplete, body, title.
SQLITE_WEIGHTS = "0.0, 1.0, 3.0"
TITLE_WEIGHT = 3  # PostgreSQL: a title match counts three times a body match


def _backend():
    return get_search_backend()


def available() -> bool:
    """True where Wagtail's backend is SQLite FTS5 or PostgreSQL full text."""
    backend = _backend()
    if connection.vendor == "sqlite":
        from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

        return isinstance(backend, SQLiteSearchBackend)
    if connection.vendor == "postgresql":
        from modelsearch.backends.database.postgres.postgres import PostgresSearchBackend

        return isinstance(backend, PostgresSearchBackend)
    return False


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

    def __init__(
        self, words: list[str], queryset: QuerySet, any_word: bool = False, few: bool = False
    ):
        """`few`: the queryset is small (a date window): on PostgreSQL the query then starts
        from its pages and looks up their index entries, instead of filtering every
        match of common words across the archive (4 s against 0.1 s at 100,000)."""
        from wagtail.search.models import IndexEntry

        self.queryset = queryset
        content_type = ContentType.objects.get_for_model(queryset.model).pk
        entries = IndexEntry._meta.db_table
        within, within_params = queryset.order_by().values("pk").query.sql_with_params()
        if connection.vendor == "postgresql":
            config = _backend().config
            one = "plainto_tsquery(%s::regconfig, %s)" if config else "plainto_tsquery(%s)"
            per_word = [[config, w] if config else [w] for w in words]
            if any_word:  # tsquery's || is OR
                tsquery = " || ".join([one] * len(words))
                query_params = [p for params in per_word for p in params]
            else:
                tsquery = one
                query_params = [config, " ".join(words)] if config else [" ".join(words)]
            # Only table names and Django's own SQL are formatted in; values are params.
            if few:
                self.from_where = (
                    f"FROM ({within}) w JOIN {entries} e ON e.content_type_id = %s "  # noqa: S608
                    f"AND e.object_id = CAST(w.pk AS varchar), (SELECT {tsquery}) AS q(query) "
                    "WHERE (e.title @@ q.query OR e.body @@ q.query)"
                )
                self.params = [*within_params, content_type, *query_params]
            else:
                self.from_where = (
                    f"FROM {entries} e, (SELECT {tsquery}) AS q(query) "  # noqa: S608
                    "WHERE (e.title @@ q.query OR e.body @@ q.query) AND e.content_type_id = %s "
                    # Compared as integers: casting every page id to text to match
                    # object_id made PostgreSQL hash all 100,000 pages (300 ms a query).
                    f"AND EXISTS (SELECT 1 FROM ({within}) w "
                    "WHERE w.pk = CAST(e.object_id AS integer))"
                )
                self.params = [*query_params, content_type, *within_params]
            self.rank = (
                f"ts_rank(e.title, q.query) * {TITLE_WEIGHT} + ts_rank(e.body, q.query) DESC"
            )
            self.id_column = "CAST(e.object_id AS integer)"
        else:
            # CROSS JOIN makes SQLite read the FTS matches first and look up their
            # entries; left to itself it scans every entry of the content type and
            # probes the index for each (a second at 100,000 articles instead of ms).
            self.from_where = (
                f"FROM {entries}_fts f CROSS JOIN {entries} e ON f.rowid = e.id "
                f"WHERE {entries}_fts MATCH %s AND e.content_type_id = %s "
                f"AND CAST(e.object_id AS INTEGER) IN ({within})"
            )
            self.params = [match_expression(words, any_word), content_type, *within_params]
            self.rank = f"bm25({entries}_fts, {SQLITE_WEIGHTS})"
            self.id_column = "CAST(e.object_id AS INTEGER)"
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) {self.from_where}", self.params)
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def ids(self, limit: int, offset: int = 0) -> list[int]:
        sql = (
            f"SELECT {self.id_column} {self.from_where} "
            f"ORDER BY {self.rank}, {self.id_column} DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self.params, limit, offset])
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
