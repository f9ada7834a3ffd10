"""Photos with honest provenance.

A news photo carries more than a caption: who took it, where it came from, whether the
newsroom could verify it, and how it may be used. Wire services cram all of that into
one string; we keep each as its own field so the page, the structured data and later
exports can say it plainly.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models


class Provenance(models.TextChoices):
    STAFF = "staff", "Staff"
    AGENCY = "agency", "Agency"
    HANDOUT = "handout", "Handout"
    THIRD_PARTY = "third_party", "Third party, unverified"


PROVENANCE_NOTES = {
    Provenance.HANDOUT: "Handout picture, provided by {source}.",
    Provenance.THIRD_PARTY: (
        "This picture was provided by a third party{by_source}. We could not independently "
        "verify its authenticity, content, location or date."
    ),
}


@dataclass(frozen=True)
class Figure:
    image: Any
    caption: str = ""
    credit: str = ""
    source: str = ""
    provenance: str = Provenance.STAFF
    usage_restriction: str = ""

    @property
    def provenance_note(self) -> str:
        """The sentence a reader must see when the picture is not the newsroom's own."""
        if self.provenance == Provenance.HANDOUT:
            source = self.source or "a third party"
            return PROVENANCE_NOTES[Provenance.HANDOUT].format(source=source)
        if self.provenance == Provenance.THIRD_PARTY:
            by_source = f" ({self.source})" if self.source else ""
            return PROVENANCE_NOTES[Provenance.THIRD_PARTY].format(by_source=by_source)
        return ""

    @property
    def is_verified(self) -> bool:
        return self.provenance in (Provenance.STAFF, Provenance.AGENCY)

    @property
    def alt_text(self) -> str:
        # Wagtail's image description is the editor's alt text; the caption is the fallback.
        return getattr(self.image, "description", "") or self.caption or self.image.title
