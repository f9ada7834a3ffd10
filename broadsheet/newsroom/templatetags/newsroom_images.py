"""Wagtail's `{% image %}` and `{% srcset_image %}`, for pages that must render when a
rendition cannot be made.

Load this library after `wagtailimages_tags`: its tags of the same names wrap Wagtail's.
A rendition that cannot be stored (a full or read-only media folder, or a database that
cannot take the rendition's row) leaves the image out of the page, logged, instead of
failing the page (see broadsheet/newsroom/storage.py). Any other error is raised as is.
"""

import logging

from django import template
from wagtail.images.templatetags import wagtailimages_tags

from broadsheet.newsroom.storage import rendition_failed

log = logging.getLogger(__name__)
register = template.Library()


class RenditionOrNothing(template.Node):
    def __init__(self, node: template.Node):
        self.node = node

    def render(self, context) -> str:
        try:
            return self.node.render(context)
        except Exception as error:
            if not rendition_failed(error):
                raise
            log.warning("Image left out of the page: %s", error)
            return ""


def image(parser, token):
    return RenditionOrNothing(wagtailimages_tags.image(parser, token))


register.tag("image", image)
register.tag("srcset_image", image)
