"""The article's plain text: the one string JSON-LD, search and passage anchors share."""

from broadsheet.newsroom.plain_text import html_to_paragraphs, join_paragraphs


def test_blocks_become_paragraphs_and_whitespace_collapses():
    html = "<p>One   <b>bold</b>\n word.</p><ul><li>First</li><li>Second</li></ul><p> </p>"
    assert html_to_paragraphs(html) == ["One bold word.", "First", "Second"]


def test_line_breaks_read_as_spaces_and_entities_are_decoded():
    assert html_to_paragraphs("<p>Line one<br/>line two &amp; more&nbsp;text</p>") == [
        "Line one line two & more text"
    ]


def test_paragraphs_join_with_a_blank_line():
    assert join_paragraphs(["A", " ", "B  c"]) == "A\n\nB c"
