"""The package build's hook: fetch the npm packages we serve before the build copies the
package data, so that a wheel (or an sdist built into one) carries them.

pyproject.toml names `FetchThenBuildPy` as setuptools' `build_py`. The build loads this
file on its own, without importing `broadsheet` (whose dependencies the build
environment lacks), so `vendor.py` beside it is loaded the same way. Only the build
imports setuptools; the site never imports this module.
"""

import importlib.util
from pathlib import Path

from setuptools.command.build_py import build_py


def _vendor():
    spec = importlib.util.spec_from_file_location(
        "broadsheet_vendor", Path(__file__).with_name("vendor.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FetchThenBuildPy(build_py):
    """setuptools' build_py, after `python -m broadsheet.vendor` (a no-op when the pinned
    files are already there)."""

    def run(self):
        _vendor().main()
        super().run()
