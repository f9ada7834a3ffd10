"""The kinds of a Broadsheet export and how each row becomes a line of JSON and back.

A line is one row under its column names (`page_id`, `created_at`), with the rows that
belong to it and nowhere else embedded (an article's bylines, tags, corrections and
revisions; a passage anchor's history). Ids are kept: an export imported into an empty
Broadsheet has the same ids, so links, revisions and stream blocks that name an image or
a page by id still mean the same thing. Values that are ids only of one database
(content types, locales) are written by name. docs/migration.md lists the kinds.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.fields import StreamField
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Revision, Site

from broadsheet.engagement.models import AnchorHistory, Annotation, Comment, Rating, Vote
from broadsheet.migration.models import DisqusPost
from broadsheet.moderation.models import Ban, ModerationAction, ModerationRules, Report
from broadsheet.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    ArticleTag,
    Author,
    Correction,
    HomePage,
    PublicationSettings,
    RelatedArticlePick,
    SectionPage,
    SupportCallToAction,
)
from broadsheet.notifications.models import Address, Subscription

FORMAT_VERSION = 1


class ExportFileError(Exception):
    """A file of the export cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Embedded:
    """Rows kept inside their parent's line, under `key`."""

    key: str
    model: type[models.Model]
    link: str  # the column naming the parent
    exclude: frozenset[str] = frozenset()

    def rows(self, parent_ids: list) -> models.QuerySet:
        return self.model._default_manager.filter(**{f"{self.link}__in": parent_ids})

    def parent_of(self, row) -> object:
        return getattr(row, self.link)


@dataclass(frozen=True)
class PageRevisions(Embedded):
    """A page's revisions: Wagtail links them by content type and a text object id."""

    def rows(self, parent_ids: list) -> models.QuerySet:
        return Revision.page_revisions.filter(object_id__in=[str(pk) for pk in parent_ids])

    def parent_of(self, row) -> object:
        return int(row.object_id)


@dataclass(frozen=True)
class Kind:
    """One file of the export: `name`.jsonl, a line per row of `model`."""

    name: str
    model: type[models.Model]
    exclude: frozenset[str] = frozenset()
    embedded: tuple[Embedded, ...] = ()
    chunk: int = 500
    is_page: bool = False
    # Extra values computed per chunk of rows: {pk: {key: value}}.
    computed: Callable[[list], dict] | None = None

    @property
    def file_name(self) -> str:
        return f"{self.name}.jsonl"

    def queryset(self) -> models.QuerySet:
        return self.model._default_manager.order_by("pk")


def _user_groups(users: list) -> dict:
    groups: dict = {user.pk: {"groups": []} for user in users}
    through = get_user_model().groups.through
    for user_id, name in (
        through.objects.filter(user_id__in=list(groups))
        .order_by("user_id", "group__name")
        .values_list("user_id", "group__name")
    ):
        groups[user_id]["groups"].append(name)
    return groups


REVISIONS = PageRevisions("revisions", Revision, "object_id")

# In import order: a row's references are imported before it (or with it).
KINDS: tuple[Kind, ...] = (
    # Accounts without their password hashes: imported accounts set a new password.
    Kind(
        "users",
        get_user_model(),
        exclude=frozenset({"password"}),
        embedded=(Embedded("emails", EmailAddress, "user_id"),),
        computed=_user_groups,
    ),
    Kind("images", Image, exclude=frozenset({"collection_id"})),
    Kind("authors", Author),
    Kind("tags", Tag),
    Kind("support_calls_to_action", SupportCallToAction),
    Kind("home_pages", HomePage, is_page=True, embedded=(REVISIONS,), chunk=100),
    Kind("sections", SectionPage, is_page=True, embedded=(REVISIONS,), chunk=100),
    Kind(
        "articles",
        ArticlePage,
        is_page=True,
        chunk=100,
        embedded=(
            Embedded("authors", ArticleAuthor, "page_id"),
            Embedded("tags", ArticleTag, "content_object_id"),
            Embedded("corrections", Correction, "page_id"),
            Embedded("related_picks", RelatedArticlePick, "page_id"),
            REVISIONS,
        ),
    ),
    Kind("sites", Site),
    Kind("publication_settings", PublicationSettings),
    Kind("redirects", Redirect),
    Kind("comments", Comment),
    Kind("votes", Vote),
    Kind("ratings", Rating),
    Kind(
        "passage_anchors",
        Annotation,
        embedded=(Embedded("history", AnchorHistory, "annotation_id"),),
    ),
    Kind("subscription_addresses", Address),
    Kind("subscriptions", Subscription),
    Kind("moderation_rules", ModerationRules),
    Kind("bans", Ban),
    Kind("reports", Report),
    Kind("moderation_actions", ModerationAction),
    # Which comments came from Disqus: a later `import_disqus` of the same file adds none twice.
    Kind("disqus_posts", DisqusPost),
)


# --- rows to lines ---------------------------------------------------------------------


def _fields(model, exclude: frozenset[str] = frozenset()) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname not in exclude and not (f.one_to_one and f.remote_field.parent_link)
    ]


# Locale id → language code, for one export (a site has a handful of locales).
_languages: dict[int, str] = {}


def encode(field_: models.Field, value):
    if value is None:
        return None
    target = field_.related_model if field_.is_relation else None
    if target is ContentType:
        content_type = ContentType.objects.get_for_id(value)
        return f"{content_type.app_label}.{content_type.model}"
    if target is Locale:
        if value not in _languages:
            _languages[value] = Locale.objects.get(pk=value).language_code
        return _languages[value]
    if isinstance(field_, StreamField):
        raw = field_.get_prep_value(value)
        return json.loads(raw) if isinstance(raw, str) else raw
    if isinstance(field_, models.FileField):
        return value.name
    if isinstance(value, datetime | time):
        # In full: DjangoJSONEncoder would cut microseconds to milliseconds.
        return value.isoformat()
    return value


def row_to_dict(row, model, exclude=frozenset()) -> dict:
    return {f.attname: encode(f, getattr(row, f.attname)) for f in _fields(model, exclude)}


def _chunks(queryset: models.QuerySet, size: int) -> Iterator[list]:
    """Rows in primary-key order, `size` at a time (keyset pages: memory stays bounded
    and no page costs more than the first)."""
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def lines(kind: Kind) -> Iterator[str]:
    """The kind's rows as JSON lines, with their embedded rows: a fixed number of
    queries per page of rows, whatever the rows hold."""
    _languages.clear()
    for rows in _chunks(kind.queryset(), kind.chunk):
        ids = [row.pk for row in rows]
        embedded: dict = {pk: {e.key: [] for e in kind.embedded} for pk in ids}
        for part in kind.embedded:
            for child in part.rows(ids).order_by("pk").iterator(chunk_size=2000):
                embedded[part.parent_of(child)][part.key].append(
                    row_to_dict(child, part.model, part.exclude | {part.link})
                )
        computed = kind.computed(rows) if kind.computed else {}
        for row in rows:
            data = row_to_dict(row, kind.model, kind.exclude)
            data.update(embedded[row.pk])
            data.update(computed.get(row.pk, {}))
            yield json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


# --- lines to rows ---------------------------------------------------------------------


class Decoder:
    """Turns a line's values back into field values for this database."""

    def __init__(self):
        self.content_types: dict[str, int] = {}
        self.locales: dict[str, int] = {}

    def value(self, field_: models.Field, value):
        if value is None:
            return None
        target = field_.related_model if field_.is_relation else None
        if target is ContentType:
            if value not in self.content_types:
                app_label, name = value.split(".", 1)
                self.content_types[value] = ContentType.objects.get_by_natural_key(
                    app_label, name
                ).pk
            return self.content_types[value]
        if target is Locale:
            if value not in self.locales:
                self.locales[value] = Locale.objects.get_or_create(language_code=value)[0].pk
            return self.locales[value]
        if isinstance(field_, StreamField | models.JSONField | models.FileField):
            return value
        return field_.to_python(value)

    def instance(self, model, data: dict, exclude=frozenset(), **extra):
        values = {
            f.attname: self.value(f, data[f.attname])
            for f in _fields(model, exclude)
            if f.attname in data
        }
        return model(**values, **extra)


def read_lines(path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ExportFileError(
                        f"{path}, line {number}: not JSON ({error.msg})."
                    ) from None


def root_collection_id() -> int:
    return Collection.get_first_root_node().pk
