"""Reader accounts through django-allauth: sign up by email, verify, sign in, comment."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader, csrf_token_in
from broadsheet.tests.pages import page_html

pytestmark = pytest.mark.django_db


def test_sign_up_verify_by_email_sign_in_and_comment(smtp_inbox, article):
    reader = Reader()
    signup = reader.client.get("/accounts/signup/")
    token = csrf_token_in(signup)
    response = reader.client.post(
        "/accounts/signup/",
        {
            "csrfmiddlewaretoken": token,
            "email": "mara@example.org",
            "username": "mara",
            "password1": "a-long-password-for-mara",
            "password2": "a-long-password-for-mara",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="mara")
    assert not user.emailaddress_set.get().verified

    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "mara@example.org"
    body = (
        message.get_payload(decode=True)
        if not message.is_multipart()
        else (message.get_payload(0).get_payload(decode=True))
    )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body.decode()).group(1)
    confirm_page = reader.client.get(link)
    token = csrf_token_in(confirm_page)
    reader.client.post(link, {"csrfmiddlewaretoken": token})
    assert user.emailaddress_set.get().verified
    # Confirming in the browser that signed up signs the reader in there.
    assert reader.session()["user"] == {"id": user.pk, "name": "mara"}

    reader = Reader()  # and they can sign in from another browser
    login_page = reader.client.get("/accounts/login/")
    token = csrf_token_in(login_page)
    login = reader.client.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token,
            "login": "mara@example.org",
            "password": "a-long-password-for-mara",
        },
    )
    assert login.status_code == 302

    session = reader.session(article.pk)
    assert session["user"] == {"id": user.pk, "name": "mara"}
    created = reader.post(f"/api/v1/articles/{article.pk}/comments", {"body": "Signed in"})
    assert created.status_code == 201
    assert Comment.objects.get().user == user
    assert "mara@example.org" not in page_html(reader.client, article)


PROXY = "10.0.0.2"


def sign_in(address: str, email: str, password: str):
    """A sign-in through the trusted proxy, from the reader at `address`."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
    token = csrf_token_in(client.get("/accounts/login/"))
    return client.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": email, "password": password},
    )


def test_failed_sign_ins_behind_the_proxy_lock_out_their_client_only(settings):
    """allauth allows 10 failed sign-ins a minute per client address. Behind the
    documented proxy set-up it must count the reader's address (X-Forwarded-For from a
    trusted proxy), not the proxy's, or one guesser locks every reader out."""
    settings.TRUSTED_PROXIES = [PROXY]
    mara = User.objects.create_user("mara", "mara@example.org", "a-long-password-for-mara")
    mara.emailaddress_set.create(email="mara@example.org", verified=True, primary=True)

    guesser = "203.0.113.66"
    answers = [
        sign_in(guesser, f"victim{n}@example.org", "guess").content.decode() for n in range(11)
    ]
    assert "Too many failed login attempts" in answers[-1]  # the guesser is stopped

    signed_in = sign_in("198.51.100.5", "mara@example.org", "a-long-password-for-mara")
    assert signed_in.status_code == 302, signed_in.content.decode()
