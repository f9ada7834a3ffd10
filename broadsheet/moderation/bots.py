"""Bot traps on the HTML comment form: a honeypot field people never see, a minimum
time between the form being loaded and posted, and (when ALTCHA_ENABLED) a solved
proof-of-work. No third-party CAPTCHA.

The form's start time is a signed timestamp: in the page itself, and refreshed by the
session request when the script runs (a cached page's own stamp is as old as the cache,
which passes the test: only bots that post the instant they load are caught).
"""

from django.core import signing

from broadsheet.moderation import proof_of_work

HONEYPOT = "website_again"
STARTED = "form_started"
SALT = "broadsheet.moderation.form-started"


def form_started(kept: str = "") -> str:
    """A new start stamp, or `kept` when it is one of ours (whatever its age): a form
    shown again after an error keeps the moment it was first loaded."""
    if kept:
        try:
            signing.TimestampSigner(salt=SALT).unsign(kept)
            return kept
        except signing.BadSignature:
            pass
    return signing.TimestampSigner(salt=SALT).sign("form")


def check(post) -> str | None:
    """A refusal message when the form looks like a bot's, else None."""
    from broadsheet.moderation.verdicts import rules

    if post.get(HONEYPOT, "").strip():
        return "Your comment could not be posted."
    if proof_of_work.enabled():
        refused = proof_of_work.check(post.get("altcha", ""))
        if refused:
            return refused
    stamp = post.get(STARTED, "")
    if not stamp:
        return None
    minimum = rules().min_seconds_to_post
    try:
        signing.TimestampSigner(salt=SALT).unsign(stamp, max_age=minimum)
    except signing.SignatureExpired:
        return None  # loaded long enough ago
    except signing.BadSignature:
        return None  # unknown or forged: the other rules still apply
    return "That was quick: please take a moment to read it over, then post again."
