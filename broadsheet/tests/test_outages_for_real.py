"""Bad days for real (`-m resilience`): `broadsheet serve` in a subprocess while its
PostgreSQL stops and comes back, while its var/ folder is on a read-only filesystem and
while that filesystem is full. test_outages.py has the quick in-process versions.

How the disk goes bad, honestly: the var/ folder is a tmpfs of its own mounted for the
test (root only; skipped otherwise). "Read-only" is that filesystem remounted `ro`, so
the kernel answers EROFS to everyone, root included (chmod would not: the tests run as
root, and root ignores file modes). "Full" is a small tmpfs filled to the last byte
with a filler file, so writes get ENOSPC as on a real full disk.
"""

import contextlib
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from broadsheet.tests.services import PostgresServer, free_port, production_env

pytestmark = pytest.mark.resilience
MOUNT = shutil.which("mount") or "/bin/mount"
UMOUNT = shutil.which("umount") or "/bin/umount"

# An article with a lead image, and a second article nobody has asked for yet.
SEED = """
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory, HomePageFactory, ImageFactory, SectionPageFactory)
home = HomePageFactory()
world = SectionPageFactory(parent=home, title="World", slug="world")
first = ArticlePageFactory(parent=world, title="Harbour talks", slug="harbour",
                           lead_image=ImageFactory())
ArticlePageFactory(parent=world, title="River crossings", slug="river")
# The site has served a page before its bad day (which stores its settings row).
from django.test import Client
assert Client(HTTP_HOST="127.0.0.1").get("/world/river/").status_code == 200
print(first.pk)
"""


def server_env(tmp_path, **extra) -> dict:
    return production_env(
        tmp_path / "var",
        secret_key="outage-test-secret",
        static_root=settings.STATIC_ROOT,  # collected at the start of the test run
        TASKS_BACKEND="immediate",
        PAGE_CACHE="1",  # the test run switched it off for itself (pytest_env.py)
        **extra,
    )


def broadsheet(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "broadsheet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def prepare_site(env: dict) -> int:
    """Migrate and seed; the lead-image article's id."""
    broadsheet(env, "migrate", "--noinput")
    return int(broadsheet(env, "shell", "-c", SEED).split()[-1])


@contextlib.contextmanager
def serving(env: dict):
    """`broadsheet serve` (one worker) on a free port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/healthz", timeout=2),
            ):
                break
            assert server.poll() is None, server.stdout.read().decode()
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        print(server.communicate(timeout=30)[0].decode())  # shown when a test fails


class Browser:
    """Cookies kept, CSRF token sent, error statuses returned rather than raised."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data=None, headers=None, form=False):
        body = None
        headers = dict(headers or {})
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            headers["X-CSRFToken"] = token
            headers["Referer"] = self.base + "/"
            if form:
                body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                body = json.dumps(data).encode()
                headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def comment(self, article_id: int, body: str):
        self.request("/api/v1/session")
        payload = {"body": body, "author_name": "Ada", "author_email": "ada@example.org"}
        return self.request(f"/api/v1/articles/{article_id}/comments", payload)

    def comments(self, article_id: int) -> int:
        status, _, body = self.request(f"/api/v1/articles/{article_id}/comments")
        assert status == 200, body
        return json.loads(body)["count"]


def test_postgresql_stops_cached_pages_are_served_stale_others_503_and_it_comes_back(
    tmp_path,
):
    with PostgresServer() as pg:
        env = server_env(tmp_path, DATABASE_URL=pg.create_database("site"), PAGE_CACHE_SECONDS="1")
        article_id = prepare_site(env)
        with serving(env) as base:
            reader = Browser(base)
            warm = reader.request("/world/harbour/")
            assert warm[0] == 200 and warm[1]["X-Cache"] == "miss"

            pg.stop()
            time.sleep(1.2)  # past PAGE_CACHE_SECONDS: only a stale copy is left
            status, headers, body = reader.request("/world/harbour/")
            assert status == 200, body
            assert headers["X-Cache"] == "stale"
            assert headers["Warning"] == '111 - "Revalidation Failed"'
            assert int(headers["Age"]) >= 1
            assert "Harbour talks" in body

            status, headers, body = reader.request("/world/river/")  # never cached
            assert status == 503 and headers["Retry-After"] == "30"
            assert "Back in a moment" in body and headers["Content-Type"].startswith("text/html")

            status, headers, body = reader.request("/api/v1/articles")
            assert status == 503 and headers["Retry-After"] == "30"
            assert headers["Content-Type"] == "application/json"
            assert "database" in json.loads(body)["detail"]
            assert reader.comment(article_id, "Into the void?")[0] == 503

            pg.start()  # the same server process: no restart
            status, headers, body = reader.request("/world/harbour/")
            assert status == 200 and headers["X-Cache"] == "miss" and "Warning" not in headers
            assert reader.request("/world/river/")[0] == 200
            assert reader.comment(article_id, "Back again.")[0] == 201
            assert reader.comments(article_id) == 1


@pytest.fixture
def var_filesystem(tmp_path):
    """tmp_path/var as a tmpfs of its own (64 MB), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a filesystem needs root")
    folder = tmp_path / "var"
    folder.mkdir()
    mounted = subprocess.run(
        [MOUNT, "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run([UMOUNT, "-l", str(folder)], check=False)


def remount(folder, mode: str) -> None:
    subprocess.run([MOUNT, "-o", f"remount,{mode}", str(folder)], check=True)


def site_on(folder, tmp_path) -> dict:
    return server_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{folder}/site.sqlite3",
        MEDIA_ROOT=str(folder / "media"),
    )


def test_a_read_only_var_serves_reads_refuses_writes_and_writes_recover(var_filesystem, tmp_path):
    env = site_on(var_filesystem, tmp_path)
    article_id = prepare_site(env)
    remount(var_filesystem, "ro")  # nothing holds a file open for writing now
    with serving(env) as base:
        reader = Browser(base)
        status, _, body = reader.request("/world/harbour/")
        assert status == 200 and "Harbour talks" in body
        assert reader.request("/api/v1/articles")[0] == 200

        status, headers, body = reader.comment(article_id, "Carved in stone?")
        assert status == 503 and headers["Retry-After"] == "30"
        assert "read-only" in json.loads(body)["detail"]

        remount(var_filesystem, "rw")  # the same server process: no restart
        status, _, body = reader.comment(article_id, "Written at last.")
        assert status == 201, body
        assert reader.comments(article_id) == 1


def test_a_full_disk_refuses_writes_with_503_keeps_nothing_and_pages_still_render(
    var_filesystem, tmp_path
):
    env = site_on(var_filesystem, tmp_path)
    article_id = prepare_site(env)
    filler = var_filesystem / "filler"
    with serving(env) as base:
        reader = Browser(base)
        reader.request("/api/v1/session")
        with open(filler, "wb", buffering=0) as fill:  # to the last byte
            for size in (1 << 20, 1 << 12, 1):
                with contextlib.suppress(OSError):
                    while True:
                        fill.write(b"\0" * size)
                        fill.flush()
        # The lead image's renditions were never made: they cannot be written now, and
        # the article renders all the same.
        status, _, body = reader.request("/world/harbour/")
        assert status == 200 and "Harbour talks" in body

        status, headers, body = reader.comment(article_id, "No room?")
        assert status == 503 and headers["Retry-After"] == "30"
        assert "full" in json.loads(body)["detail"]
        status, headers, body = reader.request(
            f"/comments/{article_id}/post/",
            {"body": "No room here either?", "author_name": "Ada",
             "author_email": "ada@example.org", "consent": "1"},
            form=True,
        )  # fmt: skip
        assert status == 503 and "full" in body and headers["Content-Type"].startswith("text/html")

        filler.unlink()
        status, _, body = reader.comment(article_id, "Room again.")
        assert status == 201, body
        assert reader.comments(article_id) == 1  # nothing half-kept from the full disk
