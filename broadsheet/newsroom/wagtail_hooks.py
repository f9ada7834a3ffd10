"""The newsroom's additions to the Wagtail admin."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from broadsheet.newsroom import selectors
from broadsheet.newsroom.panels import WriteAnArticlePanel


@hooks.register("insert_global_admin_js")
def image_titles_are_not_file_names():
    return format_html('<script src="{}"></script>', static("newsroom/admin-images.js"))


@hooks.register("construct_homepage_panels")
def write_an_article(request, panels):
    sections = selectors.sections_to_write_in(request.user)
    if sections:
        panels.append(WriteAnArticlePanel(sections))
