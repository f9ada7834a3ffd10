"""requirements.lock, which `make install` and CI install, holds every dependency that
pyproject.toml names: a dependency added without `make lock` fails here, not on the next
fresh machine."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from broadsheet.settings import PROJECT_DIR


def test_every_dependency_in_pyproject_is_pinned_with_hashes_in_the_lock():
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(line) for line in project["dependencies"]]
    wanted += [Requirement(line) for line in project["optional-dependencies"]["dev"]]
    lock = (PROJECT_DIR / "requirements.lock").read_text()
    pinned = {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+) \\$", lock, re.M)
    }
    assert pinned, "requirements.lock pins nothing"
    missing = [str(r) for r in wanted if canonicalize_name(r.name) not in pinned]
    assert not missing, f"not in requirements.lock (run make lock): {missing}"
    outside = [
        f"{r.name}=={pinned[canonicalize_name(r.name)]} (wanted {r.specifier})"
        for r in wanted
        if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"locked outside pyproject.toml's bounds (run make lock): {outside}"
    hashed = re.findall(r"^[A-Za-z0-9._-]+==\S+ \\\n    --hash=sha256:", lock, re.M)
    assert len(hashed) == len(pinned), "every pin carries its hashes (make lock)"
