"""A NUL byte (or another character PostgreSQL or XML cannot hold) in any text a reader
or moderator sends, through the API and through the HTML forms: a 4xx, or the text is
stored without it; never a 500, and no NUL ever reaches a row. Run on PostgreSQL too,
which refuses NUL in text (SQLite stores it, and the feeds then choke on it)."""

import copy

import pytest
from django.test import Client

from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation.models import Ban, ModerationAction, Report
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)
from broadsheet.notifications import tokens
from broadsheet.notifications.models import Address
from broadsheet.tests.module_rows import built_once

COMMENT = {
    "body": "A fair point.",
    "author_name": "Guest Reader",
    "author_email": "guest@example.org",
    "author_url": "https://example.org/",
}
QUOTE = {"exact": "First paragraph", "prefix": "", "suffix": " of the story"}
FORM = {**COMMENT, "consent": "1", "remember": "1"}
FORM_QUOTE = {"quote_exact": "First paragraph", "quote_prefix": "", "quote_suffix": " of the"}

# (name, who sends, method, path, the valid data, the field that gets the NUL). In path,
# {article}, {comment} (the reader's own, editable), {token} name the seeded objects.
FIELDS = [
    *[
        ("api-comment-" + f, "api", "post", "/api/v1/articles/{article}/comments", COMMENT, f)
        for f in ["body", "author_name", "author_email", "author_url", "altcha"]
    ],
    *[
        (
            "api-quote-" + f,
            "api",
            "post",
            "/api/v1/articles/{article}/comments",
            {**COMMENT, "quote": QUOTE},
            "quote." + f,
        )
        for f in QUOTE
    ],
    ("api-edit-body", "api", "patch", "/api/v1/comments/{comment}", {"body": "Edited"}, "body"),
    *[
        ("api-flag-" + f, "api", "post", "/api/v1/comments/{other}/flag", {"reason": "spam"}, f)
        for f in ["reason", "note"]
    ],
    *[
        (
            "api-subscribe-" + f,
            "api",
            "post",
            "/api/v1/subscriptions",
            {"article": "{article}", "email": "sub@example.org", "kind": "comments"},
            f,
        )
        for f in ["email", "kind"]
    ],
    ("api-search-q", "api", "get", "/api/v1/search", {"q": "story"}, "q"),
    ("api-thread-sort", "api", "get", "/api/v1/articles/{article}/comments", {}, "sort"),
    *[
        ("form-comment-" + f, "form", "post", "/comments/{article}/post/", FORM, f)
        for f in [*COMMENT, "parent", "notify", "form_started"]
    ],
    *[
        ("form-" + f, "form", "post", "/comments/{article}/post/", {**FORM, **FORM_QUOTE}, f)
        for f in FORM_QUOTE
    ],
    ("form-edit-body", "form", "post", "/comments/c/{comment}/edit/", {"body": "Edited"}, "body"),
    *[
        ("form-report-" + f, "form", "post", "/comments/c/{other}/report/", {"reason": "spam"}, f)
        for f in ["reason", "note"]
    ],
    *[
        (
            "form-subscribe-" + f,
            "form",
            "post",
            "/notifications/subscribe/{article}/",
            {"email": "sub@example.org", "kind": "comments"},
            f,
        )
        for f in ["email", "kind"]
    ],
    ("form-privacy-email", "form", "post", "/privacy/", {"email": "sub@example.org"}, "email"),
    ("form-manage-end", "form", "post", "/notifications/manage/{token}/", {"end": "all"}, "end"),
    *[
        ("search-" + f, "form", "get", "/search/", {"q": "story"}, f)
        for f in ["q", "section", "from", "to", "page"]
    ],
    ("fragment-sort", "form", "get", "/comments/{article}/", {}, "sort"),
    ("article-sort", "form", "get", "/world/harbour-story/", {}, "sort"),
    *[
        ("queue-" + f, "moderator", "get", "/admin/moderation/", {"tab": "held"}, f)
        for f in ["article", "reason", "tab"]
    ],
    (
        "queue-ban-reason",
        "moderator",
        "post",
        "/admin/moderation/",
        {"one": "ban:{other}", "days": "7"},
        "reason",
    ),
    (
        "queue-remove-reason",
        "moderator",
        "post",
        "/admin/moderation/",
        {"action": "remove", "comment": "{other}"},
        "reason",
    ),
]


def _newsroom() -> dict:
    from django.contrib.auth.models import Group, User

    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Harbour story", slug="harbour-story")
    reader = Reader("203.0.113.60")
    mine = reader.comment(article, "My own words.")
    other = Reader("198.51.100.7").comment(article, "Somebody else's.")
    moderator = User.objects.create_user("eda", "eda@example.org")
    moderator.groups.add(Group.objects.get(name="Editors"))
    moderator_client = Client()
    moderator_client.force_login(moderator)
    address = Address.objects.create(email="sub@example.org")
    return {
        "values": {
            "article": article.pk,
            "comment": mine["id"],
            "other": other["id"],
            "token": tokens.manage_token(address.pk),
        },
        "reader": (reader.client.cookies, reader.token),
        "moderator": moderator_client.cookies,
    }


newsroom = built_once(_newsroom)  # each test's writes are rolled back after it


@pytest.fixture
def seeded(newsroom, db):
    """Each test's own clients, with the cookies the newsroom's reader and moderator
    were given (a test must not pass a cookie it was sent on to the next)."""
    cookies, token = newsroom["reader"]
    reader = Reader("203.0.113.60")
    reader.client.cookies, reader.token = copy.deepcopy(cookies), token
    form_client = Client()  # forms: past the CSRF check, to reach the text
    form_client.cookies = reader.client.cookies  # the same reader: may edit "mine"
    moderator_client = Client()
    moderator_client.cookies = copy.deepcopy(newsroom["moderator"])
    return {
        "values": newsroom["values"],
        "api": reader,
        "form": form_client,
        "moderator": moderator_client,
    }


def _with_nul(data: dict, field: str, values: dict) -> dict:
    data = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in data.items()}
    if "article" in data and isinstance(data["article"], str):
        data["article"] = int(data["article"])
    if "." in field:
        outer, inner = field.split(".")
        data[outer] = {**data[outer], inner: data[outer][inner] + "\x00"}
    else:
        data[field] = str(data.get(field, "")) + "\x00"
    return data


def _stored_text() -> list[str]:
    texts = []
    for comment in Comment.objects.all():
        texts += [comment.body, comment.guest_name, comment.guest_email, comment.guest_url]
    texts += list(Report.objects.values_list("note", flat=True))
    texts += list(Address.objects.values_list("email", flat=True))
    texts += list(ModerationAction.objects.values_list("reason", flat=True))
    texts += list(Ban.objects.values_list("reason", flat=True))
    return texts


@pytest.mark.parametrize(
    ("who", "method", "path", "data", "field"),
    [f[1:] for f in FIELDS],
    ids=[f[0] for f in FIELDS],
)
def test_a_nul_byte_in_any_text_field_is_refused_or_cleaned_never_a_500(
    seeded, who, method, path, data, field
):
    values = seeded["values"]
    url = path.format(**values)
    payload = _with_nul(data, field, values)
    if who == "api":
        reader = seeded["api"]
        if method == "get":
            response = reader.client.get(url, payload)
        else:
            response = getattr(reader, method)(url, payload)
    else:
        response = getattr(seeded[who], method)(url, payload)
    assert response.status_code < 500, (field, response.status_code)
    if response.status_code >= 400 and url.startswith("/api/"):
        assert response.json()["detail"]
    assert not [text for text in _stored_text() if "\x00" in text]
