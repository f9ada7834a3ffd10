"""Import a WordPress export (WXR), with wpDiscuz's votes and ratings, into the newsroom.

What maps to what (docs/migration.md has the table): authors → bylines; categories →
sections (a post's first category is its section, the others become tags); tags → tags;
posts → articles in their WordPress state (published, draft, scheduled, pending review,
private) with their dates; attachments → images with alt text, caption and credit, the
featured image as the lead image; comments → comments in their threads and states, the
address only as the project's keyed hash; wpDiscuz comment votes and article ratings →
imported totals that new votes and ratings add to; every old permalink and `?p=ID` →
a permanent redirect.

The file is read twice as a stream (`wxr_reader`): first authors, terms and attachments
(a featured image may come after its post), then posts and pages. Each item is written
in its own transaction, so a failure leaves no half-imported article or thread; what was
imported is remembered in `ImportedObject` keyed on the export's `wp:base_site_url`, so
a second run updates and never duplicates. Nothing here imports from `migration` back.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Revision, Site

from broadsheet.discovery.tasks import refresh_related_task
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import Comment, RatingSummary
from broadsheet.engagement.rendering import render_comment
from broadsheet.engagement.services import recount
from broadsheet.migration.models import ImportedObject
from broadsheet.migration.php import PhpValueError, unserialize
from broadsheet.migration.report import ImportReport
from broadsheet.migration.wxr_content import ImageRef, comment_text, convert, plain, uploads_path
from broadsheet.migration.wxr_reader import Site as WxrSite
from broadsheet.migration.wxr_reader import WpAuthor, WpComment, WpItem, WpTerm, WxrError, read_wxr
from broadsheet.newsroom.figures import Provenance
from broadsheet.newsroom.models import (
    RESERVED_SLUGS,
    ArticleAuthor,
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
)
from broadsheet.reader_input import clean_text, single_line

POST_STATES = {"publish", "draft", "future", "pending", "private"}
COMMENT_STATES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
SKIPPED_COMMENT_TYPES = {"pingback", "trackback"}
IMAGE_EXTENSIONS = {".gif", ".jpg", ".jpeg", ".png", ".webp", ".avif"}
ZERO_DATE = "0000-00-00 00:00:00"
# What a second run rewrites on a comment it imported before (its place in the thread
# stays as the first run made it).
COMMENT_FIELDS = [
    "user",
    "guest_name",
    "guest_email",
    "guest_url",
    "body",
    "body_html",
    "status",
    "status_reason",
    "created_at",
    "ip_hash",
    "imported_upvotes",
    "imported_downvotes",
]


class Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


def parse_date(gmt: str, local: str = ""):
    """A WordPress date as an aware datetime: the GMT one, else (drafts carry a zero GMT
    date) the site-local one read as UTC; None when neither is a date."""
    for value in (gmt, local):
        if value and value != ZERO_DATE:
            try:
                return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def site_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


class WxrImport:
    """One run of the WordPress import. `run()` returns the ImportReport."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        media_dir: str | os.PathLike | None = None,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
    ):
        self.path = Path(path)
        self.media_dir = Path(media_dir).resolve() if media_dir else None
        self.dry_run = dry_run
        self.progress = progress or (lambda done: None)
        self.report = ImportReport(dry_run=dry_run)
        self.source = ""
        self.home: HomePage | None = None
        self.authors: dict[str, int] = {}  # login → Author id
        # Logins of `wp:author_id` 0: no WordPress user has it; Broadsheet's export writes
        # it for unsigned articles, which come back without a byline.
        self.unsigned: set[str] = set()
        self.users: dict[str, int] = {}  # WordPress user id → our account id, when known
        self.sections: dict[str, int] = {}  # category nicename → SectionPage id
        self.category_names: dict[str, str] = {}  # nicename → name
        self.attachments: dict[str, tuple[int, str, str]] = {}  # wp id → image, caption, credit
        self.attachment_paths: dict[str, str] = {}  # uploads path → wp id
        self.section_paths: dict[int, str] = {}  # SectionPage id → its tree path
        self.tags: dict[str, Tag] = {}  # lower-cased name → Tag, looked up once per run
        # What the current item added to the caches above, taken out again if the item
        # fails: its rows are rolled back, so a later item must not find them cached.
        self.cached_in_item: list[tuple[dict, object]] = []

    # The two passes ------------------------------------------------------------------

    def run(self) -> ImportReport:
        self.home = self._home()
        self.size = self.path.stat().st_size
        # A dry run does everything inside one transaction and rolls it back (and writes
        # no image file); a real run commits each item on its own.
        try:
            with transaction.atomic() if self.dry_run else nullcontext():
                for record in self._records(0):
                    if isinstance(record, WpAuthor):
                        self._each(self.import_author, record, "author", record.login)
                    elif isinstance(record, WpTerm):
                        self._each(self.import_term, record, record.kind, record.slug)
                    elif isinstance(record, WpItem) and record.post_type == "attachment":
                        self._each(self.import_attachment, record, "image", record.wp_id)
                for record in self._records(self.size):
                    if isinstance(record, WpItem) and record.post_type != "attachment":
                        self._each(
                            self.import_item, record, record.post_type or "item", record.wp_id
                        )
                if self.dry_run:
                    raise Rollback
        except Rollback:
            pass
        return self.report

    def _records(self, offset: int) -> Iterator:
        with open(self.path, "rb") as stream:
            for record in read_wxr(stream):
                if isinstance(record, WxrSite):
                    self._site(record)
                    continue
                self.progress(offset + stream.tell())
                yield record

    def _site(self, site: WxrSite) -> None:
        source = site_key(site.base_site_url or site.base_blog_url)
        if not source:
            raise WxrError("not a WordPress export: no wp:base_site_url in the channel")
        if self.source and self.source != source:
            raise WxrError("the export changed its wp:base_site_url between two readings")
        self.source = source
        self.blog_path = urlparse(site.base_blog_url or site.base_site_url).path.rstrip("/")

    def _each(self, action, record, kind: str, ident) -> None:
        """Import one record in its own transaction: a failure is reported and undoes
        only that record (a savepoint inside a dry run's outer transaction)."""
        self.cached_in_item = []
        try:
            with transaction.atomic():
                action(record)
        except (ValidationError, ValueError, PhpValueError) as error:
            self._forget_item()
            message = "; ".join(getattr(error, "messages", [str(error)]))
            self.report.skip(kind, ident or "(no id)", f"malformed item ({message[:200]})")
        except Exception as error:  # noqa: BLE001 - one bad item must not end the import
            self._forget_item()
            reason = f"failed ({type(error).__name__}: {str(error)[:200]})"
            self.report.skip(kind, ident or "(no id)", reason)

    def _cache(self, cache: dict, key, value) -> None:
        """Remember a row for the rest of the run (so later items need no query for it),
        undone if the item that made it fails."""
        if key not in cache:
            self.cached_in_item.append((cache, key))
        cache[key] = value

    def _forget_item(self) -> None:
        for cache, key in self.cached_in_item:
            cache.pop(key, None)
        self.cached_in_item = []

    def _home(self) -> HomePage:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site and isinstance(site.root_page.specific, HomePage):
            return site.root_page.specific
        home = HomePage.objects.first()
        if home is None:
            raise WxrError(
                "there is no home page to import into: "
                "run `broadsheet migrate` and set up the site first"
            )
        return home

    # Mapping -------------------------------------------------------------------------

    def _mapped(self, kind: str, source_id: str) -> ImportedObject | None:
        return ImportedObject.objects.filter(
            source=self.source, kind=kind, source_id=source_id
        ).first()

    def _remember(self, kind: str, source_id: str, obj) -> None:
        ImportedObject.objects.update_or_create(
            source=self.source,
            kind=kind,
            source_id=source_id,
            defaults={"model": obj._meta.label_lower, "object_id": obj.pk},
        )

    def _count(self, kind: str, created: bool) -> None:
        (self.report.create if created else self.report.update)(kind)

    # Authors, sections, tags ---------------------------------------------------------

    def import_author(self, record: WpAuthor) -> None:
        if record.wp_id == "0" and record.login:
            self.unsigned.add(record.login)
            self.report.note(
                "author",
                record.login,
                "author id 0 is no WordPress user (Broadsheet's export names unsigned "
                "articles so): its articles are imported without a byline",
            )
            return
        key = record.wp_id or record.login
        if not key:
            raise ValueError("an author without id or login")
        name = single_line(
            record.display_name or f"{record.first_name} {record.last_name}".strip() or record.login
        )[:200]
        user = None
        if record.email:
            user = get_user_model().objects.filter(email__iexact=record.email).first()
        mapped = self._mapped("author", key)
        author = Author.objects.filter(pk=mapped.object_id).first() if mapped else None
        created = author is None
        if author is None:
            author = Author(name=name, slug=self._free_author_slug(record.login or name))
        author.name = name
        if (
            user is not None
            and author.user_id is None
            and not Author.objects.filter(user=user).exists()
        ):
            author.user = user
        author.save()
        self._remember("author", key, author)
        self._count("author", created)
        self._cache(self.authors, record.login, author.pk)
        if author.user_id and record.wp_id:
            self._cache(self.users, record.wp_id, author.user_id)

    def _free_author_slug(self, base: str) -> str:
        base = slugify(base)[:190] or "author"
        slug, n = base, 1
        while Author.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def import_term(self, record: WpTerm) -> None:
        if record.kind == "tag":
            self._tag(record.name or record.slug, record.wp_id or record.slug)
            return
        key = record.wp_id or record.slug
        if not key or not (record.name or record.slug):
            raise ValueError("a category without id, slug or name")
        title = single_line(record.name or record.slug)[:255]
        mapped = self._mapped("section", key)
        section = SectionPage.objects.filter(pk=mapped.object_id).first() if mapped else None
        created = section is None
        if section is None:
            section = SectionPage(
                title=title, slug=self._free_slug(self.home, record.slug or title, RESERVED_SLUGS)
            )
            self.home.add_child(instance=section)
        elif section.title != title:
            section.title = title
            section.save()
        self._remember("section", key, section)
        self._count("section", created)
        self._cache(self.sections, record.slug, section.pk)
        self._cache(self.section_paths, section.pk, section.path)
        self._cache(self.category_names, record.slug, title)

    def _tag(self, name: str, key: str) -> Tag:
        name = single_line(name)[:100]
        if not name:
            raise ValueError("a tag without a name")
        tag = self.tags.get(name.lower())
        if tag is None:
            tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name, slug=self._free_tag_slug(name))
            self.report.create("tag")
        elif key and self._mapped("tag", key):
            self.report.update("tag")
        if key:
            self._remember("tag", key, tag)
        self._cache(self.tags, name.lower(), tag)
        return tag

    def _free_tag_slug(self, name: str) -> str:
        base = slugify(name, allow_unicode=True)[:90] or "tag"
        slug, n = base, 1
        while Tag.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _free_slug(
        self, parent: Page, wanted: str, reserved=frozenset(), keep: Page | None = None
    ) -> str:
        base = slugify(unquote(wanted or ""), allow_unicode=True)[:200] or "untitled"
        if base in reserved:
            base = f"{base}-section"
        siblings = parent.get_children()
        if keep is not None and keep.pk:
            siblings = siblings.exclude(pk=keep.pk)
        slug, n = base, 1
        while siblings.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    # Attachments ---------------------------------------------------------------------

    def import_attachment(self, item: WpItem) -> None:
        relative = item.meta.get("_wp_attached_file") or uploads_path(item.attachment_url)
        if not relative:
            raise ValueError("an attachment without a file")
        if Path(relative).suffix.lower() not in IMAGE_EXTENSIONS:
            self.report.skip("image", relative, "not an image (other attachments are not imported)")
            return
        self._cache(self.attachment_paths, relative, item.wp_id)
        alt = single_line(item.meta.get("_wp_attachment_image_alt", ""))
        caption = single_line(plain(item.excerpt))[:500]
        credit = self._credit(item.meta.get("_wp_attachment_metadata", ""))
        alt_text = alt or caption or single_line(item.title)
        if not alt:
            self.report.note(
                "image",
                relative,
                "no alt text in WordPress: its caption or title is used, check it",
            )
        mapped = self._mapped("image", item.wp_id)
        Image = get_image_model()
        image = Image.objects.filter(pk=mapped.object_id).first() if mapped else None
        if image is not None:
            image.title = (alt_text or image.title)[:255]
            image.description = alt_text
            image.save(update_fields=["title", "description"])
            self.report.update("image")
        else:
            path = self._media_file(relative)
            if path is None:
                self.report.skip("image", relative, "missing media (not in --media-dir)")
                return
            if self.dry_run:
                self.report.create("image")
                self._cache(self.attachments, item.wp_id, (0, caption, credit))
                return
            with open(path, "rb") as handle:
                image = Image(
                    title=(alt_text or Path(relative).stem)[:255],
                    description=alt_text,
                    file=ImageFile(handle, name=Path(relative).name),
                )
                image.save()
            self._remember("image", item.wp_id, image)
            self.report.create("image")
        self._cache(self.attachments, item.wp_id, (image.pk, caption, credit))

    def _credit(self, metadata: str) -> str:
        """The photographer's credit WordPress read from the file's IPTC/EXIF data, kept
        in the serialized `_wp_attachment_metadata`."""
        if not metadata:
            return ""
        value = unserialize(metadata)
        meta = value.get("image_meta") if isinstance(value, dict) else None
        if not isinstance(meta, dict):
            return ""
        return single_line(str(meta.get("credit") or meta.get("copyright") or ""))[:200]

    def _media_file(self, relative: str) -> Path | None:
        if self.media_dir is None:
            return None
        path = (self.media_dir / relative).resolve()
        if not path.is_relative_to(self.media_dir) or not path.is_file():
            return None
        return path

    def _resolve(self, ref: ImageRef):
        wp_id = ref.attachment_id
        if not wp_id or wp_id not in self.attachments:
            wp_id = self.attachment_paths.get(uploads_path(ref.src), "")
        return self.attachments.get(wp_id)

    # Posts and pages -----------------------------------------------------------------

    def import_item(self, item: WpItem) -> None:
        if not item.wp_id or not item.post_type:
            raise ValueError("an item without wp:post_id or wp:post_type")
        if item.post_type == "page":
            self.report.skip("page", item.wp_id, "pages are not imported (make them in the admin)")
            for comment in item.comments:
                self.report.skip("comment", comment.wp_id, "on a page, which is not imported")
            return
        if item.post_type != "post":
            self.report.skip("item", item.wp_id, f"unknown post type {item.post_type!r}")
            return
        if item.status not in POST_STATES:
            self.report.skip(
                "article", item.wp_id, f"status {item.status or 'none'!r} is not imported"
            )
            return
        self.import_post(item)

    def import_post(self, item: WpItem) -> None:
        categories = [
            (slug, name) for domain, slug, name in item.categories if domain == "category"
        ]
        tag_names = [name or slug for domain, slug, name in item.categories if domain == "post_tag"]
        parent_id, parent_path = self.home.pk, self.home.path
        if categories:
            section_id = self.sections.get(categories[0][0])
            if section_id is None:  # a category the channel did not list
                self.import_term(WpTerm("category", "", categories[0][0], categories[0][1]))
                section_id = self.sections[categories[0][0]]
            parent_id, parent_path = section_id, self.section_paths[section_id]
            tag_names += [name or slug for slug, name in categories[1:]]

        converted = convert(item.content, item.excerpt, self._resolve)
        for note in converted.notes:
            self.report.note("article", item.wp_id, note)
        for missing in converted.missing:
            self.report.note("article", item.wp_id, f"image {missing} not imported: left out")

        date = parse_date(item.post_date_gmt, item.post_date)
        modified = parse_date(item.modified_gmt) or date
        # What earlier runs made of the post, its rating and its comments: one query.
        mapped: dict[str, int] = {}
        mapped_comments: dict[str, int] = {}
        for kind, source_id, object_id in ImportedObject.objects.filter(
            Q(source_id=item.wp_id, kind__in=("article", "rating"))
            | Q(kind="comment", source_id__in=[c.wp_id for c in item.comments if c.wp_id]),
            source=self.source,
        ).values_list("kind", "source_id", "object_id"):
            if kind == "comment":
                mapped_comments[source_id] = object_id
            else:
                mapped[kind] = object_id
        page = None
        if "article" in mapped:
            page = ArticlePage.objects.filter(pk=mapped["article"]).first()
        created = page is None
        if page is None:
            page = ArticlePage(live=False)
        page.title = single_line(plain(item.title))[:255] or f"Untitled ({item.wp_id})"
        page.draft_title = page.title
        page.standfirst = converted.standfirst
        page.body = converted.blocks
        page.comments_open = item.comment_status != "closed"
        self._lead_image(page, item)
        page.article_authors = [
            ArticleAuthor(author_id=self.authors[login]) for login in self._bylines(item)
        ]
        page.tags.set([self._tag(name, "") for name in tag_names if name.strip()])
        self._state(page, item, date, modified)
        if created:  # one save: the page goes into the tree with its state
            # Read fresh, not cached: treebeard places the child from the parent's
            # numchild, which an earlier item that failed may have left wrong in memory.
            parent = Page.objects.get(pk=parent_id)
            page.slug = self._free_slug(parent, item.slug or page.title)
            parent.add_child(instance=page)
        else:
            page.save()
            if page.path[: -page.steplen] != parent_path:
                self.report.note(
                    "article",
                    item.wp_id,
                    "its category changed: left in its section, move it if needed",
                )
        self._revision(page, item, date)
        rated = self._ratings(page, item, already="rating" in mapped)
        self._count("article", created)
        comments = self._comments(page, item, mapped_comments)
        self._remember_post(item.wp_id, page, rated, comments)
        recount(page.pk)  # the page's comment, reply, vote and rating counts, from the rows
        self._redirects(page, item)
        if page.live:
            page_id = page.pk
            transaction.on_commit(lambda: refresh_related_task.enqueue(page_id))

    def _remember_post(
        self, wp_id: str, page: ArticlePage, rating, comments: dict[str, Comment]
    ) -> None:
        """The mappings of the article, its rating summary and its comments in one
        statement, not one per row."""
        rows = [("article", wp_id, page)]
        if rating is not None:
            rows.append(("rating", wp_id, rating))
        rows += [("comment", comment_id, comment) for comment_id, comment in comments.items()]
        ImportedObject.objects.bulk_create(
            [
                ImportedObject(
                    source=self.source,
                    kind=kind,
                    source_id=source_id,
                    model=obj._meta.label_lower,
                    object_id=obj.pk,
                )
                for kind, source_id, obj in rows
            ],
            update_conflicts=True,
            unique_fields=["source", "kind", "source_id"],
            update_fields=["model", "object_id", "imported_at"],
        )

    def _bylines(self, item: WpItem) -> list[str]:
        """The post's author, then the co-authors Broadsheet's export lists as
        `broadsheet_coauthor` meta: logins of imported authors, each once."""
        logins = [item.creator, *item.meta_values.get("broadsheet_coauthor", [])]
        return list(dict.fromkeys(login for login in logins if login in self.authors))

    def _lead_image(self, page: ArticlePage, item: WpItem) -> None:
        found = self.attachments.get(item.meta.get("_thumbnail_id", ""))
        if item.meta.get("_thumbnail_id") and found is None:
            self.report.note(
                "article",
                item.wp_id,
                f"featured image {item.meta['_thumbnail_id']} not imported: no lead image",
            )
        if found and found[0]:
            page.lead_image_id, page.lead_image_caption, page.lead_image_credit = found
            self._lead_image_meta(page, item.meta)
        else:
            page.lead_image_id = None

    @staticmethod
    def _lead_image_meta(page: ArticlePage, meta: dict[str, str]) -> None:
        """What Broadsheet's own export says of the lead image (`broadsheet_lead_image_*`
        post meta: the caption and credit as the article had them, source, provenance,
        verification, restriction) over what the attachment says; each value checked."""
        for key, limit in (("caption", 500), ("credit", 200), ("source", 200)):
            if f"broadsheet_lead_image_{key}" in meta:
                value = single_line(meta[f"broadsheet_lead_image_{key}"])[:limit]
                setattr(page, f"lead_image_{key}", value)
        if "broadsheet_lead_image_usage_restriction" in meta:
            restriction = single_line(meta["broadsheet_lead_image_usage_restriction"])[:200]
            page.lead_image_usage_restriction = restriction
        provenance = meta.get("broadsheet_lead_image_provenance", "")
        if provenance in Provenance.values:
            page.lead_image_provenance = provenance
        if meta.get("broadsheet_lead_image_verified") in ("0", "1"):
            page.lead_image_verified = meta["broadsheet_lead_image_verified"] == "1"

    def _state(self, page: ArticlePage, item: WpItem, date, modified) -> None:
        """Published, scheduled or a draft as WordPress had it, with its dates (set on the
        page before it is saved)."""
        status = item.status
        if status in ("publish", "private"):
            page.live = True
            page.has_unpublished_changes = False
            page.first_published_at = page.first_published_at or date
            page.last_published_at = modified
            page.go_live_at = None
        else:
            page.live = False
            page.has_unpublished_changes = True
            page.go_live_at = date if status == "future" else None

    def _revision(self, page: ArticlePage, item: WpItem, date) -> None:
        """The revision that holds the imported content: live, scheduled or a draft.

        Written as `Page.save_revision` writes it (the same row, from the page's
        `serializable_data()`), but without its second validation and second page save:
        the page was validated and saved just before, and the save would queue a second
        search-index and reference-index task for content that did not change. The
        revision fields are set with one UPDATE instead."""
        status = item.status
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            approved_go_live_at=date if status == "future" else None,
            content=page.serializable_data(),
            object_str=str(page),
        )
        fields = {
            "latest_revision": revision,
            "latest_revision_created_at": revision.created_at,
            "draft_title": page.title,
            "has_unpublished_changes": not page.live,
        }
        if page.live:
            fields["live_revision"] = revision
        Page.objects.filter(pk=page.pk).update(**fields)
        for name, value in fields.items():
            setattr(page, name, value)
        if status == "private" and not PageViewRestriction.objects.filter(page=page).exists():
            PageViewRestriction.objects.create(
                page=page, restriction_type=PageViewRestriction.LOGIN
            )
        if status == "pending":
            workflow = page.get_workflow()
            if workflow is not None and page.current_workflow_state is None:
                workflow.start(page, None)

    def _ratings(self, page: ArticlePage, item: WpItem, already: bool) -> RatingSummary | None:
        """wpDiscuz's rating count and average as the summary's imported totals (one
        upsert); returns the summary, or None when the post has no rating."""
        average, count = (
            item.meta.get("wpdiscuz_post_rating"),
            item.meta.get("wpdiscuz_post_rating_count"),
        )
        if not count:
            return None
        try:
            count, average = int(count), float(average or 0)
        except ValueError:
            self.report.skip(
                "rating", item.wp_id, "malformed item (wpDiscuz rating is not a number)"
            )
            return None
        if count <= 0:
            return None
        average = min(max(average, 1.0), 5.0)
        (summary,) = RatingSummary.objects.bulk_create(
            [
                RatingSummary(
                    page_id=page.pk,
                    imported_count=count,
                    imported_total=round(average * count),
                )
            ],
            update_conflicts=True,
            unique_fields=["page"],
            update_fields=["imported_count", "imported_total"],
        )
        self._count("rating summary", not already)
        return summary

    # Comments ------------------------------------------------------------------------

    def _comments(
        self, page: ArticlePage, item: WpItem, mapped: dict[str, int]
    ) -> dict[str, Comment]:
        """Every comment in thread order (a parent before its replies, however WordPress
        listed them), walked level by level, not by recursion: readers choose the depth.
        `mapped` holds the comments an earlier run imported (WordPress id → ours);
        returns the comments written, by WordPress id."""
        by_id: dict[str, WpComment] = {}
        children: dict[str, list[str]] = {}
        roots: set[str] = set()
        for comment in item.comments:
            if comment.type in SKIPPED_COMMENT_TYPES:
                self.report.skip("comment", comment.wp_id, f"{comment.type} (not a comment)")
                continue
            if not comment.wp_id or comment.wp_id in by_id:
                self.report.skip(
                    "comment", comment.wp_id or "?", "malformed item (no or repeated wp:comment_id)"
                )
                continue
            by_id[comment.wp_id] = comment
        for wp_id, comment in by_id.items():
            parent = comment.parent if comment.parent not in ("", "0") else ""
            if not parent:
                roots.add(wp_id)
            elif parent in by_id:
                children.setdefault(parent, []).append(wp_id)
        existing = Comment.objects.in_bulk(list(mapped.values())) if mapped else {}
        done: dict[str, Comment] = {}
        # A level at a time (the threads' roots, then their replies, then theirs), each
        # level written in one statement: a reply needs its parent's id, nothing more.
        level = sorted(roots, key=lambda wp_id: by_id[wp_id].date_gmt)
        while level:
            built = [
                (
                    wp_id,
                    self._comment(
                        page,
                        by_id[wp_id],
                        done.get(by_id[wp_id].parent) if wp_id not in roots else None,
                        existing.get(mapped.get(wp_id)),
                    ),
                )
                for wp_id in level
            ]
            new = [comment for _wp_id, comment in built if comment.pk is None]
            old = [comment for _wp_id, comment in built if comment.pk is not None]
            if new:
                Comment.objects.bulk_create(new)
                self.report.create("comment", len(new))
            if old:
                Comment.objects.bulk_update(old, COMMENT_FIELDS)
                self.report.update("comment", len(old))
            done.update(built)
            level = [child for wp_id in level for child in children.get(wp_id, [])]
        for wp_id in by_id.keys() - done.keys():
            self.report.skip("comment", wp_id, "comment whose parent is missing")
        return done

    def _comment(
        self, page: ArticlePage, wp: WpComment, parent: Comment | None, comment: Comment | None
    ) -> Comment:
        """The comment as WordPress had it, new or the one an earlier run made, not yet
        saved (`_comments` writes a level of a thread at a time)."""
        if comment is None:
            comment = Comment(
                page_id=page.pk,
                parent=parent,
                thread_id=(parent.thread_id or parent.pk) if parent else None,
                depth=parent.depth + 1 if parent else 0,
            )
        user_id = self.users.get(wp.user_id) if wp.user_id not in ("", "0") else None
        comment.user_id = user_id
        comment.guest_name = "" if user_id else (single_line(wp.author)[:80] or "Anonymous")
        comment.guest_email = "" if user_id else self._email(wp.email)
        comment.guest_url = "" if user_id else self._url(wp.url)
        comment.body = clean_text(comment_text(wp.content)).strip()
        comment.body_html = render_comment(comment.body)
        comment.status = COMMENT_STATES.get(wp.approved, Comment.Status.PENDING)
        comment.status_reason = (
            "" if wp.approved in COMMENT_STATES else f"WordPress status {wp.approved[:40]!r}"
        )
        comment.created_at = (
            parse_date(wp.date_gmt, wp.date) or page.first_published_at or comment.created_at
        )
        comment.ip_hash = keyed_hash("address", wp.ip) if wp.ip else ""
        comment.imported_upvotes, comment.imported_downvotes = self._votes(wp)
        return comment

    def _votes(self, wp: WpComment) -> tuple[int, int]:
        """wpDiscuz's like and dislike counts (`wpdiscuz_votes_seperate`, serialized PHP),
        else its net total (`wpdiscuz_votes`) as likes or dislikes."""
        separate = wp.meta.get("wpdiscuz_votes_seperate")
        if separate:
            try:
                value = unserialize(separate)
            except PhpValueError as error:
                self.report.skip(
                    "vote", wp.wp_id, f"malformed item (wpdiscuz_votes_seperate: {error})"
                )
            else:
                if isinstance(value, dict):
                    up, down = _count(value.get("like")), _count(value.get("dislike"))
                    if up is not None and down is not None:
                        return up, abs(down)
        net = _count(wp.meta.get("wpdiscuz_votes"), signed=True)
        if net is None:
            return 0, 0
        return (net, 0) if net >= 0 else (0, -net)

    @staticmethod
    def _email(value: str) -> str:
        value = single_line(value)[:254]
        try:
            validate_email(value)
        except ValidationError:
            return ""
        return value

    @staticmethod
    def _url(value: str) -> str:
        value = single_line(value)
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            return ""
        return value if len(value) <= 300 else ""

    # Old links -----------------------------------------------------------------------

    def _redirects(self, page: ArticlePage, item: WpItem) -> None:
        """The post's old permalink and its `?p=ID` form answer 301 to the article."""
        new_path = Redirect.normalise_path(page.url or "")
        olds = {Redirect.normalise_path(f"{self.blog_path}/?p={item.wp_id}")}
        for link in (item.link, item.guid):
            parsed = urlparse(link or "")
            if parsed.path or parsed.query:
                olds.add(Redirect.normalise_path(link))
        olds = {old for old in olds if old and old not in (new_path, "/")}
        existing = {r.old_path: r for r in Redirect.objects.filter(site=None, old_path__in=olds)}
        moved = [r for r in existing.values() if r.redirect_page_id != page.pk]
        for redirect in moved:
            redirect.redirect_page, redirect.redirect_link, redirect.is_permanent = page, "", True
        if moved:
            Redirect.objects.bulk_update(moved, ["redirect_page", "redirect_link", "is_permanent"])
        new = [
            Redirect(old_path=old, site=None, redirect_page=page, is_permanent=True)
            for old in sorted(olds - existing.keys())
        ]
        if new:
            Redirect.objects.bulk_create(new)
            self.report.create("redirect", len(new))


def _count(value, signed: bool = False) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if signed else abs(number)
