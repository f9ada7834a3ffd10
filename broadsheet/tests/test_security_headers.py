"""Every response carries a Content-Security-Policy and framing rules (broadsheet.csp).

Public pages and the API: scripts only with this response's nonce or from the site
itself, never inline without it; nobody may frame them. The Wagtail admin has its own,
looser policy (Wagtail writes inline scripts) and only its previews may be framed, by
the admin itself.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def nonce_of(response) -> str:
    nonces = [s for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1, policy(response)["script-src"]
    return nonces[0][len("'nonce-") : -1]


def executable_scripts(html: str) -> list[str]:
    """The attributes of every <script> a browser would run (JSON-LD and other data
    blocks are not run, so script-src does not apply to them)."""
    return [attrs for attrs in SCRIPT_TAG.findall(html) if "application/ld+json" not in attrs]


@pytest.fixture
def newsroom():
    home = HomePageFactory()
    world = SectionPageFactory(parent=home, title="World", slug="world")
    ada = AuthorFactory(name="Ada Byrne", slug="ada-byrne")
    article = ArticlePageFactory(
        parent=world, title="Harbour talks", slug="harbour-talks", authors=[ada], tags=["Ports"]
    )
    services.post_comment(
        page_id=article.pk,
        reader=Reader(user=None, guest_key=keyed_hash("reader", "g"), ip_hash="g"),
        body="A first comment",
        author_name="Guest",
        author_email="guest@example.org",
        consent=True,
    )
    return article


def public_urls(article) -> list[str]:
    return [
        "/",
        "/world/",
        article.url,
        "/authors/ada-byrne/",
        "/tags/ports/",
        "/search/?q=harbour",
        "/feed/",
        "/privacy/",
        "/accounts/login/",
        "/accounts/signup/",
        f"/comments/{article.pk}/",
        "/no-such-page/",
        "/api/v1/articles",
        "/api/v1/session",
        f"/api/v1/articles/{article.pk}/comments",
        "/healthz",
    ]


def test_every_public_page_and_the_api_carry_the_policy(newsroom):
    client = Client()
    for url in public_urls(newsroom):
        response = client.get(url)
        rules = policy(response)
        assert "'unsafe-inline'" not in rules["script-src"], url
        assert "'unsafe-eval'" not in rules["script-src"], url
        assert rules["frame-ancestors"] == ["'none'"], url
        assert rules["object-src"] == ["'none'"], url
        assert rules["base-uri"] == ["'none'"], url
        assert response["X-Frame-Options"] == "DENY", url
        nonce = nonce_of(response)
        if response["Content-Type"].startswith("text/html"):
            for attrs in executable_scripts(response.content.decode()):
                assert f'nonce="{nonce}"' in attrs, (url, attrs)


def test_the_article_page_runs_its_scripts_by_nonce_and_json_ld_stays_a_data_block(newsroom):
    response = Client().get(newsroom.url)
    html = response.content.decode()
    scripts = executable_scripts(html)
    assert len(scripts) >= 3  # htmx, comments.js, passages.js
    assert all(f'nonce="{nonce_of(response)}"' in attrs for attrs in scripts)
    assert '<script type="application/ld+json">' in html


def test_each_response_has_its_own_nonce_even_from_the_page_cache(newsroom, page_cache_on):
    first, second = Client().get(newsroom.url), Client().get(newsroom.url)
    assert second["X-Cache"] == "hit"
    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        scripts = executable_scripts(response.content.decode())
        assert scripts and all(f'nonce="{nonce_of(response)}"' in a for a in scripts)


def test_the_admin_has_its_own_policy_and_only_its_previews_may_be_framed(newsroom):
    User.objects.create_superuser("ed", "ed@example.org", "a long pass phrase")
    client = Client()
    client.login(username="ed", password="a long pass phrase")

    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    rules = policy(dashboard)
    # Wagtail's admin writes inline scripts; a nonce would switch 'unsafe-inline' off.
    assert "'unsafe-inline'" in rules["script-src"]
    assert not any(s.startswith("'nonce-") for s in rules["script-src"])
    assert rules["frame-ancestors"] == ["'none'"]
    assert dashboard["X-Frame-Options"] == "DENY"

    preview = client.get(f"/admin/pages/{newsroom.pk}/edit/preview/")
    assert preview.status_code == 200
    assert policy(preview)["frame-ancestors"] == ["'self'"]
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_an_editor_on_the_public_site_gets_the_public_policy(newsroom):
    """Signed in, an editor sees the Wagtail user bar on public pages: its scripts come
    from the site (allowed by 'self'), and the page's own still carry the nonce."""
    User.objects.create_superuser("ed", "ed@example.org", "a long pass phrase")
    client = Client()
    client.login(username="ed", password="a long pass phrase")
    response = client.get(newsroom.url)
    assert "'unsafe-inline'" not in policy(response)["script-src"]
    assert "'self'" in policy(response)["script-src"]
    assert response["X-Frame-Options"] == "DENY"
