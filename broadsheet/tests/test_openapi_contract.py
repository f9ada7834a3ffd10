"""The reader API keeps the promises its OpenAPI document makes, under inputs a hostile
reader might send: schemathesis generates requests from /api/v1/openapi.json (valid
ones, and ones the schema forbids), sends them to the Django app in-process (WSGI, no
server), and checks every answer: no 5xx, a status the document lists for the
endpoint, a body of the documented shape.

Bounded and repeatable: a fixed number of examples per endpoint, derandomized
generation, on a small seeded database (an article with comments). Writes carry a CSRF
cookie and header, so they reach the services rather than stopping at 403.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader
from broadsheet.engagement.tests.conftest import comment_to_vote_on
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    SectionPageFactory,
)

CSRF = "hostilereadershostilereaders2026"  # a CSRF secret, in the cookie and the header


def _app():
    from broadsheet.wsgi import application

    return application


# Every check but one: positive_data_acceptance expects every request the schema allows
# to succeed, but business rules the schema cannot say (a guest needs a name, an
# article must exist, a search needs a word) refuse some, with a documented 400.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 2026,
        "generation": {"deterministic": True},
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)

# Read at collection, from the app itself (the document needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app(), config=CONFIG)


@pytest.fixture
def in_process():
    """Requests through the WSGI app inside the test's transaction: Django closes the
    database connection when a request finishes, which its test client prevents as
    this does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, django_user_model, in_process):
    """An article with a guest's comment and an account's reply to it."""
    home = HomePageFactory()
    section = SectionPageFactory(parent=home, title="World", slug="world")
    article = ArticlePageFactory(parent=section, title="Harbour story", slug="harbour-story")
    first = comment_to_vote_on(article)
    account = Reader(user=django_user_model.objects.create_user("ben"), guest_key="", ip_hash="b")
    services.post_comment(page_id=article.pk, reader=account, body="Agreed.", parent_id=first.pk)
    return article


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,  # the first request of each endpoint warms caches; time is bounded by count
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_its_document_says(seeded, case):
    # Schemathesis asks for gzip like any HTTP client, but its WSGI transport hands back
    # the bytes without decoding them as a client would: ask for them plain (the
    # compressed answers have their own tests, test_compression.py).
    headers = {"X-CSRFToken": CSRF, "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, cookies={"csrftoken": CSRF})
