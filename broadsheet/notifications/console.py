"""Emails on the console as one line each: `make run`'s default when EMAIL_URL is unset.

A reader trying Broadsheet locally needs to see that an email went out and to follow its
link (confirming a subscription or an account); the whole message, headers and both
parts, buried the worker's terminal. Set EMAIL_URL to a local SMTP server to read them
whole (docs/notifications.md).
"""

import re

from django.core.mail.backends.console import EmailBackend as ConsoleBackend

LINK = re.compile(r"https?://[^\s<>\"']+")


class EmailBackend(ConsoleBackend):
    def write_message(self, message) -> None:
        link = LINK.search(message.body or "")
        recipients = ", ".join(message.recipients())
        line = f"Email to {recipients}: “{message.subject}”"
        self.stream.write(f"{line} {link[0]}\n" if link else f"{line}\n")
