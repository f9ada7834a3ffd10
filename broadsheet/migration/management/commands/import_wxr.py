"""`broadsheet import_wxr FILE [--media-dir DIR] [--dry-run] [--progress | --no-progress]`:
see docs/migration.md."""

import argparse
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from broadsheet.migration.wxr import WxrImport
from broadsheet.migration.wxr_reader import WxrError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools › Export, WXR 1.1/1.2) with its wpDiscuz votes "
        "and ratings: authors, sections, tags, articles, images, comments, old links. "
        "Running it again updates what it imported before."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml file WordPress exported.")
        parser.add_argument(
            "--media-dir",
            help="The site's wp-content/uploads folder, for the attachments' files.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the report; write nothing."
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="A progress bar on stderr (default: when stderr is a terminal).",
        )

    def handle(self, *args, file, media_dir=None, dry_run=False, progress=None, **options):
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        if media_dir and not os.path.isdir(media_dir):
            raise CommandError(f"No such folder: {media_dir}")
        # The bar goes where the command's stderr goes (call_command's `stderr=` too), so
        # `--progress` shows it in a log file or a pipe, where no terminal is to ask.
        stream = options.get("stderr") or sys.stderr
        if progress is None:
            progress = stream.isatty()
        importer = WxrImport(file, media_dir=media_dir, dry_run=dry_run)
        bar = None
        if progress:
            from tqdm import tqdm

            # Bytes read (the file is read twice: two passes) and the items done so far.
            size = os.path.getsize(file)
            bar = tqdm(total=2 * size, unit="B", unit_scale=True, desc="Importing", file=stream)

            def advance(done: int) -> None:
                bar.set_postfix_str(_items(importer), refresh=False)
                bar.update(done - bar.n)

            importer.progress = advance
        try:
            report = importer.run()
            if bar is not None:
                bar.update(bar.total - bar.n)
                bar.set_postfix_str(_items(importer))
        except WxrError as error:
            raise CommandError(f"{file}: {error}") from error
        finally:
            if bar is not None:
                bar.close()
        report.write(self.stdout)


def _items(importer: WxrImport) -> str:
    report = importer.report
    done = sum(report.created.values()) + sum(report.updated.values())
    return f"{done + sum(report.skipped.values())} items"
