"""Front-end packages from the npm registry, fetched by the build (never committed).

`python -m broadsheet.vendor` (run by `make install`, and by the package build through
vendor_build.py, so a wheel carries the files) downloads each pinned package's
tarball from registry.npmjs.org, checks it against the registry's published sha512
integrity, and unpacks the files we serve into broadsheet/vendor_static/ (ignored by
git), which staticfiles serves under /static/vendor/. Only Python is needed: no Node.

Today: the ALTCHA widget, for the optional proof-of-work on comment forms.
"""

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
TARGET = Path(__file__).resolve().parent / "vendor_static" / "vendor"
# package, version, {file in the tarball: name under /static/vendor/<package>/}
PACKAGES = [
    # The "external" build: its styles in a stylesheet and its proof-of-work worker in a
    # file of its own, so the Content-Security-Policy needs no inline style and no blob:
    # workers (engagement/altcha-workers.js registers the worker).
    (
        "altcha",
        "3.2.2",
        {
            "package/dist/external/altcha.min.js": "altcha.min.js",
            "package/dist/external/altcha.css": "altcha.css",
            "package/dist/workers/pbkdf2.js": "pbkdf2.js",
        },
    ),
]


def _get(url: str) -> bytes:
    if not url.startswith(REGISTRY + "/"):  # https only, and only the npm registry
        sys.exit(f"Refusing to download {url}: not from {REGISTRY}.")
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - checked above
        return response.read()


def fetch(package: str, version: str, files: dict[str, str]) -> None:
    destination = TARGET / package
    stamp = destination / ".version"
    wanted = " ".join([version, *sorted(files.values())])  # a new file list fetches again
    if stamp.exists() and stamp.read_text() == wanted:
        return
    meta = json.loads(_get(f"{REGISTRY}/{package}/{version}"))
    integrity = meta["dist"]["integrity"]
    tarball = _get(meta["dist"]["tarball"])
    algorithm, expected = integrity.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        sys.exit(f"{package}@{version}: the tarball does not match the registry's {algorithm}.")
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member, name in files.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                sys.exit(f"{package}@{version} has no {member}.")
            (destination / name).write_bytes(extracted.read())
    stamp.write_text(wanted)
    print(f"Fetched {package}@{version} into {destination}")


def main() -> None:
    for package, version, files in PACKAGES:
        try:
            fetch(package, version, files)
        except OSError as error:
            sys.exit(f"Could not fetch {package}@{version} from the npm registry: {error}")


if __name__ == "__main__":
    main()
