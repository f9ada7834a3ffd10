"""`broadsheet backup DEST`: the database and the media folder, copied while the site runs.

SQLite in WAL mode keeps acknowledged writes in `<db>-wal` until a checkpoint moves them
into the main file, so copying the main file alone loses the latest comments, votes and
ratings (and can copy a page half-written). This command uses SQLite's online backup API
instead: one consistent snapshot of the database as every connection sees it, WAL
included, taken under a read lock that never blocks the site's writers.

On PostgreSQL it runs `pg_dump --format=custom` (the tool PostgreSQL ships for exactly
this) when it is installed, and says how to get it when it is not.

Media files on the local disk are copied beside the database; media on object storage
(a `MEDIA_URL` on a CDN, django-storages) is the bucket's to back up, and the command
says so. DEST is a new or empty folder; restore steps are in docs/deployment.md.
"""

import glob
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and the media folder."

    def add_arguments(self, parser):
        parser.add_argument("dest", help="A new or empty folder to write the backup into.")
        parser.add_argument(
            "--no-media", action="store_true", help="The database only (media backed up apart)."
        )

    def handle(self, *args, dest, no_media=False, **options):
        folder = Path(dest)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CommandError(f"{folder} exists and is not an empty folder: name a new one.")
        folder.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor == "sqlite":
            database = self.back_up_sqlite(folder)
        elif vendor == "postgresql":
            database = self.back_up_postgresql(folder)
        else:
            raise CommandError(f"No backup method for a {vendor} database.")
        media = None if no_media else self.back_up_media(folder)
        manifest = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": vendor,
            "database_file": database,
            "media_files": media,
        }
        (folder / "backup.json").write_text(json.dumps(manifest, indent=2) + "\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up to {folder}: restore as in docs/deployment.md (Bad days)."
            )
        )

    def back_up_sqlite(self, folder: Path) -> str:
        source_path = connection.settings_dict["NAME"]
        target = folder / SQLITE_FILE
        partial = folder / f"{SQLITE_FILE}.partial"  # never mistaken for a whole backup
        source = sqlite3.connect(source_path, timeout=20)
        try:
            copy = sqlite3.connect(partial)
            try:
                # pages=-1: the whole database in one step, one snapshot under one read
                # lock (WAL readers never block writers, and a stepwise copy restarts
                # whenever another connection writes).
                source.backup(copy, pages=-1)
                check = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
        if check != "ok":
            partial.unlink()
            raise CommandError(f"The copy of {source_path} fails SQLite's check: {check}")
        partial.rename(target)
        self.stdout.write(f"Database: {source_path} -> {target} (SQLite online backup)")
        return SQLITE_FILE

    def back_up_postgresql(self, folder: Path) -> str:
        pg_dump = shutil.which("pg_dump") or next(
            iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
        )
        db = connection.settings_dict
        target = folder / POSTGRES_FILE
        if not pg_dump:
            raise CommandError(
                "PostgreSQL is backed up with pg_dump, which is not installed here (not on "
                "PATH). Install PostgreSQL's client tools of the server's major version or "
                "newer (Debian: apt-get install postgresql-client), then run this again, or "
                f"run yourself: pg_dump --format=custom --no-owner --file {target} "
                f"--host {db.get('HOST') or 'localhost'} --port {db.get('PORT') or 5432} "
                f"--username {db.get('USER')} {db['NAME']}"
            )
        env = {**os.environ}
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = str(db["PASSWORD"])
        command = [pg_dump, "--format=custom", "--no-owner", "--file", str(target)]
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                command += [flag, str(db[key])]
        done = subprocess.run([*command, db["NAME"]], env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            target.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        self.stdout.write(f"Database: {db['NAME']} -> {target} (pg_dump, custom format)")
        return POSTGRES_FILE

    def back_up_media(self, folder: Path) -> int | None:
        if not isinstance(default_storage, FileSystemStorage):
            self.stdout.write(
                f"Media: stored by {type(default_storage).__name__}, not on this disk: back "
                "up the bucket with its provider's tools (versioning or replication)."
            )
            return None
        root = Path(settings.MEDIA_ROOT)
        if not root.is_dir():
            self.stdout.write(f"Media: {root} does not exist; nothing to copy.")
            return 0
        shutil.copytree(root, folder / "media", symlinks=True)
        count = sum(1 for path in (folder / "media").rglob("*") if path.is_file())
        self.stdout.write(f"Media: {root} -> {folder / 'media'} ({count} files)")
        return count
