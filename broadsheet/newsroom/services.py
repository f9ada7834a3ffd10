"""Writes the desk causes besides saving pages (which Wagtail's admin does)."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from broadsheet.newsroom.models import Author


def own_author(user) -> Author:
    """The byline of an editor's own account: the Author linked to it, made from the
    account's name (or username) the first time, under a free slug. One Author per
    account (Author.user is unique), even when two saves make it at once."""
    author = Author.objects.filter(user=user).first()
    if author is not None:
        return author
    name = (user.get_full_name() or user.get_username()).strip()[:200]
    base = slugify(name)[:190] or f"author-{user.pk}"
    for _attempt in range(3):
        slug, n = base, 1
        while Author.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        try:
            with transaction.atomic():
                return Author.objects.create(user=user, name=name, slug=slug)
        except IntegrityError:
            # Another request made this account's Author, or took the slug, meanwhile.
            author = Author.objects.filter(user=user).first()
            if author is not None:
                return author
    raise IntegrityError(f"no free slug for the author {name!r}")
