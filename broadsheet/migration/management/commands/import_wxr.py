"""`broadsheet import_wxr FILE [--media-dir DIR] [--dry-run]`: see docs/migration.md."""

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
            "--no-progress", action="store_true", help="No progress bar (also off without a TTY)."
        )

    def handle(self, *args, file, media_dir=None, dry_run=False, no_progress=False, **options):
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        if media_dir and not os.path.isdir(media_dir):
            raise CommandError(f"No such folder: {media_dir}")
        bar = None
        if not no_progress and sys.stderr.isatty():
            from tqdm import tqdm

            size = os.path.getsize(file)
            bar = tqdm(total=2 * size, unit="B", unit_scale=True, desc="Importing", file=sys.stderr)
        try:
            importer = WxrImport(
                file,
                media_dir=media_dir,
                dry_run=dry_run,
                progress=(lambda done: bar.update(done - bar.n)) if bar else None,
            )
            report = importer.run()
        except WxrError as error:
            raise CommandError(f"{file}: {error}") from error
        finally:
            if bar is not None:
                bar.close()
        report.write(self.stdout)
