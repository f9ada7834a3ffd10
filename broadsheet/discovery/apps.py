from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "broadsheet.discovery"
    label = "discovery"
    verbose_name = "Discovery"

    def ready(self) -> None:
        from wagtail.signals import page_published, page_unpublished

        from broadsheet.discovery import signals

        page_published.connect(signals.article_published, dispatch_uid="discovery-published")
        page_unpublished.connect(signals.article_unpublished, dispatch_uid="discovery-unpublished")
