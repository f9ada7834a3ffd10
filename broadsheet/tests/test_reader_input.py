"""The bounds and the cleaning every reader's number and text goes through."""

import pytest

from broadsheet.reader_input import MAX_ID, clean_text, page_number, single_line, whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),  # past int()'s digit limit: a ValueError, not a crash
        ("-1", None),
        ("1.5", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_whole_numbers_outside_the_database_range_are_none(value, expected):
    assert whole_number(value) == expected


def test_page_numbers_fall_back_to_the_first_page():
    assert [page_number(v) for v in ["3", "0", "-2", "x", None, str(2**31)]] == [3, 1, 1, 1, 1, 1]


def test_clean_text_keeps_what_xml_can_carry():
    kept = "Tab\there,\nline\r\nbreaks, ünïcödé, emoji 🗞, private \ue000, \ufffd"
    assert clean_text(kept) == kept
    dropped = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\udfffi\ufffej\uffffk"
    assert clean_text(dropped) == "abcdefghijk"


def test_single_line_collapses_every_kind_of_line_break():
    name = "  Ada\r\nBcc: all@example.org\u2028Lovelace\x85 \t\x00 "
    assert single_line(name) == "Ada Bcc: all@example.org Lovelace"
