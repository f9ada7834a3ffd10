"""Reading a page the way a reader sees it, for tests that check something is absent."""

from django.utils.html import escape


def page_html(client, page) -> str:
    """The HTML of `page` as `client` gets it, after checking it is the page itself (a
    200 with its headline): "X is not on the article" must not pass on an error page, a
    redirect or a login form."""
    response = client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code)
    html = response.content.decode()
    assert escape(page.title) in html, f"{page.title!r} is not on {page.url}"
    return html
