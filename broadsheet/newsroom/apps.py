from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "broadsheet.newsroom"
    label = "newsroom"
    verbose_name = "Newsroom"
