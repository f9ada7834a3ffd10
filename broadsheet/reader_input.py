"""What readers send, made fit for the database, for XML and for email headers: the one
place that knows how big a number and which characters a text may be.

Numbers. SQLite's INTEGER and PostgreSQL's bigint hold integers up to 2**63 - 1. Past
that SQLite fails when it binds the value and PostgreSQL inside the query (aborting the
transaction), so an unchecked `?page=99999999999999999999` was a 500. Ids are bounded by
that range (the `<id:...>` URL converter, the API's `Id`); page numbers and offsets by
2**31 - 1, far past any listing, so that a page number times a page size stays inside it.

Text. Every text a reader sends keeps only the characters XML 1.0 can carry: no NUL
(PostgreSQL refuses it in text), no other C0 control character but tab, line feed and
carriage return (feeds are XML), no lone surrogate (not UTF-8). A name, an email header
or any other one-line value has its whitespace, line breaks included, collapsed to
single spaces. Cleaning, not refusing: these characters never carry meaning a reader
meant, and what remains is checked as before (empty, too long, not an email...).
"""

import re
from typing import Annotated

from django.urls import register_converter
from pydantic import Field

MAX_ID = 2**63 - 1
MAX_PAGE = 2**31 - 1  # page numbers, offsets, positions in a text

NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def whole_number(value, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`value` (a string from a form or query string, or an int) as an int within
    [low, high], or None: not a whole number, or one out of range."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):  # ValueError too for more than 4,300 digits
        return None
    return number if low <= number <= high else None


def page_number(value) -> int:
    """A page number from a query string: 1 unless it is a whole number from 1 to
    MAX_PAGE. (A page past the last is the listing's business: empty, or the last.)"""
    return whole_number(value, low=1, high=MAX_PAGE) or 1


def clean_text(value) -> str:
    """Text without the characters XML 1.0 cannot carry (NUL and the other C0
    controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF)."""
    return NOT_IN_XML.sub("", value if isinstance(value, str) else str(value or ""))


def single_line(value) -> str:
    """Clean text on one line: every run of whitespace, line breaks and Unicode line
    separators included, becomes one space; none at either end. For names, and for
    anything that goes into an email header."""
    return " ".join(clean_text(value).split())


# For the API's schemas: ids, page numbers, offsets and positions in a text, each
# described with its range in the OpenAPI document; out of range answers 400.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_PAGE)]
# The same in JSON bodies, where a number must be a JSON integer (`true` is not a 1).
JsonId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
JsonOffset = Annotated[int, Field(ge=0, le=MAX_PAGE, strict=True)]


class IdConverter:
    """`<id:comment_id>` in URL patterns: a positive id the database can hold. Any other
    number matches no URL (404), as an id nothing has."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = whole_number(value, low=1)
        if number is None:
            raise ValueError(f"not an id: {value[:30]}")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
