from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from broadsheet.engagement import admin_views


@hooks.register("register_admin_urls")
def register_passage_questions_url():
    return [
        path(
            "passage-questions/",
            admin_views.passage_questions,
            name="engagement_passage_questions",
        )
    ]


@hooks.register("register_admin_menu_item")
def register_passage_questions_menu_item():
    return MenuItem(
        "Passage questions",
        reverse("engagement_passage_questions"),
        icon_name="help",
        order=250,
    )
