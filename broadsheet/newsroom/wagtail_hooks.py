"""The newsroom's additions to the Wagtail admin."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def image_titles_are_not_file_names():
    return format_html('<script src="{}"></script>', static("newsroom/admin-images.js"))
