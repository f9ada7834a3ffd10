"""Reader accounts through django-allauth: sign up by email, verify, sign in, comment."""

import re

import pytest
from django.contrib.auth.models import User

from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import Reader, csrf_token_in

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
    assert "mara@example.org" not in reader.client.get(article.url).content.decode()
