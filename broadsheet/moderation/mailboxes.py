"""The one spelling of a mailbox, for email bans. A module of its own, below the models
(which store bans in this spelling) and the ban lookups alike."""

# Providers that ignore dots in the local part, and the one name for each.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(email: str) -> str:
    """The one spelling of a mailbox that an email ban is stored and matched under, so a
    banned author cannot come back as `Troll@Example.org`, `troll+again@example.org` or,
    at Gmail, `t.roll@googlemail.com`: lower case, a `+tag` dropped from the local part
    (plus addressing delivers `name+tag@` to `name@` at nearly every provider), and
    dots dropped at the providers that ignore them."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return email
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"
