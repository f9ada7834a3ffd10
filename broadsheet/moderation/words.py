"""Whole-word matching that ignores case and accents ("Café" matches "cafe")."""

import re
import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=64)
def _pattern(words: str) -> re.Pattern | None:
    terms = [fold(line.strip()) for line in words.splitlines() if line.strip()]
    if not terms:
        return None
    alternatives = "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def find(words: str, text: str) -> str | None:
    """The first listed word or phrase that occurs in `text` as a whole word, or None."""
    pattern = _pattern(words)
    if pattern is None:
        return None
    found = pattern.search(fold(text))
    return found.group(0) if found else None
