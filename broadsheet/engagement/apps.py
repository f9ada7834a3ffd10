from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "broadsheet.engagement"
    label = "engagement"
    verbose_name = "Reader engagement"

    def ready(self) -> None:
        from wagtail.signals import page_published

        from broadsheet.engagement.signals import reanchor_on_publish

        page_published.connect(reanchor_on_publish, dispatch_uid="engagement-reanchor")
