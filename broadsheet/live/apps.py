from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "broadsheet.live"
    label = "live"
    verbose_name = "Live threads"

    def ready(self) -> None:
        from broadsheet.engagement.signals import discussion_changing
        from broadsheet.live.publish import discussion_changing_live

        # engagement sends it inside the change's transaction; live never imports back
        # into engagement's services, it reads the state through its selectors and models.
        discussion_changing.connect(discussion_changing_live, dispatch_uid="live-publish")
