"""`pip install broadsheet` from a wheel gives a whole site: the wheel carries every
template and static file of ours, the demo newsroom's words (demo_content.toml), and
the npm packages we serve (the ALTCHA widget),
which the build fetches (broadsheet/vendor_build.py). Without the widget in the wheel,
ALTCHA_ENABLED=1 made article pages answer 500: the static-files manifest had no entry
for it.

Built from a clean copy of the tracked files, as from a fresh checkout or an sdist, so
the build hook must fetch the widget itself. About 30 s here, and it needs PyPI (the
isolated build environment) and the npm registry: marked `build`, so `-m "not build"`
leaves it out.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from broadsheet import vendor

ROOT = Path(__file__).resolve().parents[2]


def tracked_files() -> list[str]:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    listed = subprocess.run(
        [git, "ls-files", "-z", "pyproject.toml", "README.md", "broadsheet"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if (ROOT / name).is_file()]


@pytest.mark.build
def test_a_wheel_from_a_clean_checkout_carries_the_widget_templates_and_static_files(tmp_path):
    source, dist = tmp_path / "source", tmp_path / "dist"
    files = tracked_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    assert not (source / "broadsheet" / "vendor_static").exists()

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("broadsheet-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())

    widget = {
        f"broadsheet/vendor_static/vendor/{package}/{name}"
        for package, _version, wanted in vendor.PACKAGES
        for name in wanted.values()
    }
    assert widget <= inside, widget - inside
    site_files = {
        name
        for name in files
        if name.startswith("broadsheet/")
        and ("/templates/" in name or "/static/" in name or name.endswith(".toml"))
    }
    assert "broadsheet/newsroom/demo_content.toml" in site_files
    assert site_files and site_files <= inside, site_files - inside
