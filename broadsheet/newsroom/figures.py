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
    """Where a picture came from. Whether the newsroom verified it is a separate fact (a
    handout can be unverified, an agency picture verified or not)."""

    STAFF = "staff", "Staff"
    AGENCY = "agency", "Agency"
    POOL = "pool", "Pool"
    HANDOUT = "handout", "Handout"
    READER = "reader", "Reader"
    SOCIAL = "social", "Social media"


# Before kind and verification were two fields, one value said both: kept readable in
# body images stored then (the lead image's column was migrated).
LEGACY_THIRD_PARTY = "third_party"

KIND_NOTES = {
    Provenance.POOL: "Pool picture{by_source}, shared by the news organisations present.",
    Provenance.HANDOUT: "Handout picture, provided by {source}.",
    Provenance.READER: "Picture sent by a reader{by_source}.",
    Provenance.SOCIAL: "Picture taken from social media{by_source}.",
}
NOT_VERIFIED = "We could not independently verify its authenticity, content, location or date."
UNVERIFIED_NOTE = f"This picture was provided by a third party. {NOT_VERIFIED}"


@dataclass(frozen=True)
class Figure:
    image: Any
    caption: str = ""
    credit: str = ""
    source: str = ""
    provenance: str = Provenance.STAFF
    usage_restriction: str = ""
    verified: bool = True

    def __post_init__(self):
        if self.provenance == LEGACY_THIRD_PARTY:
            object.__setattr__(self, "provenance", Provenance.HANDOUT)
            object.__setattr__(self, "verified", False)

    @property
    def kind_label(self) -> str:
        return Provenance(self.provenance).label if self.provenance in Provenance.values else ""

    @property
    def provenance_note(self) -> str:
        """What a reader must be told when the picture is not the newsroom's own, or not
        verified: where it came from, then that it could not be verified."""
        notes = []
        template = KIND_NOTES.get(self.provenance)
        if template:
            by_source = f" ({self.source})" if self.source else ""
            notes.append(
                template.format(source=self.source or "a third party", by_source=by_source)
            )
        if not self.verified:
            # After a kind note, which already says who provided it, only the doubt.
            notes.append(NOT_VERIFIED if notes else UNVERIFIED_NOTE)
        return " ".join(notes)

    @property
    def is_verified(self) -> bool:
        return self.verified

    @property
    def usage_url(self) -> str:
        """The usage restriction when it is a link (schema.org usageInfo wants a URL)."""
        text = self.usage_restriction.strip()
        return text if text.startswith(("https://", "http://")) and " " not in text else ""

    @property
    def alt_text(self) -> str:
        # Wagtail's image description is the editor's alt text; the caption is the fallback.
        return getattr(self.image, "description", "") or self.caption or self.image.title
