"""Labelled comments for the spam filter's tests, (text, label) with label 1 for spam:
a training part and a held-out part written from disjoint vocabularies.

data/labelled_comments.json was made once with the benchmark's generator (bench/corpus.py,
`generate(300, seed=3, part="training")` and `generate(200, seed=4, part="held-out")`)
and is kept here, because nothing in the package, its tests included, imports bench/.
"""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "labelled_comments.json"


@cache
def _load() -> dict[str, list[tuple[str, int]]]:
    return {
        part: [(text, label) for text, label in rows]
        for part, rows in json.loads(DATA.read_text()).items()
    }


def labelled(part: str, count: int | None = None) -> list[tuple[str, int]]:
    """The first `count` comments (all when None) of `part`, "training" or "held-out"."""
    return _load()[part][:count]
