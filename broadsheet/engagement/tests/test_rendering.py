"""The one sanitizer: markdown subset in, allow-listed HTML out."""

import pytest

from broadsheet.engagement.rendering import excerpt, render_comment


def test_paragraphs_emphasis_quotes_and_code():
    html = render_comment("First *line*\nsecond **bold**\n\n> quoted\n\nUse `code` here")
    assert "<p>First <em>line</em><br>" in html
    assert "<strong>bold</strong>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<code>code</code>" in html


def test_links_get_nofollow_ugc_noopener():
    html = render_comment("See [the report](https://example.org/report) and <https://example.org>")
    assert '<a href="https://example.org/report" rel="nofollow ugc noopener">the report</a>' in html
    assert html.count('rel="nofollow ugc noopener"') == 2


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x.org" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_no_raw_html_or_dangerous_links_survive(text):
    html = render_comment(text)
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "onerror=" not in html.replace("&quot;", '"').split("&lt;")[0]
    assert 'href="javascript' not in html
    assert 'href="data:' not in html
    assert "onclick" not in html or "&lt;a" in html  # shown as text, never as an attribute


def test_images_in_markdown_stay_links():
    html = render_comment("![a cat](https://example.org/cat.png)")
    assert "<img" not in html
    assert 'href="https://example.org/cat.png"' in html


def test_excerpt_is_plain_text_with_entities_decoded_once():
    html = render_comment("Tom & Jerry: **no** <b>tags</b>, 5 < 6\nnext line\n\n> a quote")
    assert excerpt(html) == "Tom & Jerry: no <b>tags</b>, 5 < 6 next line a quote"
    assert excerpt(render_comment("word " * 100), 30) == "word word word word word word…"
