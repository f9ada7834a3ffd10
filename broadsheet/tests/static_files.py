"""whitenoise's table of static files, read from disk once per run instead of per client.

WhiteNoiseMiddleware reads STATIC_ROOT when it is made: a stat of every file, its
compressed twins and its headers worked out, about 20 ms of CPU. Django makes the
middleware anew for every test client (one or more a test) and every live server, so
the suite paid for it thousands of times over the same 500 files, collected once
before the tests start (conftest.py). Here the table is kept, keyed on everything it
depends on: the folder and its URL prefix, whitenoise's settings (its WHITENOISE_*,
STATIC_URL, the staticfiles storage) and the times the folder and its manifest last
changed. A test that changes any of them gets a freshly read table.
"""

import os

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

_read_from_disk = WhiteNoiseMiddleware.update_files_dictionary
_tables: dict[str, dict] = {}


def _modified(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _key(middleware, root: str, prefix: str) -> str:
    whitenoise_settings = sorted(
        (name, getattr(settings, name)) for name in dir(settings) if name.startswith("WHITENOISE_")
    )
    return repr(
        (
            type(middleware),
            root,
            prefix,
            middleware.static_prefix,
            middleware.max_age,
            middleware.allow_all_origins,
            middleware.charset,
            middleware.index_file,
            middleware.add_headers_function,
            whitenoise_settings,
            settings.STATIC_URL,
            settings.STORAGES.get("staticfiles"),
            settings.DEBUG,
            _modified(root),
            _modified(os.path.join(root, "staticfiles.json")),
        )
    )


def _update_files_dictionary(self, root, prefix):
    key = _key(self, root, prefix)
    table = _tables.get(key)
    if table is None:
        # Read into an empty table, so that only this folder's files are kept.
        files, self.files = self.files, {}
        try:
            _read_from_disk(self, root, prefix)
            table = _tables[key] = self.files
        finally:
            self.files = files
    # The StaticFile entries are not changed by serving them: shared safely.
    self.files.update(table)


def read_once() -> None:
    """From now on, whitenoise middleware made in this process shares tables read before."""
    WhiteNoiseMiddleware.update_files_dictionary = _update_files_dictionary
