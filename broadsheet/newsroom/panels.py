"""Admin panels for the desk: on the dashboard, where to start an article; on the
article's edit form, what it will carry besides what the editor types."""

from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component


class WriteAnArticlePanel(Component):
    """On the dashboard: one link per section the editor may write in, straight to the
    new article's form (the page explorer takes three clicks to get there)."""

    name = "write_an_article"
    order = 50  # first: writing is what most people open the admin for
    template_name = "newsroom/admin/write_an_article.html"

    def __init__(self, sections):
        self.sections = sections

    def get_context_data(self, parent_context=None):
        return {"sections": self.sections}


class WhatReadersSeePanel(Panel):
    """On the article's edit form: the support call-to-action and the column disclaimer
    the article will show, and where each comes from (the article, its section, the
    publication), so nobody has to open the section to find out."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "newsroom/admin/what_readers_see.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            parent = getattr(self.form, "parent_page", None)
            if parent is None and self.instance.pk:
                parent = self.instance.get_parent()
            context.update(self.instance.what_readers_see(parent, self.request))
            return context
