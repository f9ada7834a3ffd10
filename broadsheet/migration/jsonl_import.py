"""`broadsheet import DIR`: a Broadsheet export into an empty Broadsheet.

Rows keep their ids, so the site that comes out is the one that went in: the same
pages at the same addresses, the same comment threads, votes, ratings, anchors and
subscriptions (waiting ones still waiting for their owner's confirmation). Everything
is imported in one transaction: a file that fails half-way leaves the site empty.
Rows are written as stored (Django's "raw" saves, as `loaddata` does), so nothing is
announced: no email goes out and no task runs for an imported comment. Counts are then
rebuilt from the rows (`recount`), and the search index and related lists refreshed.

Accounts come without passwords (the export has none): their owners reset them.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, transaction
from wagtail.images.models import Image
from wagtail.models import Page, Site

from broadsheet.engagement.models import Comment
from broadsheet.engagement.services import recount
from broadsheet.migration import jsonl
from broadsheet.migration.export import MANIFEST, MEDIA
from broadsheet.newsroom.models import ArticlePage, Author, HomePage, SectionPage
from broadsheet.notifications.models import Subscription

BATCH = 1000


class ImportRefused(jsonl.ExportFileError):
    """The export cannot be imported here; the message says why, for the command line."""


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)


def existing_content() -> dict[str, int]:
    """What this site holds already; an import goes only into a site where all are 0."""
    counts = {
        "accounts": get_user_model().objects.count(),
        "home pages": HomePage.objects.count(),
        "sections": SectionPage.objects.count(),
        "articles": ArticlePage.objects.count(),
        "authors": Author.objects.count(),
        "images": Image.objects.count(),
        "comments": Comment.objects.count(),
        "subscriptions": Subscription.objects.count(),
    }
    return {name: count for name, count in counts.items() if count}


def read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise ImportRefused(f"{directory}: no {MANIFEST}, so not a Broadsheet export.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ImportRefused(f"{directory / MANIFEST}: not JSON ({error}).") from None
    if manifest.get("format") != "broadsheet-export":
        raise ImportRefused(f"{directory / MANIFEST}: not a Broadsheet export.")
    if manifest.get("version") != jsonl.FORMAT_VERSION:
        raise ImportRefused(
            f"{directory}: export format version {manifest.get('version')}; this Broadsheet "
            f"reads version {jsonl.FORMAT_VERSION}."
        )
    return manifest


def import_site(directory: str | Path) -> ImportReport:
    """Import the export in `directory` into this (empty) site; raises ImportRefused
    without changing anything when the site has content or the export is unreadable."""
    directory = Path(directory)
    read_manifest(directory)
    found = existing_content()
    if found:
        listed = ", ".join(f"{count} {name}" for name, count in found.items())
        raise ImportRefused(
            f"This site is not empty ({listed}). Import only into a new, empty Broadsheet "
            "(a fresh database after `broadsheet migrate`, before `createsuperuser`): ids "
            "are kept, so an import never merges into a site with content."
        )
    report = ImportReport()
    decoder = jsonl.Decoder()
    with transaction.atomic():
        # A fresh Wagtail database has a welcome page and a site pointing at it; the
        # export brings its own.
        Page.objects.filter(depth__gt=1).delete()
        for kind in jsonl.KINDS:
            path = directory / kind.file_name
            if not path.exists():
                raise ImportRefused(f"{directory}: {kind.file_name} is missing.")
            if kind.model._meta.label in {"moderation.ModerationRules"}:
                kind.model.objects.all().delete()  # the defaults a fresh site made
            report.counts[kind.name] = _import_kind(kind, path, decoder, directory, report)
        _after_import()
    return report


def _import_kind(kind: jsonl.Kind, path: Path, decoder, directory: Path, report) -> int:
    rows, children, count = [], {e.key: [] for e in kind.embedded}, 0
    for data in jsonl.read_lines(path):
        count += 1
        row = decoder.instance(kind.model, data, kind.exclude)
        if kind.is_page:
            row.page_ptr_id = row.id
        if kind.name == "users":
            row.set_unusable_password()
        elif kind.name == "images":
            row.collection_id = jsonl.root_collection_id()
            _restore_file(row, directory, report)
        for part in kind.embedded:
            for child in data.get(part.key, []):
                children[part.key].append(
                    decoder.instance(part.model, child, **{part.link: _link(part, row.pk)})
                )
        if kind.is_page:
            # Wagtail's base row, then the page type's own: a raw save writes one table.
            decoder.instance(Page, data).save_base(raw=True, force_insert=True)
            row.save_base(raw=True, force_insert=True)
        else:
            rows.append(row)
        if kind.name == "users":
            _restore_groups(row, data.get("groups", []))
        if len(rows) >= BATCH:
            _insert(kind.model, rows)
            rows = []
        for part in kind.embedded:
            if len(children[part.key]) >= BATCH:
                _insert(part.model, children[part.key])
                children[part.key] = []
    if rows:
        _insert(kind.model, rows)
    for part in kind.embedded:
        _insert(part.model, children[part.key])
    return count


def _insert(model, rows: list) -> None:
    """Rows inserted as they were exported. bulk_create stamps `auto_now(_add)` fields
    with the present moment (a raw save would not, but goes row by row); their exported
    values are written back with bulk_update, which stamps nothing."""
    if not rows:
        return
    stamped = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    kept = [[getattr(row, f.attname) for f in stamped] for row in rows]
    model.objects.bulk_create(rows)
    if stamped:
        for row, values in zip(rows, kept, strict=True):
            for f, value in zip(stamped, values, strict=True):
                setattr(row, f.attname, value)
        model.objects.bulk_update(rows, [f.name for f in stamped])


def _link(part, pk):
    return str(pk) if isinstance(part, jsonl.PageRevisions) else pk


def _restore_groups(user, names: list[str]) -> None:
    for name in names:
        group = Group.objects.get_or_create(name=name)[0]
        user.groups.through(user_id=user.pk, group_id=group.pk).save()


def _restore_file(image: Image, directory: Path, report: ImportReport) -> None:
    """The image's file from DIR/media/ into this site's storage under the same name (a
    file already there with the same size is taken to be it)."""
    name = image.file.name
    source = (directory / MEDIA / name).resolve()
    if not source.is_relative_to((directory / MEDIA).resolve()) or not source.is_file():
        report.missing_files.append(name)
        return
    if default_storage.exists(name) and default_storage.size(name) == source.stat().st_size:
        return
    with open(source, "rb") as stream:
        image.file.name = default_storage.save(name, File(stream))


def _after_import() -> None:
    """Sequences past the imported ids (PostgreSQL), the tree's root child count, and
    every stored count rebuilt from the rows."""
    models = {kind.model for kind in jsonl.KINDS} | {Page}
    for kind in jsonl.KINDS:
        models |= {part.model for part in kind.embedded}
    models.add(get_user_model().groups.through)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)
    root = Page.get_first_root_node()
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    Site.clear_site_root_paths_cache()
    recount()
