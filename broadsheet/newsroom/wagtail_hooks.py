"""The newsroom's additions to the Wagtail admin."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.action_menu import PublishMenuItem, WorkflowMenuItem

from broadsheet.newsroom import selectors
from broadsheet.newsroom.panels import WriteAnArticlePanel


@hooks.register("insert_global_admin_js")
def image_titles_are_not_file_names():
    # Also: the image chooser opens on its upload tab while the library is empty.
    return format_html('<script src="{}"></script>', static("newsroom/admin-images.js"))


@hooks.register("insert_editor_js")
def article_form_scripts():
    # A third-party picture starts unverified; no autosave before there is a headline.
    return format_html('<script src="{}"></script>', static("newsroom/admin-article.js"))


@hooks.register("construct_homepage_panels")
def write_an_article(request, panels):
    sections = selectors.sections_to_write_in(request.user)
    if sections:
        panels.append(WriteAnArticlePanel(sections))


@hooks.register("construct_page_action_menu")
def publish_first(menu_items, request, context):
    """Publish is the footer's main button for those who may publish ("Save draft" stays
    in the menu, and autosave keeps drafts): an editor's first click on a finished
    article publishes it. Not while the page waits in a workflow: there approving is
    the way to publish, and Wagtail's order stays."""
    if any(isinstance(item, WorkflowMenuItem) for item in menu_items):
        return
    for index, item in enumerate(menu_items):
        if isinstance(item, PublishMenuItem):
            menu_items.insert(0, menu_items.pop(index))
            return
