"""Where image renditions are written, and what happens when they cannot be.

A rendition is made the first time a page asks for it, while a reader waits. When the
media folder is full or read-only that write fails; an article must still render. The
failure is logged and raised as Wagtail's SourceImageIOError, which its `{% image %}`
and `{% srcset_image %}` tags already render as a broken-image placeholder (the alt
text shows) instead of failing the page; the structured data and the share image use
the original picture instead (`rendition_or_original`). Nothing half-written is left:
the partial file is removed and the rendition row, created in the same transaction,
is never saved, so the next request after space is freed makes it afresh.
"""

import contextlib
import errno
import logging
import os
from types import SimpleNamespace

from django.core.files.storage import FileSystemStorage
from wagtail.images.models import SourceImageIOError

log = logging.getLogger(__name__)

UNWRITABLE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES)


class RenditionNotWritten(SourceImageIOError):
    """The rendition's file could not be written (full or read-only media folder)."""


class RenditionStorage(FileSystemStorage):
    """MEDIA_ROOT, as the default storage, but a rendition it cannot write is logged and
    left out rather than failing the page that asked for it."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            if error.errno not in UNWRITABLE:
                raise
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                with contextlib.suppress(OSError):
                    os.remove(self.path(name))  # the part written before space ran out
            log.warning("Rendition %s not written: %s", name, error)
            raise RenditionNotWritten(str(error)) from error


def rendition_or_original(image, spec: str):
    """The rendition of `image` for `spec`, or (when it cannot be written) the original
    picture with its own size: something with `url`, `width` and `height`."""
    try:
        return image.get_rendition(spec)
    except RenditionNotWritten:
        return SimpleNamespace(url=image.file.url, width=image.width, height=image.height)
