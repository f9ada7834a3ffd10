"""What an import did: counts per kind of thing, and every item it skipped, with why.

Shared by the importers (WordPress WXR, Disqus, JSONL): each fills one `ImportReport` as
it goes and the command prints it at the end, so an editor reads the same summary
whichever export they brought. Nothing is skipped silently: a skip is counted under its
kind and listed with its reason.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

# How many skips of one reason are listed one by one before the rest are only counted.
LISTED_SKIPS = 20


@dataclass(frozen=True)
class Skip:
    kind: str  # "article", "comment", "image", ...
    ident: str  # the source's id or path for the item, as the export names it
    reason: str  # "comment whose parent is missing", "missing media", ...


@dataclass
class ImportReport:
    """Counts of created, updated and skipped items per kind, and the skips themselves.

    `note()` records things kept but worth an editor's look (an unknown block kept as
    sanitized HTML); they are listed like skips but do not count as skipped."""

    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    skips: list[Skip] = field(default_factory=list)
    notes: list[Skip] = field(default_factory=list)

    def create(self, kind: str, n: int = 1) -> None:
        self.created[kind] += n

    def update(self, kind: str, n: int = 1) -> None:
        self.updated[kind] += n

    def skip(self, kind: str, ident, reason: str) -> None:
        self.skipped[kind] += 1
        self.skips.append(Skip(kind, str(ident), reason))

    def note(self, kind: str, ident, reason: str) -> None:
        self.notes.append(Skip(kind, str(ident), reason))

    def kinds(self) -> list[str]:
        seen = dict.fromkeys([*self.created, *self.updated, *self.skipped])
        return list(seen)

    def skip_reasons(self) -> Counter:
        return Counter((s.kind, s.reason) for s in self.skips)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "skipped": dict(self.skipped),
            "skips": [s.__dict__ for s in self.skips],
            "notes": [s.__dict__ for s in self.notes],
        }

    def write(self, out: TextIO, listed: int = LISTED_SKIPS) -> None:
        """The report as an editor reads it: a table of counts, then skips and notes
        grouped by reason, each group listing its first `listed` items."""
        title = "Import report (dry run: nothing was written)" if self.dry_run else "Import report"
        out.write(f"{title}\n")
        kinds = self.kinds()
        width = max([len(k) for k in kinds] + [4])
        out.write(f"  {'kind':<{width}}  {'created':>8}  {'updated':>8}  {'skipped':>8}\n")
        for kind in kinds:
            out.write(
                f"  {kind:<{width}}  {self.created[kind]:>8}  {self.updated[kind]:>8}"
                f"  {self.skipped[kind]:>8}\n"
            )
        if not kinds:
            out.write("  (nothing)\n")
        for heading, entries in (("Skipped", self.skips), ("Kept, to check", self.notes)):
            if not entries:
                continue
            out.write(f"{heading}:\n")
            groups: dict[tuple[str, str], list[str]] = {}
            for entry in entries:
                groups.setdefault((entry.kind, entry.reason), []).append(entry.ident)
            for (kind, reason), idents in groups.items():
                shown = ", ".join(idents[:listed])
                more = f" and {len(idents) - listed} more" if len(idents) > listed else ""
                out.write(f"  {len(idents)} {kind}: {reason} ({shown}{more})\n")
