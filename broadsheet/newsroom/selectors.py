"""Reads that pages and the API share.

Every function here runs a fixed number of queries, whatever the number of articles:
listings fetch authors with one prefetch and sections with one lookup by tree path,
never one query per card.
"""

from collections.abc import Iterable, Sequence

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber, Substr
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction
from wagtail.permission_policies.pages import PagePermissionPolicy

from broadsheet.newsroom.models import ArticleAuthor, ArticlePage, Author, HomePage, SectionPage

PAGE_SIZE = 20


def public(pages: QuerySet) -> QuerySet:
    """`pages.public()` (outside every section behind a view restriction), reading the
    restrictions alone first. Wagtail joins them with every page, which SQLite plans as
    a scan of all pages when there is no restriction (an empty table has no planner
    statistics): 0.65 ms per call at 10,000 pages, twice per article render."""
    restricted = list(PageViewRestriction.objects.values_list("page_id", flat=True))
    if not restricted:
        return pages
    private = Q()
    for page in Page.objects.filter(pk__in=restricted):
        private |= pages.descendant_of_q(page, inclusive=True)
    return pages.exclude(private)


def live_articles() -> QuerySet[ArticlePage]:
    """Published, publicly visible articles, newest first, with what a card shows."""
    return (
        public(ArticlePage.objects.live())
        .select_related("lead_image")
        .prefetch_related(
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            )
        )
        .order_by(F("first_published_at").desc(nulls_last=True), "-pk")
    )


def attach_sections(articles: Iterable[ArticlePage]) -> list[ArticlePage]:
    """Give each article its section in one query (the parent, found by tree path)."""
    articles = list(articles)
    parent_paths = {article.path[: -article.steplen] for article in articles}
    sections = {
        section.path: section for section in SectionPage.objects.filter(path__in=parent_paths)
    }
    for article in articles:
        # Fills ArticlePage.section's cache, so templates don't query per card.
        article.__dict__["section"] = sections.get(article.path[: -article.steplen])
    return articles


def paginate(queryset: QuerySet[ArticlePage], page_number, per_page: int = PAGE_SIZE):
    """A page of articles with sections attached; out-of-range pages clamp, never 404."""
    page: PaginatorPage = Paginator(queryset, per_page).get_page(page_number)
    page.object_list = attach_sections(page.object_list)
    return page


def lead_article(home: HomePage) -> ArticlePage | None:
    """The editor's chosen lead if it is live, else the newest news story: never an
    opinion column's piece, which leads only when an editor chooses it."""
    articles = live_articles().descendant_of(home)
    lead = None
    if home.lead_article_id:
        lead = articles.filter(pk=home.lead_article_id).first()
    if lead is None:
        columns = Q()
        for path in SectionPage.objects.filter(is_column=True).values_list("path", flat=True):
            columns |= Q(path__startswith=path)
        lead = (articles.exclude(columns) if columns else articles).first()
    if lead is not None:
        attach_sections([lead])
    return lead


def sections_with_latest(
    home: HomePage, per_section: int = 4, exclude: ArticlePage | None = None
) -> list[tuple[SectionPage, list[ArticlePage]]]:
    """Each live section of the home page with its newest articles, in two queries.

    A window function numbers the articles within each section, so the database returns
    at most `per_section` per section however many the site has.
    """
    sections = list(public(SectionPage.objects.live()).child_of(home).order_by("path"))
    if not sections:
        return []
    section_path_length = len(sections[0].path)
    articles = (
        live_articles()
        .descendant_of(home)
        .filter(depth=home.depth + 2)
        .annotate(
            section_path=Substr("path", 1, section_path_length),
            rank=Window(
                RowNumber(),
                partition_by=[F("section_path")],
                order_by=[F("first_published_at").desc(nulls_last=True), F("pk").desc()],
            ),
        )
    )
    if exclude is not None:
        articles = articles.exclude(pk=exclude.pk)
    articles = articles.filter(rank__lte=per_section)
    by_section: dict[str, list[ArticlePage]] = {section.path: [] for section in sections}
    for article in articles:
        if article.section_path in by_section:  # not a story under some other page type
            by_section[article.section_path].append(article)
    result = []
    for section in sections:
        for article in by_section[section.path]:
            article.__dict__["section"] = section
        result.append((section, by_section[section.path]))
    return result


def articles_in_section(section: SectionPage) -> QuerySet[ArticlePage]:
    return live_articles().child_of(section)


def articles_by_author(author: Author) -> QuerySet[ArticlePage]:
    return live_articles().filter(article_authors__author=author)


def articles_with_tag(tag: Tag) -> QuerySet[ArticlePage]:
    return live_articles().filter(tagged_items__tag=tag)


def latest_articles(limit: int, offset: int) -> tuple[int, Sequence[ArticlePage]]:
    """A slice of all live articles, newest first, and how many there are in all."""
    articles = live_articles()
    return articles.count(), attach_sections(articles[offset : offset + limit])


def related_picks(article: ArticlePage) -> list[ArticlePage]:
    """The editor's live picks for an article, in the order they were put."""
    order = {pick.article_id: pick.sort_order or 0 for pick in article.related_picks.all()}
    if not order:
        return []
    picked = live_articles().filter(pk__in=order)
    return attach_sections(sorted(picked, key=lambda a: order[a.pk]))


def section_navigation(home: Page | None) -> list[SectionPage]:
    """The live sections under the site's home page, in the order editors keep in the tree."""
    if home is None:
        return []
    return list(public(SectionPage.objects.live()).child_of(home).order_by("path"))


def sections_to_write_in(user) -> list[SectionPage]:
    """The sections, live or not, under which `user` may add articles, in the tree's
    order: two queries (the user's page permissions, then the sections)."""
    pages = PagePermissionPolicy().instances_user_has_any_permission_for(user, {"add"})
    return list(SectionPage.objects.filter(pk__in=pages.values("pk")).order_by("path"))
