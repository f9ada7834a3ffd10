"""Bot traps on the HTML comment form: a honeypot field people never see, a minimum
time between the form being loaded and posted, and (when ALTCHA_ENABLED) a solved
proof-of-work. No third-party CAPTCHA.

The form's start time is a signed timestamp, set by the session request when the script
runs (the cached article page carries none, so it stays the same for every reader);
form pages rendered on their own carry one, and a form shown again after an error keeps
the stamp it was posted with.
"""

from django.core import signing

from broadsheet.moderation import proof_of_work

HONEYPOT = "website_again"
STARTED = "form_started"
SALT = "broadsheet.moderation.form-started"


def form_started() -> str:
    return signing.TimestampSigner(salt=SALT).sign("form")


def kept_stamp(stamp: str) -> str:
    """The stamp a form was posted with, to show it again after an error: the reader who
    corrects it is not a bot posting too soon. One that is not ours is dropped."""
    try:
        signing.TimestampSigner(salt=SALT).unsign(stamp)
    except signing.BadSignature:
        return ""
    return stamp


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
