"""ALTCHA proof-of-work, self-hosted: we make the challenges and check the solutions
(the altcha library), the browser solves them (the ALTCHA widget, from npm, served
from our own static files). No third-party service sees our readers.

A solved challenge is accepted once: its signature is remembered in the cache until
the challenge would have expired anyway.
"""

import hashlib
from datetime import timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

ALGORITHM = "PBKDF2/SHA-256"
LIFETIME = timedelta(minutes=20)


def _secret() -> str:
    return hashlib.sha256(f"broadsheet.altcha:{settings.SECRET_KEY}".encode()).hexdigest()


def enabled() -> bool:
    return settings.ALTCHA_ENABLED


def challenge() -> dict:
    made = altcha.create_challenge(
        ALGORITHM,
        settings.ALTCHA_COST,
        expires_at=timezone.now() + LIFETIME,
        hmac_secret=_secret(),
    )
    return made.to_dict()


def check(payload: str) -> str | None:
    """None when `payload` is a fresh, valid solution; else the reader's message."""
    if not payload:
        return "Please wait for the anti-spam check under the form to finish (it needs JavaScript)."
    result = altcha.verify_solution(payload, _secret())
    if not result.verified:
        return "The anti-spam check did not pass: please try again."
    used = "altcha-used:" + hashlib.sha256(payload.encode()).hexdigest()
    if not cache.add(used, 1, timeout=int(LIFETIME.total_seconds()) + 60):
        return "That anti-spam check was used already: please try again."
    return None
