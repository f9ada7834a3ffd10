"""`broadsheet backup`: acknowledged writes still in SQLite's WAL are in the backup, and
the backup, restored as docs/deployment.md says, is a working site."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the WAL is SQLite's")

BODIES = [f"Acknowledged comment number {n}, still in the write-ahead log." for n in range(3)]

# Run in the restored site (its own process, its own settings): migrations all applied,
# the article and its comments served, a new comment accepted, the media file served.
RESTORED_SITE = """
import json, os
from django.core.management import call_command
from django.test import Client
call_command("migrate", check=True, verbosity=0)
found = json.loads(os.environ["RESTORED_ARTICLE"])
client = Client()
article = client.get(found["url"])
comments = client.get(f"/api/v1/articles/{found['id']}/comments").json()
session = client.get("/api/v1/session").json()
posted = client.post(
    f"/api/v1/articles/{found['id']}/comments",
    {"body": "Posted after the restore.", "author_name": "Ada", "author_email": "a@example.org"},
    content_type="application/json",
    HTTP_X_CSRFTOKEN=session["csrf_token"],
)
media = client.get(found["media"])
print(json.dumps({
    "article": article.status_code,
    "bodies": [c["body_html"] for c in comments["results"]],
    "posted": posted.status_code,
    "media": media.status_code,
    "health": client.get("/healthz").status_code,
}))
"""


def count_comments(path) -> int:
    with sqlite3.connect(path) as copy:
        return copy.execute("SELECT count(*) FROM engagement_comment").fetchone()[0]


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_holds_writes_still_in_the_wal_and_restores_to_a_working_site(tmp_path):
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Harbour talks", slug="harbour-talks")
    media_file = settings.MEDIA_ROOT / "original_images" / "harbour.png"
    media_file.parent.mkdir(parents=True)
    media_file.write_bytes(b"\x89PNG not really")
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        # Everything so far into the main file, then no automatic checkpoint: the
        # comments below stay in the WAL, as the latest writes of a live site do.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    try:
        reader = Client()
        token = reader.get("/api/v1/session").json()["csrf_token"]
        for body in BODIES:
            answer = reader.post(
                f"/api/v1/articles/{article.pk}/comments",
                {"body": body, "author_name": "Guest", "author_email": "guest@example.org"},
                content_type="application/json",
                HTTP_X_CSRFTOKEN=token,
            )
            assert answer.status_code == 201, answer.content  # acknowledged

        # The old advice, copying the database file, misses them all.
        naive = tmp_path / "naive.sqlite3"
        shutil.copyfile(database, naive)
        assert count_comments(naive) == 0
        assert os.path.getsize(f"{database}-wal") > 0

        call_command("backup", str(tmp_path / "backup"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=1000")

    backup = tmp_path / "backup"
    assert count_comments(backup / "database.sqlite3") == len(BODIES)
    assert (backup / "media" / "original_images" / "harbour.png").read_bytes() == (
        media_file.read_bytes()
    )
    assert json.loads((backup / "backup.json").read_text())["database"] == "sqlite"

    # Restore as docs/deployment.md says: the file in place (no stale -wal or -shm
    # beside it), the media folder back, then start the site.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(backup / "database.sqlite3", restored / "broadsheet.sqlite3")
    shutil.copytree(backup / "media", restored / "media")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "restore-test-secret",
        "DATABASE_URL": f"sqlite:///{restored}/broadsheet.sqlite3",
        "BROADSHEET_VAR_DIR": str(restored),
        "MEDIA_ROOT": str(restored / "media"),
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "ALLOWED_HOSTS": "testserver,localhost",
        "SECURE_COOKIES": "0",
        "TASKS_BACKEND": "immediate",
        "RESTORED_ARTICLE": json.dumps(
            {"id": article.pk, "url": article.url, "media": "/media/original_images/harbour.png"}
        ),
    }
    done = subprocess.run(
        [sys.executable, "-m", "broadsheet", "shell", "-c", RESTORED_SITE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    site = json.loads(done.stdout.strip().splitlines()[-1])
    assert site["article"] == 200 and site["health"] == 200 and site["media"] == 200
    assert sorted(site["bodies"]) == sorted(f"<p>{body}</p>" for body in BODIES)
    assert site["posted"] == 201


def test_without_pg_dump_the_postgresql_backup_says_what_to_install_and_run(tmp_path, monkeypatch):
    from django.core.management.base import CommandError

    from broadsheet.newsroom.management.commands import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(CommandError) as refused:
        backup.Command().back_up_postgresql(tmp_path)
    assert "apt-get install postgresql-client" in str(refused.value)
    assert "pg_dump --format=custom" in str(refused.value)
    assert not any(tmp_path.iterdir())
