"""Stored rows that every request would otherwise read: a fitted model stored as one
row's blob, parsed once per process (ParsedOnce), and a small row's copy in the shared
cache (SharedCopy).

The related-articles vocabulary and the spam filter are fitted in the background and
stored compressed; every process that uses one must parse it once, not per request,
and must notice when a newer fit replaces it. The row's (id, fitted-at) names a fit:
while the latest row's name is the one in hand, the parsed copy is reused.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import models

T = TypeVar("T")


class ParsedOnce(Generic[T]):
    """The parsed copy of one stored fit, kept for the life of the process."""

    def __init__(self, model: type[models.Model], loads: Callable[[bytes], T], stamp: str):
        self.model, self.loads, self.stamp = model, loads, stamp
        self._name: tuple | None = None
        self._value: T | None = None

    def latest_row(self) -> models.Model | None:
        """The newest stored fit without its blob (one query)."""
        return self.model.objects.defer("data").order_by("-pk").first()

    def value(self, row: models.Model) -> T:
        """The parsed fit of `row` (the latest row): read and parsed on first use only."""
        name = (row.pk, getattr(row, self.stamp))
        if name != self._name:
            data = self.model.objects.values_list("data", flat=True).get(pk=row.pk)
            self._name, self._value = name, self.loads(bytes(data))
        return self._value

    def keep(self, row: models.Model, value: T) -> None:
        """A fit this process just made and stored: no need to read it back."""
        self._name, self._value = (row.pk, getattr(row, self.stamp)), value

    def forget(self) -> None:
        """As a fresh process would be: the next use reads the stored fit back."""
        self._name = self._value = None


class SharedCopy(Generic[T]):
    """A value read from the database on every comment (the moderation rules, the spam
    filter's latest row), kept in the shared cache instead, so every process reads it
    with one cache read. `forget` is the receiver of its model's post_save and
    post_delete: the copy is dropped at once, and again when the change commits, since a
    request that read the old row just before the commit may have put it back; a copy
    lives `seconds` at most, the bound on a change no signal reports. The value is kept
    inside a tuple, so that None (no row) is a copy too."""

    def __init__(self, key: str, load: Callable[[], T], seconds: int = 60):
        self.key, self.load, self.seconds = key, load, seconds

    def get(self) -> T:
        from django.core.cache import cache

        copy = cache.get(self.key)
        if isinstance(copy, tuple):
            return copy[0]
        value = self.load()
        cache.set(self.key, (value,), timeout=self.seconds)
        return value

    def forget(self, **kwargs) -> None:
        from django.core.cache import cache
        from django.db import transaction

        cache.delete(self.key)
        transaction.on_commit(lambda: cache.delete(self.key))
