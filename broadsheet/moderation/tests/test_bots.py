"""Bot traps on the HTML comment form: the honeypot and the minimum time to post."""

import time

import pytest
from django.core import signing

from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader
from broadsheet.moderation.bots import SALT
from broadsheet.tests.pages import page_html

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]


def form_post(article, **fields):
    reader = Reader()
    token = reader.session()["csrf_token"]
    data = {
        "body": "Posted through the form.",
        "author_name": "Guest",
        "author_email": "guest@example.org",
        "consent": "1",
        "csrfmiddlewaretoken": token,
        **fields,
    }
    return reader.client.post(f"/comments/{article.pk}/post/", data)


def stamp(seconds_ago: float) -> str:
    """The form's start stamp as if the form had been loaded `seconds_ago`."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - seconds_ago))

    return Earlier(salt=SALT).sign("form")


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(article):
    response = form_post(article, website_again="http://spam.example")
    assert response.status_code == 400
    assert b"could not be posted" in response.content
    assert Comment.objects.count() == 0


def test_a_form_posted_too_fast_is_refused_with_its_text_kept(article):
    response = form_post(article, form_started=stamp(0.5))
    assert response.status_code == 400
    html = response.content.decode()
    assert "That was quick" in html and "Posted through the form." in html
    assert Comment.objects.count() == 0


def test_a_person_who_took_their_time_gets_through(article):
    assert form_post(article, form_started=stamp(30)).status_code == 303
    assert form_post(article, form_started="forged:stamp").status_code == 303
    assert Comment.objects.count() == 2


def test_the_form_carries_both_traps(client, article):
    html = client.get(article.url).content.decode()
    assert 'name="website_again"' in html and 'name="form_started"' in html
    session = client.get("/api/v1/session").json()
    assert session["form_started"]


def solved(client) -> str:
    """Solve the site's challenge as the widget would (the altcha library's solver)."""
    import altcha

    challenge = altcha.Challenge.from_dict(client.get("/api/v1/altcha").json())
    solution = altcha.solve_challenge(challenge)
    return altcha.Payload(challenge, solution).to_base64()


def test_with_altcha_on_a_solved_challenge_is_needed_once(article, settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_COST = 50  # a cheap challenge: the test proves the protocol, not its cost
    assert 'name="altcha"' in Reader().client.get(article.url).content.decode()
    missing = form_post(article, form_started=stamp(30))
    assert missing.status_code == 400 and b"anti-spam check" in missing.content

    reader = Reader()
    payload = solved(reader.client)
    assert form_post(article, form_started=stamp(30), altcha=payload).status_code == 303
    replayed = form_post(article, form_started=stamp(30), altcha=payload)
    assert replayed.status_code == 400 and b"used already" in replayed.content
    forged = payload[:-8] + "AAAAAAA="
    assert form_post(article, form_started=stamp(30), altcha=forged).status_code == 400
    assert Comment.objects.count() == 1

    api = reader.post(
        f"/api/v1/articles/{article.pk}/comments",
        {"body": "Via the API", "author_name": "A", "author_email": "a@example.org"},
    )
    assert api.status_code == 400 and "altcha" in api.json()["errors"]


def test_with_altcha_off_there_is_no_challenge(article, client):
    assert client.get("/api/v1/altcha").status_code == 404
    assert "altcha-widget" not in page_html(client, article)
