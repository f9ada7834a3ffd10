"""`broadsheet export DIR`: everything a newsroom owns, to take anywhere.

DIR gets one JSON Lines file per kind (see `jsonl.KINDS`), the image files under
DIR/media/ (as named in images.jsonl's `file`), a WordPress WXR file (wordpress.xml) for
a WordPress site to import, and manifest.json (format version, generator, time, counts).
Every kind is read in primary-key pages, so memory stays bounded at any size.
"""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils import timezone
from wagtail.images.models import Image

from broadsheet.migration import jsonl
from broadsheet.migration.export_wxr import write_wxr

GENERATOR = "Broadsheet"
MANIFEST = "manifest.json"
MEDIA = "media"
WXR = "wordpress.xml"


@dataclass
class ExportReport:
    counts: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)
    wxr_items: int = 0


def export_site(directory: str | Path) -> ExportReport:
    """Write the export into `directory` (created if needed; files of an earlier export
    there are replaced). Reads only: the site is not changed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    for kind in jsonl.KINDS:
        count = 0
        with open(directory / kind.file_name, "w", encoding="utf-8") as out:
            for line in jsonl.lines(kind):
                out.write(line + "\n")
                count += 1
        report.counts[kind.name] = count
    report.missing_files = _copy_media(directory / MEDIA)
    report.wxr_items = write_wxr(directory / WXR)
    manifest = {
        "format": "broadsheet-export",
        "version": jsonl.FORMAT_VERSION,
        "generator": GENERATOR,
        "exported_at": timezone.now().isoformat(),
        "counts": report.counts,
        "files": {kind.name: kind.file_name for kind in jsonl.KINDS},
        "media": MEDIA,
        "wordpress": WXR,
        "missing_media": report.missing_files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return report


def _copy_media(folder: Path) -> list[str]:
    """Each image's original file, under its storage name; returns the names not found."""
    missing = []
    for name in Image.objects.order_by("pk").values_list("file", flat=True).iterator():
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()):
            missing.append(name)  # a stored name that climbs out of the folder
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with default_storage.open(name, "rb") as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
        except (FileNotFoundError, OSError):
            missing.append(name)
    return missing
