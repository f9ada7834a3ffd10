"""A fitted model stored in the database as one row's blob, parsed once per process.

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
