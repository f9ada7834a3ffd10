"""What a newsroom publishes: the home page, sections, articles and the people behind them.

The page tree is Home → Section → Article, as a newspaper is laid out; an article's
section is its parent page, so moving a story between sections is a move in the admin,
not a field to keep in step.
"""

from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, TitleFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtail.url_routing import RouteResult

from broadsheet import fragmentcache, pagecache
from broadsheet.newsroom.article_form import ArticlePageForm
from broadsheet.newsroom.blocks import ArticleBodyBlock
from broadsheet.newsroom.canonical import LEAD_IMAGE_RENDITION, canonical_url
from broadsheet.newsroom.figures import Figure, Provenance
from broadsheet.newsroom.panels import WhatReadersSeePanel
from broadsheet.newsroom.plain_text import collapse_whitespace, html_to_paragraphs, join_paragraphs
from broadsheet.newsroom.storage import rendition_or_original

# URL prefixes served by Django views or other apps beside the page tree; a section
# with one of these slugs would be unreachable.
RESERVED_SLUGS = frozenset(
    {"accounts", "admin", "api", "authors", "comments", "documents", "feed", "media"}
    | {"ratings", "search", "static", "tags", "notifications", "privacy", "healthz", "live"}
)


@register_snippet
class Author(index.Indexed, models.Model):
    """A byline. A snippet, not a user: contributors and agencies write without accounts.
    An editor's own byline is linked to their account (`user`), so an article they leave
    without authors is signed by them (see ArticlePageForm)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Climate correspondent")
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        editable=False,
        help_text="The newsroom account this byline belongs to, if any.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("photo"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", kwargs={"slug": self.slug})

    @classmethod
    def for_account(cls, user) -> "Author":
        """The byline of an editor's own account: the Author linked to it, made from the
        account's name (or username) the first time, under a free slug. One Author per
        account (Author.user is unique), even when two saves make it at once."""
        author = cls.objects.filter(user=user).first()
        if author is not None:
            return author
        name = (user.get_full_name() or user.get_username()).strip()[:200]
        base = slugify(name)[:190] or f"author-{user.pk}"
        for _attempt in range(3):
            slug, n = base, 1
            while cls.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            try:
                with transaction.atomic():
                    return cls.objects.create(user=user, name=name, slug=slug)
            except IntegrityError:
                # Another request made this account's Author, or took the slug, meanwhile.
                author = cls.objects.filter(user=user).first()
                if author is not None:
                    return author
        raise IntegrityError(f"no free slug for the author {name!r}")


@register_snippet
class SupportCallToAction(models.Model):
    """The publication's appeal for support (membership, donations), chosen per section."""

    text = models.CharField(max_length=300, help_text="e.g. Independent journalism needs you.")
    label = models.CharField(max_length=80, help_text="Button text, e.g. Become a member")
    link = models.URLField()

    panels = [FieldPanel("text"), FieldPanel("label"), FieldPanel("link")]

    class Meta:
        verbose_name = "support call-to-action"
        verbose_name_plural = "support calls-to-action"

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


@register_setting(icon="site")
class PublicationSettings(BaseSiteSetting):
    """Who publishes this site: named in bylines' structured data and in search results."""

    name = models.CharField(max_length=200, default="Broadsheet")
    tagline = models.CharField(max_length=300, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_support_cta = models.ForeignKey(
        SupportCallToAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown on articles whose section chooses none.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("tagline"),
        FieldPanel("logo"),
        FieldPanel("default_support_cta"),
    ]

    class Meta:
        verbose_name = "publication"


def old_link_redirect(request) -> HttpResponse | None:
    """A front-page address with a query string that the redirects table knows (an
    imported WordPress post's `/?p=123`): a 301 to where it moved. Wagtail's redirect
    middleware looks only at 404s, and the front page answers any query string."""
    from wagtail.contrib.redirects.middleware import get_redirect
    from wagtail.contrib.redirects.models import Redirect

    path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
    redirect = get_redirect(request, path)
    if redirect is None or redirect.link is None:
        return None
    if redirect.is_permanent:
        return HttpResponsePermanentRedirect(redirect.link)
    return HttpResponseRedirect(redirect.link)


class KeptRoute:
    """For pages HomePage.route may find by a route kept between requests: such a page
    had no view restriction, on itself or above, when its route was kept, and any
    restriction added since has retired the route (broadsheet/fragmentcache.py), so
    Wagtail need not look again (two queries a request)."""

    def get_view_restrictions(self):
        if getattr(self, "_unrestricted", False):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class HomePage(Page):
    """The front page: a lead story, then the latest articles of each section."""

    lead_article = models.ForeignKey(
        "newsroom.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "The story at the top. Empty: the newest news story leads (an opinion "
            "column's piece leads only when chosen here)."
        ),
    )

    content_panels = [*Page.content_panels, FieldPanel("lead_article")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["newsroom.SectionPage", "newsroom.ArticlePage"]
    max_count_per_parent = 1

    template = "newsroom/home_page.html"

    def route(self, request, path_components):
        """Wagtail's routing (a query for each step down the path, one for the page's
        type, two for its view restrictions), with where each path led kept between
        requests (broadsheet/fragmentcache.py: any page saved, moved or deleted, or any
        view restriction changed, retires every kept route). A kept route reads only
        the page. Routes to restricted pages, or that carry arguments, are not kept."""
        if not path_components:
            return super().route(request, path_components)
        key = ("route", self.pk, *path_components)
        found, target = fragmentcache.recall(request, key)
        if found:
            model, pk = target
            page = model.objects.filter(pk=pk, live=True).first()
            if page is not None and page.url_path == self._url_path_of(path_components):
                page._unrestricted = True
                return RouteResult(page)
        result = super().route(request, path_components)
        page, args, kwargs = result
        if (
            isinstance(page, KeptRoute)
            and not args
            and not kwargs
            and page.url_path == self._url_path_of(path_components)
            and not page.get_view_restrictions().exists()
        ):
            fragmentcache.keep(request, key, (type(page), page.pk))
        return result

    def _url_path_of(self, path_components) -> str:
        return f"{self.url_path}{'/'.join(path_components)}/"

    def serve(self, request, *args, **kwargs):
        if request.GET:
            moved = old_link_redirect(request)
            if moved is not None:
                return moved
        return pagecache.depends_on_listings(super().serve(request, *args, **kwargs), "home")


class SectionPage(KeptRoute, Page):
    """A desk of the newsroom (World, Politics) or a column, whose articles carry a disclaimer."""

    intro = models.TextField(blank=True)
    is_column = models.BooleanField(
        default=False,
        help_text="Opinion column: its articles are marked as opinion and show the disclaimer.",
    )
    disclaimer = models.TextField(blank=True, help_text="Shown under each article of this column.")
    support_cta = models.ForeignKey(
        SupportCallToAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="support call-to-action",
    )
    ratings_enabled = models.BooleanField(
        default=True, help_text="Readers may rate this section's articles (1 to 5 stars)."
    )
    comments_mode = models.CharField(
        "comments",
        max_length=12,
        choices=[
            ("open", "Open"),
            ("premoderated", "Pre-moderated: every comment is held for review"),
            ("closed", "Closed"),
        ],
        default="open",
        help_text="For every article of this section (an article can still close its own).",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("is_column"), FieldPanel("disclaimer")], heading="Column"),
        FieldPanel("support_cta"),
        FieldPanel("ratings_enabled"),
        FieldPanel("comments_mode"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.ArticlePage"]

    template = "newsroom/section_page.html"

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is reserved for another part of the site."}
            )
        if self.is_column and not self.disclaimer.strip():
            raise ValidationError({"disclaimer": "A column needs its disclaimer."})

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        return pagecache.depends_on_listings(response, f"section-{self.pk}")


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(KeptRoute, Page):
    """A story. Its headline is the page title; its section is its parent page."""

    standfirst = models.TextField(
        blank=True, help_text="The one or two sentences under the headline."
    )
    updated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the story changed materially; shown as “Updated …”.",
    )
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    lead_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_image_caption = models.CharField("caption", max_length=500, blank=True)
    lead_image_credit = models.CharField(
        "credit", max_length=200, blank=True, help_text="e.g. Jane Doe/Agency"
    )
    lead_image_source = models.CharField(
        "source", max_length=200, blank=True, help_text="Who supplied it, e.g. a ministry."
    )
    lead_image_provenance = models.CharField(
        "kind of source", max_length=20, choices=Provenance.choices, default=Provenance.STAFF
    )
    lead_image_verified = models.BooleanField(
        "verified by the newsroom",
        default=True,
        help_text="Untick when the newsroom could not independently verify the picture's "
        "authenticity, content, location or date: readers are told so.",
    )
    lead_image_usage_restriction = models.CharField(
        "usage restriction", max_length=200, blank=True, help_text="e.g. Editorial use only"
    )

    body = StreamField(ArticleBodyBlock(), blank=True)
    support_cta = models.ForeignKey(
        SupportCallToAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="support call-to-action",
        help_text="Leave empty for the section's (or the publication's), named below.",
    )
    comments_open = models.BooleanField(default=True)
    rating_enabled = models.BooleanField(
        default=True, help_text="Readers may rate this article (if its section allows it)."
    )

    content_panels = [
        # Fills the slug from the headline as the editor types: a first Publish never
        # fails on an empty slug shown only on the Promote tab.
        TitleFieldPanel("title", heading="Headline", placeholder="Headline*"),
        FieldPanel("standfirst"),
        InlinePanel(
            "article_authors",
            heading="Authors",
            label="Author",
            help_text="In byline order. Left empty, the article is signed by you.",
        ),
        MultiFieldPanel(
            [
                FieldPanel("lead_image"),
                FieldPanel("lead_image_caption"),
                FieldPanel("lead_image_credit"),
                FieldPanel("lead_image_source"),
                FieldPanel("lead_image_provenance"),
                FieldPanel("lead_image_verified"),
                FieldPanel("lead_image_usage_restriction"),
            ],
            heading="Lead image",
        ),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [FieldPanel("support_cta"), WhatReadersSeePanel()],
            heading="Under the article",
        ),
        InlinePanel("corrections", heading="Corrections", label="Correction"),
        InlinePanel("related_picks", heading="Related articles (editor's picks)", label="Pick"),
    ]
    settings_panels = [
        *Page.settings_panels,
        FieldPanel("updated_at"),
        FieldPanel("comments_open"),
        FieldPanel("rating_enabled"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.FilterField("first_published_at"),
    ]
    parent_page_types = ["newsroom.SectionPage", "newsroom.HomePage"]
    subpage_types: list[str] = []
    base_form_class = ArticlePageForm
    # Readers may comment on articles (see broadsheet.engagement.services.comments_state).
    accepts_comments = True

    template = "newsroom/article_page.html"

    @cached_property
    def section(self) -> "SectionPage | None":
        """The parent section, or None for a story placed directly on the home page."""
        parent_path = self.path[: -self.steplen]
        return SectionPage.objects.filter(path=parent_path).first()

    def clean(self):
        super().clean()
        if self.slug == "feed":
            raise ValidationError({"slug": "“feed” is reserved for the section's feed."})
        if self.lead_image is not None and not (self.lead_image.description or "").strip():
            raise ValidationError(
                {
                    "lead_image": "This picture has no alt text yet: add it (Images › edit) "
                    "so readers who cannot see it know what it shows."
                }
            )

    @property
    def accepts_ratings(self) -> bool:
        """Read by broadsheet.engagement: ratings need the article and its section to allow them."""
        return self.rating_enabled and (self.section is None or self.section.ratings_enabled)

    @cached_property
    def authors(self) -> list[Author]:
        """In byline order; one query, reused by the byline, the cards and the JSON-LD."""
        links = self.article_authors.all()
        if "article_authors" not in getattr(self, "_prefetched_objects_cache", {}):
            links = links.select_related("author")
        return [link.author for link in links]

    def author_account_ids(self) -> set[int]:
        """Read by broadsheet.engagement: the accounts whose comments here carry the
        "Author" badge, those of the bylines (Author.user, set for an editor's own
        byline by Author.for_account). By account, so a reader who types an author's
        name earns nothing; reuses the byline's query."""
        return {author.user_id for author in self.authors if author.user_id}

    @cached_property
    def tag_list(self) -> list:
        return list(self.tags.all())

    @property
    def is_opinion(self) -> bool:
        return bool(self.section and self.section.is_column)

    @property
    def lead_figure(self) -> Figure | None:
        if self.lead_image is None:
            return None
        return Figure(
            image=self.lead_image,
            caption=self.lead_image_caption,
            credit=self.lead_image_credit,
            source=self.lead_image_source,
            provenance=self.lead_image_provenance,
            usage_restriction=self.lead_image_usage_restriction,
            verified=self.lead_image_verified,
        )

    def plain_text(self) -> str:
        """The body as readers read it, without markup; see `plain_text` for the contract."""
        paragraphs: list[str] = []
        for block in self.body:
            if block.block_type == "paragraph":
                paragraphs.extend(html_to_paragraphs(block.value.source))
            elif block.block_type == "heading":
                paragraphs.append(block.value)
            elif block.block_type == "quote":
                paragraphs.append(block.value["quote"])
        return join_paragraphs(paragraphs)

    @property
    def summary(self) -> str:
        """Standfirst, or the opening of the body: what a card or a search result shows."""
        if self.standfirst:
            return collapse_whitespace(self.standfirst)
        text = self.plain_text().split("\n\n", 1)[0]
        return text if len(text) <= 240 else text[:239].rsplit(" ", 1)[0] + "…"

    def what_readers_see(self, parent, request) -> dict:
        """For the edit form's panel: the call-to-action and column disclaimer this article
        will show under `parent`, and where the call-to-action comes from."""
        specific = getattr(parent, "specific", None)
        section = specific if isinstance(specific, SectionPage) else None
        cta, origin = self.support_cta, "chosen for this article"
        if cta is None and section is not None and section.support_cta_id:
            cta, origin = section.support_cta, f"from the section {section.title}"
        if cta is None:
            cta = PublicationSettings.for_request(request).default_support_cta
            origin = "the publication's default"
        disclaimer = section.disclaimer if section and section.is_column else ""
        return {"cta": cta, "cta_origin": origin, "section": section, "disclaimer": disclaimer}

    def give_byline_to(self, user) -> None:
        """A new article with no author is the editor's own: a byline nobody typed is
        theirs (docs/editorial.md). Saved with the article's next commit."""
        self.article_authors.add(ArticleAuthor(author=Author.for_account(user), sort_order=0))

    def call_to_action(self, request) -> SupportCallToAction | None:
        """The article's own call-to-action, else its section's, else the publication's."""
        if self.support_cta_id:
            return self.support_cta
        if self.section and self.section.support_cta_id:
            return self.section.support_cta
        return PublicationSettings.for_request(request).default_support_cta

    def serve(self, request, *args, **kwargs):
        return pagecache.depends_on_page(super().serve(request, *args, **kwargs), self.pk)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Read only if the template asks: the parts that show them are usually kept
        # between renders (broadsheet/fragmentcache.py), and then nobody asks.
        context["support_cta"] = SimpleLazyObject(lambda: self.call_to_action(request))
        if self.lead_image_id:
            context["share_image_url"] = lazy(self._share_image_url, str)(request)
        return context

    def _share_image_url(self, request) -> str:
        rendition = rendition_or_original(self.lead_image, LEAD_IMAGE_RENDITION)
        return canonical_url(request, rendition.url)


class ArticleAuthor(Orderable):
    """Which authors wrote an article, in byline order."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="article_links")

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["page", "author"], name="unique_author_per_article")
        ]


class Correction(Orderable):
    """A published correction: readers see the log, in the order editors keep, under the story."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="corrections")
    published_at = models.DateTimeField()
    text = models.TextField()

    panels = [FieldPanel("published_at"), FieldPanel("text")]


class RelatedArticlePick(Orderable):
    """An editor's hand-picked related story; shown before any computed suggestions."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_picks")
    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("article")]
