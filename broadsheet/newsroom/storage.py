"""Where image renditions are written, and what happens when they cannot be.

A rendition is made the first time a page asks for it, while a reader waits. When the
media folder is full or read-only that write fails (and on a read-only disk so does the
rendition's row); an article must still render. The storage removes the partial file,
logs, and raises RenditionNotWritten; the image tags of `newsroom_images` then leave that
image out of the page, and the share image and structured data use the original picture
(`rendition_or_original`). Nothing half-written is kept: the rendition's row is created
in the same transaction as its file and rolled back with it, so the first request after
space is freed makes the rendition afresh.
"""

import contextlib
import errno
import logging
import os
from types import SimpleNamespace

from django.core.files.storage import FileSystemStorage

from broadsheet.outages import FULL, READ_ONLY, outage_kind

log = logging.getLogger(__name__)

UNWRITABLE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES)


class RenditionNotWritten(Exception):
    """The rendition's file could not be written (full or read-only media folder)."""


def rendition_failed(error: BaseException) -> bool:
    """Whether `error` means a rendition could not be stored for lack of a writable
    disk (its file, or its row in a database on a full or read-only disk)."""
    return isinstance(error, RenditionNotWritten) or outage_kind(error) in (FULL, READ_ONLY)


class RenditionStorage(FileSystemStorage):
    """MEDIA_ROOT, as the default storage; a rendition it cannot write is logged and
    raised as RenditionNotWritten, with no partial file left behind."""

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
    """The rendition of `image` for `spec`, or (when it cannot be stored) the original
    picture with its own size: something with `url`, `width` and `height`."""
    try:
        return image.get_rendition(spec)
    except Exception as error:
        if not rendition_failed(error):
            raise
        return SimpleNamespace(url=image.file.url, width=image.width, height=image.height)
